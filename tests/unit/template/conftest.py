"""Fixtures of the template.yaml tests: the SAM template as parsed, and as transformed to CloudFormation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.template.support import load_sam, transform_sam


@pytest.fixture(scope="module")
def sam() -> dict[str, Any]:
    return load_sam()


@pytest.fixture(scope="module")
def cfn(sam: dict[str, Any]) -> dict[str, Any]:
    return transform_sam(sam)

"""One local stack per test session (see ``stackproc.running_stack``), shared by the e2e tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.stackproc import cognito_client, running_stack


@pytest.fixture(scope="session")
def stack() -> Iterator[dict[str, Any]]:
    """URLs and ids of a running local stack with its default legacy DB (see ``devstack.stack.StackInfo``)."""
    with running_stack() as info:
        yield info


@pytest.fixture(scope="session")
def idp(stack: dict[str, Any]) -> Any:
    """A boto3 ``cognito-idp`` client for the session stack's cognito-local."""
    return cognito_client(stack["cognito_url"])

"""template.yaml through cfn-lint 1.53.3 and the SAM transform.

cfn-lint is pinned to 1.53.3 because 1.54+ no longer runs aws-sam-translator (cfn-lint PR #4491) and silently
stops checking ``AWS::Serverless::*`` resources: an invalid runtime inside a SAM function passes 1.54-1.58 (found
by comparing those versions on this template); a negative control proves the installed version still catches it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.unit.template.support import TEMPLATE, alias_target, sam_functions


def _cfn_lint(path: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "cfn-lint"
    assert exe.exists(), f"cfn-lint is not installed next to {sys.executable}: pip install -e '.[dev]'"
    return subprocess.run([str(exe), str(path)], capture_output=True, text=True, timeout=120, check=False)


def test_installed_cfn_lint_is_the_version_that_still_checks_sam_resources() -> None:
    from cfnlint.version import __version__

    assert __version__ == "1.53.3"


def test_template_passes_cfn_lint_with_no_errors_or_warnings() -> None:
    result = _cfn_lint(TEMPLATE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_cfn_lint_catches_an_invalid_runtime_inside_a_sam_function(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(TEMPLATE.read_text(encoding="utf-8").replace("Runtime: python3.13", "Runtime: python3.99"))
    result = _cfn_lint(broken)
    assert result.returncode != 0
    assert "python3.99" in result.stdout


def test_sam_transform_succeeds_and_publishes_an_alias_per_function(cfn: dict[str, Any], sam: dict[str, Any]) -> None:
    aliases = {alias_target(cfn, {"Ref": k}) for k, v in cfn["Resources"].items() if v["Type"] == "AWS::Lambda::Alias"}
    assert aliases == set(sam_functions(sam))

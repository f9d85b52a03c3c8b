"""``python -m devstack demo`` (what ``make demo`` runs): exit 0 when every step behaves, non-zero otherwise."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.stackproc import ROOT, stack_env

pytestmark = [pytest.mark.e2e]


def _run_demo(extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "devstack", "demo"], cwd=ROOT, env=stack_env(extra_env),
                          capture_output=True, text=True, timeout=180, check=False)


def test_demo_walks_every_step_and_exits_zero() -> None:
    result = _run_demo()
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "Every step behaved." in result.stdout
    for step in ("signs in with the old password", "signs in again", "are refused", "is provisioned", "GET "):
        assert step in result.stdout
    assert "of 5000 ms" in result.stdout
    assert "ID token carries legacy_id 1 (PreTokenGeneration)" in result.stdout
    _assert_output_is_for_people(result.stdout)


def _assert_output_is_for_people(stdout: str) -> None:
    """Identity and claims as ``key: value`` lines, times in ISO 8601 UTC, empty values as (none), no dict repr."""
    identity = stdout.split("identity the backend received from the authorizer:", 1)[1]
    block = re.match(r"\n((?: {6}\S.*\n)+)", identity)
    assert block is not None, identity[:400]
    lines = dict(re.findall(r"^ {6}([A-Za-z_:]+): +(.*)$", block[1], re.MULTILINE))
    assert {"sub", "username", "groups", "scopes", "token_use"} <= set(lines), lines
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", lines["auth_time"]), lines["auth_time"]
    assert lines["groups"], "an empty groups value is shown as (none)"
    claims = stdout.split("claims from the migration and PreTokenGeneration:", 1)[1]
    assert re.search(r"^ {6}legacy_id: +1$", claims, re.MULTILINE), claims[:400]
    assert not re.search(r"\{'[A-Za-z_:]+': ", stdout), "a Python dict repr in the demo output"
    assert not re.search(r"\b1[6-9]\d{8}\b", stdout), "raw epoch seconds in the demo output"


def test_devstack_help_is_plain_text() -> None:
    result = subprocess.run([sys.executable, "-m", "devstack", "--help"], cwd=ROOT, env=stack_env(None),
                            capture_output=True, text=True, timeout=60, check=True)
    assert "python -m devstack demo" in result.stdout
    assert "python -m devstack run" in result.stdout
    assert "``" not in result.stdout
    assert ":func:" not in result.stdout


def test_demo_exits_non_zero_when_a_step_misbehaves(tmp_path: Path) -> None:
    empty = tmp_path / "no-users-table.sqlite3"
    sqlite3.connect(empty).close()  # a legacy DB without the q2a table: migrations cannot succeed
    result = _run_demo({"LEGACY_APP": "q2a", "LEGACY_DB_URL": f"sqlite:///{empty}"})
    assert result.returncode == 1, result.stdout[-4000:]
    assert "FAILED" in result.stdout
    assert "UserMigration ran and succeeded" in result.stdout.split("FAILED:", 1)[-1]

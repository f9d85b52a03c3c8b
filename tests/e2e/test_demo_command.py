"""``python -m devstack demo`` (what ``make demo`` runs): exit 0 when every step behaves, non-zero otherwise."""

from __future__ import annotations

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


def test_demo_exits_non_zero_when_a_step_misbehaves(tmp_path: Path) -> None:
    empty = tmp_path / "no-users-table.sqlite3"
    sqlite3.connect(empty).close()  # a legacy DB without the q2a table: migrations cannot succeed
    result = _run_demo({"LEGACY_APP": "q2a", "LEGACY_DB_URL": f"sqlite:///{empty}"})
    assert result.returncode == 1, result.stdout[-4000:]
    assert "FAILED" in result.stdout
    assert "UserMigration ran and succeeded" in result.stdout.split("FAILED:", 1)[-1]

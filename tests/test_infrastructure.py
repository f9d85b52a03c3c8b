"""The test infrastructure itself: real databases reachable, per-run database names."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.conftest import RUN_ID, DatabaseFactory, load_vectors


@pytest.mark.integration
def test_mariadb_database_is_created_per_run(databases: DatabaseFactory) -> None:
    import pymysql

    url = databases.mysql("infra")
    assert RUN_ID in url
    name = url.rsplit("/", 1)[1]
    conn = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="", database=name)
    with conn.cursor() as cur:
        cur.execute("SELECT DATABASE()")
        assert cur.fetchone() == (name,)
    conn.close()


@pytest.mark.integration
def test_postgres_database_is_created_per_run(databases: DatabaseFactory) -> None:
    import psycopg

    url = databases.postgres("infra")
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == (url.rsplit("/", 1)[1],)


def test_shared_vectors_are_present() -> None:
    vectors = load_vectors()
    assert len(vectors) >= 127
    assert {"app", "scheme", "password", "hash", "expect"} <= set(vectors[0])


# ------------------------------------------------------------------ Makefile and packaging (a fresh clone's first view)

ROOT = Path(__file__).resolve().parents[1]
_TARGET = re.compile(r"^([a-z][a-z0-9%-]*)\s*:(?!=)", re.MULTILINE)


def _makefile_targets() -> set[str]:
    return set(_TARGET.findall((ROOT / "Makefile").read_text(encoding="utf-8")))


def _recipe(target: str) -> list[str]:
    lines = (ROOT / "Makefile").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
    body = []
    for line in lines[start + 1:]:
        if not line.startswith("\t") and not (body and body[-1].endswith("\\")):
            break
        body.append(line.strip())
    return body


def test_make_help_lists_every_target_of_the_makefile() -> None:
    result = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, timeout=30, check=True)
    listed = set(re.findall(r"^  make (\S+)", result.stdout, re.MULTILINE))
    targets = {"bench-AREA" if t == "bench-%" else t for t in _makefile_targets()}
    assert {"sam-build", "unit", "lint", "typecheck", "clean", "demo", "test"} <= targets
    assert targets == listed, f"missing from help: {sorted(targets - listed)}; unknown: {sorted(listed - targets)}"


def test_first_install_says_what_it_installs_and_shows_pips_progress() -> None:
    recipe = _recipe("$(STAMP)")
    install = next(i for i, line in enumerate(recipe) if "pip install" in line and ".[dev" in line)
    assert "--quiet" not in recipe[install]
    assert " -q " not in recipe[install]
    announced = " ".join(recipe[:install])
    assert "echo" in announced
    assert "Installing" in announced
    assert "minutes" in announced


def test_every_slow_bootstrap_step_is_announced_before_it_runs() -> None:
    for target, command in (("$(NODE_STAMP)", "npm ci"), ("sam-build", "sam build")):
        recipe = _recipe(target)
        step = next(i for i, line in enumerate(recipe) if command in line and "echo" not in line)
        assert any(line.startswith("@echo") and "==>" in line for line in recipe[:step]), target


def test_pyproject_declares_an_spdx_license_and_a_setuptools_that_understands_it() -> None:
    from packaging.specifiers import SpecifierSet

    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert data["project"]["license"] == "Apache-2.0"  # PEP 639 string, not the deprecated {text = ...} table
    for pattern in data["project"]["license-files"]:
        assert list(ROOT.glob(pattern)), f"license file {pattern} is missing"
    (setuptools,) = [r for r in data["build-system"]["requires"] if r.startswith("setuptools")]
    spec = SpecifierSet(setuptools.removeprefix("setuptools"))
    assert "76.1" not in spec
    assert "77.0.3" in spec

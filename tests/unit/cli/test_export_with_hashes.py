"""``export --with-hashes``: refused with one line and exit status 2 while AWS documents no CSV format for
password hashes, before any file, query or AWS call; ``--algorithm`` is checked like every other flag."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from legacy_auth.cli.main import main


def _run(argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, environ=env, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def legacy_env(tmp_path: Path) -> dict[str, str]:
    """A configuration that validates; its SQLite file does not exist (the refusal comes before any query)."""
    return {"LEGACY_APP": "laravel", "LEGACY_DB_URL": f"sqlite:///{tmp_path / 'never-opened.db'}",
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@pytest.mark.parametrize(("extra", "algorithm"), [([], "BCRYPT"), (["--algorithm", "argon2id"], "ARGON2ID"),
                                                  (["--algorithm", "PBKDF2_SHA256", "--start", "--role-arn",
                                                    "arn:aws:iam::123456789012:role/R"], "PBKDF2_SHA256")])
def test_with_hashes_is_refused_before_anything_is_written(legacy_env: dict[str, str], tmp_path: Path,
                                                           extra: list[str], algorithm: str) -> None:
    out_dir = tmp_path / "out"
    code, out, err = _run(["export", "--with-hashes", "--out-dir", str(out_dir), "--user-pool-id",
                           "eu-west-1_TestPool1", *extra], legacy_env)
    message = (f"Cognito's CSV format for {algorithm} password hashes is not documented by AWS; no hashed import "
               "file is written (see docs/strategy.md)")
    assert (code, out, err) == (2, "", f"legacy-auth: {message}\n")
    assert not out_dir.exists()
    assert not (tmp_path / "never-opened.db").exists()


def test_with_hashes_refusal_is_json_with_the_json_flag(legacy_env: dict[str, str], tmp_path: Path) -> None:
    code, out, err = _run(["export", "--with-hashes", "--algorithm", "scrypt", "--out-dir", str(tmp_path / "o"),
                           "--json"], legacy_env)
    assert code == 2
    data = json.loads(out)
    assert data == {"error": err.removeprefix("legacy-auth: ").rstrip("\n"), "kind": "usage", "exit_status": 2}
    assert "SCRYPT" in data["error"]


@pytest.mark.parametrize("value", ["md5", "argon2i", "PBKDF2", ""])
def test_an_unknown_algorithm_is_one_usage_line(legacy_env: dict[str, str], value: str) -> None:
    code, out, err = _run(["export", "--with-hashes", "--algorithm", value], legacy_env)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "--algorithm" in err
    assert "BCRYPT, SCRYPT, ARGON2ID, PBKDF2_SHA256" in err


def test_algorithm_without_with_hashes_is_a_usage_error(legacy_env: dict[str, str], tmp_path: Path) -> None:
    code, out, err = _run(["export", "--algorithm", "bcrypt", "--out-dir", str(tmp_path / "o")], legacy_env)
    assert (code, out, err) == (2, "", "legacy-auth: --algorithm needs --with-hashes\n")
    assert not (tmp_path / "o").exists()

"""``legacy-auth export`` never ends "0 users" silently: every user left out comes with the route that includes
them, and users the Cognito import would reject (usernames equal but for case) change the exit status."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from legacy_auth.cli.main import main
from tests.support.legacy_db import create_schema, insert_users
from tests.unit.cli.q2a_rows import bcrypt_hash, rows

pytestmark = pytest.mark.integration
HEADER = ["email", "email_verified", "preferred_username", "cognito:mfa_enabled", "cognito:username",
          "custom:legacy_id"]


def _run(argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(argv, environ=env, stdout=out, stderr=err), out.getvalue(), err.getvalue()


def _url(dialect: str, databases: Any, tmp_path: Path, label: str) -> str:
    if dialect == "mysql":
        return str(databases.mysql(label))
    if dialect == "postgresql":
        return str(databases.postgres(label))
    return str(databases.sqlite(tmp_path, label))


@pytest.fixture
def header_file(tmp_path: Path) -> Path:
    path = tmp_path / "header.json"
    path.write_text(json.dumps({"CSVHeader": HEADER}), "utf-8")
    return path


@pytest.fixture(params=["mysql", "postgresql", "sqlite"])
def wordpress(request: pytest.FixtureRequest, databases: Any, tmp_path: Path) -> dict[str, str]:
    url = _url(request.param, databases, tmp_path, "cliwpexport")
    create_schema(url, "wordpress")
    insert_users(url, "wordpress", [
        {"ID": i, "user_login": f"user{i}", "user_email": f"user{i}@example.org", "user_pass": bcrypt_hash()}
        for i in range(1, 4)])
    return {"LEGACY_APP": "wordpress", "LEGACY_DB_URL": url}


def test_wordpress_export_of_zero_users_names_legacy_trust_emails(wordpress: dict[str, str], header_file: Path,
                                                                  tmp_path: Path) -> None:
    argv = ["export", "--all", "--header-file", str(header_file), "--out-dir", str(tmp_path / "csv")]
    code, out, err = _run(argv, wordpress)
    assert code == 0, err
    assert "0 users" in out
    assert "no_verified_contact" in out
    assert "LEGACY_TRUST_EMAILS=true" in out
    assert "no user was exported: see the reasons above" in out
    code, text, _ = _run([*argv, "--json"], wordpress)
    data = json.loads(text)
    assert data["exported"] == 0
    assert data["left_out"] == [{"reason": "no_verified_contact", "users": 3, "known_to_fail": False,
                                 "route": data["left_out"][0]["route"]}]
    assert "LEGACY_TRUST_EMAILS" in data["left_out"][0]["route"]


def test_wordpress_export_with_trusted_emails_writes_every_user(wordpress: dict[str, str], header_file: Path,
                                                                tmp_path: Path) -> None:
    env = {**wordpress, "LEGACY_TRUST_EMAILS": "true"}
    code, out, err = _run(["export", "--all", "--header-file", str(header_file), "--out-dir", str(tmp_path),
                           "--json"], env)
    assert code == 0, err
    assert json.loads(out)["exported"] == 3


@pytest.fixture(params=["mysql", "postgresql", "sqlite"])
def q2a_twins(request: pytest.FixtureRequest, databases: Any, tmp_path: Path) -> dict[str, str]:
    url = _url(request.param, databases, tmp_path, "cliexporttwins")
    create_schema(url, "q2a")
    twin = {**rows()[0], "userid": 13, "handle": "ALICE", "email": "alice.twin@example.org"}
    insert_users(url, "q2a", [*rows(), twin])
    return {"LEGACY_APP": "q2a", "LEGACY_DB_URL": url}


def test_usernames_equal_but_for_case_are_left_out_reported_and_exit_1(q2a_twins: dict[str, str],
                                                                        header_file: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "csv"
    code, out, err = _run(["export", "--all", "--header-file", str(header_file), "--out-dir", str(out_dir),
                           "--json"], q2a_twins)
    assert code == 1, err
    data = json.loads(out)
    twins = [item for item in data["left_out"] if item["reason"] == "duplicate_username"]
    assert twins == [{"reason": "duplicate_username", "users": 1, "known_to_fail": True,
                      "route": twins[0]["route"]}]
    names = [line.split(",")[4].lower() for line in (out_dir / "legacy-auth-import-001.csv").read_text().splitlines()]
    assert names.count("alice") == 1
    code, text, _ = _run(["export", "--all", "--header-file", str(header_file), "--out-dir", str(out_dir)],
                         q2a_twins)
    assert code == 1
    assert "duplicate_username" in text
    assert "the import would reject them" in text

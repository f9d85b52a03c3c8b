"""``legacy-auth scan`` on other apps' real tables: WordPress (``user_email``), Drupal 8+ (translation rows
filtered by ``default_langcode``), ASP.NET Identity (string primary key: no range workers)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from legacy_auth.cli.main import main
from tests.conftest import load_vectors
from tests.helpers.legacy_db import create_schema, insert_users

pytestmark = pytest.mark.integration


def vec(app: str, scheme: str) -> str:
    return str(next(v for v in load_vectors() if v["app"] == app and v["scheme"] == scheme and v["expect"])["hash"])


@pytest.fixture(params=["mysql", "postgresql", "sqlite"])
def url(request: pytest.FixtureRequest, databases: Any, tmp_path: Path) -> str:
    if request.param == "mysql":
        return databases.mysql("cliapps")
    if request.param == "postgresql":
        return databases.postgres("cliapps")
    return databases.sqlite(tmp_path, "cliapps")


def _scan(env: dict[str, str], *extra: str) -> tuple[int, dict[str, Any]]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["scan", "--json", "--repeats", "1", *extra], environ=env, stdout=out, stderr=err)
    assert code in (0, 1), err.getvalue()
    return code, json.loads(out.getvalue())


def test_wordpress_duplicate_emails_and_weak_md5(url: str) -> None:
    create_schema(url, "wordpress")
    insert_users(url, "wordpress", [
        {"ID": 1, "user_login": "admin", "user_pass": vec("wordpress", "phpass"), "user_email": "Admin@Example.org"},
        {"ID": 2, "user_login": "old", "user_pass": vec("wordpress", "wp_legacy_md5"),
         "user_email": "admin@example.org"},
        {"ID": 3, "user_login": "new", "user_pass": vec("wordpress", "wp_bcrypt_sha384"),
         "user_email": "n@example.org"},
    ])
    code, report = _scan({"LEGACY_APP": "wordpress", "LEGACY_DB_URL": url}, "--workers", "2")
    assert code == 1
    assert report["workers"] == 2
    assert report["duplicate_emails"] == {"groups": 1, "users": 2}
    assert set(report["schemes"]) == {"phpass", "hex_md5", "wp_bcrypt_sha384"}  # the vector is a plain md5 hex
    assert report["schemes"]["hex_md5"]["strength"] == "broken"
    assert {f["code"] for f in report["findings"]} >= {"duplicate_email", "weak_scheme"}


def test_drupal_translation_rows_are_one_user(url: str) -> None:
    create_schema(url, "drupal")
    hashed = vec("drupal7", "drupal7_sha512_S")
    insert_users(url, "drupal", [
        {"uid": 1, "langcode": "en", "name": "admin", "pass": hashed, "mail": "a@example.org", "status": 1,
         "default_langcode": 1},
        {"uid": 1, "langcode": "de", "name": "admin", "pass": hashed, "mail": "a@example.org", "status": 1,
         "default_langcode": 0},
        {"uid": 2, "langcode": "en", "name": "gone", "pass": hashed, "mail": "g@example.org", "status": 0,
         "default_langcode": 1},
    ])
    code, report = _scan({"LEGACY_APP": "drupal", "LEGACY_DB_URL": url}, "--workers", "2")
    assert code == 0
    assert report["rows"] == 2
    assert report["duplicate_emails"] == {"groups": 0, "users": 0}
    assert report["states"] == {"active": 1, "blocked": 1}


def test_aspnet_string_keys_scan_in_one_stream(url: str) -> None:
    create_schema(url, "aspnet_identity")
    insert_users(url, "aspnet_identity", [
        {"Id": "7f1c0c0e-1", "UserName": "ann", "NormalizedUserName": "ANN", "Email": "ann@example.org",
         "NormalizedEmail": "ANN@EXAMPLE.ORG", "EmailConfirmed": True,
         "PasswordHash": vec("aspnet_identity", "aspnet_identity_v3")},
        {"Id": "7f1c0c0e-2", "UserName": "bo b", "NormalizedUserName": "BO B", "Email": "bob@example.org",
         "NormalizedEmail": "BOB@EXAMPLE.ORG", "EmailConfirmed": False,
         "PasswordHash": vec("aspnet_identity", "aspnet_identity_v2")},
    ])
    code, report = _scan({"LEGACY_APP": "aspnet_identity", "LEGACY_DB_URL": url}, "--workers", "2")
    assert code == 1
    assert report["workers"] == 1
    codes = {f["code"]: f for f in report["findings"]}
    assert codes["username_invalid_characters"]["examples"] == ["7f1c0c0e-2"]
    assert codes["no_verified_email"]["users"] == 1

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
from tests.support.legacy_db import create_schema, insert_users

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
    assert report["duplicate_usernames"] == {"groups": 0, "users": 0}  # user_login: admin, old, new
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
    assert report["duplicate_usernames"] == {"groups": 0, "users": 0}  # the "de" translation row is filtered out
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


@pytest.fixture(params=["postgresql", "sqlite"])
def case_sensitive_url(request: pytest.FixtureRequest, databases: Any, tmp_path: Path) -> str:
    # on MariaDB, auth_user's UNIQUE(username) under utf8mb4_general_ci already refuses "Bob" next to "bob"
    return databases.postgres("cliapps") if request.param == "postgresql" else databases.sqlite(tmp_path, "cliapps")


def test_django_usernames_equal_but_for_case_block_and_hashes_are_graded_by_their_own_cost(
        case_sensitive_url: str) -> None:
    # Django's username is unique case-sensitively, so "Bob" and "bob" can both exist; the Cognito pool cannot
    url = case_sensitive_url
    import base64
    import hashlib

    def pbkdf2(n: int) -> str:
        digest = base64.b64encode(hashlib.pbkdf2_hmac("sha256", b"pw", b"salt", n)).decode()
        return f"pbkdf2_sha256${n}$salt${digest}"

    create_schema(url, "django")
    base = {"first_name": "", "last_name": "", "is_staff": False, "is_superuser": False, "is_active": True}
    insert_users(url, "django", [
        {**base, "id": 1, "username": "Bob", "email": "b1@example.org", "password": pbkdf2(1000)},
        {**base, "id": 2, "username": "bob", "email": "b2@example.org", "password": pbkdf2(1000)},
        {**base, "id": 3, "username": "carol", "email": "c@example.org", "password": pbkdf2(600_000)},
    ])
    code, report = _scan({"LEGACY_APP": "django", "LEGACY_DB_URL": url})
    assert code == 1
    assert report["duplicate_usernames"] == {"groups": 1, "users": 2}
    assert {f["code"]: f["examples"] for f in report["findings"]}["duplicate_username"] == ["1"]
    costs = {c["cost"]: (c["users"], c["strength"]) for c in report["schemes"]["django_pbkdf2_sha256"]["costs"]}
    assert costs == {"iterations=600000": (1, "strong"), "iterations=1000": (2, "acceptable")}
    assert {t["cost"] for t in report["verify_time"]} == {"iterations=600000", "iterations=1000"}


def test_devise_modules_are_detected_by_the_cli_as_by_the_trigger(url: str) -> None:
    """Devise's Lockable/Confirmable columns exist in this table and LEGACY_LOCKABLE is unset: the CLI runs the
    trigger's column probe, so a locked row is counted locked (not active, which export would have imported)."""
    import bcrypt

    create_schema(url, "devise")
    hashed = bcrypt.hashpw(b"correct horse", bcrypt.gensalt(4)).decode()
    insert_users(url, "devise", [
        {"id": 1, "email": "free@example.org", "encrypted_password": hashed, "confirmed_at": "2020-01-01 00:00:00"},
        {"id": 2, "email": "locked@example.org", "encrypted_password": hashed, "confirmed_at": "2020-01-01 00:00:00",
         "locked_at": "2999-01-01 00:00:00"},
    ])
    _, report = _scan({"LEGACY_APP": "devise", "LEGACY_DB_URL": url})
    assert report["states"].get("locked") == 1
    assert report["states"].get("active") == 1

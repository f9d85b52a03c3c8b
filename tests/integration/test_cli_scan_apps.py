"""``legacy-auth scan`` on other apps' real tables: WordPress (``user_email``), Drupal 8+ (translation rows
filtered by ``default_langcode``), ASP.NET Identity (string primary key: no range workers), Keycloak (one realm of
``user_entity`` with each user's first ``password`` credential)."""

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


def _keycloak_credential(password: str, iterations: int, algorithm: str = "pbkdf2-sha256") -> tuple[str, str]:
    import base64
    import hashlib

    salt = bytes(range(16))  # Keycloak Pbkdf2PasswordHashProvider: 512-bit key, base64 value and salt
    prf = {"pbkdf2": "sha1", "pbkdf2-sha256": "sha256", "pbkdf2-sha512": "sha512"}[algorithm]
    value = base64.b64encode(hashlib.pbkdf2_hmac(prf, password.encode(), salt, iterations, 64)).decode()
    secret = json.dumps({"value": value, "salt": base64.b64encode(salt).decode(), "additionalParameters": {}})
    return secret, json.dumps({"hashIterations": iterations, "algorithm": algorithm, "additionalParameters": {}})


def test_keycloak_scans_one_realm_with_each_users_first_password_credential(url: str) -> None:
    """Two realms in one database: the scan, its count and its duplicate checks read LEGACY_KEYCLOAK_REALM_ID's
    users only, each with its first ``password`` credential (an OTP row and a lower-priority password ignored)."""
    from tests.support.legacy_db import run_query

    realm = {"keycloak_realm_id": "realm-a"}
    create_schema(url, "keycloak", "", **realm)
    users = [("u1", "ann", "ann@example.org", "realm-a", True), ("u2", "bob", "shared@example.org", "realm-a", True),
             ("u3", "carol", "carol@example.org", "realm-a", False), ("u4", "sso", None, "realm-a", True),
             ("u5", "ann", "shared@example.org", "realm-b", True)]
    insert_users(url, "keycloak", [
        {"id": i, "username": u, "email": e, "email_constraint": e or f"c-{i}", "realm_id": r, "enabled": on,
         "email_verified": True} for i, u, e, r, on in users], "", **realm)
    creds = [("c1", "u1", 10, *_keycloak_credential("pw", 27_500)),
             ("c2", "u1", 20, *_keycloak_credential("older", 1_000, "pbkdf2")),
             ("c3", "u2", 10, *_keycloak_credential("pw", 210_000, "pbkdf2-sha512")),
             ("c4", "u3", 10, *_keycloak_credential("pw", 27_500)),
             ("c5", "u5", 10, *_keycloak_credential("pw", 1_000, "pbkdf2"))]
    for cid, user, priority, secret, data in creds:
        run_query(url, "INSERT INTO credential (id, type, user_id, priority, secret_data, credential_data) "
                       "VALUES (%s, 'password', %s, %s, %s, %s)", (cid, user, priority, secret, data))
    run_query(url, "INSERT INTO credential (id, type, user_id, priority, secret_data, credential_data) "
                   "VALUES ('c6', 'otp', 'u4', 0, '{}', '{}')")
    _, report = _scan({"LEGACY_APP": "keycloak", "LEGACY_DB_URL": url, "LEGACY_KEYCLOAK_REALM_ID": "realm-a"})
    assert report["rows"] == 4
    assert report["states"] == {"active": 2, "inactive": 1, "sso_only": 1}
    costs = {c["cost"]: c["users"] for c in report["schemes"]["keycloak_credential"]["costs"]}
    # u1's first password by priority is the SHA-256 one (its lower-priority SHA-1 one is never read)
    assert costs == {"prf=sha256,iterations=27500": 2, "prf=sha512,iterations=210000": 1}
    assert report["duplicate_emails"] == {"groups": 0, "users": 0}  # shared@example.org is once per realm
    assert report["duplicate_usernames"] == {"groups": 0, "users": 0}  # "ann" is once per realm


FRAMEWORK_TABLE = {"LEGACY_GENERIC_TABLE": "accounts", "LEGACY_GENERIC_USERNAME_COLUMN": "login",
                   "LEGACY_GENERIC_EMAIL_COLUMN": "mail", "LEGACY_GENERIC_HASH_COLUMN": "pw",
                   "LEGACY_GENERIC_ACTIVE_COLUMN": "enabled"}


@pytest.mark.parametrize(("app", "foreign"), [("werkzeug", "sha256$salt$" + "0" * 64), ("passlib", "{SSHA}abcdefgh"),
                                              ("spring", "{noop}plaintext")])
def test_python_and_java_apps_scan_their_configurable_table(url: str, app: str, foreign: str) -> None:
    """Werkzeug, passlib and Spring over a table described as for ``generic``: every cheap real vector's scheme
    is graded, a value the app refuses (Werkzeug 3's removed digests, a non-passlib format, ``{noop}``) is counted
    unsupported, a disabled row inactive."""
    options = {k.removeprefix("LEGACY_").lower(): v for k, v in FRAMEWORK_TABLE.items()}
    create_schema(url, app, "", **options)
    from tests.unit.hashing.vectors import load_vectors as hash_vectors

    one_per_scheme = {v.scheme: v for v in hash_vectors() if v.app == app and v.expect and not v.slow and not v.options}
    vectors = list(one_per_scheme.values())
    rows = [{"id": n, "login": f"user{n}", "mail": f"u{n}@example.org", "pw": v.stored, "enabled": True}
            for n, v in enumerate(vectors, 1)]
    rows.append({"id": 100, "login": "odd", "mail": "odd@example.org", "pw": foreign, "enabled": True})
    rows.append({"id": 101, "login": "off", "mail": "off@example.org", "pw": vectors[0].stored, "enabled": False})
    insert_users(url, app, rows, "", **options)
    _, report = _scan({"LEGACY_APP": app, "LEGACY_DB_URL": url, **FRAMEWORK_TABLE})
    assert report["rows"] == len(rows)
    assert set(report["schemes"]) == set(one_per_scheme)
    assert len(one_per_scheme) >= 2
    assert report["unsupported_hashes"] == 1
    assert report["states"]["inactive"] == 1

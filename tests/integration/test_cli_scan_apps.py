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
# ---------------------------------------------------------------- issue 15 forums: scan (range workers) and check


def _check(env: dict[str, str], login: str, password: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    out, err = io.StringIO(), io.StringIO()
    code = main(["check", login, "--password-stdin", "--json"], environ=env, stdout=out, stderr=err)
    assert code in (0, 1), err.getvalue()
    assert password not in out.getvalue() + err.getvalue()
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


def _bcrypt(secret: bytes) -> str:
    import bcrypt

    return bcrypt.hashpw(secret, bcrypt.gensalt(4)).decode().replace("$2b$", "$2y$")


def _md5(data: bytes) -> str:
    import hashlib

    return hashlib.md5(data).hexdigest()  # noqa: S324 - the legacy formats under test


def test_vbulletin_scan_reads_token_schemes_and_groups_and_check_verifies(
        url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    legacy = f"{_md5((_md5(b'pw-legacy') + 'sa!').encode())} sa!"  # a vB 4 hash carried over by vB 5
    create_schema(url, "vbulletin", "vb_")
    insert_users(url, "vbulletin", [
        {"userid": 1, "usergroupid": 2, "username": "ann", "email": "a@example.org",
         "token": _bcrypt(_md5(b"pw-ann").encode()), "scheme": "blowfish:4"},
        {"userid": 2, "usergroupid": 2, "username": "bob", "email": "b@example.org", "token": legacy,
         "scheme": "legacy"},
        {"userid": 3, "usergroupid": 8, "username": "eve", "email": "e@example.org", "token": legacy,
         "scheme": "legacy"},
        {"userid": 4, "usergroupid": 3, "username": "new", "email": "n@example.org", "token": legacy,
         "scheme": "legacy"},
        {"userid": 5, "usergroupid": 2, "username": "fb", "email": "f@example.org", "token": "", "scheme": ""},
    ], "vb_")
    env = {"LEGACY_APP": "vbulletin", "LEGACY_DB_URL": url, "LEGACY_TABLE_PREFIX": "vb_"}
    _, report = _scan(env, "--workers", "2")
    assert report["rows"] == 5
    assert report["states"] == {"active": 2, "blocked": 1, "unconfirmed": 1, "sso_only": 1}
    assert set(report["schemes"]) == {"vbulletin5_bcrypt_md5", "vbulletin5_legacy"}
    assert _check(env, "ann", "pw-ann", monkeypatch)["verify"]["ok"] is True
    assert _check(env, "BOB", "pw-legacy", monkeypatch)["verify"]["ok"] is True


def test_mybb_scan_counts_banned_and_awaiting_activation_and_check_verifies(
        url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def mybb(pw: bytes, salt: str) -> str:
        return _md5((_md5(salt.encode()) + _md5(pw)).encode())

    create_schema(url, "mybb")
    insert_users(url, "mybb", [
        {"uid": 1, "username": "ann", "email": "a@example.org", "usergroup": 2, "salt": "s1",
         "password": mybb(b"pw-ann", "s1")},
        {"uid": 2, "username": "eve", "email": "e@example.org", "usergroup": 7, "salt": "s2",
         "password": mybb(b"pw", "s2")},
        {"uid": 3, "username": "new", "email": "n@example.org", "usergroup": 5, "salt": "s3",
         "password": mybb(b"pw", "s3")},
    ])
    env = {"LEGACY_APP": "mybb", "LEGACY_DB_URL": url}
    _, report = _scan(env, "--workers", "2")
    assert report["states"] == {"active": 1, "blocked": 1, "unconfirmed": 1}
    assert report["schemes"]["mybb_md5"]["strength"] in ("weak", "broken")
    assert _check(env, "ann", "pw-ann", monkeypatch)["verify"]["ok"] is True


def test_smf_scan_grades_both_generations_and_check_uses_the_member_name(
        url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import hashlib

    import bcrypt

    create_schema(url, "smf")
    insert_users(url, "smf", [
        {"id_member": 1, "member_name": "Ann", "email_address": "a@example.org", "is_activated": 1,
         "passwd": bcrypt.hashpw(b"ann" + b"pw-ann", bcrypt.gensalt(4)).decode()},
        {"id_member": 2, "member_name": "Old", "email_address": "o@example.org", "is_activated": 1,
         "passwd": hashlib.sha1(b"old" + b"pw-old").hexdigest()},  # noqa: S324 - SMF 2.0's format
        {"id_member": 3, "member_name": "Eve", "email_address": "e@example.org", "is_activated": 11,
         "passwd": hashlib.sha1(b"eve" + b"pw").hexdigest()},  # noqa: S324
    ])
    env = {"LEGACY_APP": "smf", "LEGACY_DB_URL": url}
    _, report = _scan(env, "--workers", "2")
    assert report["states"] == {"active": 2, "blocked": 1}
    assert set(report["schemes"]) == {"smf_bcrypt", "smf_sha1"}
    assert _check(env, "ann", "pw-ann", monkeypatch)["verify"]["ok"] is True
    assert _check(env, "o@example.org", "pw-old", monkeypatch)["verify"]["ok"] is True


def test_xenforo_scan_joins_the_authenticate_table_and_check_verifies(
        url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def core12(pw: bytes) -> bytes:
        return f'a:1:{{s:4:"hash";s:60:"{_bcrypt(pw)}";}}'.encode()

    create_schema(url, "xenforo")
    base = {"user_group_id": 2, "secondary_group_ids": b"", "user_state": "valid", "is_banned": 0}
    insert_users(url, "xenforo", [
        {**base, "user_id": 1, "username": "ann", "email": "a@example.org", "scheme_class": "XF:Core12",
         "data": core12(b"pw-ann")},
        {**base, "user_id": 2, "username": "eve", "email": "e@example.org", "is_banned": 1,
         "scheme_class": "XF:Core12", "data": core12(b"pw")},
        {**base, "user_id": 3, "username": "fb", "email": "f@example.org"},  # no xf_user_authenticate row
        {**base, "user_id": 4, "username": "imp", "email": "i@example.org", "scheme_class": "XF:vBulletin",
         "data": b'a:2:{s:4:"hash";s:32:"00000000000000000000000000000000";s:4:"salt";s:3:"abc";}'},
    ])
    env = {"LEGACY_APP": "xenforo", "LEGACY_DB_URL": url}
    _, report = _scan(env, "--workers", "2")
    assert report["rows"] == 4
    assert report["states"] == {"active": 2, "blocked": 1, "sso_only": 1}
    assert "xenforo_core12" in report["schemes"]
    assert _check(env, "ann", "pw-ann", monkeypatch)["verify"]["ok"] is True
    assert _check(env, "a@example.org", "pw-nope", monkeypatch)["verify"]["ok"] is False


def test_xenforo_export_reads_the_join_and_skips_refused_states(url: str, tmp_path: Path) -> None:
    from legacy_auth.migration.tracking import ddl
    from tests.support.legacy_db import dialect_of, run_query

    create_schema(url, "xenforo")
    base = {"user_group_id": 2, "secondary_group_ids": b"", "user_state": "valid", "is_banned": 0,
            "scheme_class": "XF:Core12", "data": f'a:1:{{s:4:"hash";s:60:"{_bcrypt(b"pw")}";}}'.encode()}
    insert_users(url, "xenforo", [
        {**base, "user_id": 1, "username": "ann", "email": "a@example.org"},
        {**base, "user_id": 2, "username": "eve", "email": "e@example.org", "is_banned": 1},
        {**base, "user_id": 3, "username": "fb", "email": "f@example.org", "scheme_class": None, "data": None},
        {**base, "user_id": 4, "username": "new", "email": "n@example.org", "user_state": "email_confirm"},
    ])
    for stmt in ddl(dialect_of(url)):
        run_query(url, stmt)
    header = tmp_path / "header.json"
    header.write_text(json.dumps({"CSVHeader": ["email", "email_verified", "cognito:mfa_enabled",
                                                "cognito:username", "preferred_username"],
                                  "UserPoolId": "eu-west-1_TestPool1"}), "utf-8")
    env = {"LEGACY_APP": "xenforo", "LEGACY_DB_URL": url, "LEGACY_ACTIVATION_CONFIRMS_EMAIL": "true"}
    out, err = io.StringIO(), io.StringIO()
    code = main(["export", "--header-file", str(header), "--out-dir", str(tmp_path / "csv"), "--json"],
                environ=env, stdout=out, stderr=err)
    assert code == 0, err.getvalue()
    data = json.loads(out.getvalue())
    assert data["exported"] == 1
    assert data["skipped"] == {"state_blocked": 1, "state_sso_only": 1, "state_unconfirmed": 1}
    lines = (tmp_path / "csv" / "legacy-auth-import-001.csv").read_text("utf-8").splitlines()
    assert lines[1].split(",")[:4] == ["a@example.org", "TRUE", "FALSE", "ann"]

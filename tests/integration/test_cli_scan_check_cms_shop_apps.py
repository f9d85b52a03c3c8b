"""``legacy-auth scan`` and ``legacy-auth check`` on realistic Invision, MediaWiki, Moodle and OpenCart tables
(every stored format each app writes, its refused states, a shared email) on MariaDB, PostgreSQL and SQLite."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import sys
from pathlib import Path
from typing import Any

import bcrypt
import pytest
from passlib.hash import sha512_crypt

from legacy_auth.apps.mediawiki import canonical_username
from legacy_auth.cli.main import main
from legacy_auth.hashing.forum_schemes import ipb_legacy_escape
from tests.support.legacy_db import create_schema, insert_users, run_query

pytestmark = pytest.mark.integration

PASSWORD = "pässwörd & <co>"
SALT = "Zq9!-site-salt"  # a Moodle $CFG->passwordsaltmain


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()  # noqa: S324 - the legacy formats under test


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()  # noqa: S324 - the legacy formats under test


def _bcrypt(password: str, prefix: str = "$2y$") -> str:
    return bcrypt.hashpw(password.encode()[:72], bcrypt.gensalt(4)).decode().replace("$2b$", prefix, 1)


@pytest.fixture(params=["mysql", "postgresql", "sqlite"])
def url(request: pytest.FixtureRequest, databases: Any, tmp_path: Path) -> str:
    if request.param == "mysql":
        return databases.mysql("clicms")
    if request.param == "postgresql":
        return databases.postgres("clicms")
    return databases.sqlite(tmp_path, "clicms")


def _scan(env: dict[str, str]) -> dict[str, Any]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["scan", "--json", "--repeats", "1"], environ=env, stdout=out, stderr=err)
    assert code in (0, 1), err.getvalue()
    return json.loads(out.getvalue())


Checked = tuple[int, dict[str, Any], str]


def _check(env: dict[str, str], login: str, password: str, monkeypatch: pytest.MonkeyPatch) -> Checked:
    monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
    out, err = io.StringIO(), io.StringIO()
    code = main(["check", login, "--password-stdin", "--json"], environ=env, stdout=out, stderr=err)
    return code, json.loads(out.getvalue()), out.getvalue() + err.getvalue()


# ---------------------------------------------------------------- Invision


def _invision_rows() -> list[dict[str, Any]]:
    ipb3 = _md5(_md5(b"a1B2c").encode() + _md5(ipb_legacy_escape(PASSWORD).encode()).encode())
    base = {"member_group_id": 3, "temp_ban": 0, "members_bitoptions": 0}
    return [
        {**base, "member_id": 1, "name": "Ann", "email": "ann@example.org", "members_pass_hash": ipb3,
         "members_pass_salt": "a1B2c"},
        {**base, "member_id": 2, "name": "Bob", "email": "ann@example.org", "members_pass_hash": _bcrypt(PASSWORD),
         "members_pass_salt": None},
        {**base, "member_id": 3, "name": "Banned", "email": "c@example.org", "members_pass_hash": _bcrypt(PASSWORD),
         "members_pass_salt": None, "temp_ban": -1},
        {**base, "member_id": 4, "name": "Pending", "email": "d@example.org", "members_pass_hash": _bcrypt(PASSWORD),
         "members_pass_salt": None, "members_bitoptions": 1 << 30},
    ]


def test_invision_scan_grades_ipb3_md5_and_ips4_bcrypt_and_counts_states(url: str) -> None:
    create_schema(url, "invision")
    insert_users(url, "invision", _invision_rows())
    report = _scan({"LEGACY_APP": "invision", "LEGACY_DB_URL": url})
    assert set(report["schemes"]) == {"invision_md5", "invision_bcrypt"}
    assert report["schemes"]["invision_md5"]["strength"] == "weak"
    assert report["states"] == {"active": 2, "blocked": 1, "unconfirmed": 1}
    assert report["duplicate_emails"] == {"groups": 1, "users": 2}


def test_invision_check_verifies_an_ipb3_row_and_never_prints_the_password(url: str,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    create_schema(url, "invision")
    insert_users(url, "invision", _invision_rows())
    env = {"LEGACY_APP": "invision", "LEGACY_DB_URL": url}
    code, data, text = _check(env, "ann", PASSWORD, monkeypatch)
    assert code == 0, text
    assert (data["hash"]["scheme"], data["verify"]["ok"]) == ("invision_md5", True)
    assert data["outcome"]["user_attributes"]["custom:legacy_id"] == "1"
    assert PASSWORD not in text
    code, data, _ = _check(env, "Banned", PASSWORD, monkeypatch)
    assert (code, data["outcome"]["reason"]) == (1, "account_blocked")


# ---------------------------------------------------------------- MediaWiki


def _mw_pbkdf2(password: str) -> str:
    salt = b"0123456789abcdef"
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, 30000, 64)
    return f":pbkdf2:sha512:30000:64:{base64.b64encode(salt).decode()}:{base64.b64encode(digest).decode()}"


def _mediawiki_rows() -> list[dict[str, Any]]:
    base = {"user_real_name": "", "user_newpassword": "", "user_touched": "20240501120000",
            "user_email_authenticated": "20240501120000", "user_is_temp": False}
    return [
        {**base, "user_id": 1, "user_name": canonical_username("ann lee"), "user_email": "ann@example.org",
         "user_password": _mw_pbkdf2(PASSWORD)},
        {**base, "user_id": 2, "user_name": "Old", "user_email": "old@example.org",
         "user_password": ":B:77:" + _md5(b"77-" + _md5(PASSWORD.encode()).encode())},
        {**base, "user_id": 3, "user_name": "Ancient", "user_email": "x@example.org",
         "user_password": _md5(b"3-" + _md5(PASSWORD.encode()).encode())},  # pre-1.24 bare md5: :B:<user_id>:
        {**base, "user_id": 4, "user_name": "~2024-1", "user_email": "", "user_password": "", "user_is_temp": True},
    ]


def test_mediawiki_scan_reads_bare_md5_rows_as_type_b_and_temporary_accounts_as_system(url: str) -> None:
    create_schema(url, "mediawiki")
    insert_users(url, "mediawiki", _mediawiki_rows())
    report = _scan({"LEGACY_APP": "mediawiki", "LEGACY_DB_URL": url})
    assert set(report["schemes"]) == {"mediawiki_pbkdf2", "mediawiki_salted_md5"}
    assert report["schemes"]["mediawiki_salted_md5"]["strength"] == "weak"
    assert report["states"] == {"active": 3, "system": 1}


def test_mediawiki_check_uses_the_canonical_name_and_the_nfc_password(url: str,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    create_schema(url, "mediawiki")
    insert_users(url, "mediawiki", _mediawiki_rows())
    env = {"LEGACY_APP": "mediawiki", "LEGACY_DB_URL": url}
    code, data, text = _check(env, "ancient", "pa\u0308sswo\u0308rd & <co>", monkeypatch)  # NFD typed
    assert code == 0, text
    assert data["hash"]["scheme"] == "mediawiki_salted_md5"
    assert data["lookup"]["legacy_id"] == "3"


# ---------------------------------------------------------------- Moodle


def _moodle_rows() -> list[dict[str, Any]]:
    base = {"auth": "manual", "confirmed": 1, "deleted": 0, "suspended": 0, "mnethostid": 1, "firstname": "A",
            "lastname": "B"}
    return [
        {**base, "id": 2, "username": "ann", "email": "ann@example.org",
         "password": _md5((PASSWORD + SALT).encode())},
        {**base, "id": 3, "username": "bob", "email": "bob@example.org", "password": _bcrypt(PASSWORD)},
        {**base, "id": 4, "username": "cy", "email": "cy@example.org",
         "password": sha512_crypt.using(rounds=10000).hash(PASSWORD)},
        {**base, "id": 5, "username": "ldap1", "email": "l@example.org", "password": "not cached", "auth": "ldap"},
        {**base, "id": 6, "username": "gone", "email": "g@example.org", "password": _bcrypt(PASSWORD), "deleted": 1},
        {**base, "id": 7, "username": "ann", "email": "remote@example.org", "password": _bcrypt(PASSWORD),
         "mnethostid": 3},  # another MNet host's account: not this site's
    ]


def test_moodle_scan_sees_only_this_sites_accounts_and_every_format(url: str) -> None:
    create_schema(url, "moodle")
    insert_users(url, "moodle", _moodle_rows())
    report = _scan({"LEGACY_APP": "moodle", "LEGACY_DB_URL": url, "LEGACY_TABLE_PREFIX": "mdl_"})
    assert set(report["schemes"]) == {"moodle_md5", "bcrypt", "sha512_crypt"}
    assert report["states"] == {"active": 3, "sso_only": 1, "deleted": 1}


def test_moodle_check_needs_the_site_salt_for_legacy_md5(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    create_schema(url, "moodle")
    insert_users(url, "moodle", _moodle_rows())
    env = {"LEGACY_APP": "moodle", "LEGACY_DB_URL": url}
    code, data, _ = _check(env, "ANN", PASSWORD, monkeypatch)
    assert (code, data["outcome"]["reason"]) == (1, "wrong_password")
    code, data, text = _check({**env, "LEGACY_MOODLE_SITE_SALT": SALT}, "ANN", PASSWORD, monkeypatch)
    assert code == 0, text
    assert (data["hash"]["scheme"], data["lookup"]["legacy_id"]) == ("moodle_md5", "2")
    assert SALT not in text


# ---------------------------------------------------------------- OpenCart


def _opencart_rows(version: int) -> list[dict[str, Any]]:
    escaped = "pässwörd &amp; &lt;co&gt;"  # OpenCart 3 hashes the htmlspecialchars text
    base = {"customer_group_id": 1, "language_id": 1, "firstname": "Ann", "lastname": "Lee", "telephone": "",
            "custom_field": "", "ip": "", "status": 1, "safe": 0, "token": "", "code": "",
            "date_added": "2024-05-01 12:00:00"}
    if version == 3:
        base = {**base, "fax": "", "address_id": 0}
        return [
            {**base, "customer_id": 1, "email": "ann@example.org", "salt": "Jckxur1mZ",
             "password": _sha1("Jckxur1mZ" + _sha1("Jckxur1mZ" + _sha1(escaped)))},
            {**base, "customer_id": 2, "email": "old@example.org", "salt": "", "password": _md5(escaped.encode())},
            {**base, "customer_id": 3, "email": "off@example.org", "salt": "", "password": _md5(b"x"), "status": 0},
        ]
    return [
        {**base, "customer_id": 1, "email": "ann@example.org", "password": _bcrypt(PASSWORD.strip())},
        {**base, "customer_id": 2, "email": "old@example.org", "password": _md5(PASSWORD.encode())},
        {**base, "customer_id": 3, "email": "Ann@Example.org", "password": _bcrypt("other")},
    ]


@pytest.mark.parametrize("version", [3, 4])
def test_opencart_scan_by_table_version(url: str, version: int) -> None:
    create_schema(url, "opencart", opencart_version=version)
    insert_users(url, "opencart", _opencart_rows(version), opencart_version=version)
    report = _scan({"LEGACY_APP": "opencart", "LEGACY_DB_URL": url, "LEGACY_OPENCART_VERSION": str(version)})
    if version == 3:
        assert set(report["schemes"]) == {"opencart_sha1", "hex_md5"}
        assert report["states"] == {"active": 2, "inactive": 1}
    else:
        assert set(report["schemes"]) == {"bcrypt", "hex_md5"}
        assert report["duplicate_emails"] == {"groups": 1, "users": 2}


def test_opencart3_check_verifies_the_escaped_password(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    create_schema(url, "opencart", opencart_version=3)
    insert_users(url, "opencart", _opencart_rows(3), opencart_version=3)
    env = {"LEGACY_APP": "opencart", "LEGACY_DB_URL": url, "LEGACY_OPENCART_VERSION": "3"}
    code, data, text = _check(env, "ANN@example.org", PASSWORD, monkeypatch)
    assert code == 0, text
    assert (data["hash"]["scheme"], data["verify"]["ok"]) == ("opencart_sha1", True)
    code, data, _ = _check(env, "off@example.org", "x", monkeypatch)
    assert (code, data["outcome"]["reason"]) == (1, "account_inactive")


def test_opencart4_check_refuses_an_email_two_customers_share(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    create_schema(url, "opencart")
    insert_users(url, "opencart", _opencart_rows(4))
    env = {"LEGACY_APP": "opencart", "LEGACY_DB_URL": url}
    code, data, _ = _check(env, "ann@example.org", PASSWORD, monkeypatch)
    assert (code, data["outcome"]["reason"]) == (1, "ambiguous_user")
    code, data, text = _check(env, "old@example.org", PASSWORD, monkeypatch)
    assert code == 0, text
    assert data["hash"]["scheme"] == "hex_md5"


# ---------------------------------------------------------------- routes (the plan) and export


def _run(argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, environ=env, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _routes(env: dict[str, str]) -> dict[tuple[str, str, str | None], int]:
    code, out, err = _run(["routes", "--json"], env)
    assert code == 0, err
    return {(r["route"], r["reason"], r["algorithm"]): r["users"] for r in json.loads(out)["routes"]}


def test_moodle_routes_put_each_account_on_its_way_into_cognito(url: str) -> None:
    create_schema(url, "moodle")
    insert_users(url, "moodle", _moodle_rows())
    got = _routes({"LEGACY_APP": "moodle", "LEGACY_DB_URL": url})
    assert got == {
        ("lazy", "cognito_hash_format_unknown", "BCRYPT"): 1,  # password_hash over the typed password
        ("lazy", "algorithm_not_importable", None): 2,  # site-salted md5, SHA-512 crypt
        ("never", "state_sso_only", None): 1,  # LDAP: no Moodle password, no confirmed address
        ("never", "state_deleted", None): 1,
    }


def test_mediawiki_routes_are_lazy_because_the_password_is_normalised(url: str) -> None:
    create_schema(url, "mediawiki")
    insert_users(url, "mediawiki", _mediawiki_rows())
    got = _routes({"LEGACY_APP": "mediawiki", "LEGACY_DB_URL": url})
    assert got == {("lazy", "app_transforms_password", None): 3, ("never", "state_system", None): 1}


def test_opencart_export_writes_the_customers_with_a_trusted_email(url: str, tmp_path: Path) -> None:
    create_schema(url, "opencart")
    insert_users(url, "opencart", _opencart_rows(4))
    header = tmp_path / "header.json"
    header.write_text(json.dumps({"CSVHeader": ["email", "email_verified", "cognito:mfa_enabled", "cognito:username",
                                                "custom:legacy_id"], "UserPoolId": "eu-west-1_TestPool1"}), "utf-8")
    env = {"LEGACY_APP": "opencart", "LEGACY_DB_URL": url}
    argv = ["export", "--all", "--header-file", str(header), "--json", "--out-dir"]
    code, out, err = _run([*argv, str(tmp_path / "a")], env)
    assert code == 0, err
    assert json.loads(out)["exported"] == 0  # OpenCart never confirms an address: no verified contact
    code, out, err = _run([*argv, str(tmp_path / "b")], {**env, "LEGACY_TRUST_EMAILS": "true"})
    assert code == 0, err
    assert json.loads(out)["exported"] == 3  # every enabled customer, under legacy_<id> (no username)
    csv = (tmp_path / "b" / "legacy-auth-import-001.csv").read_text("utf-8")
    assert "old@example.org,TRUE,FALSE,legacy_2,2" in csv.splitlines()


# ---------------------------------------------------------------- MediaWiki blocks ($wgBlockDisablesLogin)


def test_mediawiki_sitewide_blocks_refuse_the_user_only_with_block_disables_login(
        url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    create_schema(url, "mediawiki", block_disables_login=True)
    insert_users(url, "mediawiki", _mediawiki_rows())
    sitewide = "TRUE" if url.startswith("postgres") else "1"
    partial = "FALSE" if url.startswith("postgres") else "0"
    run_query(url, "INSERT INTO block_target (bt_id, bt_user, bt_user_text, bt_count) VALUES "
                   "(1, 2, 'Old', 1), (2, 1, 'Ann lee', 1), (3, 3, 'Ancient', 1)")
    run_query(url, "INSERT INTO block (bl_id, bl_target, bl_by_actor, bl_reason_id, bl_timestamp, bl_expiry, "
                   f"bl_sitewide) VALUES (1, 1, 1, 1, '20240101000000', 'infinity', {sitewide}), "
                   f"(2, 2, 1, 1, '20240101000000', '20000101000000', {sitewide}), "  # expired
                   f"(3, 3, 1, 1, '20240101000000', 'infinity', {partial})")  # a partial block: still signs in
    env = {"LEGACY_APP": "mediawiki", "LEGACY_DB_URL": url}
    code, data, _ = _check({**env, "LEGACY_BLOCK_DISABLES_LOGIN": "true"}, "Old", PASSWORD, monkeypatch)
    assert (code, data["lookup"]["state"], data["outcome"]["reason"]) == (1, "blocked", "account_blocked")
    code, data, text = _check({**env, "LEGACY_BLOCK_DISABLES_LOGIN": "true"}, "Ancient", PASSWORD, monkeypatch)
    assert code == 0, text
    code, data, text = _check(env, "Old", PASSWORD, monkeypatch)  # MediaWiki's default: blocked users sign in
    assert code == 0, text
    report = _scan({**env, "LEGACY_BLOCK_DISABLES_LOGIN": "true"})
    assert report["states"] == {"active": 2, "blocked": 1, "system": 1}

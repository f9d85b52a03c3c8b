"""``legacy-auth scan``, ``check`` and ``routes`` on the real tables of issue 15's PrestaShop, Discourse, Ghost,
Atlassian and ``php`` apps: schemes found and graded, unknown hashes listed, account states counted, duplicate
emails, and Discourse's three joined tables scanned in one stream."""

from __future__ import annotations

import io
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from legacy_auth.cli.main import main
from tests.conftest import load_vectors
from tests.support.legacy_db import create_schema, insert_rows, insert_users

pytestmark = pytest.mark.integration
NOW = datetime(2024, 5, 1, 12, 0, 0)


def vec(app: str, scheme: str, **extra: Any) -> dict[str, Any]:
    """The first verifying vector of ``app``/``scheme`` whose ``extra`` has the given values."""
    return next(v for v in load_vectors() if v["app"] == app and v["scheme"] == scheme and v["expect"]
                and all((v.get("extra") or {}).get(k) == val for k, val in extra.items()))


@pytest.fixture(params=["mysql", "postgresql", "sqlite"])
def url(request: pytest.FixtureRequest, databases: Any, tmp_path: Path) -> str:
    if request.param == "mysql":
        return databases.mysql("cliapps15b")
    if request.param == "postgresql":
        return databases.postgres("cliapps15b")
    return databases.sqlite(tmp_path, "cliapps15b")


def _run(command: str, env: dict[str, str], *extra: str) -> tuple[int, dict[str, Any]]:
    out, err = io.StringIO(), io.StringIO()
    code = main([command, "--json", *extra], environ=env, stdout=out, stderr=err)
    assert code in (0, 1), err.getvalue()
    return code, json.loads(out.getvalue())


def _scan(env: dict[str, str], *extra: str) -> tuple[int, dict[str, Any]]:
    return _run("scan", env, "--repeats", "1", *extra)


def _check(env: dict[str, str], login: str, password: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
    out, err = io.StringIO(), io.StringIO()
    code = main(["check", login, "--password-stdin", "--json"], environ=env, stdout=out, stderr=err)
    assert password not in out.getvalue() + err.getvalue()
    data: dict[str, Any] = json.loads(out.getvalue())
    assert (code == 0) is data["outcome"]["migrate"], err.getvalue()
    return data


def test_prestashop_bcrypt_and_keyed_md5_rows_deleted_and_guests_left_out(url: str,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    create_schema(url, "prestashop")
    base = {"id_gender": 1, "firstname": "Ann", "lastname": "Lee", "active": 1, "date_add": NOW, "date_upd": NOW}
    md5 = vec("prestashop", "prestashop_md5")
    insert_users(url, "prestashop", [
        {**base, "id_customer": 1, "email": "a@example.org", "passwd": vec("prestashop", "bcrypt")["hash"]},
        {**base, "id_customer": 2, "email": "b@example.org", "passwd": md5["hash"]},
        {**base, "id_customer": 3, "email": "A@example.org", "passwd": md5["hash"]},
        {**base, "id_customer": 4, "email": "c@example.org", "passwd": md5["hash"], "active": 0},
        {**base, "id_customer": 5, "email": "gone@example.org", "passwd": md5["hash"], "deleted": 1},
        {**base, "id_customer": 6, "email": "guest@example.org", "passwd": md5["hash"], "is_guest": 1},
    ])
    env = {"LEGACY_APP": "prestashop", "LEGACY_DB_URL": url,
           "LEGACY_PRESTASHOP_COOKIE_KEY": md5["extra"]["cookie_key"]}
    code, report = _scan(env, "--workers", "2")
    assert code == 1
    assert report["rows"] == 4  # getByEmail's deleted = 0 AND is_guest = 0
    assert set(report["schemes"]) == {"bcrypt", "prestashop_md5"}
    assert report["schemes"]["prestashop_md5"]["strength"] == "weak"
    assert report["states"] == {"active": 3, "inactive": 1}
    assert report["duplicate_emails"] == {"groups": 1, "users": 2}
    checked = _check(env, "B@example.org", md5["password"], monkeypatch)  # the keyed md5 row, any case
    assert checked["hash"]["scheme"] == "prestashop_md5"
    assert checked["verify"]["ok"] is True
    assert checked["outcome"]["migrate"] is True
    assert _check(env, "c@example.org", md5["password"], monkeypatch)["outcome"]["migrate"] is False  # inactive
    assert _check(env, "gone@example.org", md5["password"], monkeypatch)["lookup"]["found"] is False

def test_ghost_statuses_and_bcryptjs_costs(url: str) -> None:
    create_schema(url, "ghost")
    cheap = vec("ghost", "ghost_bcryptjs")["hash"]
    default = vec("ghost", "ghost_bcryptjs", note="Ghost default rounds 10")
    base = {"name": "Ann Lee", "created_at": NOW}
    insert_users(url, "ghost", [
        {**base, "id": "a1", "slug": "a1", "email": "a1@example.org", "password": default["hash"]},
        {**base, "id": "a2", "slug": "a2", "email": "a2@example.org", "password": cheap, "status": "warn-2"},
        {**base, "id": "a3", "slug": "a3", "email": "a3@example.org", "password": cheap, "status": "locked"},
        {**base, "id": "a4", "slug": "a4", "email": "a4@example.org", "password": cheap, "status": "inactive"},
        {**base, "id": "a5", "slug": "a5", "email": "a5@example.org", "password": "$P$Bnot-bcryptjs12345678901"},
    ])
    code, report = _scan({"LEGACY_APP": "ghost", "LEGACY_DB_URL": url}, "--workers", "2")
    assert code == 1
    assert report["workers"] == 1  # string ids: one stream
    assert report["states"] == {"active": 3, "locked": 1, "inactive": 1}
    costs = {c["cost"] for c in report["schemes"]["ghost_bcryptjs"]["costs"]}
    assert costs == {"cost=10", "cost=4"}
    assert report["unsupported_hashes"] == 1


def test_atlassian_directories_and_pkcs5s2(url: str) -> None:
    create_schema(url, "atlassian")
    secret = vec("atlassian", "atlassian_pbkdf2_sha1")["hash"]
    base = {"active": 1, "created_date": NOW, "updated_date": NOW, "deleted_externally": 0}
    insert_users(url, "atlassian", [
        {**base, "id": 10, "directory_id": 1, "user_name": "ann", "lower_user_name": "ann",
         "email_address": "ann@example.org", "credential": secret},
        {**base, "id": 11, "directory_id": 1, "user_name": "Bob", "lower_user_name": "bob",
         "email_address": "bob@example.org", "credential": secret, "active": 0},
        {**base, "id": 12, "directory_id": 2, "user_name": "ann", "lower_user_name": "ann",
         "email_address": "ann@example.org", "credential": "nopass"},
    ])
    code, everything = _scan({"LEGACY_APP": "atlassian", "LEGACY_DB_URL": url})
    assert code == 1
    assert everything["rows"] == 3
    assert everything["duplicate_usernames"]["groups"] == 1  # ann in two directories
    code, internal = _scan({"LEGACY_APP": "atlassian", "LEGACY_DB_URL": url, "LEGACY_ATLASSIAN_DIRECTORY_ID": "1"},
                           "--workers", "2")
    assert internal["rows"] == 2
    assert internal["states"] == {"active": 1, "inactive": 1}
    assert set(internal["schemes"]) == {"atlassian_pbkdf2_sha1"}
    assert internal["duplicate_usernames"] == {"groups": 0, "users": 0}


def test_php_password_verify_and_crypt_formats(url: str) -> None:
    options = {"generic_table": "members", "generic_id_column": "member_id", "generic_username_column": "login",
               "generic_email_column": "mail", "generic_hash_column": "pw"}
    create_schema(url, "php", **options)
    hashes = [vec("php", s)["hash"] for s in ("bcrypt", "md5_crypt", "sha256_crypt", "sha512_crypt")]
    hashes.append("$argon2d$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$RfDuc3bpnFs7DT27HDuA6JGPtaIarI6zC6g/COGoyAI")
    insert_users(url, "php", [{"member_id": i, "login": f"u{i}", "mail": f"u{i}@example.org", "pw": h}
                              for i, h in enumerate(hashes, 1)], **options)
    env = {"LEGACY_APP": "php", "LEGACY_DB_URL": url, **{f"LEGACY_{k.upper()}": v for k, v in options.items()}}
    code, report = _scan(env)
    assert code == 1
    assert set(report["schemes"]) == {"bcrypt", "md5_crypt", "sha256_crypt", "sha512_crypt"}
    assert report["schemes"]["md5_crypt"]["strength"] == "weak"
    assert report["unsupported_hashes"] == 1  # $argon2d$: PHP's password_verify refuses it


def test_discourse_joined_tables_scan_in_one_stream(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    create_schema(url, "discourse")
    good = vec("discourse", "discourse_pbkdf2_sha256")
    users = [{"id": i, "username": f"u{i}", "username_lower": f"u{i}", "active": True, "approved": True,
              "trust_level": 1, "created_at": NOW, "updated_at": NOW} for i in (1, 2, 3)]
    users[1]["suspended_till"] = datetime(2999, 1, 1)
    insert_users(url, "discourse", users)
    stamps = {"created_at": NOW, "updated_at": NOW}
    assert insert_rows(url, "user_emails", [{"id": i, "user_id": i, "email": f"u{i}@example.org", "primary": True,
                                             **stamps} for i in (1, 2, 3)])
    assert insert_rows(url, "user_passwords", [
        {"id": i, "user_id": i, "password_hash": good["hash"], "password_salt": good["extra"]["salt"],
         "password_algorithm": "$pbkdf2-sha256$i=64000,l=32$", **stamps} for i in (1, 2)])
    code, report = _scan({"LEGACY_APP": "discourse", "LEGACY_DB_URL": url}, "--workers", "2")
    assert code == 0  # the SSO-only and the suspended user block nothing
    assert report["workers"] == 1  # the scan joins user_emails and user_passwords: no key ranges
    assert report["rows"] == 3
    assert report["states"] == {"active": 1, "blocked": 1, "sso_only": 1}
    assert {c["cost"] for c in report["schemes"]["discourse_pbkdf2_sha256"]["costs"]} == {"iterations=64000"}
    env = {"LEGACY_APP": "discourse", "LEGACY_DB_URL": url}
    by_email = _check(env, "U1@Example.org", good["password"], monkeypatch)
    assert by_email["lookup"]["legacy_id"] == "1"
    assert by_email["verify"]["ok"] is True
    assert _check(env, "@u1", good["password"] + "x", monkeypatch)["verify"]["ok"] is False


def test_php_routes_count_each_user_once(url: str) -> None:
    """``legacy-auth routes``: bcrypt would be importable (lazy until AWS documents the hash CSV), the crypt()
    formats are not in Cognito's families, the ``$argon2d$`` row has no usable password."""
    options = {"generic_table": "members", "generic_id_column": "member_id", "generic_username_column": "login",
               "generic_email_column": "mail", "generic_hash_column": "pw"}
    create_schema(url, "php", **options)
    hashes = [vec("php", s)["hash"] for s in ("bcrypt", "md5_crypt", "sha512_crypt")]
    hashes.append("$argon2d$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$RfDuc3bpnFs7DT27HDuA6JGPtaIarI6zC6g/COGoyAI")
    insert_users(url, "php", [{"member_id": i, "login": f"u{i}", "mail": f"u{i}@example.org", "pw": h}
                              for i, h in enumerate(hashes, 1)], **options)
    env = {"LEGACY_APP": "php", "LEGACY_DB_URL": url, **{f"LEGACY_{k.upper()}": v for k, v in options.items()}}
    out, err = io.StringIO(), io.StringIO()
    assert main(["routes", "--json"], environ={**env, "LEGACY_TRUST_EMAILS": "true"}, stdout=out, stderr=err) == 0
    data = json.loads(out.getvalue())
    assert data["users"] == 4
    got = {(r["route"], r["reason"], r["algorithm"]): r["users"] for r in data["routes"]}
    assert got == {("lazy", "cognito_hash_format_unknown", "BCRYPT"): 1,
                   ("lazy", "algorithm_not_importable", None): 2,
                   ("reset", "no_usable_password", None): 1}
    assert not any(h[-16:] in out.getvalue() + err.getvalue() for h in hashes)

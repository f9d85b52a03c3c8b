"""Moodle (``legacy_auth/apps/moodle.py``): table, login rule, account states, site-salt options, dispatch."""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

import pytest

from legacy_auth.apps import get_context, get_preset
from legacy_auth.apps.moodle import MoodlePreset, dispatch
from legacy_auth.errors import ConfigurationError, HashError, UnknownHashSchemeError
from legacy_auth.model import AccountState
from legacy_auth.presets.values import RowReader

SALT = "s3cr3t-site-salt,.;"
BCRYPT = "$2y$04$abcdefghijklmnopqrstuu5v1zL1wYd2bQ0v8a8b5mF2l3lA0vXsS"


def preset(**options: Any) -> MoodlePreset:
    made = get_preset("moodle", **options)
    assert isinstance(made, MoodlePreset)
    return made


def row(**changes: Any) -> RowReader:
    base = {"id": 5, "auth": "manual", "confirmed": 1, "deleted": 0, "suspended": 0, "username": "ann",
            "password": BCRYPT, "firstname": "Ann", "lastname": "Lee", "email": "ann@example.org"}
    return RowReader("moodle", {**base, **changes})


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()  # noqa: S324 - the legacy format under test


# ---------------------------------------------------------------- table


def test_ddl_has_the_user_table_columns_and_the_unique_site_username_index() -> None:
    columns = {c.name: c.kind for c in preset().all_columns()}
    assert columns["username"] == "varchar(100)"
    assert columns["password"] == "varchar(255)"
    assert columns["auth"] == "varchar(20)"
    assert {"confirmed", "deleted", "suspended", "mnethostid", "email", "firstname", "lastname"} <= set(columns)
    assert preset().table("mdl_") == "mdl_user"
    ddl = " ".join(preset().ddl(prefix="mdl_", dialect="postgresql"))
    assert 'CREATE UNIQUE INDEX "mdl_user_mnethostid_username" ON "mdl_user" ("mnethostid", "username")' in ddl


# ---------------------------------------------------------------- login rule


def test_the_username_is_trimmed_and_lower_cased_as_the_login_page_does() -> None:
    assert [(lk.column, lk.match, v) for lk, v in preset().lookups("  Ann.Lee \t")] == [
        ("username", "exact", "ann.lee")]


def test_email_login_only_with_authloginviaemail() -> None:
    assert [lk.column for lk, _ in preset().lookups("Ann@Example.org")] == ["username"]
    lookups = preset(email_login=True).lookups(" Ann@Example.org ")
    assert [(lk.column, lk.match, v) for lk, v in lookups] == [
        ("username", "exact", "ann@example.org"), ("email", "lower", "Ann@Example.org")]


def test_every_query_is_limited_to_this_sites_mnethostid() -> None:
    for dialect in ("mysql", "postgresql", "sqlite"):
        for query in preset(mnethostid=3).find_queries("o'b\"r;--%_\\x", prefix="mdl_",
                                                        dialect=dialect):  # type: ignore[arg-type]
            assert "mnethostid" in query.sql
            assert "o'b" not in query.sql
            assert query.params == ("o'b\"r;--%_\\x", 3)


# ---------------------------------------------------------------- states


def test_an_active_manual_account() -> None:
    user = preset().read(row())
    assert (user.legacy_id, user.username, user.email, user.display_name) == ("5", "ann", "ann@example.org",
                                                                               "Ann Lee")
    assert user.state is AccountState.ACTIVE
    assert user.roles == ("auth:manual",)
    assert user.email_verified is False  # an admin-created account proves nothing about the address


def test_a_confirmed_self_registration_has_a_verified_email() -> None:
    assert preset().read(row(auth="email")).email_verified is True
    assert preset().read(row(auth="email", confirmed=0)).email_verified is False


@pytest.mark.parametrize(("changes", "state"), [
    ({"deleted": 1}, AccountState.DELETED),
    ({"suspended": 1}, AccountState.BLOCKED),
    ({"auth": "nologin"}, AccountState.BLOCKED),
    ({"confirmed": 0}, AccountState.UNCONFIRMED),
    ({"username": "guest"}, AccountState.SYSTEM),
    ({"auth": "ldap"}, AccountState.SSO_ONLY),
    ({"auth": "oauth2", "password": "not cached"}, AccountState.SSO_ONLY),
    ({"password": "not cached"}, AccountState.SSO_ONLY),
    ({"password": ""}, AccountState.SSO_ONLY),
    ({"deleted": 1, "suspended": 1}, AccountState.DELETED),
])
def test_each_account_state_moodle_refuses(changes: dict[str, Any], state: AccountState) -> None:
    assert preset().read(row(**changes)).state is state


def test_an_external_auth_row_never_hands_its_local_hash_to_the_check() -> None:
    assert preset().read(row(auth="ldap")).password_hash is None


# ---------------------------------------------------------------- options


def test_the_site_salt_verifies_legacy_md5_rows() -> None:
    stored = _md5(("pässwörd" + SALT).encode())
    assert get_context("moodle", pad_weak=False, moodle_site_salt=SALT).verify("pässwörd", stored).ok is True
    assert get_context("moodle", pad_weak=False).verify("pässwörd", stored).ok is False


def test_alt_salts_are_a_json_array_in_order() -> None:
    stored = _md5(b"pw" + b"old-salt")
    ctx = get_context("moodle", pad_weak=False, moodle_site_salt=SALT,
                      moodle_alt_salts=json.dumps(["first", "old-salt"]))
    assert ctx.verify("pw", stored).ok is True


@pytest.mark.parametrize("bad", ["not json", '{"a": 1}', "[1, 2]", json.dumps(["s"] * 21)])
def test_bad_alt_salts_name_the_variable_and_never_show_the_value(bad: str) -> None:
    with pytest.raises(ConfigurationError) as err:
        get_context("moodle", moodle_alt_salts=bad)
    assert err.value.setting == "LEGACY_MOODLE_ALT_SALTS"
    assert bad not in str(err.value)


def test_the_site_salt_is_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    ctx = get_context("moodle", pad_weak=False, moodle_site_salt=SALT)
    ctx.verify("pw", _md5(b"pw" + SALT.encode()))
    assert SALT not in caplog.text
    assert SALT not in repr(ctx)


def test_options_of_other_apps_and_bad_preset_options_are_refused() -> None:
    with pytest.raises(ConfigurationError) as err:
        get_context("moodle", pepper="x")
    assert err.value.setting == "LEGACY_PEPPER"
    with pytest.raises(ConfigurationError) as err:
        preset(mnethostid="one")
    assert err.value.setting == "LEGACY_MNETHOSTID"
    with pytest.raises(ConfigurationError) as err:
        get_context("invision", moodle_site_salt="x")
    assert err.value.setting == "LEGACY_MOODLE_SITE_SALT"


# ---------------------------------------------------------------- password check


@pytest.mark.parametrize(("stored", "scheme"), [
    ("0123456789abcdef" * 2, "moodle_md5"),
    ("$2y$10$" + "a" * 53, "bcrypt"),
    ("$6$rounds=10000$abcdefgh$" + "a" * 86, "sha512_crypt"),
    ("$5$abcdefgh$" + "a" * 43, "sha256_crypt"),
    ("$1$abcdefgh$" + "a" * 22, "md5_crypt"),
    ("$argon2id$v=19$m=65536,t=4,p=1$c2FsdHNhbHQ$" + "a" * 43, "argon2"),
])
def test_each_format_goes_to_its_scheme(stored: str, scheme: str) -> None:
    assert dispatch(stored, {}).name == scheme


@pytest.mark.parametrize("stored", ["0123456789ABCDEF" * 2, "not cached", "plain",
                                    "$P$B123456789012345678901234567890"])
def test_other_values_are_unknown(stored: str) -> None:
    with pytest.raises(UnknownHashSchemeError):
        dispatch(stored, {})


def test_argon2d_is_refused_as_php_password_verify_refuses_it() -> None:
    from argon2 import Type
    from argon2.low_level import hash_secret

    stored = hash_secret(b"pw", b"saltsaltsalt1234", time_cost=1, memory_cost=64, parallelism=1, hash_len=32,
                         type=Type.D).decode()
    try:
        result = get_context("moodle", pad_weak=False).verify("pw", stored)
    except HashError:
        return
    assert result.ok is False

"""MyBB 1.8: the ``mybb_users`` table, the login rule, account states, options and the password check through
the app's hash context (vectors from MyBB's own code: ``tests/vectors/mybb-generated.jsonl``)."""

from __future__ import annotations

import hashlib
import sqlite3
from typing import Any

import pytest

from legacy_auth.apps import get_app, get_context, get_preset
from legacy_auth.apps.mybb import dispatch
from legacy_auth.errors import ConfigurationError, CorruptRowError, UnknownHashSchemeError
from legacy_auth.hashing import forum_schemes as fs
from legacy_auth.model import AccountState

#: ``install/resources/mysql_db_tables.php`` (1.8.37) columns created by the preset, in install order
INSTALL = ["uid", "username", "password", "salt", "loginkey", "email", "usergroup", "additionalgroups",
           "displaygroup", "regdate", "lastactive", "regip", "lastip", "coppauser", "loginattempts",
           "loginlockoutexpiry"]


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()  # noqa: S324 - the legacy construction under test


def _mybb(password: str, salt: str) -> str:
    return _md5((_md5(salt.encode()) + _md5(password.encode())).encode())


def row(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"uid": 3, "username": "Ann", "password": _mybb("pw", "s4lt"), "salt": "s4lt",
                            "email": "ann@example.org", "usergroup": 2, "additionalgroups": ""}
    data.update(over)
    return data


def test_ddl_creates_the_install_sql_columns_with_the_unique_username() -> None:
    preset = get_preset("mybb")
    db = sqlite3.connect(":memory:")
    for statement in preset.ddl(prefix="mybb_", dialect="sqlite"):
        db.execute(statement)
    assert [r[1] for r in db.execute("PRAGMA table_info(mybb_users)")] == INSTALL
    db.execute("INSERT INTO mybb_users (uid, username) VALUES (1, 'a')")
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO mybb_users (uid, username) VALUES (2, 'a')")
    mysql = preset.ddl(prefix="mybb_", dialect="mysql")[0]
    assert "`salt` VARCHAR(10) NOT NULL DEFAULT ''" in mysql
    assert "UNIQUE KEY `username` (`username`)" in mysql


def test_username_is_not_trimmed_and_is_bound_as_a_parameter() -> None:
    (query,) = get_preset("mybb").find_queries(" O'Brien;--%", prefix="mybb_", dialect="mysql")
    assert query.sql.endswith("FROM `mybb_users` WHERE `username` = %s LIMIT 2")
    assert query.params == (" O'Brien;--%",)


@pytest.mark.parametrize(("method", "login", "columns"), [
    (0, "ann@example.org", ["username"]), (1, "Ann", ["email"]), (2, "Ann", ["username"]),
    (2, "Ann@Example.org", ["username", "email"])])
def test_username_method_chooses_the_columns(method: int, login: str, columns: list[str]) -> None:
    queries = get_preset("mybb", username_method=method).find_queries(login, prefix="", dialect="mysql")
    assert [q.sql.split("WHERE `")[1].split("`")[0] for q in queries] == columns
    assert all(q.params == (login,) for q in queries)


def test_postgresql_compares_lower_username_after_the_exact_match() -> None:
    exact, fallback = get_preset("mybb").find_queries("Ann", prefix="mybb_", dialect="postgresql")
    assert 'WHERE "username" = %s' in exact.sql
    assert 'WHERE lower("username") = lower(%s)' in fallback.sql


def test_an_active_row_carries_its_salt_and_groups() -> None:
    user = get_preset("mybb").to_user(row(additionalgroups="4,9"))
    assert user.state is AccountState.ACTIVE
    assert (user.legacy_id, user.username, user.email) == ("3", "Ann", "ann@example.org")
    assert user.roles == ("group:2", "group:4", "group:9")
    assert user.hash_fields == {"salt": "s4lt"}
    assert user.email_verified is False


@pytest.mark.parametrize(("group", "state"), [
    (7, AccountState.BLOCKED), (5, AccountState.UNCONFIRMED), (2, AccountState.ACTIVE), (4, AccountState.ACTIVE)])
def test_default_user_groups_decide_the_state(group: int, state: AccountState) -> None:
    assert get_preset("mybb").to_user(row(usergroup=group)).state is state


def test_renumbered_groups_and_confirmed_email_come_from_options() -> None:
    preset = get_preset("mybb", banned_groups="7,12", unconfirmed_groups="13", activation_confirms_email=True)
    assert preset.to_user(row(usergroup=12)).state is AccountState.BLOCKED
    assert preset.to_user(row(usergroup=13)).state is AccountState.UNCONFIRMED
    assert preset.to_user(row(usergroup=5)).state is AccountState.ACTIVE
    assert preset.to_user(row()).email_verified is True
    assert preset.to_user(row(usergroup=13)).email_verified is False


def test_no_password_is_sso_only_and_a_bad_group_list_is_a_corrupt_row() -> None:
    preset = get_preset("mybb")
    user = preset.to_user(row(password="", salt="s4lt"))
    assert user.state is AccountState.SSO_ONLY
    assert user.hash_fields == {}
    with pytest.raises(CorruptRowError):
        preset.to_user(row(additionalgroups="4;9"))


@pytest.mark.parametrize(("options", "setting"), [
    ({"username_method": 3}, "LEGACY_USERNAME_METHOD"), ({"username_method": "x"}, "LEGACY_USERNAME_METHOD"),
    ({"banned_groups": "banned"}, "LEGACY_BANNED_GROUPS"), ({"variant": "4"}, "LEGACY_VARIANT")])
def test_bad_or_foreign_preset_options_name_their_variable(options: dict[str, Any], setting: str) -> None:
    with pytest.raises(ConfigurationError) as err:
        get_preset("mybb", **options)
    assert err.value.setting == setting


def test_a_hash_option_of_another_app_is_refused() -> None:
    with pytest.raises(ConfigurationError) as err:
        get_context("mybb", magento_legacy_rows=True)
    assert err.value.setting == "LEGACY_MAGENTO_LEGACY_ROWS"


def test_only_the_salted_md5_is_a_mybb_row_hash() -> None:
    assert dispatch("a" * 32, {"salt": "x"}) is fs.MYBB_MD5
    for stored in ("$2y$10$" + "a" * 53, "A" * 32, "a" * 31):
        with pytest.raises(UnknownHashSchemeError):
            dispatch(stored, {"salt": ""})


def test_a_bcrypt_value_is_only_the_dummy_hash_never_a_row() -> None:
    dummy = get_app("mybb").rules.dummy_hash
    assert dispatch(dummy, {}).name == "bcrypt"  # the dummy is dispatched without row fields
    user = get_preset("mybb").to_user(row(password=dummy, salt=""))
    assert "salt" in user.hash_fields  # so a row holding a bcrypt value is refused as unknown
    with pytest.raises(UnknownHashSchemeError):
        get_context("mybb").verify("x", user.password_hash, **user.hash_fields)


def test_the_password_is_checked_exactly_as_typed() -> None:
    ctx = get_context("mybb", pad_weak=False)
    stored = _mybb(" Pässwort ", "abc")
    assert ctx.verify(" Pässwort ", stored, salt="abc").ok is True
    assert ctx.verify("Pässwort", stored, salt="abc").ok is False
    assert ctx.verify(" Pässwort ", stored, salt="abd").ok is False


def test_the_hash_is_not_importable_and_the_dummy_is_a_cost_10_bcrypt() -> None:
    assert get_app("mybb").importability.why_not("mybb_md5")
    assessment = get_context("mybb").dummy_assessment
    assert assessment is not None
    assert (assessment.scheme, assessment.cost) == ("bcrypt", "cost=10")

"""Discourse: ``users`` joined with ``user_emails`` (and ``user_passwords``), ``normalized_login_param``,
the account states ``SessionController#create`` refuses and the PBKDF2 hash with its row fields."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from legacy_auth.apps import get_context, get_preset
from legacy_auth.apps.discourse import DiscoursePreset, dispatch, normalize_login
from legacy_auth.errors import ConfigurationError, CorruptHashError, UnknownHashSchemeError
from legacy_auth.model import AccountState

#: schema annotations of app/models/user_email.rb and user_password.rb (every column)
EMAIL_ANNOTATION = ("id", "user_id", "email", "primary", "created_at", "updated_at", "normalized_email")
PASSWORD_ANNOTATION = ("id", "user_id", "password_hash", "password_salt", "password_algorithm",
                       "password_expired_at", "created_at", "updated_at")
#: users columns of app/models/user.rb's annotation the preset reads or that are NOT NULL without a default
USERS_READ = ("id", "username", "created_at", "updated_at", "name", "active", "username_lower", "admin",
              "trust_level", "approved", "suspended_till", "moderator", "staged")
SALT = "aa25282d822a6b57f323649dfc9c8f39"
ALGORITHM = "$pbkdf2-sha256$i=1000,l=32$"
ROW = {"id": 7, "username": "Ann", "name": "Ann Lee", "active": True, "approved": False, "admin": False,
       "moderator": True, "staged": False, "suspended_till": None, "trust_level": 2, "email": "ann@example.org",
       "password_hash": "6dcecdb01761bb050ca3964f65507902f532c3a0fdafde887a64b2c7e885df3f",
       "password_salt": SALT, "password_algorithm": ALGORITHM, "password_expired_at": None}


def _names(statement: str) -> list[str]:
    body = statement.split("(", 1)[1]
    return [line.strip().split()[0].strip('"') for line in body.splitlines()
            if line.strip().startswith('"')]


def test_ddl_creates_the_three_tables_with_their_annotated_columns() -> None:
    statements = get_preset("discourse").ddl(prefix="", dialect="postgresql")
    tables = {s.split('"')[1]: s for s in statements if s.startswith("CREATE TABLE")}
    assert set(tables) == {"users", "user_emails", "user_passwords"}
    assert tuple(_names(tables["user_emails"])) == EMAIL_ANNOTATION
    assert tuple(_names(tables["user_passwords"])) == PASSWORD_ANNOTATION
    assert set(USERS_READ) <= set(_names(tables["users"]))
    assert "password_hash" not in _names(tables["users"])
    assert any("UNIQUE INDEX" in s and '"user_emails"' in s for s in statements)


@pytest.mark.parametrize(("variant", "on_users"), [("users", {"password_hash", "salt", "password_algorithm"}),
                                                   ("legacy", {"password_hash", "salt"})])
def test_older_layouts_keep_the_password_on_users(variant: str, on_users: set[str]) -> None:
    statements = get_preset("discourse", variant=variant).ddl(prefix="", dialect="postgresql")
    users = _names(statements[0])
    assert on_users <= set(users)
    assert ("password_algorithm" in users) is (variant == "users")
    assert not any('"user_passwords"' in s for s in statements)


@pytest.mark.parametrize(("typed", "value"), [
    ("Ann", "ann"), ("  @Ann ", "@ann"),  # the "@" is dropped before the strip
    ("@ann", "ann"), ("Ann@Example.ORG", "ann@example.org"),
    ("Ｅcole", "ｅcole"), ("e\u0301cole", "\u00e9cole"), (" ", ""), ("@", ""), ("x" * 150, "x" * 101),
])
def test_normalized_login_param(typed: str, value: str) -> None:
    assert normalize_login(typed) == value


def test_a_username_is_looked_up_by_username_lower() -> None:
    (query,) = get_preset("discourse").find_queries("@Ann ", prefix="", dialect="postgresql")
    assert 'FROM "users" u JOIN "user_emails" e ON e."user_id" = u."id" AND e."primary" = TRUE' in query.sql
    assert 'LEFT JOIN "user_passwords" p ON p."user_id" = u."id"' in query.sql
    assert query.sql.endswith('WHERE u."username_lower" = %s LIMIT 2')
    assert query.params == ("ann",)


def test_an_email_is_looked_up_among_all_the_users_emails() -> None:
    (query,) = get_preset("discourse").find_queries("Ann@Example.org", prefix="d_", dialect="mysql")
    assert query.sql.endswith("WHERE u.`id` IN (SELECT `user_id` FROM `d_user_emails` "
                              "WHERE lower(`email`) = %s) LIMIT 2")
    assert query.params == ("ann@example.org",)


def test_logins_that_cannot_exist_give_no_query() -> None:
    preset = get_preset("discourse")
    assert preset.find_queries("@", prefix="", dialect="sqlite") == []
    assert preset.find_queries("x" * 61, prefix="", dialect="sqlite") == []  # username_lower is varchar(60)


def test_sql_metacharacters_and_hostile_prefixes() -> None:
    login = "o'b\"r;--%_x"
    (query,) = get_preset("discourse").find_queries(login, prefix="", dialect="sqlite")
    assert login not in query.sql
    assert query.params == (login,)
    with pytest.raises(ConfigurationError):
        get_preset("discourse").find_queries("ann", prefix="x; DROP", dialect="postgresql")


def test_older_layouts_read_the_password_from_users() -> None:
    (query,) = get_preset("discourse", variant="legacy").find_queries("ann", prefix="", dialect="postgresql")
    assert 'u."password_hash", u."salt" AS "password_salt", NULL AS "password_algorithm"' in query.sql
    (query,) = get_preset("discourse", variant="users").find_queries("ann", prefix="", dialect="postgresql")
    assert 'u."password_algorithm" AS "password_algorithm"' in query.sql


def test_scan_reads_the_same_columns_in_id_order() -> None:
    preset = get_preset("discourse")
    scan = preset.scan_query(prefix="", dialect="postgresql")
    (lookup,) = preset.find_queries("ann", prefix="", dialect="postgresql")
    assert scan.sql.endswith('ORDER BY u."id"')
    assert scan.sql.split(" ORDER BY ")[0] == lookup.sql.split(" WHERE ")[0]


NOW = datetime.now(UTC).replace(tzinfo=None)


@pytest.mark.parametrize(("changes", "options", "state"), [
    ({}, {}, AccountState.ACTIVE),
    ({"suspended_till": NOW + timedelta(days=3)}, {}, AccountState.BLOCKED),
    ({"suspended_till": NOW - timedelta(days=3)}, {}, AccountState.ACTIVE),
    ({"password_expired_at": NOW}, {}, AccountState.LOCKED),
    ({"staged": True}, {}, AccountState.INACTIVE),
    ({"active": False}, {}, AccountState.UNCONFIRMED),
    ({"id": -1}, {}, AccountState.SYSTEM),
    ({}, {"must_approve_users": True}, AccountState.UNAPPROVED),
    ({"admin": True}, {"must_approve_users": True}, AccountState.ACTIVE),
    ({"approved": True}, {"must_approve_users": True}, AccountState.ACTIVE),
    ({"password_hash": None, "password_salt": None, "password_algorithm": None}, {}, AccountState.SSO_ONLY),
])
def test_states(changes: dict[str, Any], options: dict[str, Any], state: AccountState) -> None:
    assert get_preset("discourse", **options).to_user({**ROW, **changes}).state is state


def test_row_maps_to_the_user_with_its_hash_fields() -> None:
    user = get_preset("discourse").to_user(ROW)
    assert (user.legacy_id, user.username, user.email, user.display_name) == ("7", "Ann", "ann@example.org",
                                                                              "Ann Lee")
    assert user.roles == ("trust_level:2", "moderator")
    assert user.email_verified is True
    assert user.hash_fields == {"salt": SALT, "algorithm": ALGORITHM}


@pytest.mark.parametrize(("options", "setting"), [({"variant": "v2"}, "LEGACY_VARIANT"),
                                                  ({"moderate_users": True}, "LEGACY_MODERATE_USERS")])
def test_bad_options_name_their_variable(options: dict[str, Any], setting: str) -> None:
    with pytest.raises(ConfigurationError) as err:
        DiscoursePreset(**options)
    assert err.value.setting == setting


# ---------------------------------------------------------------- password check


def test_a_row_verifies_with_its_salt_text_and_algorithm() -> None:
    ctx = get_context("discourse", pad_weak=False)
    fields = {"salt": SALT, "algorithm": ALGORITHM}
    assert ctx.verify("correct horse", ROW["password_hash"], **fields).ok
    assert not ctx.verify("correct horsE", ROW["password_hash"], **fields).ok
    legacy = hashlib.pbkdf2_hmac("sha256", b"pw", SALT.encode(), 64_000, 32).hex()
    assert ctx.verify("pw", legacy, salt=SALT, algorithm=None).ok  # before the column: 64,000 iterations


def test_the_dummy_is_one_string_of_the_same_scheme() -> None:
    ctx = get_context("discourse")
    assessed = ctx.dummy_assessment
    assert assessed is not None
    assert (assessed.scheme, assessed.cost) == ("discourse_pbkdf2_sha256", "iterations=600000")
    salt, pw = "00ff", b"throwaway"
    digest = hashlib.pbkdf2_hmac("sha256", pw, salt.encode(), 1000, 32).hex()
    combined = f"$pbkdf2-sha256$i=1000,l=32${salt}${digest}"
    assert get_context("discourse", dummy_hash=combined, pad_weak=False).verify("throwaway", combined).ok
    with pytest.raises(ConfigurationError):
        get_context("discourse", dummy_hash="$pbkdf2-sha256$i=1000,l=32$00ff$abc")


def test_dispatch() -> None:
    assert dispatch("a" * 64, {}).name == "discourse_pbkdf2_sha256"
    for stored in ("$2a$10$" + "a" * 53, "a" * 63, "{SSHA}abc"):
        with pytest.raises(UnknownHashSchemeError):
            dispatch(stored, {})
    with pytest.raises(CorruptHashError):
        get_context("discourse", pad_weak=False).verify("pw", "a" * 64, salt=SALT,
                                                        algorithm="$pbkdf2-sha256$i=1000,l=64$")

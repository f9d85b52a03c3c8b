"""Unit tests: q2a and WordPress query building and row mapping (driver-shaped rows, no database)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from legacy_auth.apps import get_preset
from legacy_auth.errors import ConfigurationError, CorruptRowError
from legacy_auth.model import AccountState

SALT = b"r3blz4qw56sdsghz"
CHECK = bytes.fromhex("849C11A9A1053E7601A79762286516389AB21CDD")


def q2a_row(**over: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"userid": 7, "handle": "alice", "email": "a@x.org", "passsalt": None, "passcheck": None,
                           "passhash": "$2y$10$abcdefghijklmnopqrstuu1234567890123456789012345678901", "level": 0,
                           "flags": 0}
    row.update(over)
    return row


def test_q2a_handle_login_builds_one_parameterised_handle_query() -> None:
    (query,) = get_preset("q2a").find_queries("Alice", prefix="qa_", dialect="mysql")
    assert query.sql.endswith("FROM `qa_users` WHERE `handle` = %s LIMIT 2")
    assert query.params == ("Alice",)


def test_q2a_login_with_at_sign_looks_up_email_exactly_then_case_insensitively_on_postgresql() -> None:
    exact, fallback = get_preset("q2a").find_queries(" A@X.org\n", prefix="qa_", dialect="postgresql")
    assert 'WHERE "email" = %s LIMIT 2' in exact.sql  # the plain index; the app's own answer when it matches
    assert 'WHERE lower("email") = lower(%s) LIMIT 2' in fallback.sql  # only when the exact match finds nothing
    assert exact.params == fallback.params == ("A@X.org",)
    (mysql,) = get_preset("q2a").find_queries(" A@X.org\n", prefix="qa_", dialect="mysql")
    assert "WHERE `email` = %s LIMIT 2" in mysql.sql  # the column's _ci collation decides, in one query


@pytest.mark.parametrize("login", ["x" * 21, "", "   ", "a\x00b", "\udcff", "y" * 81 + "@x"])
def test_q2a_logins_that_cannot_exist_give_no_query(login: str) -> None:
    assert get_preset("q2a").find_queries(login, prefix="qa_", dialect="sqlite") == []


def test_q2a_prefix_is_validated_and_unknown_dialect_refused() -> None:
    preset = get_preset("q2a")
    assert preset.table("qa_") == "qa_users"
    assert preset.table("") == "users"
    with pytest.raises(ConfigurationError) as err:
        preset.find_queries("a", prefix="qa_; DROP TABLE x", dialect="mysql")
    assert err.value.setting == "LEGACY_TABLE_PREFIX"
    with pytest.raises(ConfigurationError):
        preset.scan_query(prefix="qa_", dialect="oracle")  # type: ignore[arg-type]


def test_q2a_scan_reads_the_same_columns_in_primary_key_order() -> None:
    scan = get_preset("q2a").scan_query(prefix="site1_", dialect="postgresql")
    assert scan.sql.startswith('SELECT "userid", "handle", "email", "passsalt", "passcheck", "passhash"')
    assert scan.sql.endswith('FROM "site1_users" ORDER BY "userid"')


@pytest.mark.parametrize("salt", [SALT, bytearray(SALT), memoryview(SALT)])
def test_q2a_legacy_pair_is_raw_bytes_whatever_the_driver_returned(salt: Any) -> None:
    user = get_preset("q2a").to_user(q2a_row(passsalt=salt, passcheck=memoryview(CHECK), passhash=None, flags=1))
    assert user.hash_fields == {"passsalt": SALT, "passcheck": CHECK}
    assert user.email_verified is True
    assert user.state is AccountState.ACTIVE
    assert user.legacy_id == "7"
    assert "passsalt" not in repr(user)


@pytest.mark.parametrize(
    ("over", "options", "state"),
    [
        ({"flags": 2}, {}, AccountState.BLOCKED),
        ({"flags": 128}, {}, AccountState.ACTIVE),
        ({"flags": 128}, {"require_confirmed_email": True}, AccountState.UNCONFIRMED),
        ({"flags": 128, "level": 20}, {"require_confirmed_email": "true"}, AccountState.ACTIVE),
        ({"level": 0}, {"moderate_users": True}, AccountState.UNAPPROVED),
        ({"passhash": None}, {}, AccountState.SSO_ONLY),
        ({"passhash": None, "passsalt": SALT}, {}, AccountState.SSO_ONLY),  # half a pair is no password
        ({"flags": 2, "passhash": None}, {}, AccountState.BLOCKED),
    ],
)
def test_q2a_account_states(over: dict[str, Any], options: dict[str, Any], state: AccountState) -> None:
    assert get_preset("q2a", **options).to_user(q2a_row(**over)).state is state


def test_q2a_level_becomes_a_role_and_tinyint_types_are_accepted() -> None:
    user = get_preset("q2a").to_user(q2a_row(level="120", flags=True))
    assert user.roles == ("level:120",)
    assert user.email_verified is True


@pytest.mark.parametrize(
    "row",
    [
        {},
        {"userid": 1},
        q2a_row(userid=None),
        q2a_row(flags="lots"),
        q2a_row(passsalt=12, passcheck=CHECK),
        q2a_row(handle=object()),
        q2a_row(email=b"\xff\xfe"),
    ],
)
def test_q2a_broken_rows_raise_a_typed_error(row: dict[str, Any]) -> None:
    with pytest.raises(CorruptRowError) as err:
        get_preset("q2a").to_user(row)
    assert err.value.app == "q2a"


def test_q2a_ddl_has_the_real_binary_columns_and_collations() -> None:
    mysql = get_preset("q2a").ddl(prefix="qa_", dialect="mysql")[0]
    assert "`passsalt` BINARY(16)" in mysql
    assert "`passcheck` BINARY(20)" in mysql
    assert "`handle` VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL" in mysql
    assert "`passhash` VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin" in mysql
    pg = get_preset("q2a").ddl(prefix="qa_", dialect="postgresql")
    assert '"passcheck" BYTEA' in pg[0]
    assert any("lower(\"handle\")" in s for s in pg)
    assert '"passsalt" BLOB' in get_preset("q2a").ddl(prefix="qa_", dialect="sqlite")[0]


def test_unknown_app_and_unknown_option_name_the_setting() -> None:
    with pytest.raises(ConfigurationError) as err:
        get_preset("wordpres")
    assert err.value.setting == "LEGACY_APP"
    with pytest.raises(ConfigurationError) as err:
        get_preset("q2a", multisite=True)
    assert err.value.setting == "LEGACY_MULTISITE"
    with pytest.raises(ConfigurationError) as err:
        get_preset("q2a", moderate_users="perhaps")
    assert err.value.setting == "LEGACY_MODERATE_USERS"


# ---------------------------------------------------------------- WordPress


def wp_row(**over: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"ID": 12, "user_login": "jane", "user_pass": "$P$Babcdefghijklmnopqrstuvwxyz012",
                           "user_email": "jane@x.org", "display_name": "Jane Doe", "user_nicename": "jane",
                           "user_registered": datetime(2020, 1, 1)}
    row.update(over)
    return row


def test_wordpress_tries_login_then_email_only_for_email_shaped_input() -> None:
    preset = get_preset("wordpress")
    assert len(preset.find_queries("jane", prefix="wp_", dialect="mysql")) == 1
    first, second = preset.find_queries(" jane@x.org ", prefix="wp_", dialect="mysql")
    assert "`user_login` = %s" in first.sql
    assert "`user_email` = %s" in second.sql
    assert first.params == second.params == ("jane@x.org",)
    assert len(get_preset("wordpress", email_login=False).find_queries("jane@x.org", prefix="wp_",
                                                                        dialect="mysql")) == 1


def test_wordpress_row_maps_display_name_and_never_claims_a_verified_email() -> None:
    user = get_preset("wordpress").to_user(wp_row())
    assert (user.legacy_id, user.username, user.email, user.display_name) == ("12", "jane", "jane@x.org", "Jane Doe")
    assert user.email_verified is False
    assert user.state is AccountState.ACTIVE


@pytest.mark.parametrize(
    ("over", "state"),
    [
        ({"user_pass": ""}, AccountState.SSO_ONLY),
        ({"spam": 1}, AccountState.SPAM),
        ({"deleted": True}, AccountState.DELETED),
        ({"spam": b"\x00", "deleted": "0"}, AccountState.ACTIVE),
    ],
)
def test_wordpress_states(over: dict[str, Any], state: AccountState) -> None:
    assert get_preset("wordpress").to_user(wp_row(**over)).state is state


def test_wordpress_multisite_option_reads_and_creates_spam_and_deleted() -> None:
    preset = get_preset("wordpress", multisite=True)
    assert "`spam`, `deleted` FROM `wp_users`" in preset.scan_query(prefix="wp_", dialect="sqlite").sql
    assert '"spam" INTEGER NOT NULL DEFAULT 0' in preset.ddl(prefix="wp_", dialect="sqlite")[0]
    assert "spam" not in get_preset("wordpress").scan_query(prefix="wp_", dialect="sqlite").sql

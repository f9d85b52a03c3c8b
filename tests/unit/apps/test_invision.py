"""Invision Community (``legacy_auth/apps/invision.py``): table, login rule, account states, options, dispatch."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import pytest

from legacy_auth.apps import get_context, get_preset
from legacy_auth.apps.invision import VALIDATING, InvisionPreset, dispatch
from legacy_auth.errors import ConfigurationError, HashError, UnknownHashSchemeError
from legacy_auth.hashing.forum_schemes import ipb_legacy_escape
from legacy_auth.model import AccountState
from legacy_auth.presets.values import RowReader

BCRYPT = "$2y$04$abcdefghijklmnopqrstuu5v1zL1wYd2bQ0v8a8b5mF2l3lA0vXsS"


def preset(**options: Any) -> InvisionPreset:
    made = get_preset("invision", **options)
    assert isinstance(made, InvisionPreset)
    return made


def row(**changes: Any) -> RowReader:
    base = {"member_id": 7, "name": "Ann", "member_group_id": 3, "email": "ann@example.org", "temp_ban": 0,
            "mgroup_others": "", "members_pass_hash": BCRYPT, "members_pass_salt": None, "members_bitoptions": 0}
    return RowReader("invision", {**base, **changes})


def _md5(data: bytes) -> bytes:
    return hashlib.md5(data).hexdigest().encode()  # noqa: S324 - the legacy format under test


# ---------------------------------------------------------------- table


def test_ddl_has_the_ips4_core_members_columns_that_hold_the_login_and_password() -> None:
    columns = {c.name: c.kind for c in preset().all_columns()}
    assert columns["name"] == "varchar(255)"
    assert columns["email"] == "varchar(150)"
    assert columns["members_pass_hash"] == "varchar(255)"
    assert columns["members_pass_salt"] == "varchar(22)"
    assert columns["temp_ban"] == "int"
    assert columns["members_bitoptions"] == "int unsigned"
    assert InvisionPreset.mysql_collation == "utf8mb4_unicode_ci"
    assert preset().table("") == "core_members"
    ddl = " ".join(preset().ddl(prefix="ips_", dialect="mysql"))
    assert "`ips_core_members`" in ddl
    assert "utf8mb4_unicode_ci" in ddl


# ---------------------------------------------------------------- login rule


def test_login_looks_up_the_name_then_the_email_for_email_shaped_input() -> None:
    assert [(lk.column, v) for lk, v in preset().lookups("Ann")] == [("name", "Ann")]
    assert [(lk.column, v) for lk, v in preset().lookups("ann@example.org")] == [
        ("name", "ann@example.org"), ("email", "ann@example.org")]
    assert all(lk.match == "ci" for lk, _ in preset().lookups("ann@example.org"))


def test_email_login_off_looks_up_the_name_only() -> None:
    assert [lk.column for lk, _ in preset(email_login=False).lookups("ann@example.org")] == ["name"]


def test_the_login_is_not_trimmed() -> None:
    assert [v for _, v in preset().lookups(" Ann ")] == [" Ann "]


def test_sql_metacharacters_in_the_login_are_bound_parameters() -> None:
    hostile = "o'b\"r;--%_\\x@example.org"
    for dialect in ("mysql", "postgresql", "sqlite"):
        queries = preset().find_queries(hostile, prefix="", dialect=dialect)  # type: ignore[arg-type]
        assert queries
        for query in queries:
            assert hostile not in query.sql
            assert query.params[0] == hostile


def test_a_login_longer_than_the_column_cannot_exist() -> None:
    assert preset().find_queries("n" * 256, prefix="", dialect="mysql") == []


# ---------------------------------------------------------------- account states


def test_an_active_member_maps_to_an_active_user_with_groups_and_salt() -> None:
    user = preset().read(row(mgroup_others="4,9,,x", members_pass_hash="ab" * 16, members_pass_salt="s4lt."))
    assert (user.legacy_id, user.username, user.email) == ("7", "Ann", "ann@example.org")
    assert user.state is AccountState.ACTIVE
    assert user.roles == ("group:3", "group:4", "group:9")
    assert user.hash_fields == {"salt": "s4lt."}
    assert user.email_verified is False


def test_a_bcrypt_row_without_salt_has_no_hash_fields() -> None:
    assert preset().read(row()).hash_fields == {}


@pytest.mark.parametrize(("changes", "state"), [
    ({"temp_ban": -1}, AccountState.BLOCKED),
    ({"temp_ban": int(time.time()) + 3600}, AccountState.BLOCKED),
    ({"temp_ban": int(time.time()) - 3600}, AccountState.ACTIVE),
    ({"members_bitoptions": 1}, AccountState.SPAM),
    ({"members_bitoptions": VALIDATING}, AccountState.UNCONFIRMED),
    ({"members_bitoptions": VALIDATING | 65536}, AccountState.UNCONFIRMED),
    ({"members_bitoptions": 65536 | 512}, AccountState.ACTIVE),
    ({"members_bitoptions": 1, "temp_ban": -1}, AccountState.SPAM),  # STATE_ORDER: spam before blocked
    ({"members_pass_hash": ""}, AccountState.SSO_ONLY),
    ({"members_pass_hash": None}, AccountState.SSO_ONLY),
])
def test_each_account_state_invision_refuses(changes: dict[str, Any], state: AccountState) -> None:
    assert preset().read(row(**changes)).state is state


def test_email_counts_as_verified_only_with_the_option_and_without_the_validating_bit() -> None:
    assert preset(activation_confirms_email=True).read(row()).email_verified is True
    assert preset(activation_confirms_email=True).read(row(members_bitoptions=VALIDATING)).email_verified is False


# ---------------------------------------------------------------- options


def test_a_bad_option_value_names_its_variable() -> None:
    with pytest.raises(ConfigurationError) as err:
        preset(email_login="perhaps")
    assert err.value.setting == "LEGACY_EMAIL_LOGIN"


def test_options_of_other_apps_are_refused() -> None:
    with pytest.raises(ConfigurationError) as err:
        preset(website_id=1)
    assert err.value.setting == "LEGACY_WEBSITE_ID"
    with pytest.raises(ConfigurationError) as err:
        get_context("invision", pepper="x")
    assert err.value.setting == "LEGACY_PEPPER"


# ---------------------------------------------------------------- password check


@pytest.mark.parametrize("stored", ["$2a$13$" + "a" * 53, "$2y$10$" + "a" * 53, "$2b$10$" + "a" * 53])
def test_bcrypt_values_go_to_the_ips4_scheme(stored: str) -> None:
    assert dispatch(stored, {}).name == "invision_bcrypt"


def test_a_lower_case_md5_goes_to_the_ipb3_scheme_and_anything_else_is_unknown() -> None:
    assert dispatch("0" * 32, {}).name == "invision_md5"
    for stored in ("A" * 32, "0" * 31, "$argon2id$v=19$m=65536,t=4,p=1$c2FsdA$aGFzaA", "{SHA}x", "$P$B12345678"):
        with pytest.raises(UnknownHashSchemeError):
            dispatch(stored, {})


def test_ipb3_rows_verify_the_escaped_password_through_the_context() -> None:
    password, salt = "<b>it's & \"me\"</b>", "q$8&("
    stored = _md5(_md5(salt.encode()) + _md5(ipb_legacy_escape(password).encode())).decode()
    ctx = get_context("invision", pad_weak=False)
    assert ctx.verify(password, stored, salt=salt).ok is True
    assert ctx.verify(password + " ", stored, salt=salt).ok is False
    unescaped = _md5(_md5(salt.encode()) + _md5(password.encode())).decode()
    assert ctx.verify(password, unescaped, salt=salt).ok is False


def test_an_ipb3_row_without_its_salt_is_refused() -> None:
    ctx = get_context("invision", pad_weak=False)
    try:
        result = ctx.verify("pw", "0" * 32)
    except HashError:
        return
    assert result.ok is False


def test_an_empty_password_is_refused_before_hashing() -> None:
    ctx = get_context("invision", pad_weak=False)
    stored = _md5(_md5(b"abcde") + _md5(b"")).decode()
    assert ctx.verify("", stored, salt="abcde").ok is False


def test_a_salt_without_a_hash_is_no_password() -> None:
    user = preset().read(row(members_pass_hash="", members_pass_salt="s4lt."))
    assert (user.state, user.hash_fields) == (AccountState.SSO_ONLY, {})

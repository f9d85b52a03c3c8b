"""XenForo: the ``xf_user`` + ``xf_user_authenticate`` tables and their join, the login rule, account states,
options and the password checks through the app's hash context (vectors:
``tests/vectors/xenforo-generated.jsonl``)."""

from __future__ import annotations

import hashlib
import sqlite3
from typing import Any

import bcrypt
import pytest

from legacy_auth.apps import get_app, get_context, get_preset
from legacy_auth.apps.xenforo import dispatch, xenforo_str
from legacy_auth.errors import ConfigurationError, CorruptHashError, CorruptRowError, UnknownHashSchemeError
from legacy_auth.hashing import forum_schemes as fs
from legacy_auth.model import AccountState

#: XenForo 2 ``src/XF/Install/Data/MySql.php`` columns created by the preset, in install order
USER_INSTALL = ["user_id", "username", "email", "user_group_id", "secondary_group_ids", "register_date",
                "last_activity", "user_state", "is_moderator", "is_admin", "is_banned"]
AUTH_INSTALL = ["user_id", "scheme_class", "data"]


def _core12(password: str) -> bytes:
    digest = bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode().replace("$2b$", "$2y$")
    return f'a:1:{{s:4:"hash";s:60:"{digest}";}}'.encode()


def row(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"user_id": 9, "username": "Ann", "email": "ann@example.org", "user_group_id": 2,
                            "secondary_group_ids": b"3,4", "user_state": "valid", "is_admin": 0, "is_banned": 0,
                            "scheme_class": "XF:Core12", "data": _core12("pw")}
    data.update(over)
    return data


def test_ddl_creates_both_install_tables_and_the_join_reads_them() -> None:
    preset = get_preset("xenforo")
    db = sqlite3.connect(":memory:")
    for statement in preset.ddl(prefix="xf_", dialect="sqlite"):
        db.execute(statement)
    assert [r[1] for r in db.execute("PRAGMA table_info(xf_user)")] == USER_INSTALL
    assert [r[1] for r in db.execute("PRAGMA table_info(xf_user_authenticate)")] == AUTH_INSTALL
    db.execute("INSERT INTO xf_user (user_id, username, email, user_group_id, secondary_group_ids) "
               "VALUES (1, 'Ann', 'a@x.org', 2, x'')")
    db.execute("INSERT INTO xf_user_authenticate VALUES (1, 'XF:Core12', x'61')")
    db.execute("INSERT INTO xf_user (user_id, username, email, user_group_id, secondary_group_ids) "
               "VALUES (2, 'Bo', 'b@x.org', 2, x'')")
    scan = preset.scan_query(prefix="xf_", dialect="sqlite")
    rows = db.execute(scan.sql).fetchall()
    assert [(r[0], r[-2]) for r in rows] == [(1, "XF:Core12"), (2, None)]  # LEFT JOIN: no auth row, no data
    (query,) = preset.find_queries("Bo", prefix="xf_", dialect="mysql")
    assert "FROM `xf_user` u LEFT JOIN `xf_user_authenticate` a ON a.`user_id` = u.`user_id`" in query.sql
    assert query.sql.endswith("WHERE u.`username` = %s LIMIT 2")
    mysql = preset.ddl(prefix="xf_", dialect="mysql")
    assert "UNIQUE KEY `username` (`username`)" in mysql[0]
    assert "`data` MEDIUMBLOB NOT NULL" in mysql[1]


def test_the_str_filter_cleans_and_trims_like_xenforo() -> None:
    assert xenforo_str(" a\r\nb\t") == "a\nb"
    assert xenforo_str("x\u00a0y\u00adz\u200b\ufeff\x07\x85") == "x yz"
    assert xenforo_str("🔐 key") == "🔐 key"
    assert xenforo_str("🔐 key", bmp_only=True) == "key"


def test_email_first_for_input_with_an_at_sign_then_username_all_parameters() -> None:
    preset = get_preset("xenforo")
    email, name = preset.find_queries(" ann@example.org ", prefix="xf_", dialect="postgresql")[::2]
    assert 'u."email" = %s' in email.sql
    assert 'u."username" = %s' in name.sql
    assert email.params == name.params == ("ann@example.org",)
    (only,) = preset.find_queries("o'b\"r;--", prefix="xf_", dialect="mysql")
    assert only.params == ("o'b\"r;--",)


def test_an_active_row_carries_the_serialised_data_and_its_scheme_class() -> None:
    user = get_preset("xenforo").to_user(row(is_admin=1))
    assert user.state is AccountState.ACTIVE
    assert (user.legacy_id, user.username, user.email) == ("9", "Ann", "ann@example.org")
    assert user.roles == ("group:2", "group:3", "group:4", "admin")
    assert user.password_hash is not None
    assert user.password_hash.startswith('a:1:{s:4:"hash"')
    assert user.hash_fields == {"scheme_class": "XF:Core12"}


@pytest.mark.parametrize(("over", "state"), [
    ({"is_banned": 1}, AccountState.BLOCKED), ({"user_state": "email_confirm"}, AccountState.UNCONFIRMED),
    ({"user_state": "email_confirm_edit"}, AccountState.UNCONFIRMED),
    ({"user_state": "email_bounce"}, AccountState.UNCONFIRMED), ({"user_state": "moderated"}, AccountState.UNAPPROVED),
    ({"user_state": "rejected"}, AccountState.BLOCKED), ({"user_state": "disabled"}, AccountState.INACTIVE),
    ({"user_state": "something_new"}, AccountState.UNCONFIRMED),
    ({"scheme_class": "XF:NoPassword", "data": b"a:0:{}"}, AccountState.SSO_ONLY),
    ({"scheme_class": None, "data": None}, AccountState.SSO_ONLY)])
def test_states(over: dict[str, Any], state: AccountState) -> None:
    assert get_preset("xenforo").to_user(row(**over)).state is state


def test_email_counts_as_confirmed_only_for_valid_users_with_the_option() -> None:
    preset = get_preset("xenforo", activation_confirms_email=True)
    assert preset.to_user(row()).email_verified is True
    assert preset.to_user(row(user_state="email_confirm")).email_verified is False


def test_unreadable_rows_are_corrupt() -> None:
    preset = get_preset("xenforo")
    with pytest.raises(CorruptRowError):
        preset.to_user(row(secondary_group_ids=b"3;x"))
    with pytest.raises(CorruptRowError):
        preset.to_user(row(data="é".encode()))


@pytest.mark.parametrize(("options", "setting"), [
    ({"activation_confirms_email": "sometimes"}, "LEGACY_ACTIVATION_CONFIRMS_EMAIL"),
    ({"variant": "2"}, "LEGACY_VARIANT")])
def test_bad_or_foreign_preset_options_name_their_variable(options: dict[str, Any], setting: str) -> None:
    with pytest.raises(ConfigurationError) as err:
        get_preset("xenforo", **options)
    assert err.value.setting == setting


def test_hash_options_are_validated_and_foreign_ones_refused() -> None:
    with pytest.raises(ConfigurationError) as err:
        get_context("xenforo", xenforo_bmp_only="sometimes")
    assert err.value.setting == "LEGACY_XENFORO_BMP_ONLY"
    with pytest.raises(ConfigurationError) as err:
        get_context("xenforo", pepper="x")
    assert err.value.setting == "LEGACY_PEPPER"


def test_dispatch_follows_scheme_class_and_refuses_importer_classes() -> None:
    data = _core12("x").decode()
    assert dispatch(data, {"scheme_class": "XF:Core12"}) is fs.XENFORO_CORE12
    assert dispatch(data, {"scheme_class": "XenForo_Authentication_Core12"}) is fs.XENFORO_CORE12
    assert dispatch("a:3:{}", {"scheme_class": "XF:Core"}) is fs.XENFORO_CORE
    for name in ("XF:vBulletin", "XF:PhpBb3", ""):
        with pytest.raises(UnknownHashSchemeError):
            dispatch(data, {"scheme_class": name})


def test_passwords_pass_the_str_filter_and_the_option_drops_astral_characters() -> None:
    ctx = get_context("xenforo", pad_weak=False)
    stored = _core12("🔐 key").decode()
    assert ctx.verify(" 🔐 key\r\n", stored, scheme_class="XF:Core12").ok is True
    assert ctx.verify("key", stored, scheme_class="XF:Core12").ok is False
    bmp = get_context("xenforo", pad_weak=False, xenforo_bmp_only=True)
    assert bmp.verify("🔐 key", _core12("key").decode(), scheme_class="XF:Core12").ok is True
    salt = "abc"
    digest = hashlib.sha256((hashlib.sha256(b"pw").hexdigest() + salt).encode()).hexdigest()
    core = f'a:3:{{s:4:"hash";s:64:"{digest}";s:4:"salt";s:3:"{salt}";s:8:"hashFunc";s:6:"sha256";}}'
    assert ctx.verify("pw\u200b", core, scheme_class="XF:Core").ok is True
    assert ctx.verify("\u00a0", core, scheme_class="XF:Core").ok is False


def test_serialised_objects_are_refused_never_instantiated() -> None:
    ctx = get_context("xenforo", pad_weak=False)
    hostile = 'O:8:"stdClass":1:{s:4:"hash";s:3:"abc";}'
    with pytest.raises(CorruptHashError):
        ctx.verify("pw", hostile, scheme_class="XF:Core")


def test_not_importable_and_the_dummy_is_a_cost_10_core12_hash() -> None:
    assert get_app("xenforo").importability.why_not("xenforo_core12")
    assessment = get_context("xenforo").dummy_assessment
    assert assessment is not None
    assert (assessment.scheme, assessment.cost) == ("xenforo_core12", "cost=10")


def test_a_range_scan_keeps_the_join_and_qualifies_the_key() -> None:
    part = get_preset("xenforo").scan_query(prefix="xf_", dialect="postgresql", between=(1, 9))
    assert 'LEFT JOIN "xf_user_authenticate" a' in part.sql
    assert part.sql.endswith('WHERE u."user_id" BETWEEN %s AND %s ORDER BY u."user_id"')
    assert part.params == (1, 9)

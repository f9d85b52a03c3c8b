"""vBulletin: the ``user`` table of both layouts, the login rule, account states, options and the password
checks through the app's hash context (vectors: ``tests/vectors/vbulletin-generated.jsonl``)."""

from __future__ import annotations

import hashlib
import sqlite3
from typing import Any

import bcrypt
import pytest

from legacy_auth.apps import get_app, get_context, get_preset
from legacy_auth.apps.vbulletin import dispatch, login_username
from legacy_auth.errors import ConfigurationError, CorruptHashError, CorruptRowError, UnknownHashSchemeError
from legacy_auth.hashing import forum_schemes as fs
from legacy_auth.model import AccountState

#: vB 6.0.6 / 4.1.5 ``install/mysql-schema.php`` columns created by the preset (the ones read + their indexes)
V5_INSTALL = ["userid", "usergroupid", "membergroupids", "displaygroupid", "username", "displayname", "token",
              "scheme", "secret", "email", "joindate", "lastactivity"]
V4_INSTALL = ["userid", "usergroupid", "membergroupids", "displaygroupid", "username", "password", "email",
              "joindate", "lastactivity", "salt"]


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()  # noqa: S324 - the legacy construction under test


def _bcrypt_md5(password: str, cost: int = 4) -> str:
    return bcrypt.hashpw(_md5(password.encode()).encode(), bcrypt.gensalt(cost)).decode().replace("$2b$", "$2y$")


def v5_row(**over: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"userid": 12, "usergroupid": 2, "membergroupids": "", "username": "Ann &amp; Bo",
                           "email": "ann@example.org", "token": _bcrypt_md5("secret pw"), "scheme": "blowfish:4"}
    row.update(over)
    return row


def v4_row(**over: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"userid": 7, "usergroupid": 2, "membergroupids": "5,9", "username": "bob",
                           "email": "bob@example.org", "password": "f" * 32, "salt": "a!b"}
    row.update(over)
    return row


# ---------------------------------------------------------------- table


@pytest.mark.parametrize(("variant", "columns", "hash_columns"), [
    ("5", V5_INSTALL, ("token", "scheme")), ("4", V4_INSTALL, ("password", "salt"))])
def test_ddl_creates_the_install_sql_columns_of_each_layout(variant: str, columns: list[str],
                                                             hash_columns: tuple[str, str]) -> None:
    preset = get_preset("vbulletin", variant=variant)
    db = sqlite3.connect(":memory:")
    for statement in preset.ddl(prefix="vb_", dialect="sqlite"):
        db.execute(statement)
    assert [r[1] for r in db.execute("PRAGMA table_info(vb_user)")] == columns
    assert set(hash_columns) <= set(preset.selected_columns())
    mysql = preset.ddl(prefix="vb_", dialect="mysql")[0]
    assert "`userid` INT UNSIGNED NOT NULL AUTO_INCREMENT" in mysql
    assert "KEY `username` (`username`)" in mysql
    assert "COLLATE=utf8mb4_general_ci" in mysql


def test_v4_columns_have_the_install_types() -> None:
    mysql = get_preset("vbulletin", variant="4").ddl(prefix="", dialect="mysql")[0]
    assert "`password` CHAR(32) NOT NULL DEFAULT ''" in mysql
    assert "`salt` CHAR(30) NOT NULL DEFAULT ''" in mysql


# ---------------------------------------------------------------- login rule


def test_login_is_trimmed_entity_decoded_and_html_escaped_like_the_stored_username() -> None:
    assert login_username("  Ann & Bo\t") == "Ann &amp; Bo"
    assert login_username("J&#246;rg") == "Jörg"
    assert login_username('<b>"x"</b>') == "&lt;b&gt;&quot;x&quot;&lt;/b&gt;"
    assert login_username("&#55296;") == "&amp;#55296;"  # a surrogate is not a character: left as typed


def test_username_lookup_is_one_parameterised_case_insensitive_query() -> None:
    (query,) = get_preset("vbulletin").find_queries("o'b\"r;--%_", prefix="vb_", dialect="mysql")
    assert query.sql.endswith("FROM `vb_user` WHERE `username` = %s LIMIT 2")
    assert query.params == ("o'b&quot;r;--%_",)
    exact, fallback = get_preset("vbulletin").find_queries("Bob", prefix="vb_", dialect="postgresql")
    assert 'WHERE "username" = %s' in exact.sql
    assert 'lower("username") = lower(%s)' in fallback.sql


def test_email_lookup_only_with_email_login_and_an_email_shaped_input() -> None:
    assert len(get_preset("vbulletin").find_queries("a@b.org", prefix="", dialect="mysql")) == 1
    queries = get_preset("vbulletin", email_login=True).find_queries(" a@b.org ", prefix="", dialect="mysql")
    assert [q.params for q in queries] == [("a@b.org",), ("a@b.org",)]
    assert "`email` = %s" in queries[1].sql


def test_a_longer_login_than_the_column_cannot_exist() -> None:
    assert get_preset("vbulletin").find_queries("x" * 101, prefix="", dialect="mysql") == []


# ---------------------------------------------------------------- rows


def test_an_active_v5_row_carries_its_token_and_scheme() -> None:
    user = get_preset("vbulletin").to_user(v5_row(membergroupids="6, 7"))
    assert user.state is AccountState.ACTIVE
    assert (user.legacy_id, user.username, user.email) == ("12", "Ann & Bo", "ann@example.org")
    assert user.roles == ("group:2", "group:6", "group:7")
    assert user.hash_fields == {"scheme": "blowfish:4"}
    assert user.email_verified is False


def test_a_v4_row_carries_its_salt() -> None:
    user = get_preset("vbulletin", variant="4").to_user(v4_row())
    assert user.password_hash == "f" * 32
    assert user.hash_fields == {"salt": "a!b"}


@pytest.mark.parametrize(("group", "state"), [
    (8, AccountState.BLOCKED), (3, AccountState.UNCONFIRMED), (4, AccountState.UNAPPROVED), (2, AccountState.ACTIVE),
    (6, AccountState.ACTIVE)])
def test_default_user_groups_decide_the_state(group: int, state: AccountState) -> None:
    assert get_preset("vbulletin").to_user(v5_row(usergroupid=group)).state is state


def test_renumbered_groups_are_set_by_options() -> None:
    preset = get_preset("vbulletin", banned_groups="8, 21", unconfirmed_groups="30", moderated_groups="31")
    assert preset.to_user(v5_row(usergroupid=21)).state is AccountState.BLOCKED
    assert preset.to_user(v5_row(usergroupid=30)).state is AccountState.UNCONFIRMED
    assert preset.to_user(v5_row(usergroupid=3)).state is AccountState.ACTIVE


def test_no_token_is_sso_only_and_a_bad_group_list_is_a_corrupt_row() -> None:
    preset = get_preset("vbulletin")
    user = preset.to_user(v5_row(token="", scheme=""))
    assert user.state is AccountState.SSO_ONLY
    assert user.hash_fields == {}
    with pytest.raises(CorruptRowError):
        preset.to_user(v5_row(membergroupids="2,admin"))
    with pytest.raises(CorruptRowError):
        preset.to_user(v5_row(usergroupid="x"))


def test_email_counts_as_confirmed_only_with_the_option_and_outside_the_unconfirmed_groups() -> None:
    preset = get_preset("vbulletin", activation_confirms_email="true")
    assert preset.to_user(v5_row()).email_verified is True
    assert preset.to_user(v5_row(usergroupid=3)).email_verified is False


# ---------------------------------------------------------------- options


@pytest.mark.parametrize(("options", "setting"), [
    ({"variant": "3"}, "LEGACY_VARIANT"), ({"banned_groups": "eight"}, "LEGACY_BANNED_GROUPS"),
    ({"unconfirmed_groups": ""}, "LEGACY_UNCONFIRMED_GROUPS"), ({"multisite": True}, "LEGACY_MULTISITE"),
    ({"email_login": "maybe"}, "LEGACY_EMAIL_LOGIN")])
def test_bad_or_foreign_preset_options_name_their_variable(options: dict[str, Any], setting: str) -> None:
    with pytest.raises(ConfigurationError) as err:
        get_preset("vbulletin", **options)
    assert err.value.setting == setting


def test_a_hash_option_of_another_app_is_refused() -> None:
    with pytest.raises(ConfigurationError) as err:
        get_context("vbulletin", pepper="x")
    assert err.value.setting == "LEGACY_PEPPER"


# ---------------------------------------------------------------- password checks


def test_dispatch_follows_the_scheme_column_and_refuses_unknown_schemes() -> None:
    token = _bcrypt_md5("x")
    assert dispatch(token, {"scheme": "blowfish:10"}) is fs.VBULLETIN5_BLOWFISH
    assert dispatch("a" * 32 + " salt", {"scheme": "legacy"}) is fs.VBULLETIN5_LEGACY
    assert dispatch("a" * 32, {"salt": "s"}) is fs.VBULLETIN_MD5
    for scheme in ("argon2id:::", "", "md5"):
        with pytest.raises(UnknownHashSchemeError):
            dispatch(token, {"scheme": scheme})
    with pytest.raises(UnknownHashSchemeError):
        dispatch("$P$B123456789012345678901234567890", {})


def test_blowfish_token_whose_cost_is_not_the_scheme_cost_is_refused() -> None:
    ctx = get_context("vbulletin", pad_weak=False)
    token = bcrypt.hashpw(_md5(b"pw-1").encode(), bcrypt.gensalt(4)).decode()
    assert ctx.verify("pw-1", token, scheme="blowfish:4").ok is True
    assert ctx.verify("pw-1", token, scheme="blowfish:5").ok is False
    with pytest.raises(CorruptHashError):
        ctx.verify("pw-1", token, scheme="blowfish:x")


def test_blank_passwords_are_refused_and_surrounding_whitespace_is_trimmed() -> None:
    ctx = get_context("vbulletin", pad_weak=False)
    salt = "q;Z"
    stored = _md5((_md5(b"pw 2") + salt).encode())
    assert ctx.verify("\t pw 2 \n", stored, salt=salt).ok is True
    assert ctx.verify("pw2", stored, salt=salt).ok is False
    blank = _md5((_md5(b"") + salt).encode())
    assert ctx.verify("   ", blank, salt=salt).ok is False


def test_non_ascii_passwords_match_every_encoding_vbulletin_hashed() -> None:
    ctx = get_context("vbulletin", pad_weak=False)
    salt = "k!J"
    for md5_input in (_md5("äé€".encode()), _md5("äé&#8364;".encode("latin-1")), _md5(b"&#228;&#233;&#8364;")):
        assert ctx.verify("äé€", _md5((md5_input + salt).encode()), salt=salt).ok is True
    assert ctx.verify("äe€", _md5((_md5("äé€".encode()) + salt).encode()), salt=salt).ok is False


def test_no_stored_format_is_importable_because_every_one_hashes_an_md5() -> None:
    importability = get_app("vbulletin").importability
    for scheme in ("vbulletin_md5_salt", "vbulletin5_bcrypt_md5", "vbulletin5_legacy"):
        assert "md5" in importability.why_not(scheme)


def test_the_dummy_hash_is_a_cost_10_bcrypt_token() -> None:
    assessment = get_context("vbulletin").dummy_assessment
    assert assessment is not None
    assert assessment.scheme == "vbulletin5_bcrypt_md5"
    assert assessment.cost == "cost=10"

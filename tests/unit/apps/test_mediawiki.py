"""MediaWiki (``legacy_auth/apps/mediawiki.py``): table, canonical user names, states, options, dispatch."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest

from legacy_auth.apps import get_context, get_preset
from legacy_auth.apps.mediawiki import MAX_PASSWORD_BYTES, MediaWikiPreset, canonical_username, dispatch
from legacy_auth.errors import ConfigurationError, UnknownHashSchemeError
from legacy_auth.model import AccountState
from legacy_auth.presets.values import RowReader


def preset(**options: Any) -> MediaWikiPreset:
    made = get_preset("mediawiki", **options)
    assert isinstance(made, MediaWikiPreset)
    return made


def row(**changes: Any) -> RowReader:
    base = {"user_id": 12, "user_name": "Ann Lee", "user_real_name": "Ann", "user_password": ":A:" + "0" * 32,
            "user_email": "ann@example.org", "user_email_authenticated": None, "user_is_temp": 0}
    return RowReader("mediawiki", {**base, **changes})


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()  # noqa: S324 - the legacy format under test


def _pbkdf2(password: str, rounds: int = 1000) -> str:
    salt = b"0123456789abcdef"
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, rounds, 64)
    return f":pbkdf2:sha512:{rounds}:64:{base64.b64encode(salt).decode()}:{base64.b64encode(digest).decode()}"


# ---------------------------------------------------------------- table


def test_ddl_has_the_user_table_columns_the_login_reads() -> None:
    columns = {c.name: c for c in preset().all_columns()}
    assert {"user_id", "user_name", "user_password", "user_email", "user_email_authenticated", "user_is_temp",
            "user_token", "user_touched", "user_registration"} <= set(columns)
    assert columns["user_name"].kind == "varchar(255)"
    assert columns["user_name"].collation == "utf8mb4_bin"  # VARBINARY in MediaWiki: byte-exact comparison
    assert preset().table("mw_") == "mw_user"
    ddl = " ".join(preset().ddl(prefix="", dialect="postgresql"))
    assert 'CREATE UNIQUE INDEX "user_user_name"' in ddl


# ---------------------------------------------------------------- login rule


@pytest.mark.parametrize(("typed", "canonical"), [
    ("ann lee", "Ann lee"),
    ("ann_lee", "Ann lee"),
    ("  ann   __ lee  ", "Ann lee"),
    ("ann\u00a0lee", "Ann lee"),
    ("\u200eann\u202elee", "Annlee"),
    ("élodie", "Élodie"),
    ("e\u0301lodie", "Élodie"),  # NFC first
    ("日本", "日本"),
    ("", ""),
])
def test_the_login_is_the_canonical_user_name(typed: str, canonical: str) -> None:
    assert canonical_username(typed) == canonical


def test_capital_links_off_keeps_the_first_letter() -> None:
    assert canonical_username("ann lee", capital_links=False) == "ann lee"
    assert [v for _, v in preset(capital_links=False).lookups("ann_lee")] == ["ann lee"]


def test_the_user_name_is_compared_exactly_and_email_only_with_the_option() -> None:
    assert [(lk.column, lk.match, v) for lk, v in preset().lookups("ann@example.org")] == [
        ("user_name", "exact", "Ann@example.org")]
    lookups = preset(email_login=True).lookups(" ann@example.org ")
    assert [(lk.column, lk.match, v) for lk, v in lookups][1] == ("user_email", "lower", "ann@example.org")


def test_sql_metacharacters_in_the_login_are_bound_parameters() -> None:
    hostile = "o'b\"r;--%_\\x"
    for dialect in ("mysql", "postgresql", "sqlite"):
        for query in preset().find_queries(hostile, prefix="", dialect=dialect):  # type: ignore[arg-type]
            assert "o'b" not in query.sql
            assert query.params[0] == canonical_username(hostile)


# ---------------------------------------------------------------- states


def test_an_active_user_maps_with_real_name_and_no_roles() -> None:
    user = preset().read(row())
    assert (user.legacy_id, user.username, user.email, user.display_name) == ("12", "Ann Lee", "ann@example.org",
                                                                               "Ann")
    assert user.state is AccountState.ACTIVE
    assert user.email_verified is False
    assert user.roles == ()


def test_a_confirmed_email_is_verified() -> None:
    assert preset().read(row(user_email_authenticated="20240501120000")).email_verified is True


@pytest.mark.parametrize(("changes", "state"), [
    ({"user_is_temp": 1}, AccountState.SYSTEM),
    ({"user_password": ""}, AccountState.SSO_ONLY),
    ({"user_password": b""}, AccountState.SSO_ONLY),
    ({"user_is_temp": 0}, AccountState.ACTIVE),
])
def test_each_account_state(changes: dict[str, Any], state: AccountState) -> None:
    assert preset().read(row(**changes)).state is state


def test_a_bare_md5_row_is_read_as_type_b_salted_with_the_user_id() -> None:
    bare = _md5(b"12-" + _md5(b"secret").encode())
    user = preset().read(row(user_password=bare.encode()))  # TINYBLOB: bytes from the driver
    assert user.password_hash == f":B:12:{bare}"
    ctx = get_context("mediawiki", pad_weak=False)
    assert ctx.verify("secret", user.password_hash).ok is True


# ---------------------------------------------------------------- options


def test_a_bad_option_value_names_its_variable() -> None:
    with pytest.raises(ConfigurationError) as err:
        preset(capital_links="sometimes")
    assert err.value.setting == "LEGACY_CAPITAL_LINKS"


def test_options_of_other_apps_are_refused() -> None:
    with pytest.raises(ConfigurationError) as err:
        preset(multisite=True)
    assert err.value.setting == "LEGACY_MULTISITE"
    with pytest.raises(ConfigurationError) as err:
        get_context("mediawiki", magento_legacy_rows=True)
    assert err.value.setting == "LEGACY_MAGENTO_LEGACY_ROWS"


# ---------------------------------------------------------------- password check


@pytest.mark.parametrize(("stored", "scheme"), [
    (":A:" + "0" * 32, "mediawiki_md5"),
    (":B:1:" + "0" * 32, "mediawiki_salted_md5"),
    (":pbkdf2:sha512:1:64:c2FsdA==:AAAA", "mediawiki_pbkdf2"),
    (":pbkdf2-legacyA:!sha512:1:64!!c2FsdA==!AAAA", "mediawiki_pbkdf2_legacy"),
    (":pbkdf2-legacyB:!sha512:1:64!s!c2FsdA==!AAAA", "mediawiki_pbkdf2_legacy"),
    (":bcrypt:9$" + "a" * 22 + "$" + "a" * 31, "mediawiki_bcrypt"),
    (":argon2:$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA", "mediawiki_argon2"),
])
def test_each_default_type_goes_to_its_scheme(stored: str, scheme: str) -> None:
    assert dispatch(stored, {}).name == scheme


@pytest.mark.parametrize("stored", ["0" * 32, ":C:abc", ":whirlpool:x", "A:" + "0" * 32, ":", "::", "$2y$10$x"])
def test_anything_else_is_an_unknown_scheme(stored: str) -> None:
    with pytest.raises(UnknownHashSchemeError):
        dispatch(stored, {})


def test_the_password_is_nfc_normalised_before_hashing() -> None:
    stored = _pbkdf2("caf\u00e9")
    ctx = get_context("mediawiki", pad_weak=False)
    assert ctx.verify("cafe\u0301", stored).ok is True
    assert ctx.verify("caf\u00e9", stored).ok is True


def test_empty_and_over_4096_byte_passwords_are_refused_before_hashing() -> None:
    ctx = get_context("mediawiki", pad_weak=False)
    assert ctx.verify("", ":A:" + _md5(b"")).ok is False
    long = "x" * (MAX_PASSWORD_BYTES + 1)
    assert ctx.verify(long, _pbkdf2(long, rounds=1)).ok is False
    fits = "x" * MAX_PASSWORD_BYTES
    assert ctx.verify(fits, _pbkdf2(fits, rounds=1)).ok is True


# ---------------------------------------------------------------- $wgBlockDisablesLogin


def test_blocks_are_read_only_with_block_disables_login() -> None:
    plain = preset().find_queries("Ann", prefix="", dialect="postgresql")[0].sql
    assert "block" not in plain
    for dialect in ("mysql", "postgresql", "sqlite"):
        sql = preset(block_disables_login=True).find_queries("Ann", prefix="mw_", dialect=dialect)[0].sql
        assert "MAX(b." in sql
        assert "mw_block" in sql
        assert "mw_block_target" in sql
        assert "block_expiry" in sql
        assert "Ann" not in sql  # the login is still a parameter


@pytest.mark.parametrize(("expiry", "state"), [
    ("infinity", AccountState.BLOCKED),
    ("29991231235959", AccountState.BLOCKED),
    ("20000101000000", AccountState.ACTIVE),
    (None, AccountState.ACTIVE),
    (b"infinity", AccountState.BLOCKED),  # VARBINARY on MySQL
])
def test_a_sitewide_block_not_yet_expired_refuses_the_user(expiry: object, state: AccountState) -> None:
    assert preset(block_disables_login=True).read(row(block_expiry=expiry)).state is state


def test_the_block_tables_are_created_with_the_option() -> None:
    ddl = " ".join(preset(block_disables_login=True).ddl(prefix="mw_", dialect="mysql"))
    assert "CREATE TABLE `mw_block`" in ddl
    assert "CREATE TABLE `mw_block_target`" in ddl
    assert "mw_block" not in " ".join(preset().ddl(prefix="mw_", dialect="mysql"))

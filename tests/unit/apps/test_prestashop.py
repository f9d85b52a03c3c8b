"""PrestaShop customers: the ``ps_customer`` table, ``getByEmail``'s login rule, account states and the
``_COOKIE_KEY_`` option."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from legacy_auth.apps import get_context, get_preset
from legacy_auth.apps.prestashop import PrestashopPreset, dispatch
from legacy_auth.errors import ConfigurationError, CorruptHashError, UnknownHashSchemeError
from legacy_auth.migration.config import Settings
from legacy_auth.model import AccountState

#: ``install-dev/data/db_structure.sql`` (PrestaShop 1.7/8.x) ``PREFIX_customer``, in order
INSTALL_COLUMNS = (
    "id_customer", "id_shop_group", "id_shop", "id_gender", "id_default_group", "id_lang", "id_risk", "company",
    "siret", "ape", "firstname", "lastname", "email", "passwd", "last_passwd_gen", "birthday", "newsletter",
    "ip_registration_newsletter", "newsletter_date_add", "optin", "website", "outstanding_allow_amount",
    "show_public_prices", "max_payment_days", "secure_key", "note", "active", "is_guest", "deleted", "date_add",
    "date_upd", "reset_password_token", "reset_password_validity",
)
KEY = "kP2v9QZ5mXc8Lr1TyHs4BnW7eJd3AfGu6oIqRtYzSxCvNbMkEaUlOpDgHjFwKi"
ROW = {"id_customer": 7, "id_default_group": 3, "firstname": "Ann", "lastname": "Lee", "email": "ann@example.org",
       "passwd": "$2y$10$uQModxcv8iBkeLIh0llmReNX7047HDl76RB7tyumkv34XSIXaYxoS", "active": 1, "is_guest": 0,
       "deleted": 0}


def test_ddl_has_the_install_sql_columns_and_email_is_not_unique() -> None:
    preset = get_preset("prestashop")
    assert tuple(c.name for c in preset.all_columns()) == INSTALL_COLUMNS
    assert preset.table("ps_") == "ps_customer"
    ddl = " ".join(preset.ddl(prefix="ps_", dialect="mysql"))
    assert "UNIQUE" not in ddl  # KEY customer_email: guests and several shops share emails
    assert "`passwd` VARCHAR(60) NOT NULL" in ddl


def test_login_is_the_email_as_typed_among_live_customers() -> None:
    (query,) = get_preset("prestashop").find_queries("Ann@Example.org", prefix="ps_", dialect="mysql")
    assert query.sql.endswith("WHERE `email` = %s AND `is_guest` = 0 AND `deleted` = 0 LIMIT 2")
    assert query.params == ("Ann@Example.org",)


def test_postgresql_falls_back_to_lower_after_the_exact_match() -> None:
    exact, lower = get_preset("prestashop").find_queries("ann@example.org", prefix="ps_", dialect="postgresql")
    assert '"email" = %s AND "is_guest" = 0' in exact.sql
    assert 'lower("email") = lower(%s)' in lower.sql
    assert lower.uniform


def test_the_login_is_not_trimmed() -> None:
    (query,) = get_preset("prestashop").find_queries(" ann@example.org", prefix="ps_", dialect="mysql")
    assert query.params == (" ann@example.org",)


def test_sql_metacharacters_are_parameters() -> None:
    login = "o'b\"r;--%_@example.org"
    queries = get_preset("prestashop").find_queries(login, prefix="ps_", dialect="sqlite")
    assert queries
    for query in queries:
        assert login not in query.sql
        assert query.params == (login,)


@pytest.mark.parametrize(
    ("changes", "state"),
    [
        ({}, AccountState.ACTIVE),
        ({"active": 0}, AccountState.INACTIVE),
        ({"is_guest": 1}, AccountState.INACTIVE),
        ({"deleted": 1}, AccountState.DELETED),
        ({"deleted": 1, "active": 0}, AccountState.DELETED),
        ({"passwd": ""}, AccountState.SSO_ONLY),
        ({"passwd": "", "active": 0}, AccountState.INACTIVE),
    ],
)
def test_account_states(changes: dict[str, Any], state: AccountState) -> None:
    assert get_preset("prestashop").to_user({**ROW, **changes}).state is state


def test_row_maps_to_the_user() -> None:
    user = get_preset("prestashop").to_user(ROW)
    assert (user.legacy_id, user.username, user.email, user.display_name) == ("7", None, "ann@example.org", "Ann Lee")
    assert user.roles == ("group:3",)
    assert user.email_verified is False
    assert user.password_hash == ROW["passwd"]


def test_preset_has_no_options() -> None:
    with pytest.raises(ConfigurationError) as err:
        PrestashopPreset(email_login=True)
    assert err.value.setting == "LEGACY_EMAIL_LOGIN"


# ---------------------------------------------------------------- password check


def test_dispatch_follows_check_hash() -> None:
    assert dispatch("$2y$10$" + "a" * 53, {}).name == "bcrypt"
    assert dispatch("$argon2id$v=19$m=65536,t=4,p=1$c2FsdA$aGFzaA", {}).name == "argon2"
    assert dispatch("c69b32d3c19653fdf29fdac55e830d11", {}).name == "prestashop_md5"
    assert dispatch("$1$saltsalt$RZavCji8zcEcBXui3GMIL/", {}).name == "md5_crypt"  # password_verify's crypt()
    assert dispatch("$6$saltstring$" + "a" * 86, {}).name == "sha512_crypt"
    for stored in ("{SHA}abc", "c69b32d3c19653fdf29fdac55e830d1", "$P$Babcdefgh"):
        with pytest.raises(UnknownHashSchemeError):
            dispatch(stored, {})


def test_md5_rows_need_the_cookie_key() -> None:
    stored = hashlib.md5((KEY + "correct horse").encode()).hexdigest()  # noqa: S324 - the 1.6 format
    assert get_context("prestashop", pad_weak=False, cookie_key=KEY).verify("correct horse", stored).ok
    assert not get_context("prestashop", pad_weak=False, cookie_key=KEY).verify("correct horsE", stored).ok
    with pytest.raises(CorruptHashError):
        get_context("prestashop", pad_weak=False).verify("correct horse", stored)


def test_an_upper_case_md5_is_not_what_md5_returns() -> None:
    stored = hashlib.md5((KEY + "pw12345").encode()).hexdigest().upper()  # noqa: S324 - the 1.6 format
    ctx = get_context("prestashop", pad_weak=False, cookie_key=KEY)
    with pytest.raises(CorruptHashError):  # md5() is lower-case hex and PrestaShop compares with ===
        ctx.verify("pw12345", stored)


def test_cookie_key_is_secret_and_only_for_prestashop() -> None:
    env = {"LEGACY_APP": "prestashop", "LEGACY_PRESTASHOP_COOKIE_KEY": KEY,
           "LEGACY_DB_URL": "mysql://app:pw@db.internal:3306/shop"}
    settings = Settings.from_env(env)
    assert settings.hashing_options() == {"cookie_key": KEY}
    assert KEY not in repr(settings)
    with pytest.raises(ConfigurationError) as err:
        Settings.from_env({**env, "LEGACY_APP": "laravel"})
    assert err.value.setting == "LEGACY_PRESTASHOP_COOKIE_KEY"
    assert KEY not in str(err.value)
    with pytest.raises(ConfigurationError) as err:
        get_context("prestashop", pepper="x")
    assert err.value.setting == "LEGACY_PEPPER"

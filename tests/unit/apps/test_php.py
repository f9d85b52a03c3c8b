"""``php``: generic's configurable table with PHP ``password_verify`` (+ ``crypt()``) as the check."""

from __future__ import annotations

import pytest

from legacy_auth.apps import get_context, get_preset
from legacy_auth.apps.generic import GenericPreset
from legacy_auth.apps.php import PhpPreset, dispatch
from legacy_auth.errors import ConfigurationError, HashError, UnknownHashSchemeError
from legacy_auth.migration.config import Settings
from legacy_auth.model import AccountState

TABLE = {"generic_table": "members", "generic_id_column": "member_id", "generic_username_column": "login",
         "generic_email_column": "mail", "generic_hash_column": "pw", "generic_active_column": "enabled",
         "generic_email_verified_column": "verified"}
DB = {"LEGACY_DB_URL": "mysql://app:pw@db.internal:3306/site"}


def test_the_table_and_login_rule_are_generics() -> None:
    php, generic = get_preset("php", **TABLE), get_preset("generic", **TABLE)
    assert isinstance(php, GenericPreset)
    for login in ("Ann", "ann@example.org", " o'b\"r;-- "):
        for dialect in ("mysql", "postgresql", "sqlite"):
            assert php.find_queries(login, prefix="", dialect=dialect) == \
                generic.find_queries(login, prefix="", dialect=dialect)
    assert php.ddl(prefix="", dialect="postgresql") == generic.ddl(prefix="", dialect="postgresql")


def test_query_mode_works_as_for_generic() -> None:
    preset = get_preset("php", generic_user_query="SELECT id, username, email, pw AS password_hash FROM u "
                                                  "WHERE username = %s")
    (query,) = preset.find_queries("ann", prefix="", dialect="mysql")
    assert query.params == ("ann",)


@pytest.mark.parametrize(("row", "state"), [
    ({"id": 1, "username": "a", "email": "a@x.org", "password_hash": "$2y$04$x", "active": 1, "email_verified": 1},
     AccountState.ACTIVE),
    ({"id": 1, "username": "a", "email": "a@x.org", "password_hash": "$2y$04$x", "active": 0, "email_verified": 1},
     AccountState.INACTIVE),
    ({"id": 1, "username": "a", "email": "a@x.org", "password_hash": "", "active": 1, "email_verified": 0},
     AccountState.SSO_ONLY),
])  # the queries alias the configured columns to generic's canonical names
def test_states_are_generics(row: dict[str, object], state: AccountState) -> None:
    user = get_preset("php", **TABLE).to_user(row)
    assert user.state is state
    assert user.hash_fields == {}


def test_no_table_names_the_table_setting_and_the_app() -> None:
    with pytest.raises(ConfigurationError) as err:
        PhpPreset()
    assert err.value.setting == "LEGACY_GENERIC_TABLE"
    assert "LEGACY_APP=php" in str(err.value)


def test_a_salt_column_and_the_digest_scheme_are_refused() -> None:
    with pytest.raises(ConfigurationError) as err:
        PhpPreset(**TABLE, generic_salt_column="salt")
    assert err.value.setting == "LEGACY_GENERIC_SALT_COLUMN"
    with pytest.raises(ConfigurationError) as err:
        get_context("php", generic_scheme="sha1")
    assert err.value.setting == "LEGACY_GENERIC_SCHEME"
    with pytest.raises(ConfigurationError) as err:
        Settings.from_env({"LEGACY_APP": "php", **DB, "LEGACY_GENERIC_TABLE": "members",
                           "LEGACY_GENERIC_USERNAME_COLUMN": "login", "LEGACY_GENERIC_SCHEME": "sha1"})
    assert err.value.setting == "LEGACY_GENERIC_SCHEME"


@pytest.mark.parametrize(("stored", "scheme"), [
    ("$2y$10$" + "a" * 53, "bcrypt"),
    ("$2a$10$" + "a" * 53, "bcrypt"),
    ("$2b$10$" + "a" * 53, "bcrypt"),
    ("$2x$10$" + "a" * 53, "bcrypt"),
    ("$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$aGFzaA", "argon2"),
    ("$argon2i$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$aGFzaA", "argon2"),
    ("$1$saltsalt$RZavCji8zcEcBXui3GMIL/", "md5_crypt"),
    ("$5$saltstring$yWFZm0PaTTyNGuvxiQjiqCEekOXM9.xzgiXW1LWx.d7", "sha256_crypt"),
    ("$6$rounds=1000$x$" + "a" * 86, "sha512_crypt"),
])
def test_dispatch_is_password_verify_then_crypt(stored: str, scheme: str) -> None:
    assert dispatch(stored, {}).name == scheme


@pytest.mark.parametrize("stored", [
    "$argon2d$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$RfDuc3bpnFs7DT27HDuA6JGPtaIarI6zC6g/COGoyAI",  # not PASSWORD_*
    "$2$10$" + "a" * 53, "$3$$8846f7eaee8fb117ad06bdd830b7586c", "$P$Babcdefgh" + "a" * 22,
    "abJnggxhB/yWI",  # traditional DES crypt(): not supported
    "_J9..abcdabcdabcdabcd",  # extended DES
    "5f4dcc3b5aa765d61d8327deb882cf99", "$", "$$",
])
def test_everything_else_is_an_unknown_hash(stored: str) -> None:
    with pytest.raises(UnknownHashSchemeError):
        dispatch(stored, {})


def test_a_php_crypt_hash_verifies_through_the_context() -> None:
    ctx = get_context("php", pad_weak=False)
    assert ctx.verify("crypt pässword", "$1$saltsalt$RZavCji8zcEcBXui3GMIL/").ok
    assert not ctx.verify("crypt password", "$1$saltsalt$RZavCji8zcEcBXui3GMIL/").ok
    with pytest.raises(HashError):
        ctx.verify("x", "$argon2d$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$RfDuc3bpnFs7DT27HDuA6JGPtaIarI6zC6g/COGoyAI")

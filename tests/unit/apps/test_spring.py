"""Spring: generic's configurable table under its own name, ``DelegatingPasswordEncoder``'s ``{id}`` rule, the
refused ids and ``LEGACY_SPRING_BARE_BCRYPT``."""

from __future__ import annotations

import bcrypt
import pytest

from legacy_auth.apps import get_context, get_preset
from legacy_auth.apps.generic import GenericPreset
from legacy_auth.apps.spring import SpringPreset
from legacy_auth.errors import ConfigurationError, HashError, UnknownHashSchemeError
from legacy_auth.model import AccountState

#: Spring Security's JdbcUserDetailsManager default schema: users(username, password, enabled)
JDBC = {"generic_table": "users", "generic_id_column": "username", "generic_username_column": "username",
        "generic_hash_column": "password", "generic_active_column": "enabled"}


def test_the_preset_is_generics_table_under_its_own_name_on_the_jdbc_schema() -> None:
    preset = get_preset("spring", **JDBC)
    assert isinstance(preset, SpringPreset)
    assert isinstance(preset, GenericPreset)
    assert preset.name == "spring"
    row = {"id": "ann", "username": "ann", "password_hash": "{bcrypt}$2a$10$x", "active": True}
    assert preset.to_user(row).legacy_id == "ann"
    assert preset.to_user({**row, "active": False}).state is AccountState.INACTIVE
    assert preset.to_user({**row, "password_hash": ""}).state is AccountState.SSO_ONLY


def test_generic_scheme_and_other_apps_options_are_refused() -> None:
    with pytest.raises(ConfigurationError) as err:
        get_preset("spring", generic_scheme="md5", **JDBC)
    assert err.value.setting == "LEGACY_GENERIC_SCHEME"
    with pytest.raises(ConfigurationError) as err:
        get_context("spring", passlib_schemes="bcrypt")
    assert err.value.setting == "LEGACY_PASSLIB_SCHEMES"
    with pytest.raises(ConfigurationError) as err:
        get_context("spring", spring_bare_bcrypt="sometimes")
    assert err.value.setting == "LEGACY_SPRING_BARE_BCRYPT"


def _bcrypt(password: str, prefix: bytes = b"2a") -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(4, prefix=prefix)).decode()


def test_the_id_picks_the_encoder() -> None:
    ctx = get_context("spring", pad_weak=False)
    stored = "{bcrypt}" + _bcrypt("pässwörd")
    assert ctx.identify(stored).name == "spring_bcrypt"
    assert ctx.verify("pässwörd", stored).ok
    assert not ctx.verify("passwörd", stored).ok
    assert ctx.identify("{MD5}{s4lt}06dac051aa3ad72a0be9c2267755ed9d").name == "spring_md5"
    assert ctx.verify("salted", "{MD5}{s4lt}06dac051aa3ad72a0be9c2267755ed9d").ok


@pytest.mark.parametrize("stored", ["{noop}password", "{MD4}{salt}0123456789abcdef0123456789abcdef",
                                    "{unknown}abc", "noprefix", " {bcrypt}$2a$04$" + "a" * 53,
                                    "$2a$04$" + "a" * 53])
def test_ids_spring_cannot_or_we_will_not_verify_are_refused(stored: str) -> None:
    with pytest.raises(UnknownHashSchemeError):
        get_context("spring", pad_weak=False).verify("password", stored)


def test_the_empty_password_is_refused_as_spring_refuses_it() -> None:
    stored = "{bcrypt}" + _bcrypt("")
    assert not get_context("spring", pad_weak=False).verify("", stored).ok


def test_bare_bcrypt_only_with_the_option_and_exactly_as_the_bcrypt_encoder() -> None:
    bare = _bcrypt("bare ✓")
    with pytest.raises(UnknownHashSchemeError):
        get_context("spring", pad_weak=False).verify("bare ✓", bare)
    ctx = get_context("spring", pad_weak=False, spring_bare_bcrypt=True)
    assert ctx.identify(bare).name == "spring_bcrypt"
    assert ctx.verify("bare ✓", bare).ok
    assert not ctx.verify("bare ✗", bare).ok
    assert ctx.verify("bare ✓", "{bcrypt}" + bare).ok
    with pytest.raises(HashError):
        ctx.verify("bare ✓", "$2a$04$short")
    x = _bcrypt("x").replace("$2a$", "$2x$", 1)  # BCryptPasswordEncoder's pattern refuses $2x$: false
    assert not ctx.verify("x", x).ok


def test_the_dummy_is_bcrypt_at_the_encoders_default_strength() -> None:
    assessment = get_context("spring").dummy_assessment
    assert assessment is not None
    assert (assessment.scheme, assessment.cost) == ("spring_bcrypt", "cost=10")

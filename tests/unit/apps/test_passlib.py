"""passlib: generic's configurable table under its own name, libpass's handlers chosen by prefix, the app's
``CryptContext`` schemes (``LEGACY_PASSLIB_SCHEMES``) and answers checked against libpass itself."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from passlib.context import CryptContext
from passlib.hash import bcrypt, bcrypt_sha256, md5_crypt, pbkdf2_sha256, sha512_crypt

from legacy_auth.apps import get_context, get_preset
from legacy_auth.apps.generic import GenericPreset
from legacy_auth.apps.passlib import HANDLERS, PasslibPreset
from legacy_auth.errors import ConfigurationError, UnknownHashSchemeError
from legacy_auth.model import AccountState

TABLE = {"generic_table": "accounts", "generic_email_column": "email", "generic_hash_column": "hashed_password",
         "generic_active_column": "is_active"}


def test_the_preset_is_generics_table_under_its_own_name() -> None:
    preset = get_preset("passlib", **TABLE)
    assert isinstance(preset, PasslibPreset)
    assert isinstance(preset, GenericPreset)
    assert preset.name == "passlib"
    assert [lk.column for lk, _ in preset.lookups(" ann@example.org ")] == ["email"]
    row = {"id": 1, "email": "ann@example.org", "password_hash": pbkdf2_sha256.hash("x"), "active": True}
    assert preset.to_user(row).state is AccountState.ACTIVE
    assert preset.to_user({**row, "active": False}).state is AccountState.INACTIVE
    assert preset.to_user({**row, "password_hash": None}).state is AccountState.SSO_ONLY


def test_generic_scheme_is_not_an_option_and_the_table_is_required() -> None:
    with pytest.raises(ConfigurationError) as err:
        get_preset("passlib", generic_scheme="md5", **TABLE)
    assert err.value.setting == "LEGACY_GENERIC_SCHEME"
    with pytest.raises(ConfigurationError) as err:
        get_preset("passlib")
    assert err.value.setting == "LEGACY_GENERIC_TABLE"
    with pytest.raises(ConfigurationError) as err:
        get_context("passlib", werkzeug_legacy_digests=True)
    assert err.value.setting == "LEGACY_WERKZEUG_LEGACY_DIGESTS"


def test_every_handler_is_chosen_by_its_own_prefix() -> None:
    ctx = get_context("passlib", pad_weak=False)
    for name, handler in (("pbkdf2_sha256", pbkdf2_sha256.using(rounds=1000)), ("bcrypt", bcrypt.using(rounds=4)),
                          ("bcrypt_sha256", bcrypt_sha256.using(rounds=4)), ("md5_crypt", md5_crypt),
                          ("sha512_crypt", sha512_crypt.using(rounds=1000))):
        stored = handler.hash("pässwörd")
        assert ctx.identify(stored).name == f"passlib_{name}"
        assert ctx.verify("pässwörd", stored).ok
        assert not ctx.verify("passwörd", stored).ok


FAST = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
passwords = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30)
CONTEXT = CryptContext(schemes=["pbkdf2_sha256", "bcrypt_sha256", "md5_crypt"], pbkdf2_sha256__rounds=1000,
                       bcrypt_sha256__rounds=4)


@FAST
@given(passwords, passwords, st.sampled_from(["pbkdf2_sha256", "bcrypt_sha256", "md5_crypt"]))
def test_answers_what_a_cryptcontext_answers(made_with: str, typed: str, scheme: str) -> None:
    stored = CONTEXT.handler(scheme).hash(made_with) if "\x00" not in made_with or scheme == "pbkdf2_sha256" \
        else pbkdf2_sha256.using(rounds=1000).hash(made_with)
    try:
        expected = CONTEXT.verify(typed, stored)
    except ValueError:  # libpass refuses the typed password (a NUL under md5_crypt / bcrypt): login fails
        expected = False
    assert get_context("passlib", pad_weak=False).verify(typed, stored).ok is expected


def test_the_apps_cryptcontext_schemes_limit_what_is_accepted() -> None:
    ctx = get_context("passlib", pad_weak=False, passlib_schemes="pbkdf2_sha256, bcrypt")
    assert ctx.verify("x", pbkdf2_sha256.using(rounds=1000).hash("x")).ok
    with pytest.raises(UnknownHashSchemeError):
        ctx.verify("x", md5_crypt.hash("x"))
    with pytest.raises(ValueError, match="could not be identified"):
        CryptContext(schemes=["pbkdf2_sha256", "bcrypt"]).verify("x", md5_crypt.hash("x"))


@pytest.mark.parametrize("value", ["bcrypt,blowfish", "", " , ", "django_pbkdf2_sha256"])
def test_an_unknown_scheme_list_names_its_variable(value: str) -> None:
    with pytest.raises(ConfigurationError) as err:
        get_context("passlib", passlib_schemes=value or ",")
    assert err.value.setting == "LEGACY_PASSLIB_SCHEMES"


def test_the_handler_table_covers_the_documented_formats() -> None:
    assert set(HANDLERS) == {"pbkdf2_sha1", "pbkdf2_sha256", "pbkdf2_sha512", "bcrypt_sha256", "scrypt", "argon2",
                             "md5_crypt", "sha256_crypt", "sha512_crypt", "bcrypt"}


def test_the_dummy_is_bcrypt_at_passlibs_default_rounds() -> None:
    assessment = get_context("passlib").dummy_assessment
    assert assessment is not None
    assert (assessment.scheme, assessment.cost) == ("passlib_bcrypt", "cost=12")


@pytest.mark.parametrize("stored", ["pbkdf2_sha256$1000$salt$hash", "{SSHA}abcd", "$7$abc", "$2x$04$" + "a" * 53])
def test_formats_passlib_would_not_identify_are_refused(stored: str) -> None:
    with pytest.raises(UnknownHashSchemeError):
        get_context("passlib", pad_weak=False).verify("x", stored)

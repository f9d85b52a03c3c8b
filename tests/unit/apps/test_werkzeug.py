"""Werkzeug: generic's configurable table under its own name, Werkzeug 3's ``check_password_hash`` rules, the
Werkzeug <= 2.2 digests behind ``LEGACY_WERKZEUG_LEGACY_DIGESTS``, and answers checked against werkzeug itself."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.security import check_password_hash, generate_password_hash

from legacy_auth.apps import get_app, get_context, get_preset
from legacy_auth.apps.generic import GenericPreset
from legacy_auth.apps.werkzeug import WerkzeugPreset
from legacy_auth.errors import ConfigurationError, HashError, UnknownHashSchemeError
from legacy_auth.model import AccountState
from legacy_auth.presets.sql import Lookup

TABLE = {"generic_table": "users", "generic_username_column": "username", "generic_email_column": "email",
         "generic_hash_column": "password_hash", "generic_active_column": "active"}


def test_the_preset_is_generics_table_under_its_own_name() -> None:
    preset = get_preset("werkzeug", **TABLE)
    assert isinstance(preset, WerkzeugPreset)
    assert isinstance(preset, GenericPreset)
    assert preset.name == "werkzeug"
    assert preset.table("") == "users"
    assert preset.lookups(" Ann ") == [(Lookup("username", 320), "Ann")]
    assert [lk.column for lk, _ in preset.lookups("ann@example.org")] == ["username", "email"]


def test_rows_map_as_generic_with_their_states() -> None:
    preset = get_preset("werkzeug", **TABLE)
    base = {"id": 7, "username": "ann", "email": "ann@example.org", "password_hash": "pbkdf2:sha256:1$s$00"}
    assert preset.to_user(base).state is AccountState.ACTIVE
    assert preset.to_user({**base, "active": 0}).state is AccountState.INACTIVE
    assert preset.to_user({**base, "password_hash": ""}).state is AccountState.SSO_ONLY


def test_a_table_or_query_is_required_and_the_error_names_this_app() -> None:
    with pytest.raises(ConfigurationError) as err:
        get_preset("werkzeug")
    assert err.value.setting == "LEGACY_GENERIC_TABLE"
    assert "LEGACY_APP=werkzeug" in str(err.value)


def test_generic_scheme_and_other_apps_options_are_refused() -> None:
    with pytest.raises(ConfigurationError) as err:
        get_preset("werkzeug", generic_scheme="md5", **TABLE)
    assert err.value.setting == "LEGACY_GENERIC_SCHEME"
    with pytest.raises(ConfigurationError) as err:
        get_context("werkzeug", generic_scheme="md5")
    assert err.value.setting == "LEGACY_GENERIC_SCHEME"
    with pytest.raises(ConfigurationError) as err:
        get_context("werkzeug", werkzeug_legacy_digests="perhaps")
    assert err.value.setting == "LEGACY_WERKZEUG_LEGACY_DIGESTS"


def test_hostile_column_names_name_their_variable() -> None:
    with pytest.raises(ConfigurationError) as err:
        get_preset("werkzeug", **{**TABLE, "generic_hash_column": "pw; DROP TABLE users"})
    assert err.value.setting == "LEGACY_GENERIC_HASH_COLUMN"


# ---------------------------------------------------------------- password check


FAST = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
passwords = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30)


@FAST
@given(passwords, passwords, st.sampled_from(["pbkdf2:sha256:1000", "pbkdf2:sha512:500", "pbkdf2:sha1:700",
                                              "scrypt:1024:8:1"]))
def test_answers_what_werkzeug_answers(made_with: str, typed: str, method: str) -> None:
    stored = generate_password_hash(made_with, method=method)
    assert get_context("werkzeug", pad_weak=False).verify(typed, stored).ok is check_password_hash(stored, typed)


def test_the_dummy_is_werkzeugs_default_scrypt() -> None:
    assessment = get_context("werkzeug").dummy_assessment
    assert assessment is not None
    assert assessment.scheme == "werkzeug_scrypt"
    assert get_app("werkzeug").rules.dummy_hash.startswith("scrypt:32768:8:1$")


LEGACY = "sha256$D2Jx904LfsNJV3hj$d98aff308fe4ce93797cfd99f5b541617e71034c18750a68df2089e5b93e53ca"  # Werkzeug 2.2.3


def test_werkzeug_2_digests_only_with_the_option() -> None:
    with pytest.raises(UnknownHashSchemeError):
        get_context("werkzeug", pad_weak=False).verify("flask tutorial", LEGACY)
    with pytest.raises(ValueError, match="Invalid hash method"):  # Werkzeug 3 itself: the login errors
        check_password_hash(LEGACY, "flask tutorial")
    legacy = get_context("werkzeug", pad_weak=False, werkzeug_legacy_digests="true")
    assert legacy.verify("flask tutorial", LEGACY).ok
    assert not legacy.verify("Flask tutorial", LEGACY).ok


@pytest.mark.parametrize("stored", ["plain$$secret", "nodollar", "md4$s$abcd", "pbkdf2:md5:1000$s$" + "0" * 32,
                                    "bcrypt$x$y", "$2b$12$" + "a" * 53])
def test_values_werkzeug_cannot_verify_are_refused(stored: str) -> None:
    for options in ({}, {"werkzeug_legacy_digests": True}):
        with pytest.raises(HashError):
            get_context("werkzeug", pad_weak=False, **options).verify("secret", stored)


def test_nothing_is_trimmed_and_the_empty_password_is_hashed_like_any_other() -> None:
    ctx = get_context("werkzeug", pad_weak=False)
    stored = generate_password_hash(" pad ", method="pbkdf2:sha256:1000")
    assert ctx.verify(" pad ", stored).ok
    assert not ctx.verify("pad", stored).ok
    empty: Any = generate_password_hash("", method="pbkdf2:sha256:1000")
    assert ctx.verify("", empty).ok is check_password_hash(empty, "") is True

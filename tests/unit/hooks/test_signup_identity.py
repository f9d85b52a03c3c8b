"""Pure helpers of the sign-up identity rules: folding, reserved names and attributes, email and login forms."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from legacy_auth.hooks.signup_identity import (
    EmailFormError,
    a_label,
    check_email_form,
    claimed_names,
    claims_identity,
    email_forms,
    identity_names,
    is_reserved_username,
    login_forms,
    mapping_keys,
    parse_email,
)

NAMES = identity_names(("custom:legacy_id", "custom:app_user_id", "custom:legacy_roles"))


@pytest.mark.parametrize("name", ["legacy_7", "LEGACY_7", "Legacy_", "ｌｅｇａｃｙ＿７", "legacy\ufe4f7",
                                  "le\u00adgacy_7", " legacy_7", "\u24c1EGACY_7"])
def test_reserved_username_forms(name: str) -> None:
    assert is_reserved_username(name) is True


@pytest.mark.parametrize("name", ["legacy", "legacy7", "legacy-7", "my_legacy_7", "alice", "legacу_7"])
def test_names_outside_the_reserved_space(name: str) -> None:
    # the last one has a Cyrillic "у": a different username for Cognito too (no case mapping joins them)
    assert is_reserved_username(name) is False


@given(st.text(min_size=1, max_size=12))
def test_anything_after_the_reserved_prefix_is_reserved(suffix: str) -> None:
    assert is_reserved_username("legacy_" + suffix) is True


@pytest.mark.parametrize("key", ["custom:legacy_id", "CUSTOM:Legacy_Id", "legacy_id", "dev:custom:legacy_id",
                                 "custom:app_user_id", "app_user_id", "custom:legacy_roles", "custom:legacy_new"])
def test_identity_attribute_names(key: str) -> None:
    assert claims_identity([key], NAMES) is True


@pytest.mark.parametrize("key", ["email", "name", "custom:newsletter", "locale", "custom:app_user", 7, None])
def test_other_attribute_names(key: object) -> None:
    assert claims_identity([key], NAMES) is False


def test_configured_names_are_added_to_the_defaults() -> None:
    names = identity_names(("custom:uid",))
    assert claims_identity(["custom:uid"], names)
    assert claims_identity(["custom:legacy_id"], names)


def test_claimed_names_reads_every_map_and_list_shape() -> None:
    request = {"userAttributes": {"email": "a@b.example"}, "validationData": [{"Name": "x", "Value": "1"}, "odd"],
               "clientMetadata": {"y": "2", 3: "numeric key"}}
    assert claimed_names(request) == ("email", "x", "y")
    assert mapping_keys(None) == []
    assert mapping_keys("text") == []


@pytest.mark.parametrize("email", ["a@corp.example.", "a@corp..example", "a@" + "x" * 64 + ".example"])
def test_domain_forms_look_ups_would_miss_are_errors(email: str) -> None:
    with pytest.raises(EmailFormError):
        check_email_form(email)


@pytest.mark.parametrize("email", ["a b@x.example", "a@b@x.example", "@x.example", "a@x", "\x00a@x.example", 7])
def test_malformed_emails_are_errors(email: object) -> None:
    with pytest.raises(EmailFormError):
        parse_email(email)


def test_email_forms_cover_normalisation_case_and_idna() -> None:
    forms = email_forms("Jose\u0301@BÜCHER.example")
    assert forms[0] == "Jose\u0301@BÜCHER.example"  # as typed first
    assert "José@BÜCHER.example" in forms  # NFC
    assert "josé@bücher.example" in forms  # lower-cased
    assert "Jose\u0301@xn--bcher-kva.example" in forms  # A-label (local part as typed)
    assert "José@bücher.example" in forms  # U-label
    assert email_forms("alice@example.com") == ["alice@example.com"]  # plain ASCII: one query only


def test_a_label_folds_full_width_and_case() -> None:
    assert a_label("ＣＯＲＰ.Example") == "corp.example"
    assert a_label("BÜCHER.example") == "xn--bcher-kva.example"


def test_login_forms_of_an_email_shaped_name_drop_trailing_dots() -> None:
    assert "carol@corp.example" in login_forms("carol@corp.example.")
    assert login_forms("alice") == ["alice"]
    assert login_forms("ａｌｉｃｅ") == ["ａｌｉｃｅ", "alice"]

"""SMF 2.1: the ``smf_members`` table, ``Login2``'s name checks, ``checkActivation``'s states, options and the
password checks through the app's hash context (vectors from SMF's own code: ``tests/vectors/smf-generated.jsonl``)."""

from __future__ import annotations

import hashlib
import sqlite3
from typing import Any

import bcrypt
import pytest

from legacy_auth.apps import get_app, get_context, get_preset
from legacy_auth.apps.smf import dispatch, login_name
from legacy_auth.errors import ConfigurationError, CorruptRowError, UnknownHashSchemeError
from legacy_auth.hashing import forum_schemes as fs
from legacy_auth.model import AccountState

#: ``other/install_2-1_mysql.sql`` (2.1.4) columns created by the preset, in install order
INSTALL = ["id_member", "member_name", "date_registered", "id_group", "real_name", "passwd", "email_address",
           "is_activated", "validation_code", "additional_groups", "password_salt"]


def _smf_bcrypt(name: str, password: str) -> str:
    return bcrypt.hashpw(name.lower().encode() + password.encode(), bcrypt.gensalt(4)).decode()


def row(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"id_member": 4, "member_name": "Ann", "real_name": "Ann &amp; Co", "email_address":
                            "ann@example.org", "passwd": _smf_bcrypt("Ann", "pw"), "is_activated": 1,
                            "id_group": 0, "additional_groups": ""}
    data.update(over)
    return data


def test_ddl_creates_the_install_sql_columns_in_utf8_general_ci() -> None:
    preset = get_preset("smf")
    db = sqlite3.connect(":memory:")
    for statement in preset.ddl(prefix="smf_", dialect="sqlite"):
        db.execute(statement)
    assert [r[1] for r in db.execute("PRAGMA table_info(smf_members)")] == INSTALL
    mysql = preset.ddl(prefix="smf_", dialect="mysql")[0]
    assert "`passwd` VARCHAR(64) NOT NULL DEFAULT ''" in mysql
    assert "`is_activated` TINYINT UNSIGNED NOT NULL DEFAULT 1" in mysql
    assert "COLLATE=utf8_general_ci" in mysql


@pytest.mark.parametrize(("login", "looked_up"), [
    ("Ann", "Ann"), (" Ann ", " Ann "), ("J&#214;rg", "J&#214;rg"), ("n" * 81, "n" * 79), ("n" * 80, "n" * 80),
    ("a'b", None), ('a"b', None), ("a<b", None), ("a&b", None), ("a=b", None), ("a\\b", None), ("", None)])
def test_login2_name_checks(login: str, looked_up: str | None) -> None:
    assert login_name(login) == looked_up


def test_member_name_first_then_email_only_for_input_with_an_at_sign() -> None:
    preset = get_preset("smf")
    (only,) = preset.find_queries("Ann", prefix="smf_", dialect="mysql")
    assert only.sql.endswith("FROM `smf_members` WHERE `member_name` = %s LIMIT 2")
    name, email = preset.find_queries("ann@example.org", prefix="smf_", dialect="mysql")
    assert "`member_name` = %s" in name.sql
    assert "`email_address` = %s" in email.sql
    assert name.params == email.params == ("ann@example.org",)
    assert preset.find_queries("o'brien", prefix="smf_", dialect="mysql") == []


def test_an_active_row_carries_its_member_name_for_the_hash() -> None:
    user = get_preset("smf").to_user(row(additional_groups="9,10"))
    assert user.state is AccountState.ACTIVE
    assert (user.legacy_id, user.username, user.display_name) == ("4", "Ann", "Ann & Co")
    assert user.roles == ("group:0", "group:9", "group:10")
    assert user.hash_fields == {"username": "Ann"}
    assert user.email_verified is False


@pytest.mark.parametrize(("activated", "state"), [
    (1, AccountState.ACTIVE), (0, AccountState.UNCONFIRMED), (2, AccountState.UNCONFIRMED),
    (3, AccountState.UNAPPROVED), (5, AccountState.UNAPPROVED), (4, AccountState.DELETED),
    (11, AccountState.BLOCKED), (13, AccountState.BLOCKED), (10, AccountState.UNCONFIRMED)])
def test_is_activated_decides_the_state(activated: int, state: AccountState) -> None:
    assert get_preset("smf").to_user(row(is_activated=activated)).state is state


def test_email_counts_as_confirmed_only_for_activated_members_with_the_option() -> None:
    preset = get_preset("smf", activation_confirms_email=True)
    assert preset.to_user(row()).email_verified is True
    assert preset.to_user(row(is_activated=0)).email_verified is False


def test_no_password_is_sso_only_and_a_bad_group_list_is_a_corrupt_row() -> None:
    preset = get_preset("smf")
    assert preset.to_user(row(passwd="")).state is AccountState.SSO_ONLY
    with pytest.raises(CorruptRowError):
        preset.to_user(row(additional_groups="1,x"))


@pytest.mark.parametrize(("options", "setting"), [
    ({"activation_confirms_email": "perhaps"}, "LEGACY_ACTIVATION_CONFIRMS_EMAIL"),
    ({"email_login": True}, "LEGACY_EMAIL_LOGIN"), ({"username_method": 2}, "LEGACY_USERNAME_METHOD")])
def test_bad_or_foreign_preset_options_name_their_variable(options: dict[str, Any], setting: str) -> None:
    with pytest.raises(ConfigurationError) as err:
        get_preset("smf", **options)
    assert err.value.setting == setting


def test_a_hash_option_of_another_app_is_refused() -> None:
    with pytest.raises(ConfigurationError) as err:
        get_context("smf", pepper="x")
    assert err.value.setting == "LEGACY_PEPPER"


def test_dispatch_by_length_and_bcrypt_only_as_the_dummy_without_a_member_name() -> None:
    assert dispatch("$2y$10$" + "a" * 53, {"username": "Ann"}) is fs.SMF_BCRYPT
    assert dispatch("a" * 40, {"username": "Ann"}) is fs.SMF_SHA1
    assert dispatch(get_app("smf").rules.dummy_hash, {}).name == "bcrypt"
    for stored in ("a" * 32, "a" * 64, "$P$B" + "a" * 30):
        with pytest.raises(UnknownHashSchemeError):
            dispatch(stored, {"username": "Ann"})


def test_passwords_are_entity_decoded_and_checked_with_the_lowered_member_name() -> None:
    ctx = get_context("smf", pad_weak=False)
    stored = _smf_bcrypt("Ann", "a<b")
    assert ctx.verify("a&lt;b", stored, username="Ann").ok is True
    assert ctx.verify("a<b", stored, username="ANN").ok is True
    assert ctx.verify("a<b", stored, username="Bob").ok is False
    sha1 = hashlib.sha1(b"ann" + "pässwort".encode()).hexdigest()  # noqa: S324 - SMF 2.0's construction
    assert ctx.verify("pässwort", sha1, username="Ann").ok is True
    assert ctx.verify("", sha1, username="Ann").ok is False


def test_no_stored_format_is_importable_and_the_dummy_costs_bcrypt_10() -> None:
    importability = get_app("smf").importability
    assert importability.why_not("smf_bcrypt")
    assert importability.why_not("smf_sha1")
    assessment = get_context("smf").dummy_assessment
    assert assessment is not None
    assert (assessment.scheme, assessment.cost) == ("bcrypt", "cost=10")

"""Atlassian Jira / Confluence / Crowd: ``cwd_user`` in both layouts, the ``lower_user_name`` login rule, the
directory option, ``active`` / ``deleted_externally`` and ``{PKCS5S2}``."""

from __future__ import annotations

import base64
import hashlib
from decimal import Decimal
from typing import Any

import pytest

from legacy_auth.apps import get_context, get_preset
from legacy_auth.apps.atlassian import AtlassianPreset, dispatch
from legacy_auth.errors import ConfigurationError, UnknownHashSchemeError
from legacy_auth.model import AccountState

#: ``cwd_user`` in pg_dump output of Jira and of Confluence (see the module docstring), in order
JIRA_DUMP = ("id", "directory_id", "user_name", "lower_user_name", "active", "created_date", "updated_date",
             "first_name", "lower_first_name", "last_name", "lower_last_name", "display_name", "lower_display_name",
             "email_address", "lower_email_address", "credential", "deleted_externally", "external_id")
CONFLUENCE_DUMP = ("id", "user_name", "lower_user_name", "active", "created_date", "updated_date", "first_name",
                   "lower_first_name", "last_name", "lower_last_name", "display_name", "lower_display_name",
                   "email_address", "lower_email_address", "external_id", "directory_id", "credential")
SECRET = "{PKCS5S2}TzwIctDE2RJIQfT+O473W5+qhSAyof1Kz+hfe2kvAcnDe2uVzdp/ymw5V7mHH+Zv"  # "secret" (encoder's test)
ROW = {"id": Decimal(10100), "directory_id": Decimal(1), "user_name": "Ann.Lee", "display_name": "Ann Lee",
       "email_address": "ann@example.org", "active": Decimal(1), "credential": SECRET,
       "deleted_externally": None}


@pytest.mark.parametrize(("variant", "names"), [("jira", JIRA_DUMP), ("crowd", CONFLUENCE_DUMP)])
def test_ddl_has_the_dump_columns_and_the_unique_name_per_directory(variant: str, names: tuple[str, ...]) -> None:
    preset = get_preset("atlassian", variant=variant)
    assert tuple(c.name for c in preset.all_columns()) == names
    ddl = " ".join(preset.ddl(prefix="", dialect="postgresql"))
    assert "UNIQUE" in ddl
    assert '"lower_user_name", "directory_id"' in ddl


def test_login_is_the_lower_cased_username_compared_exactly() -> None:
    (query,) = get_preset("atlassian").find_queries("Ann.LEE", prefix="", dialect="mysql")
    assert query.sql.endswith("WHERE `lower_user_name` = %s LIMIT 2")
    assert query.params == ("ann.lee",)


def test_the_directory_option_restricts_every_query() -> None:
    preset = get_preset("atlassian", atlassian_directory_id="1")
    (query,) = preset.find_queries("ann.lee", prefix="", dialect="postgresql")
    assert query.sql.endswith('WHERE "lower_user_name" = %s AND "directory_id" = %s LIMIT 2')
    assert query.params == ("ann.lee", 1)
    scan = preset.scan_query(prefix="", dialect="postgresql")
    assert scan.params == (1,)


@pytest.mark.parametrize(("options", "setting"), [
    ({"variant": "bamboo"}, "LEGACY_VARIANT"),
    ({"atlassian_directory_id": "one"}, "LEGACY_ATLASSIAN_DIRECTORY_ID"),
    ({"atlassian_directory_id": "0"}, "LEGACY_ATLASSIAN_DIRECTORY_ID"),
    ({"email_login": True}, "LEGACY_EMAIL_LOGIN"),
])
def test_bad_options_name_their_variable(options: dict[str, Any], setting: str) -> None:
    with pytest.raises(ConfigurationError) as err:
        AtlassianPreset(**options)
    assert err.value.setting == setting


def test_sql_metacharacters_are_parameters() -> None:
    login = "o'b\"r;--%_x"
    (query,) = get_preset("atlassian").find_queries(login, prefix="", dialect="sqlite")
    assert login.lower() not in query.sql
    assert query.params == (login.lower(),)


@pytest.mark.parametrize(
    ("variant", "changes", "state"),
    [
        ("jira", {}, AccountState.ACTIVE),
        ("jira", {"active": Decimal(0)}, AccountState.INACTIVE),
        ("jira", {"deleted_externally": Decimal(1)}, AccountState.DELETED),
        ("jira", {"credential": ""}, AccountState.SSO_ONLY),
        ("jira", {"credential": None, "active": 0}, AccountState.INACTIVE),
        ("crowd", {"active": "T"}, AccountState.ACTIVE),
        ("crowd", {"active": "F"}, AccountState.INACTIVE),
    ],
)
def test_states(variant: str, changes: dict[str, Any], state: AccountState) -> None:
    row = {**ROW, **changes}
    if variant == "crowd":
        row.pop("deleted_externally")
    assert get_preset("atlassian", variant=variant).to_user(row).state is state


def test_row_maps_to_the_user() -> None:
    user = get_preset("atlassian").to_user(ROW)
    assert (user.legacy_id, user.username, user.email, user.display_name) == (
        "10100", "Ann.Lee", "ann@example.org", "Ann Lee")
    assert user.roles == ("directory:1",)
    assert user.email_verified is False


def test_an_unknown_active_value_is_a_corrupt_row() -> None:
    from legacy_auth.errors import CorruptRowError

    with pytest.raises(CorruptRowError):
        get_preset("atlassian", variant="crowd").to_user({**ROW, "active": "maybe"})


def test_dispatch_takes_pkcs5s2_only() -> None:
    assert dispatch(SECRET, {}).name == "atlassian_pbkdf2_sha1"
    for stored in ("nopass", "{SSHA}lKJ1tXPNLw14YdQvJwCCY0Ubl3GUhYJV47morw==", "$2a$10$" + "a" * 53):
        with pytest.raises(UnknownHashSchemeError):
            dispatch(stored, {})


def test_pkcs5s2_is_pbkdf2_sha1_over_the_password_as_typed() -> None:
    salt = bytes(range(16))
    key = hashlib.pbkdf2_hmac("sha1", "pässwörd".encode(), salt, 10_000, 32)
    stored = "{PKCS5S2}" + base64.b64encode(salt + key).decode()
    ctx = get_context("atlassian", pad_weak=False)
    assert ctx.verify("pässwörd", stored).ok
    assert not ctx.verify(" pässwörd", stored).ok
    assert not ctx.verify("pässwörd ", stored).ok


def test_the_dummy_is_a_pkcs5s2_hash_and_the_context_has_no_options() -> None:
    assessed = get_context("atlassian").dummy_assessment
    assert assessed is not None
    assert assessed.scheme == "atlassian_pbkdf2_sha1"
    with pytest.raises(ConfigurationError) as err:
        get_context("atlassian", pepper="x")
    assert err.value.setting == "LEGACY_PEPPER"

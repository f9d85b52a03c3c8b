"""Identity claims: legacy_id/app_user_id from attributes, role -> group mapping, hostile attributes ignored."""

from __future__ import annotations

from typing import Any

import pytest

from legacy_auth.hooks.claims import identity_claims, merge_groups, parse_roles
from legacy_auth.hooks.config import HookSettings

Q2A = HookSettings.from_env({"HOOKS_TOKEN_ROLE_GROUPS": "level:50=editor,level:80=moderator,level:100=admin"})


def test_migrated_user_gets_legacy_id_and_no_app_user_id_borrowed_from_it() -> None:
    found = identity_claims({"sub": "s", "custom:legacy_id": "1042"}, Q2A)
    assert found.claims == {"legacy_id": "1042"}  # app_user_id never means "the legacy id"
    assert found.groups == ()
    assert found.ignored == ()


def test_explicit_app_user_id_attribute_wins() -> None:
    found = identity_claims({"custom:legacy_id": "1042", "custom:app_user_id": "u-77"}, Q2A)
    assert found.claims == {"legacy_id": "1042", "app_user_id": "u-77"}


def test_looked_up_row_id_is_the_app_user_id_and_the_legacy_id_keeps_its_own_claim() -> None:
    found = identity_claims({"custom:legacy_id": "1042"}, Q2A, looked_up_app_user_id="2")
    assert found.claims == {"legacy_id": "1042", "app_user_id": "2"}
    assert identity_claims({"custom:app_user_id": "9"}, Q2A, looked_up_app_user_id="2").claims == {
        "app_user_id": "9"}


def test_the_same_number_in_app_user_id_means_the_same_app_row_for_every_user() -> None:
    """A migrated user (legacy 7) and a fresh user (app row 7) can no longer both carry app_user_id 7."""
    migrated = identity_claims({"custom:legacy_id": "7"}, Q2A).claims
    fresh = identity_claims({"sub": "fresh"}, Q2A, looked_up_app_user_id="7").claims
    assert migrated == {"legacy_id": "7"}
    assert fresh == {"app_user_id": "7"}


def test_a_malformed_looked_up_id_is_dropped_not_copied() -> None:
    assert identity_claims({"custom:legacy_id": "1"}, Q2A, looked_up_app_user_id="7; DROP").claims == {
        "legacy_id": "1"}


def test_new_user_without_legacy_id_gets_no_claims() -> None:
    found = identity_claims({"sub": "abc", "email": "x@example.com"}, Q2A)
    assert found.claims == {}
    assert found.groups == ()


@pytest.mark.parametrize(
    ("roles", "groups"),
    [
        ("level:100", ("admin",)),
        ("level:80", ("moderator",)),
        ("level:50, level:100", ("editor", "admin")),
        ("level:0", ()),
        ("level:100,level:100", ("admin",)),
        ("", ()),
    ],
)
def test_q2a_levels_map_to_groups(roles: str, groups: tuple[str, ...]) -> None:
    assert identity_claims({"custom:legacy_roles": roles}, Q2A).groups == groups


def test_no_role_map_means_no_groups() -> None:
    assert identity_claims({"custom:legacy_roles": "level:100"}, HookSettings.from_env({})).groups == ()


@pytest.mark.parametrize(
    "value",
    [
        12,
        ["1"],
        {"a": 1},
        "1" * 129,
        "1042\n",
        "1042; DROP TABLE users",
        "<script>",
        "\x00",
        "ﬁ1",
    ],
)
def test_hostile_or_odd_legacy_id_is_ignored_not_raised(value: Any) -> None:
    found = identity_claims({"custom:legacy_id": value}, Q2A)
    assert found.claims == {}
    assert found.ignored == ("custom:legacy_id",)


@pytest.mark.parametrize("value", [7, None, ["level:100"], "level:100," * 500])
def test_odd_roles_value_never_raises(value: Any) -> None:
    found = identity_claims({"custom:legacy_roles": value}, Q2A)
    assert found.groups == ()


def test_credential_like_custom_attributes_are_suppressed() -> None:
    attrs = {"custom:legacy_id": "1", "custom:password_hash": "$P$B...", "custom:salt": "x", "custom:nickname": "n"}
    found = identity_claims(attrs, Q2A)
    assert found.suppress == ("custom:password_hash", "custom:salt")
    assert "$P$B..." not in repr(found)


def test_parse_roles_strips_and_dedupes() -> None:
    assert parse_roles(" a, b ,a,, c") == ["a", "b", "c"]


def test_merge_groups_keeps_order_drops_duplicates_and_non_strings() -> None:
    assert merge_groups(["members", 3, None, "admin"], ["admin", "editor"]) == ["members", "admin", "editor"]
    assert len(merge_groups([f"g{i}" for i in range(500)], ["x"])) == 100

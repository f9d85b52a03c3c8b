"""HookSettings.from_env: defaults, parsing, and a ConfigurationError naming the variable for bad values."""

from __future__ import annotations

import pytest

from legacy_auth.errors import ConfigurationError
from legacy_auth.hooks.config import AdminCreateMode, AppUsersSchema, GuardMode, HookSettings


def test_defaults_guard_on_and_documented_schema() -> None:
    s = HookSettings.from_env({})
    assert s.signup_guard is GuardMode.REFUSE
    assert s.admin_create is AdminCreateMode.ALLOW
    assert s.app_users == AppUsersSchema()
    assert s.app_users.table == "app_users"
    assert s.app_users.sub_column == "cognito_sub"
    assert s.provision is True
    assert s.default_group is None
    assert s.legacy_id_attribute == "custom:legacy_id"
    assert s.role_groups == {}
    assert s.access_token_claims is True
    assert s.app_user_lookup is False
    assert s.app_users.id_column == "id"
    assert (s.time_margin_ms, s.budget_ms) == (500, 3500)


def test_app_db_url_is_none_unless_set_meaning_the_legacy_db() -> None:
    assert HookSettings.from_env({"LEGACY_DB_URL": "mysql://u@h/legacy"}).app_db_url is None
    s = HookSettings.from_env({"HOOKS_APP_DB_URL": " postgresql://u@h/app "})
    assert s.app_db_url == "postgresql://u@h/app"


def test_domain_lists_are_lower_cased_and_stripped() -> None:
    s = HookSettings.from_env(
        {"HOOKS_SIGNUP_ALLOWED_DOMAINS": " Example.COM, @corp.example ", "HOOKS_SIGNUP_TRUSTED_DOMAINS": ""}
    )
    assert s.allowed_domains == frozenset({"example.com", "corp.example"})
    assert s.trusted_domains == frozenset()


def test_role_group_map_parses_pairs() -> None:
    s = HookSettings.from_env({"HOOKS_TOKEN_ROLE_GROUPS": "level:50=editor, level:80=moderator,level:100=admin"})
    assert s.role_groups == {"level:50": "editor", "level:80": "moderator", "level:100": "admin"}


def test_optional_columns_can_be_disabled_with_an_empty_value() -> None:
    s = HookSettings.from_env({"HOOKS_APP_USERS_EMAIL_COLUMN": "", "HOOKS_PROVISIONING_FAILURES_TABLE": ""})
    assert s.app_users.email_column is None
    assert s.app_users.failures_table is None
    assert s.app_users.username_column == "username"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HOOKS_SIGNUP_GUARD", "maybe"),
        ("HOOKS_SIGNUP_ADMIN_CREATE", "sometimes"),
        ("HOOKS_PROVISION", "perhaps"),
        ("HOOKS_APP_USERS_TABLE", "users; DROP TABLE x"),
        ("HOOKS_APP_USERS_TABLE", ""),
        ("HOOKS_APP_USERS_SUB_COLUMN", "1sub"),
        ("HOOKS_APP_USERS_EMAIL_COLUMN", "e mail"),
        ("HOOKS_PROVISIONING_FAILURES_TABLE", "x" * 65),
        ("HOOKS_SIGNUP_DENIED_DOMAINS", "exa mple.com"),
        ("HOOKS_DEFAULT_GROUP", "bad\ngroup"),
        ("HOOKS_TIME_MARGIN_MS", "lots"),
        ("HOOKS_TIME_MARGIN_MS", "10"),
        ("HOOKS_BUDGET_MS", "5000"),
        ("HOOKS_BUDGET_MS", "soon"),
        ("HOOKS_TOKEN_ROLE_GROUPS", "level:50"),
        ("HOOKS_TOKEN_ROLE_GROUPS", "level:50=bad\tgroup"),
        ("HOOKS_LINK_PROVIDERS", "Google,Bad Provider"),
        ("HOOKS_TOKEN_LEGACY_ID_ATTRIBUTE", "custom:legacy id"),
        ("HOOKS_TOKEN_APP_USER_LOOKUP", "sometimes"),
        ("HOOKS_APP_USERS_ID_COLUMN", "id;"),
    ],
)
def test_bad_value_names_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        HookSettings.from_env({name: value})
    assert info.value.setting == name


def test_duplicate_columns_are_refused() -> None:
    with pytest.raises(ConfigurationError):
        HookSettings.from_env({"HOOKS_APP_USERS_EMAIL_COLUMN": "username"})


def test_settings_are_frozen() -> None:
    s = HookSettings.from_env({})
    with pytest.raises(AttributeError):
        s.signup_guard = GuardMode.OFF  # type: ignore[misc]

"""One boolean rule for every configuration: ``legacy_auth.env.env_bool`` and the authorizer's own copy.

The authorizer must not import ``legacy_auth``, so it keeps a copy (``authorizer.config._bool``); this one table
pins both (and the hooks' and presets' settings, which use ``legacy_auth.env``) to the same answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest

from authorizer.config import _bool as authorizer_bool
from authorizer.errors import ConfigurationError as AuthorizerConfigurationError
from legacy_auth.env import env_bool
from legacy_auth.errors import ConfigurationError
from legacy_auth.hooks.config import HookSettings
from legacy_auth.presets.table import parse_option

NAME = "SOME_FLAG"
# raw value (None = unset) -> answer with default False, answer with default True ("error" = ConfigurationError)
TABLE: list[tuple[str | None, bool | str, bool | str]] = [
    (None, False, True),
    ("", False, True),
    ("   ", False, True),
    ("true", True, True), ("TRUE", True, True), (" True ", True, True), ("1", True, True), ("yes", True, True),
    ("on", True, True), ("ON", True, True),
    ("false", False, False), ("False", False, False), ("0", False, False), ("no", False, False),
    ("off", False, False), (" off\n", False, False),
    ("2", "error", "error"), ("enabled", "error", "error"), ("t", "error", "error"), ("y", "error", "error"),
    ("truee", "error", "error"), ("-1", "error", "error"), ("tru e", "error", "error"),
]
PARSERS: dict[str, tuple[Callable[[Mapping[str, str], str, bool], bool], type[Exception]]] = {
    "legacy_auth.env.env_bool": (env_bool, ConfigurationError),
    "authorizer.config._bool": (authorizer_bool, AuthorizerConfigurationError),
}


@pytest.mark.parametrize("parser", sorted(PARSERS))
@pytest.mark.parametrize(("raw", "if_false", "if_true"), TABLE)
def test_every_boolean_setting_reads_the_same_words_the_same_way(parser: str, raw: str | None, if_false: bool | str,
                                                                 if_true: bool | str) -> None:
    parse, error = PARSERS[parser]
    env = {} if raw is None else {NAME: raw}
    for default, expected in ((False, if_false), (True, if_true)):
        if expected == "error":
            with pytest.raises(error) as err:
                parse(env, NAME, default)
            assert NAME in str(err.value)
        else:
            assert parse(env, NAME, default) is expected


@pytest.mark.parametrize(("raw", "if_false", "if_true"), TABLE)
def test_a_preset_boolean_option_follows_the_same_rule(raw: str | None, if_false: bool | str,
                                                       if_true: bool | str) -> None:
    if if_false == "error":
        with pytest.raises(ConfigurationError) as err:
            parse_option("moderate_users", bool, raw)
        assert err.value.setting == "LEGACY_MODERATE_USERS"
    else:
        expected = None if if_false != if_true else if_false  # None: unset or blank, the preset's default applies
        assert parse_option("moderate_users", bool, raw) is expected


def test_hook_flags_use_the_shared_rule() -> None:
    base = {"LEGACY_APP": "q2a", "LEGACY_DB_URL": "sqlite:///never-opened.db"}
    assert HookSettings.from_env({**base, "HOOKS_PROVISION": " "}).provision is True
    assert HookSettings.from_env({**base, "HOOKS_PROVISION": "No"}).provision is False
    with pytest.raises(ConfigurationError) as err:
        HookSettings.from_env({**base, "HOOKS_PROVISION": "enabled"})
    assert err.value.setting == "HOOKS_PROVISION"

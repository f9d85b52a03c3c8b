"""``LEGACY_LOCKOUT_*`` settings: defaults, bad values named, the key kept out of ``repr``."""

from __future__ import annotations

import pytest

from legacy_auth.errors import ConfigurationError
from legacy_auth.migration.config import Settings

BASE = {"LEGACY_APP": "q2a", "LEGACY_DB_URL": "sqlite:///x.db"}


def test_the_bound_is_off_without_the_variable_and_fails_closed_by_default() -> None:
    settings = Settings.from_env(BASE)
    assert settings.lockout_max_failures == 0
    assert (settings.lockout_window_s, settings.lockout_on_db_error) == (900, "closed")
    assert settings.lockout_table == "legacy_auth_lockouts"
    assert settings.lockout_key is None


@pytest.mark.parametrize(("env", "setting"), [
    ({"LEGACY_LOCKOUT_MAX_FAILURES": "-1"}, "LEGACY_LOCKOUT_MAX_FAILURES"),
    ({"LEGACY_LOCKOUT_MAX_FAILURES": "101"}, "LEGACY_LOCKOUT_MAX_FAILURES"),
    ({"LEGACY_LOCKOUT_MAX_FAILURES": "five"}, "LEGACY_LOCKOUT_MAX_FAILURES"),
    ({"LEGACY_LOCKOUT_WINDOW_SECONDS": "59"}, "LEGACY_LOCKOUT_WINDOW_SECONDS"),
    ({"LEGACY_LOCKOUT_ON_DB_ERROR": "maybe"}, "LEGACY_LOCKOUT_ON_DB_ERROR"),
    ({"LEGACY_LOCKOUT_TABLE": "x; DROP TABLE y"}, "LEGACY_LOCKOUT_TABLE"),
    ({"LEGACY_LOCKOUT_KEY": "short"}, "LEGACY_LOCKOUT_KEY"),
])
def test_bad_lockout_values_name_their_variable(env: dict[str, str], setting: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        Settings.from_env({**BASE, **env})
    assert info.value.setting == setting


def test_a_too_short_key_is_refused_without_echoing_it() -> None:
    with pytest.raises(ConfigurationError) as info:
        Settings.from_env({**BASE, "LEGACY_LOCKOUT_KEY": "hunter2-secret"})
    assert "hunter2" not in str(info.value)


def test_the_fingerprint_key_is_read_but_never_shown() -> None:
    key = "s3cr3t-" * 6
    settings = Settings.from_env({**BASE, "LEGACY_LOCKOUT_MAX_FAILURES": "5", "LEGACY_LOCKOUT_KEY": key,
                                  "LEGACY_LOCKOUT_ON_DB_ERROR": "OPEN"})
    assert settings.lockout_key == key.encode()
    assert settings.lockout_on_db_error == "open"
    assert key not in repr(settings)

"""An option of another app (``LEGACY_MODERATE_USERS`` with ``wordpress``) is a configuration error naming the
variable, for the trigger (``Settings.from_env``, read at its cold start) and for the CLI (exit status 2)."""

from __future__ import annotations

import io
import json

import pytest

from legacy_auth.cli.main import main
from legacy_auth.errors import ConfigurationError
from legacy_auth.migration.config import Settings

BASE = {"LEGACY_APP": "wordpress", "LEGACY_DB_URL": "sqlite:///never-opened.db"}


def test_trigger_settings_refuse_an_option_of_another_app() -> None:
    with pytest.raises(ConfigurationError) as err:
        Settings.from_env({**BASE, "LEGACY_MODERATE_USERS": "true"})
    assert err.value.setting == "LEGACY_MODERATE_USERS"
    assert "q2a" in str(err.value)
    assert "wordpress" in str(err.value)


def test_own_options_and_empty_values_of_other_apps_are_accepted() -> None:
    settings = Settings.from_env({**BASE, "LEGACY_MULTISITE": "true", "LEGACY_MODERATE_USERS": ""})
    assert settings.preset_kwargs() == {"multisite": "true"}


def test_cli_names_the_variable_of_another_app_with_exit_status_2() -> None:
    out, err = io.StringIO(), io.StringIO()
    code = main(["scan", "--json"], environ={**BASE, "LEGACY_MODERATE_USERS": "true"}, stdout=out, stderr=err)
    assert code == 2
    assert err.getvalue().startswith("legacy-auth: configuration error: LEGACY_MODERATE_USERS: is an option of q2a")
    assert json.loads(out.getvalue())["kind"] == "configuration"

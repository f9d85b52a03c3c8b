"""The app registry (``legacy_auth/apps/``) is the one list of legacy apps: config, CLI, presets and docs agree."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from legacy_auth.apps import HASH_RULES, NAMES, PRESETS, all_apps, get_app, login_columns
from legacy_auth.cli.scan_queries import USERNAME_COLUMNS
from legacy_auth.errors import ConfigurationError
from legacy_auth.migration.config import APPS, Settings

ROOT = Path(__file__).resolve().parents[3]


def test_every_registered_app_has_its_own_module_and_every_module_is_registered() -> None:
    modules = sorted(p.stem for p in (ROOT / "legacy_auth" / "apps").glob("*.py") if p.stem not in {"__init__", "app"})
    assert modules == sorted(NAMES)
    assert [app.name for app in all_apps()] == list(NAMES)


def test_legacy_app_accepts_exactly_the_registered_apps() -> None:
    assert APPS == NAMES
    with pytest.raises(ConfigurationError) as err:
        Settings.from_env({"LEGACY_APP": "wordpres", "LEGACY_DB_URL": "sqlite:///never-opened.db"})
    assert err.value.setting == "LEGACY_APP"


def test_every_registered_app_has_a_preset_and_hash_rules() -> None:
    assert set(PRESETS) == set(NAMES)
    assert set(HASH_RULES) == set(NAMES)


def test_the_cli_login_columns_come_from_the_registry() -> None:
    assert login_columns() == USERNAME_COLUMNS
    assert USERNAME_COLUMNS["q2a"] == "handle"
    assert "laravel" not in USERNAME_COLUMNS  # Laravel users sign in by email only


def test_an_unknown_app_is_not_in_the_registry() -> None:
    with pytest.raises(KeyError):
        get_app("os")  # a module name that is not an app must not be importable through the registry


def test_the_docs_preset_table_lists_the_registered_apps_in_order() -> None:
    text = (ROOT / "docs" / "presets.md").read_text("utf-8")
    table = text[text.index("| `LEGACY_APP` |"):]
    lines = table.splitlines()[2:]  # after the header and its |---| line
    rows = lines[:next(i for i, line in enumerate(lines) if not line.startswith("|"))]
    names = [m.group(1) for line in rows if (m := re.match(r"\| `([a-z0-9_]+)`", line))]
    assert len(names) == len(rows)
    assert names == list(NAMES)


def test_the_template_and_the_readme_allow_exactly_the_registered_apps() -> None:
    template = (ROOT / "template.yaml").read_text("utf-8")
    block = template[template.index("  LegacyApp:\n"):]
    allowed = re.search(r"AllowedValues: \[(.*?)\]", block, flags=re.S)
    assert allowed is not None
    assert [v.strip() for v in allowed.group(1).split(",")] == list(NAMES)
    readme = (ROOT / "README.md").read_text("utf-8")
    row = re.search(r"^\| `LEGACY_APP` \| required \| (.*) \|$", readme, flags=re.M)
    assert row is not None
    assert re.findall(r"`([a-z0-9_]+)`", row.group(1)) == list(NAMES)

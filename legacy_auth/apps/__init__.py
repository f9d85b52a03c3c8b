"""The registry of legacy apps: one module per app (``legacy_auth/apps/<app>.py``), in documentation order.

It is the one list of ``LEGACY_APP`` values (``migration.config.APPS``), of the CLI's login columns
(``cli.scan_queries.USERNAME_COLUMNS``) and of the rows of ``docs/presets.md``'s preset table (a test compares
them). Issue 13 step 4 moves each app's preset, hash rules and options into its module; until then those live
in ``legacy_auth/presets/`` and ``legacy_auth/hashing/``, keyed by the same names.

Only the names are read at a trigger's cold start; an app's module is imported when asked for (:func:`get_app`),
so a deployment loads its own app only.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from legacy_auth.apps.app import App

NAMES: tuple[str, ...] = (
    "q2a", "wordpress", "drupal7", "drupal", "phpbb3", "joomla", "magento2",
    "laravel", "symfony", "django", "devise", "aspnet_identity", "generic",
)
"""The allowed ``LEGACY_APP`` values, in documentation order; each names a module of this package."""


def get_app(name: str) -> App:
    """The app registered as ``name`` (one of :data:`NAMES`; ``KeyError`` otherwise)."""
    if name not in NAMES:
        raise KeyError(name)
    app: App = import_module(f"legacy_auth.apps.{name}").APP
    return app


def all_apps() -> tuple[App, ...]:
    """Every app, in documentation order (imports every app module: for the CLI and docs, not the triggers)."""
    return tuple(get_app(name) for name in NAMES)


def login_columns() -> dict[str, str]:
    """App name -> the column its users sign in with (apps whose users sign in by email only are absent)."""
    return {app.name: app.login_columns[0] for app in all_apps() if app.login_columns}

"""The registry of legacy apps: one module per app (``legacy_auth/apps/<app>.py``), in documentation order.

Each app's module holds everything about it (its table preset, its hash rules and dispatch, its options, its login
columns, its bulk-import row) in one :class:`~legacy_auth.apps.app.App` named ``APP``. This package is the one
list of ``LEGACY_APP`` values (:data:`NAMES`) and the one way in: :func:`get_preset` and :func:`get_context`
build an app's table preset and hash context; the CLI maps, the docs' preset table and the import table are read
from the same modules. No other module names an app (``tests/unit/apps/test_registry.py``).

Only :data:`NAMES` is read at a trigger's cold start; an app's module is imported when asked for (:func:`get_app`),
so a deployment loads its own app only.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from legacy_auth.errors import ConfigurationError

if TYPE_CHECKING:
    from legacy_auth.apps.app import App
    from legacy_auth.hashing.context import HashContext
    from legacy_auth.presets.base import AppPreset

NAMES: tuple[str, ...] = (
    "q2a", "wordpress", "drupal7", "drupal", "phpbb3", "joomla", "magento2",
    "laravel", "symfony", "django", "devise", "aspnet_identity", "generic",
    "firebase", "ldap",
    "keycloak", "werkzeug", "passlib", "spring",
    "vbulletin", "mybb", "smf", "xenforo",
    "invision", "mediawiki", "moodle", "opencart",
    "prestashop", "discourse", "ghost", "atlassian", "php",
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


def _known(name: object) -> App:
    if not isinstance(name, str) or name not in NAMES:
        raise ConfigurationError("LEGACY_APP", f"unknown app {name!r}; expected one of {', '.join(sorted(NAMES))}")
    return get_app(name)


def login_columns() -> dict[str, str]:
    """App name -> the column its users sign in with (apps whose users sign in by email only are absent)."""
    return {app.name: app.login_columns[0] for app in all_apps() if app.login_columns}


def option_owners() -> dict[str, tuple[str, ...]]:
    """``LEGACY_*`` variable of every app's hash options -> the apps that have it."""
    owners: dict[str, list[str]] = {}
    for app in all_apps():
        for option in app.hash_options:
            owners.setdefault(option.env, []).append(app.name)
    return {env: tuple(apps) for env, apps in owners.items()}


def get_preset(name: str, **options: object) -> AppPreset:
    """The table preset of ``LEGACY_APP=name`` configured with ``options``.

    Parameters
    ----------
    name
        A ``LEGACY_APP`` value (:data:`NAMES`).
    **options
        Preset options named like their variables without ``LEGACY_`` (``email_login`` <- ``LEGACY_EMAIL_LOGIN``),
        Python values or the raw environment text; ``None`` values are ignored.

    Returns
    -------
    AppPreset
        An object building the app's lookup/scan queries, mapping rows and producing its DDL.

    Raises
    ------
    ConfigurationError
        Unknown ``name`` (names ``LEGACY_APP``) or an option the preset does not have or cannot parse.
    """
    cls = _known(name).preset
    return cls(**{key: value for key, value in options.items() if value is not None})


def get_context(app: str, *, dummy_hash: str | None = None, pad_weak: bool = True, **options: Any) -> HashContext:
    """Build the verification context of one legacy app.

    Parameters
    ----------
    app : str
        A ``LEGACY_APP`` value (:data:`NAMES`).
    dummy_hash : str | None
        Override the dummy hash (match the deployment's real cost, e.g. a sample row's hash).
    pad_weak : bool
        Equal work: every :meth:`HashContext.verify` includes one verification of the dummy's cost (see
        :meth:`HashContext.verify`, Notes).
    **options
        The app's hash options (:attr:`App.hash_options`, e.g. Devise ``pepper``, ``generic_scheme``,
        ``symfony_iterations``, ``magento_legacy_rows``); ``None`` means unset.

    Returns
    -------
    HashContext
        A reusable, thread-safe context (create once per cold start).

    Raises
    ------
    ConfigurationError
        Unknown app, an option this app does not have (naming its ``LEGACY_*`` variable) or a bad value, or a
        ``dummy_hash`` that is not a hash of this app's schemes (setting ``dummy_hash``).
    """
    from legacy_auth.hashing.context import HashContext

    entry = _known(app)
    values: dict[str, Any] = {}
    for key, raw in options.items():
        option = entry.option(key)
        if option is None:
            owners = [(a.name, found) for a in all_apps() if (found := a.option(key)) is not None]
            if not owners:
                raise ConfigurationError(key, "not an option of any app")
            raise ConfigurationError(owners[0][1].env, f"only used by LEGACY_APP={', '.join(n for n, _ in owners)}")
        value = option.parse(raw)
        if value is not None and value is not False:
            values[key] = value
    rules, scheme_options = entry.configure(entry.rules, values)
    return HashContext.build(entry.name, rules, scheme_options, dummy_hash=dummy_hash, pad_weak=pad_weak)


def __getattr__(name: str) -> Any:
    """``PRESETS`` (app -> preset class) and ``HASH_RULES`` (app -> :class:`AppRules`), built on first use from
    every app's module: for the CLI, docs and tests; a trigger reads only its own app (:func:`get_app`)."""
    if name == "PRESETS":
        return {app.name: app.preset for app in all_apps()}
    if name == "HASH_RULES":
        return {app.name: app.rules for app in all_apps()}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

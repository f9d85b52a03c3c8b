"""Configuration of the CLI: the trigger's own ``LEGACY_*`` environment, overridden by command-line flags.

Flags are written into a copy of the environment under the variable they stand for, then
:meth:`legacy_auth.migration.config.Settings.from_env` validates everything exactly as it does for the trigger, so a
bad value gives the same ``ConfigurationError`` (naming the variable) in both places.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from legacy_auth.apps import get_context, get_preset
from legacy_auth.db import Database, DbUrl, Deadline
from legacy_auth.errors import ConfigurationError, StoreUnavailableError
from legacy_auth.hashing import HashContext
from legacy_auth.migration import config
from legacy_auth.migration.config import Settings
from legacy_auth.migration.store import discover_columns
from legacy_auth.presets.base import AppPreset
from legacy_auth.presets.sql import validate_prefix
from legacy_auth.presets.table import TablePreset

#: argparse destination -> environment variable it overrides.
FLAG_VARIABLES: dict[str, str] = {
    "app": config.LEGACY_APP,
    "db_url": config.LEGACY_DB_URL,
    "table_prefix": config.LEGACY_TABLE_PREFIX,
    "tracking_table": config.LEGACY_TRACKING_TABLE,
    "pool_sign_in": config.LEGACY_POOL_SIGN_IN,
}


def int_in_range(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse ``type``: an integer from ``low`` to ``high`` (inclusive; no upper bound when ``None``).

    A bad value is a one-line argparse error (exit 2): ``argument --workers: must be an integer >= 1``.
    Shared by every command (``scan --lambda-memory``/``--workers``, ``export --max-rows``/``--max-bytes``...).
    """

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
        if value < low or (high is not None and value > high):
            bounds = f">= {low:,}" if high is None else f"from {low:,} to {high:,}"
            raise argparse.ArgumentTypeError(f"must be an integer {bounds}, not {value:,}")
        return value

    parse.__name__ = "int"
    return parse


def non_negative_float(text: str) -> float:
    """An argparse ``type``: a finite number of seconds >= 0 (``--poll-interval``, ``--wait-timeout``)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid float value: {text!r}") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number >= 0, not {text}")
    return value


def add_legacy_flags(parser: argparse.ArgumentParser) -> None:
    """Add the flags that override ``LEGACY_*`` variables (shared by every command reading the legacy DB)."""
    group = parser.add_argument_group("legacy database (default: the trigger's LEGACY_* environment)")
    group.add_argument("--app", metavar="APP", help=f"LEGACY_APP: {', '.join(config.APPS)}")
    group.add_argument("--db-url", metavar="URL",
                       help="LEGACY_DB_URL, e.g. mysql://user@host/db (prefer the variable: flags show in ps)")
    group.add_argument("--table-prefix", metavar="PREFIX", help="LEGACY_TABLE_PREFIX (default: the app's own)")
    group.add_argument("--tracking-table", metavar="TABLE", help="LEGACY_TRACKING_TABLE")
    group.add_argument("--pool-sign-in", choices=("username", "email"),
                       help="LEGACY_POOL_SIGN_IN: the pool signs in by username (aliases) or email")


def settings_from(args: argparse.Namespace, environ: Mapping[str, str]) -> Settings:
    """Validated settings: ``environ`` with the flags given in ``args`` written over it.

    Raises
    ------
    ConfigurationError
        A variable (or the flag standing for it) is missing or invalid.
    """
    env = dict(environ)
    for dest, variable in FLAG_VARIABLES.items():
        value = getattr(args, dest, None)
        if value is not None:
            env[variable] = str(value)
    return Settings.from_env(env)


@dataclass(frozen=True, slots=True)
class Legacy:
    """Everything a command needs to read the legacy users table."""

    settings: Settings
    db: Database
    preset: AppPreset
    prefix: str

    @property
    def table(self) -> str:
        """The users table name (validated identifier, unquoted).

        Raises
        ------
        ConfigurationError
            The app has no table to scan (``LEGACY_APP=generic`` in query mode).
        """
        return self.preset.table(self.prefix)

    def describe(self) -> str:
        """The table name, or ``"(LEGACY_GENERIC_USER_QUERY)"`` in generic query mode (for display)."""
        try:
            return self.table
        except ConfigurationError:
            return "(LEGACY_GENERIC_USER_QUERY)"


def preset_and_prefix(settings: Settings) -> tuple[AppPreset, str]:
    """The app preset and the validated table prefix (``LEGACY_TABLE_PREFIX`` or the app's default).

    Raises
    ------
    ConfigurationError
        Unknown preset option or bad prefix.
    """
    preset = get_preset(settings.app, **settings.preset_kwargs())
    prefix = preset.default_prefix if settings.table_prefix is None else settings.table_prefix
    validate_prefix(prefix)  # a bad prefix is a configuration error now, not a SQL error later
    return preset, prefix


def expected_table(args: argparse.Namespace, environ: Mapping[str, str]) -> str | None:
    """What a failed SQL statement most likely means, naming the users table the configuration points at.

    Used by the CLI's error line for ``db_statement`` (a missing table, usually a wrong prefix). ``None``
    when the configuration cannot say (it is then invalid, and that error came first).
    """
    try:
        settings = settings_from(args, environ)
        preset, prefix = preset_and_prefix(settings)
    except ConfigurationError:
        return None
    try:
        table = preset.table(prefix)
    except ConfigurationError:  # generic query mode: no table of our own
        return "check LEGACY_GENERIC_USER_QUERY and the columns it returns"
    return (f"expected the {settings.app} users table {table!r} (LEGACY_TABLE_PREFIX={prefix!r}): "
            "check the prefix (--table-prefix) and that the table exists")


def expected_columns(args: argparse.Namespace, environ: Mapping[str, str]) -> str | None:
    """What a missing column most likely means: the preset options that make the app read optional columns
    (``LEGACY_MULTISITE=true`` reads WordPress's ``spam``/``deleted``), else a table that is not the app's."""
    try:
        settings = settings_from(args, environ)
        preset, prefix = preset_and_prefix(settings)
        table = preset.table(prefix)
    except ConfigurationError:
        return "check LEGACY_GENERIC_USER_QUERY and the columns it returns"
    options = ", ".join(f"LEGACY_{key.upper()}={value}" for key, value in sorted(settings.preset_kwargs().items()))
    if options:
        return (f"the {settings.app} users table {table!r} lacks a column that {options} needs: unset the option "
                "or check the table (docs/presets.md lists the columns)")
    return (f"{table!r} lacks a column of the {settings.app} users table: check LEGACY_APP and the table "
            "(docs/presets.md lists the columns)")


def require_sqlite_file(url: DbUrl | None) -> None:
    """A SQLite file that does not exist is an unknown database (``sqlite3.connect`` would create it empty).

    Raises
    ------
    StoreUnavailableError
        ``reason`` ``db_unavailable``, ``cause`` ``unknown_database``, ``database`` the path.
    """
    if url is None or url.dialect != "sqlite" or url.database in ("", ":memory:") or Path(url.database).is_file():
        return
    err = StoreUnavailableError("the SQLite file does not exist")
    for name, value in {"reason": "db_unavailable", "kind": "connection", "dialect": "sqlite",
                        "driver_error": "none", "cause": "unknown_database", "host": "", "port": 0,
                        "database": url.database}.items():
        setattr(err, name, value)
    raise err


def _statement_error(cause: str, table: str) -> StoreUnavailableError:
    err = StoreUnavailableError(f"SQLite table {table!r}: {cause}")
    for name, value in {"reason": "db_statement", "kind": "statement", "dialect": "sqlite", "driver_error": "none",
                        "cause": cause}.items():
        setattr(err, name, value)
    return err


def check_sqlite_columns(db: Database, preset: AppPreset, prefix: str, deadline: Deadline) -> None:
    """On SQLite, that the users table has every column the preset reads, before any query runs.

    SQLite takes a double-quoted identifier that names no column for a string literal (its documented
    "double-quoted string literal" compatibility quirk, https://sqlite.org/quirks.html#dblquote), so a column a
    preset option needs (``LEGACY_MULTISITE``'s ``spam``) would silently compare a constant instead of
    failing: the scan would count zero rows. ``pragma_table_info`` tells instead.

    Raises
    ------
    StoreUnavailableError
        ``reason`` ``db_statement`` with ``cause`` ``missing_table`` or ``missing_column``.
    """
    if not isinstance(preset, TablePreset):
        return
    try:
        table = preset.table(prefix)
    except ConfigurationError:  # generic query mode: the query names its own tables
        return
    rows = db.fetch_all("SELECT name FROM pragma_table_info(%s)", (table,), deadline=deadline)
    if not rows:
        raise _statement_error("missing_table", table)
    have = {str(r["name"]).lower() for r in rows}
    if any(c.lower() not in have for c in preset.selected_columns()):
        raise _statement_error("missing_column", table)


def open_legacy(settings: Settings) -> Legacy:
    """The legacy database, the app preset and the table prefix.

    Nothing connects yet, except for a preset that must first discover its table's optional columns (Devise's
    Confirmable/Lockable columns while ``LEGACY_CONFIRMABLE``/``LEGACY_LOCKABLE`` are unset): that probe runs
    here, as the trigger runs it before its first lookup, so the CLI reads the same account states.

    Raises
    ------
    ConfigurationError
        Unknown preset option or bad prefix.
    StoreError
        The column probe could not reach the database.
    """
    preset, prefix = preset_and_prefix(settings)
    require_sqlite_file(settings.db_url)
    db = Database(settings.db_url, options=settings.db_options, dbname=settings.db_name, idle_timeout_s=120.0)
    deadline = Deadline.after(30)
    dialect = db.resolve_dialect(deadline=deadline)
    discover_columns(db, preset, prefix, dialect=dialect, deadline=deadline)
    if dialect == "sqlite":
        check_sqlite_columns(db, preset, prefix, deadline)
    return Legacy(settings=settings, db=db, preset=preset, prefix=prefix)


def hash_context(settings: Settings) -> HashContext:
    """The app's verification context, configured as the trigger configures it."""
    return get_context(settings.app, **settings.hashing_options())

"""``TablePreset``: the shared implementation of :class:`~legacy_auth.presets.base.AppPreset`.

An app preset subclasses it and declares its real table (columns, indexes, collation), the columns it
reads, its login rule (:meth:`TablePreset.lookups`) and its row mapping (:meth:`TablePreset.read`). Query
building, identifier checks, option parsing and error conversion live here once.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, ClassVar

from legacy_auth.env import parse_bool
from legacy_auth.errors import ConfigurationError, CorruptRowError, LegacyAuthError
from legacy_auth.model import AccountState, LegacyUser
from legacy_auth.presets.base import Dialect, Query
from legacy_auth.presets.sql import (
    Column,
    Index,
    Lookup,
    check_dialect,
    create_table,
    quote,
    usable_login,
    validate_identifier,
    validate_prefix,
)
from legacy_auth.presets.values import RowReader

OptionValue = bool | int | str | None

# Precedence when a row has several reasons to be refused (the first one found is reported).
STATE_ORDER = (
    AccountState.SYSTEM,
    AccountState.DELETED,
    AccountState.SPAM,
    AccountState.BLOCKED,
    AccountState.LOCKED,
    AccountState.INACTIVE,
    AccountState.UNCONFIRMED,
    AccountState.UNAPPROVED,
)


def option_setting(option: str) -> str:
    """The environment variable documented for a preset option (``email_login`` -> ``LEGACY_EMAIL_LOGIN``)."""
    return f"LEGACY_{option.upper()}"


def parse_option(option: str, kind: type, value: object) -> OptionValue:
    """Coerce an option value (Python value or environment text) to ``kind``; ``ConfigurationError`` if bad."""
    if value is None:
        return None
    if kind is bool:
        if isinstance(value, bool):
            return value
        return parse_bool(option_setting(option), str(value))  # blank: None, the preset's default
    if kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value.strip())
        raise ConfigurationError(option_setting(option), "must be an integer")
    if not isinstance(value, str):
        raise ConfigurationError(option_setting(option), "must be text")
    return value


def pick_state(states: list[AccountState]) -> AccountState:
    """The most significant refusal among ``states`` (see ``STATE_ORDER``), or ``ACTIVE``."""
    for state in STATE_ORDER:
        if state in states:
            return state
    return AccountState.ACTIVE


class TablePreset:
    """Base class for presets reading one real users table. Subclasses set the class attributes below."""

    name: str = ""
    default_prefix: str = ""
    base_table: ClassVar[str] = "users"
    primary_key: ClassVar[str] = "id"  # scan order and legacy_id
    pk_columns: ClassVar[tuple[str, ...]] = ()  # composite PRIMARY KEY for the DDL (default: primary_key)
    columns: ClassVar[tuple[Column, ...]] = ()
    indexes: ClassVar[tuple[Index, ...]] = ()
    mysql_collation: ClassVar[str] = "utf8mb4_general_ci"
    read_columns: ClassVar[tuple[str, ...]] = ()
    # the admin CLI may scan in primary-key ranges of this one table (False: the scan query joins other tables)
    partitionable: ClassVar[bool] = True
    # option name -> (type, default); env var LEGACY_<NAME>
    OPTIONS: ClassVar[dict[str, tuple[type, OptionValue]]] = {}

    def __init__(self, **options: object) -> None:
        values: dict[str, OptionValue] = {key: default for key, (_, default) in self.OPTIONS.items()}
        for key, raw in options.items():
            if key not in self.OPTIONS:
                raise ConfigurationError(option_setting(key), f"is not an option of LEGACY_APP={self.name}")
            parsed = parse_option(key, self.OPTIONS[key][0], raw)
            if parsed is not None:
                values[key] = parsed
        self.options = values
        # (lookup, prefix, dialect) -> (sql, extra params): options are fixed after __init__, so the SQL for a
        # given lookup never changes; caching keeps the warm hot path to a dict lookup (bounded size).
        self._statements: dict[tuple[Lookup, str, str], tuple[str, tuple[Any, ...]]] = {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"

    # ------------------------------------------------------------ options

    def opt_bool(self, key: str) -> bool:
        """A boolean option's value."""
        return bool(self.options.get(key))

    # ------------------------------------------------------------ schema

    def table(self, prefix: str) -> str:
        """The users table name for ``prefix`` (validated identifier, unquoted; queries quote it)."""
        return validate_identifier(validate_prefix(prefix) + self.base_name(), "LEGACY_TABLE_PREFIX")

    def base_name(self) -> str:
        """The table name without prefix (subclasses with option-dependent tables override it)."""
        return self.base_table

    def selected_columns(self) -> tuple[str, ...]:
        """The columns every query reads (subclasses add option-dependent ones)."""
        return self.read_columns

    def select_list(self, dialect: Dialect) -> str:
        """The quoted column list every query reads."""
        return ", ".join(quote(c, dialect) for c in self.selected_columns())

    def all_columns(self) -> tuple[Column, ...]:
        """The table's columns for :meth:`ddl` (subclasses add option-dependent columns)."""
        return self.columns

    def index_list(self) -> tuple[Index, ...]:
        """The table's indexes for :meth:`ddl` (subclasses with variants override it)."""
        return self.indexes

    def lower_index_columns(self) -> tuple[str, ...]:
        """Columns looked up case-insensitively (PostgreSQL gets ``lower(col)`` indexes for them)."""
        return ()

    def ddl(self, *, prefix: str, dialect: Dialect) -> list[str]:
        """CREATE TABLE (+ indexes) reproducing the app's real users table for ``dialect``."""
        return create_table(
            self.table(prefix),
            self.all_columns(),
            primary_key=self.pk_columns or (self.primary_key,),
            indexes=self.index_list(),
            dialect=check_dialect(dialect),
            mysql_collation=self.mysql_collation,
            lower_indexes=self.lower_index_columns(),
        )

    # ------------------------------------------------------------ table discovery

    def columns_probe(self, *, prefix: str, dialect: Dialect) -> Query | None:
        """A query listing the table's columns when the preset must discover optional columns before its
        first lookup (Devise modules), else ``None``; the store runs it once and calls :meth:`use_columns`."""
        return None

    def use_columns(self, names: Collection[str]) -> None:
        """Take the column names found by :meth:`columns_probe` into account (no-op by default)."""

    # ------------------------------------------------------------ queries

    def lookups(self, login: str) -> list[tuple[Lookup, str]]:
        """The app's login rule: (lookup, value to bind) pairs in the order the app tries them."""
        raise NotImplementedError

    def filters(self, dialect: Dialect) -> tuple[list[str], tuple[Any, ...]]:
        """Extra WHERE conditions for every query (e.g. Drupal 8 ``default_langcode = 1``)."""
        return [], ()

    def find_queries(self, login: str, *, prefix: str, dialect: Dialect) -> list[Query]:
        """Queries to try in order for what the user typed; ``[]`` if the login cannot exist."""
        if not isinstance(login, str) or usable_login(login, 10_000) is None:
            self.statement(Lookup(self.primary_key, 1), prefix, dialect)  # still validate prefix and dialect
            return []
        queries = []
        for lookup, value in self.lookups(login):
            bound = usable_login(value, lookup.max_length)
            steps = lookup.steps(check_dialect(dialect))  # off MySQL, "ci" = exact first, then lower()
            for step in steps:
                sql, extra_params = self.statement(step, prefix, dialect)
                if bound is not None:
                    # a lower() fallback step scans the table: run it for known logins too (Query.uniform)
                    uniform = lookup.uniform or (len(steps) > 1 and step.match == "lower")
                    queries.append(Query(sql, (bound, *extra_params), uniform=uniform))
        return queries

    def statement(self, lookup: Lookup, prefix: str, dialect: Dialect) -> tuple[str, tuple[Any, ...]]:
        """The SELECT for one lookup (validated and cached) and the filter parameters that follow the login.

        Options are fixed after ``__init__``, so the SQL of a lookup never changes: built once by
        :meth:`build_statement` (what an app with more than one table overrides), then a dict lookup.
        """
        key = (lookup, prefix, dialect)
        cached = self._statements.get(key)
        if cached is not None:
            return cached
        built = self.build_statement(lookup, prefix, check_dialect(dialect))
        if len(self._statements) < 64:
            self._statements[key] = built
        return built

    def build_statement(self, lookup: Lookup, prefix: str, dialect: Dialect) -> tuple[str, tuple[Any, ...]]:
        """The SELECT for one lookup and its filter parameters, uncached (:meth:`statement` caches it)."""
        table = quote(self.table(prefix), dialect)
        extra_sql, extra_params = self.filters(dialect)
        where = " AND ".join([lookup.condition(dialect), *extra_sql])
        # identifiers are validated and quoted; the login is a %s parameter
        return f"SELECT {self.select_list(dialect)} FROM {table} WHERE {where} LIMIT 2", extra_params  # noqa: S608

    def scan_query(self, *, prefix: str, dialect: Dialect, between: tuple[int, int] | None = None) -> Query:
        """All rows in primary-key order, same columns as the lookups; ``between=(lo, hi)``: only
        ``lo <= primary key <= hi`` (the admin CLI's range workers)."""
        dialect = check_dialect(dialect)
        table = quote(self.table(prefix), dialect)
        extra_sql, extra_params = self.filters(dialect)
        order = quote(self.primary_key, dialect)
        if between is not None:
            extra_sql, extra_params = [*extra_sql, f"{order} BETWEEN %s AND %s"], (*extra_params, *between)
        where = f" WHERE {' AND '.join(extra_sql)}" if extra_sql else ""
        sql = f"SELECT {self.select_list(dialect)} FROM {table}{where} ORDER BY {order}"  # noqa: S608
        return Query(sql, extra_params)

    # ------------------------------------------------------------ rows

    def read(self, row: RowReader) -> LegacyUser:
        """Map one row; subclasses implement the app's columns and states."""
        raise NotImplementedError

    def to_user(self, row: Mapping[str, Any]) -> LegacyUser:
        """Normalise one driver row; a broken row raises ``CorruptRowError`` (never KeyError/TypeError)."""
        try:
            return self.read(RowReader(self.name, row))
        except LegacyAuthError:
            raise
        except (TypeError, ValueError, AttributeError, KeyError, IndexError, OverflowError) as exc:
            raise CorruptRowError(self.name, "*", f"unreadable ({type(exc).__name__})") from None

    @staticmethod
    def finish_state(states: list[AccountState], has_password: bool) -> AccountState:
        """The row's state: the app's refusals first, then ``SSO_ONLY`` when there is nothing to verify."""
        state = pick_state(states)
        if state is AccountState.ACTIVE and not has_password:
            return AccountState.SSO_ONLY
        return state

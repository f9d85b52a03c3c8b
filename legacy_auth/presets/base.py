"""What an app preset must provide: how to find, scan and read one legacy app's users table.

A preset knows the app's **real** schema (table and column names, collation rules, account-state columns);
the store (``legacy_auth.migration.store``) runs the queries it builds through ``legacy_auth.db`` and the migration
logic never sees SQL.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from legacy_auth.model import Dialect as Dialect  # re-exported
from legacy_auth.model import LegacyUser


@dataclass(frozen=True, slots=True)
class Query:
    """A parameterised statement. Placeholders are ``%s`` for every dialect (the db layer adapts sqlite).

    ``uniform``: a lookup step that cannot use an index (``lower(col) = lower(%s)`` without an expression
    index): the store runs it even when an earlier step already found the user, so the time a lookup takes
    does not tell a known login from an unknown one (an unknown login always reaches it).
    """

    sql: str
    params: tuple[Any, ...] = ()
    uniform: bool = False


class AppPreset(Protocol):
    """One legacy application's users table."""

    name: str  # the LEGACY_APP value
    default_prefix: str  # e.g. "qa_", "wp_", "phpbb_", "" (Django)

    def table(self, prefix: str) -> str:
        """Quoted-safe users table name for ``prefix`` (identifier already validated)."""
        ...

    def find_queries(self, login: str, *, prefix: str, dialect: Dialect) -> list[Query]:
        """Queries to try in order for what the user typed (username or email, per the app's own rules).

        The first query that returns rows decides; each returns at most 2 rows so the store can refuse an
        ambiguous login (e.g. an email shared by several q2a rows). An empty list means the login cannot
        exist in this app (too long, invalid characters): treated as an unknown user.
        """
        ...

    def scan_query(self, *, prefix: str, dialect: Dialect) -> Query:
        """All rows, in primary-key order, for the admin CLI's streaming scan."""
        ...

    def to_user(self, row: Mapping[str, Any]) -> LegacyUser:
        """Normalise one row (column name -> value, as the DB driver returns it)."""
        ...

    def columns_probe(self, *, prefix: str, dialect: Dialect) -> Query | None:
        """A query listing the table's column names (``name``) to run once before the first lookup, when the
        preset detects optional columns (Devise Confirmable / Lockable); ``None`` when nothing is to detect."""
        ...

    def use_columns(self, names: Collection[str]) -> None:
        """The column names the probe found."""
        ...

    def ddl(self, *, prefix: str, dialect: Dialect) -> list[str]:
        """CREATE TABLE statements reproducing the app's real users table (tests, local stack, docs)."""
        ...

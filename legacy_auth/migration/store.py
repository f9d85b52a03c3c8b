"""Finding a legacy user: the ``LegacyUserStore`` protocol and its SQL implementation.

The SQL store runs the app preset's ``find_queries`` through :mod:`legacy_auth.db` (parameterised, ``%s``)
and refuses an ambiguous login (several rows for one email/handle, as q2a does) with ``AmbiguousUserError``.
Everything it does, including reading the database secret on a cold start (to learn the dialect) and a
preset's one-time column probe (Devise modules), is bounded by the caller's deadline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from legacy_auth.db import Database, Deadline
from legacy_auth.db.driver import Row
from legacy_auth.db.failures import unrepresentable
from legacy_auth.errors import AmbiguousUserError, StoreError
from legacy_auth.model import LegacyUser

if TYPE_CHECKING:  # importing legacy_auth.presets loads every app's preset: the handler does it only for one
    from legacy_auth.presets.base import AppPreset, Dialect


class LegacyUserStore(Protocol):
    """Where legacy users are looked up."""

    def find_by_login(self, login: str, *, deadline: Deadline) -> LegacyUser | None:
        """The one user the app's own login rule finds for ``login``, or ``None``.

        Raises
        ------
        AmbiguousUserError
            More than one row matches.
        StoreTimeoutError, StoreUnavailableError
            The database did not answer in time / at all.
        CorruptRowError
            The row cannot be read.
        """
        ...


class SqlUserStore:
    """A :class:`LegacyUserStore` over one legacy database and one app preset.

    Parameters
    ----------
    db:
        The legacy database (module-scope :class:`~legacy_auth.db.Database`).
    preset:
        The app preset (``legacy_auth.presets.get_preset``).
    prefix:
        Table prefix; the preset's ``default_prefix`` when ``None``.
    """

    def __init__(self, db: Database, preset: AppPreset, prefix: str | None = None) -> None:
        self.db = db
        self.preset = preset
        self.prefix = preset.default_prefix if prefix is None else prefix

    def find_by_login(self, login: str, *, deadline: Deadline) -> LegacyUser | None:
        """Run the preset's queries in order; the first that returns rows decides (see the protocol)."""
        dialect = self.db.resolve_dialect(deadline=deadline)  # a cold-start secret read, bounded
        self._discover(dialect, deadline)
        found: Row | None = None
        ambiguous = False
        for query in self.preset.find_queries(login, prefix=self.prefix, dialect=dialect):
            if (found is not None or ambiguous) and not query.uniform:
                continue  # decided; only the unindexed steps still run, so timing does not tell known from unknown
            try:
                rows = self.db.fetch_all(query.sql, query.params, deadline=deadline)
            except StoreError as exc:
                if dialect == "mysql" and unrepresentable(exc, login):
                    continue  # a utf8mb3 column cannot hold this login: no row can match it (not a DB failure)
                raise
            if found is None and not ambiguous:
                ambiguous = len(rows) > 1
                found = rows[0] if len(rows) == 1 else None
        if ambiguous:
            raise AmbiguousUserError("several legacy rows match this login")
        return None if found is None else self.preset.to_user(found)

    def _discover(self, dialect: Dialect, deadline: Deadline) -> None:
        """Run the preset's column probe once (``None`` afterwards: a dict lookup on the warm path)."""
        discover_columns(self.db, self.preset, self.prefix, dialect=dialect, deadline=deadline)


def discover_columns(db: Database, preset: AppPreset, prefix: str, *, dialect: Dialect, deadline: Deadline) -> None:
    """Let ``preset`` see its table's optional columns (Devise modules) when it asks to; a no-op otherwise.

    Shared by the trigger's store and the admin CLI, so both read the same account states.
    """
    probe = preset.columns_probe(prefix=prefix, dialect=dialect)
    if probe is not None:
        rows = db.fetch_all(probe.sql, probe.params, deadline=deadline)
        preset.use_columns([str(row["name"]) for row in rows if row.get("name")])

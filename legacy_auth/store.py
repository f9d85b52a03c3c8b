"""Finding a legacy user: the ``LegacyUserStore`` protocol and its SQL implementation.

The SQL store runs the app preset's ``find_queries`` through :mod:`legacy_auth.db` (parameterised, ``%s``)
and refuses an ambiguous login (several rows for one email/handle, as q2a does) with ``AmbiguousUserError``.
Everything it does, including reading the database secret on a cold start (to learn the dialect) and a
preset's one-time column probe (Devise modules), is bounded by the caller's deadline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from legacy_auth.db import Database, Deadline
from legacy_auth.errors import AmbiguousUserError
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
        for query in self.preset.find_queries(login, prefix=self.prefix, dialect=dialect):
            rows = self.db.fetch_all(query.sql, query.params, deadline=deadline)
            if len(rows) > 1:
                raise AmbiguousUserError("several legacy rows match this login")
            if rows:
                return self.preset.to_user(rows[0])
        return None

    def _discover(self, dialect: Dialect, deadline: Deadline) -> None:
        """Run the preset's column probe once (``None`` afterwards: a dict lookup on the warm path)."""
        probe = self.preset.columns_probe(prefix=self.prefix, dialect=dialect)
        if probe is not None:
            rows = self.db.fetch_all(probe.sql, probe.params, deadline=deadline)
            self.preset.use_columns([str(row["name"]) for row in rows if row.get("name")])

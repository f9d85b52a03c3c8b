"""Is there a not-yet-migrated legacy user for this login? The pre-signup guard's one question.

The lookup is the migration's own: the app preset's ``find_queries`` (same columns, trimming, case and
collation rules, same "email when it contains @" dispatch) run through ``legacy_auth.db``.

How "not migrated" is known
---------------------------
- **Tracking on** (``LEGACY_TRACK_MIGRATION``): a legacy row matches and the tracking table has no
  completed migration for its ``legacy_id``. A migrated user signing up again is then left to Cognito
  (the username exists, or the email alias belongs to the migrated user).
- **Tracking off**: the legacy row's existence is the answer. A migrated user is refused too, which is
  what the user needs to hear anyway (the account exists: sign in or reset).

Rows in state ``deleted`` or ``system`` (soft-deleted accounts, anonymous/bot rows) do not hold their
login: they never block a sign-up. A row that cannot be read (corrupt) counts as a match: the identity
exists and must not be taken over. Several matching rows (a shared email) are a match as well.

Every query of the preset's login rule runs until one finds a row that blocks: rows that do not block (a
deleted account matched on the handle) never end the look-up early, so an active owner matched by a later
query (on the email) is still found.

A login the legacy column cannot hold is "no match", not "unavailable": MySQL/MariaDB refuse to compare a
value with characters outside the Basic Multilingual Plane (an emoji) with a ``utf8mb3`` column (error 1267
"Illegal mix of collations", or 1270/1271/1366); no row can equal such a value, so that query is skipped.
Any other statement error still fails closed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from legacy_auth.db.database import Database
from legacy_auth.db.failures import unrepresentable
from legacy_auth.deadline import Deadline
from legacy_auth.errors import CorruptRowError, HashError, StoreError
from legacy_auth.model import AccountState
from legacy_auth.presets.base import AppPreset

#: ``is_migrated(legacy_id, deadline) -> bool`` from the tracking table, or None when tracking is off.
MigratedCheck = Callable[[str, Deadline], bool]
FREE_STATES = frozenset({AccountState.DELETED, AccountState.SYSTEM})
MAX_LOGIN = 320  # longer than any legacy login column: cannot match


@dataclass(frozen=True, slots=True)
class LegacyGuard:
    """The legacy side of the sign-up guard.

    Attributes
    ----------
    db : Database
        The legacy database.
    preset : AppPreset
        The app preset (lookup and case rules).
    prefix : str
        Table prefix (the preset's default unless configured).
    is_migrated : MigratedCheck or None
        Tracking-table check; None when tracking is off.
    """

    db: Database
    preset: AppPreset
    prefix: str
    is_migrated: MigratedCheck | None = None

    def matcher(self, deadline: Deadline) -> Callable[[str], bool]:
        """A ``legacy_match(login)`` for :func:`legacy_auth.hooks.signup_policy.decide`, bound to ``deadline``."""
        return lambda login: self.unmigrated(login, deadline=deadline)

    def unmigrated(self, login: str, *, deadline: Deadline) -> bool:
        """True when ``login`` belongs to a legacy user who has not migrated yet.

        Parameters
        ----------
        login : str
            A username or email as typed at sign-up.
        deadline : Deadline
            Bound on every query.

        Returns
        -------
        bool
            See the module docstring for the rules.

        Raises
        ------
        StoreError
            The legacy database (or tracking table) could not answer: the caller fails closed.
        """
        if not login or len(login) > MAX_LOGIN:
            return False
        dialect = self.db.resolve_dialect(deadline=deadline)  # a cold-start secret read, bounded
        free: set[str] = set()  # legacy ids already found not to block (a later step may return them again)
        for query in self.preset.find_queries(login, prefix=self.prefix, dialect=dialect):
            try:
                rows = self.db.fetch_all(query.sql, query.params, deadline=deadline)
            except StoreError as exc:
                if dialect == "mysql" and unrepresentable(exc, login):
                    continue  # a utf8mb3 column cannot hold this login: no row can match it
                raise
            if any(self._holds(row, deadline, free) for row in rows):
                return True
        return False

    def _holds(self, row: dict[str, object], deadline: Deadline, free: set[str]) -> bool:
        try:
            user = self.preset.to_user(row)
        except (CorruptRowError, HashError):
            return True  # unreadable, but the identity exists: never let a sign-up take it over
        if user.legacy_id in free:
            return False
        if user.state in FREE_STATES:
            free.add(user.legacy_id)
            return False
        if self.is_migrated is None:
            return True
        if self.is_migrated(user.legacy_id, deadline):
            free.add(user.legacy_id)
            return False
        return True


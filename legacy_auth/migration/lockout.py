"""Guessing bound for legacy users not yet in the user pool (``LEGACY_LOCKOUT_MAX_FAILURES``).

Cognito's own lockout protects users that exist in the pool; a user still only in the legacy database reaches
the migrate-user trigger on every attempt. :class:`GuessLimiter` bounds those attempts **per legacy account**
(the legacy primary key, so every spelling of one account shares one counter): each attempt reserves one slot
in a fixed window *before* the password is verified, with one atomic upsert; attempts beyond
``max_failures`` in the window are refused without verifying (the trigger spends an equal-cost dummy
verification instead) until the window has passed; a successful sign-in deletes the row.

- **Atomic**: one ``INSERT ... ON CONFLICT DO UPDATE`` / ``ON DUPLICATE KEY UPDATE`` computes the new count
  from the stored one (no read-modify-write in Python), then the count is read back in the same transaction
  (the upsert holds the row's write lock until commit on MySQL and PostgreSQL; SQLite takes the database
  write lock with ``BEGIN IMMEDIATE``). Concurrent attempts on one account are counted exactly.
- **Cognito retries count once**: Cognito retries a failed or timed-out invocation (up to 3 times) with the
  same event. The row keeps a fingerprint of the last attempt: HMAC-SHA256 of (account, password) under a
  key that is never stored in the database (``LEGACY_LOCKOUT_KEY``, or a random per-environment key),
  truncated to 64 bits. An attempt with the same fingerprint within :data:`RETRY_WINDOW_S` is the same
  sign-in and is not counted again. Neither the password nor a plain hash of it is stored; without the key
  the fingerprint cannot be tested against guesses. Repeating one wrong password quickly is not counted
  twice, which tells an attacker nothing new (the same guess).
- **Same statements for every answer**: a login that matches no account (or several) reserves a slot in one
  of :data:`DUMMY_ROWS` ``d:NN`` rows, so unknown users cost the same queries as known ones.
- **Unavailable table**: ``on_db_error="closed"`` (default) refuses the sign-in with
  :class:`~legacy_auth.errors.LockoutUnavailableError` (counted as a system failure); ``"open"`` verifies
  anyway and reports the failure to ``on_unavailable`` (the trigger logs it and emits ``LockoutUnavailable``).

DDL: ``legacy_auth/sql/guess_lockout.<dialect>.sql`` (:func:`ddl`).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from legacy_auth.db import Database, Deadline, Dialect, Transaction
from legacy_auth.errors import ConfigurationError, LockoutUnavailableError, StoreError

DEFAULT_TABLE = "legacy_auth_lockouts"
#: Attempts with the same fingerprint this close together are one sign-in (Cognito's retries come within
#: seconds: the trigger must answer within 5 s and is retried at most 3 times).
RETRY_WINDOW_S = 30
#: Rows ``d:00`` .. ``d:15`` take the writes of logins that match no account (spread to avoid one hot row).
DUMMY_ROWS = 16
OnDbError = Literal["closed", "open"]
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")
_TABLE_SETTING = "LEGACY_LOCKOUT_TABLE"


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    """How many attempts per window, and what to do when the table cannot be used.

    Attributes
    ----------
    max_failures:
        Attempts verified per account and window (``LEGACY_LOCKOUT_MAX_FAILURES``); the next ones are refused.
    window_s:
        Window length in seconds (``LEGACY_LOCKOUT_WINDOW_SECONDS``), from the first attempt counted in it.
    on_db_error:
        ``closed`` (refuse) or ``open`` (verify without the bound) (``LEGACY_LOCKOUT_ON_DB_ERROR``).
    table:
        ``LEGACY_LOCKOUT_TABLE`` (validated identifier).
    """

    max_failures: int = 5
    window_s: int = 900
    on_db_error: OnDbError = "closed"
    table: str = DEFAULT_TABLE

    def __post_init__(self) -> None:
        if not _IDENTIFIER.fullmatch(self.table):
            raise ConfigurationError(_TABLE_SETTING, "must match ^[A-Za-z_][A-Za-z0-9_$]*$")


def _q(name: str, dialect: Dialect) -> str:
    return f"`{name}`" if dialect == "mysql" else f'"{name}"'


def ddl(dialect: Dialect, table: str = DEFAULT_TABLE) -> list[str]:
    """The documented CREATE statement(s) for ``dialect`` (from the packaged SQL file), for table ``table``.

    Raises
    ------
    ConfigurationError
        ``table`` is not a plain identifier (``LEGACY_LOCKOUT_TABLE``).
    """
    from importlib import resources  # admin path only: keeps the trigger's cold import light

    if not _IDENTIFIER.fullmatch(table):
        raise ConfigurationError(_TABLE_SETTING, "must match ^[A-Za-z_][A-Za-z0-9_$]*$")
    text = resources.files("legacy_auth").joinpath(f"sql/guess_lockout.{dialect}.sql").read_text("utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    body = body.replace(DEFAULT_TABLE, table)
    return [stmt.strip() for stmt in body.split(";") if stmt.strip()]


def reserve_sql(dialect: Dialect, table: str) -> str:
    """The one-statement reservation upsert.

    Placeholders: account, now, fingerprint, now (insert); window_ended_before, retry_since,
    window_ended_before (update). A row whose window started at or before ``window_ended_before`` starts a
    new window at 1; the same fingerprint seen after ``retry_since`` keeps the count; anything else adds 1.
    """
    t = _q(table, dialect)
    insert = (
        f"INSERT INTO {t} (account, attempts, window_start, fingerprint, seen_at) "  # noqa: S608 - validated
        "VALUES (%s, 1, %s, %s, %s)"
    )
    if dialect == "mysql":  # assignments run left to right: attempts and window_start read the old values
        return (
            f"{insert} ON DUPLICATE KEY UPDATE "
            "attempts = CASE WHEN window_start <= %s THEN 1 "
            "WHEN fingerprint = VALUES(fingerprint) AND seen_at > %s THEN attempts ELSE attempts + 1 END, "
            "window_start = CASE WHEN window_start <= %s THEN VALUES(window_start) ELSE window_start END, "
            "fingerprint = VALUES(fingerprint), seen_at = VALUES(seen_at)"
        )
    return (
        f"{insert} ON CONFLICT (account) DO UPDATE SET "
        f"attempts = CASE WHEN {t}.window_start <= %s THEN 1 "
        f"WHEN {t}.fingerprint = EXCLUDED.fingerprint AND {t}.seen_at > %s THEN {t}.attempts "
        f"ELSE {t}.attempts + 1 END, "
        f"window_start = CASE WHEN {t}.window_start <= %s THEN EXCLUDED.window_start ELSE {t}.window_start END, "
        "fingerprint = EXCLUDED.fingerprint, seen_at = EXCLUDED.seen_at"
    )


class GuessLimiter:
    """The per-account attempt counter of one database (see the module docstring).

    Parameters
    ----------
    db:
        The tracking database (the legacy database, as :class:`~legacy_auth.migration.tracking.MigrationTracker`).
    policy:
        Limits and the unavailable-table choice.
    key:
        Fingerprint key (``LEGACY_LOCKOUT_KEY``); ``None``: 32 random bytes for this environment (then a
        retry served by another execution environment is counted again: the safe direction).
    clock:
        Epoch seconds (tests inject one).
    on_unavailable:
        Called with the error when the table fails and ``on_db_error="open"``.
    """

    def __init__(self, db: Database, policy: LockoutPolicy, *, key: bytes | None = None,
                 clock: Callable[[], float] = time.time,
                 on_unavailable: Callable[[StoreError], None] | None = None) -> None:
        self.db = db
        self.policy = policy
        self._key = key if key else os.urandom(32)
        self.clock = clock  # public: tests (and the admin CLI) may inject one
        self._on_unavailable = on_unavailable
        self._sql: dict[tuple[str, Dialect], str] = {}

    def admit(self, legacy_id: str | None, password: str, *, deadline: Deadline) -> bool:
        """Reserve one attempt for ``legacy_id``; ``False`` when the account is over its bound.

        ``legacy_id=None`` (no single account matches) runs the same statements on a dummy row and admits.

        Raises
        ------
        LockoutUnavailableError
            The table could not be used and ``on_db_error="closed"``.
        """
        fingerprint = self._fingerprint(legacy_id, password)
        account = f"u:{legacy_id}" if legacy_id is not None else f"d:{int(fingerprint[:4], 16) % DUMMY_ROWS:02d}"
        now = int(self.clock())
        params = (account, now, fingerprint, now, now - self.policy.window_s, now - RETRY_WINDOW_S,
                  now - self.policy.window_s)
        try:
            attempts = self.db.transaction(lambda tx: self._reserve(tx, params), deadline=deadline)
        except StoreError as exc:
            if self.policy.on_db_error == "open":
                if self._on_unavailable is not None:
                    self._on_unavailable(exc)
                return True
            raise LockoutUnavailableError("the guessing-bound table could not be used") from None
        return legacy_id is None or attempts <= self.policy.max_failures

    def clear(self, legacy_id: str, *, deadline: Deadline) -> None:
        """Forget the account's attempts (after a successful sign-in); failures follow ``on_db_error``.

        A failed clear leaves the count as it was: the user may meet the bound sooner, never later.
        """
        try:
            self.db.execute(self._stmt("clear", self.db.resolve_dialect(deadline=deadline)), (f"u:{legacy_id}",),
                            deadline=deadline, idempotent=True)
        except StoreError as exc:
            if self._on_unavailable is not None:
                self._on_unavailable(exc)

    def attempts(self, legacy_id: str, *, deadline: Deadline | None = None) -> int:
        """Attempts recorded in the account's current row (0 without one), for the admin CLI and tests."""
        dialect = self.db.resolve_dialect(deadline=deadline)
        row = self.db.fetch_one(self._stmt("read", dialect), (f"u:{legacy_id}",), deadline=deadline)
        return 0 if row is None else int(row["attempts"])

    def _reserve(self, tx: Transaction, params: tuple[object, ...]) -> int:
        tx.execute(self._stmt("reserve", tx.dialect), params)
        row = tx.fetch_one(self._stmt("read", tx.dialect), (params[0],))
        return 0 if row is None else int(row["attempts"])

    def _stmt(self, kind: str, dialect: Dialect) -> str:
        sql = self._sql.get((kind, dialect))
        if sql is None:
            t = _q(self.policy.table, dialect)
            sql = {
                "reserve": reserve_sql(dialect, self.policy.table),
                "read": f"SELECT attempts FROM {t} WHERE account = %s",  # noqa: S608 - validated identifier
                "clear": f"DELETE FROM {t} WHERE account = %s",  # noqa: S608 - validated identifier
            }[kind]
            self._sql[(kind, dialect)] = sql
        return sql

    def _fingerprint(self, legacy_id: str | None, password: str) -> str:
        account = b"" if legacy_id is None else legacy_id.encode("utf-8", "surrogatepass")
        message = b"%d:%s\x00%s" % (len(account), account, password.encode("utf-8", "surrogatepass"))
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:16]

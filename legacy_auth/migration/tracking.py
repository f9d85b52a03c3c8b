"""Migration progress tracking (``LEGACY_TRACK_MIGRATION``): which legacy users are in Cognito already.

A separate table (DDL in ``legacy_auth/sql/migration_tracking.<dialect>.sql``; the legacy users table is
never altered), one row per legacy user, written with a single upsert statement: Cognito's retries of one
sign-in (up to 3) leave one row, ``events`` counts the invocations, and ``status`` only moves forward
(``reset_pending`` < ``migrated`` < ``reset_completed``). One round trip per call on the reused connection.

Used by the migrate-user trigger (:meth:`MigrationTracker.record`, and :meth:`MigrationTracker.state` before
answering: an account recorded as migrated is refused, :mod:`legacy_auth.migration.canonical`), the post-confirmation
hook (:meth:`MigrationTracker.record_reset_completed`) and the admin CLI (:meth:`MigrationTracker.is_migrated`,
:meth:`MigrationTracker.counts`, :meth:`MigrationTracker.release` for ``legacy-auth release``).

Reads accept the status ``imported`` too (users created by a bulk import), written by ``legacy-auth export
--start`` (:mod:`legacy_auth.cli.import_tracking`) with the import job's id in ``job_id``, a fingerprint of the
exported row in ``fingerprint`` and one of the ``IMPORT_*`` sources below in ``trigger_source``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from typing import Literal

from legacy_auth.db import Database, Deadline, Dialect
from legacy_auth.errors import ConfigurationError

Status = Literal["reset_pending", "migrated", "reset_completed"]
DEFAULT_TABLE = "legacy_auth_migrations"
#: statuses that mean the account has its Cognito user (``imported``: written by a bulk import, read here)
MIGRATED: tuple[str, ...] = ("migrated", "reset_completed", "imported")
#: a ``migrated`` record younger than this does not refuse its own canonical login again: Cognito retries an
#: invocation that failed or timed out on its side (up to 3 times), and the first attempt may have recorded it
RETRY_WINDOW_S = 60
_RECENT = {
    "mysql": f"(last_at >= CURRENT_TIMESTAMP - INTERVAL {RETRY_WINDOW_S} SECOND)",
    "postgresql": f"(last_at >= now() - INTERVAL '{RETRY_WINDOW_S} seconds')",
    "sqlite": f"(last_at >= datetime('now', '-{RETRY_WINDOW_S} seconds'))",
}
#: ``trigger_source`` of an ``imported`` row whose job's outcome is not known yet (recorded before the job starts;
#: the trigger refuses the account meanwhile: it may be in the pool)
IMPORT_PENDING = "UserImport_Pending"
#: ``trigger_source`` of a user imported without a password hash (``RESET_REQUIRED``: a reset is pending)
IMPORT_RESET_REQUIRED = "UserImport_ResetRequired"
#: ``trigger_source`` prefix of a user imported with a password hash (``UserImport_BCRYPT`` ...)
IMPORT_WITH_HASH_PREFIX = "UserImport_Hash_"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")


def _q(name: str, dialect: Dialect) -> str:
    if not _IDENTIFIER.fullmatch(name):
        raise ConfigurationError("LEGACY_TRACKING_TABLE", "must match ^[A-Za-z_][A-Za-z0-9_$]*$")
    return f"`{name}`" if dialect == "mysql" else f'"{name}"'


def quoted_table(table: str, dialect: Dialect) -> str:
    """``LEGACY_TRACKING_TABLE`` validated and quoted for ``dialect`` (``ConfigurationError`` when not a plain name)."""
    return _q(table, dialect)


def _rank(expr: str) -> str:
    return f"(CASE {expr} WHEN 'reset_pending' THEN 1 WHEN 'migrated' THEN 2 WHEN 'reset_completed' THEN 3 ELSE 0 END)"


def ddl(dialect: Dialect, table: str = DEFAULT_TABLE) -> list[str]:
    """The documented CREATE statements for ``dialect`` (from the packaged SQL file), for table ``table``.

    Raises
    ------
    ConfigurationError
        ``table`` is not a plain identifier (``LEGACY_TRACKING_TABLE``).
    """
    if not _IDENTIFIER.fullmatch(table):
        raise ConfigurationError("LEGACY_TRACKING_TABLE", "must match ^[A-Za-z_][A-Za-z0-9_$]*$")
    text = resources.files("legacy_auth").joinpath(f"sql/migration_tracking.{dialect}.sql").read_text("utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    body = body.replace(DEFAULT_TABLE, table)
    return [stmt.strip() for stmt in body.split(";") if stmt.strip()]


def upsert_sql(dialect: Dialect, table: str) -> str:
    """The one-statement upsert (``%s`` placeholders: legacy_id, app, status, scheme, trigger_source)."""
    t = _q(table, dialect)
    insert = (
        f"INSERT INTO {t} (legacy_id, app, status, scheme, trigger_source, completed_at) "  # noqa: S608 - validated
        "VALUES (%s, %s, %s, %s, %s, CASE WHEN %s = 'reset_completed' THEN CURRENT_TIMESTAMP ELSE NULL END)"
    )
    if dialect == "mysql":  # assignments run left to right: status last
        return (
            f"{insert} ON DUPLICATE KEY UPDATE events = events + 1, last_at = CURRENT_TIMESTAMP, "
            "scheme = COALESCE(VALUES(scheme), scheme), trigger_source = VALUES(trigger_source), "
            "completed_at = COALESCE(completed_at, VALUES(completed_at)), "
            f"status = IF({_rank('VALUES(status)')} > {_rank('status')}, VALUES(status), status)"
        )
    return (
        f"{insert} ON CONFLICT (legacy_id) DO UPDATE SET events = {t}.events + 1, last_at = CURRENT_TIMESTAMP, "
        f"scheme = COALESCE(EXCLUDED.scheme, {t}.scheme), trigger_source = EXCLUDED.trigger_source, "
        f"completed_at = COALESCE({t}.completed_at, EXCLUDED.completed_at), "
        f"status = CASE WHEN {_rank('EXCLUDED.status')} > {_rank(f'{t}.status')} "
        f"THEN EXCLUDED.status ELSE {t}.status END"
    )


@dataclass(frozen=True, slots=True)
class TrackedState:
    """One account's tracking record: its ``status`` and whether it was written in the last ``RETRY_WINDOW_S``."""

    status: str
    recent: bool


class MigrationTracker:
    """Reads and writes the tracking table of one database.

    Parameters
    ----------
    db:
        The database holding the tracking table (usually the legacy database).
    app:
        ``LEGACY_APP`` value recorded with each row.
    table:
        ``LEGACY_TRACKING_TABLE`` (validated identifier).
    """

    def __init__(self, db: Database, *, app: str, table: str = DEFAULT_TABLE) -> None:
        if not _IDENTIFIER.fullmatch(table):
            raise ConfigurationError("LEGACY_TRACKING_TABLE", "must match ^[A-Za-z_][A-Za-z0-9_$]*$")
        self.db = db
        self.app = app
        self.table = table
        self._sql: dict[str, str] = {}

    def _stmt(self, kind: str, deadline: Deadline | None) -> str:
        sql = self._sql.get(kind)
        if sql is None:
            dialect = self.db.resolve_dialect(deadline=deadline)
            t = _q(self.table, dialect)
            sql = {
                "upsert": upsert_sql(dialect, self.table),
                "status": f"SELECT status FROM {t} WHERE legacy_id = %s",  # noqa: S608 - validated identifier
                "state": f"SELECT status, {_RECENT[dialect]} AS recent FROM {t} WHERE legacy_id = %s",  # noqa: S608
                "release": f"DELETE FROM {t} WHERE legacy_id = %s",  # noqa: S608 - validated identifier
                "counts": f"SELECT status, COUNT(*) AS n FROM {t} GROUP BY status",  # noqa: S608
            }[kind]
            self._sql[kind] = sql
        return sql

    def record(self, legacy_id: str, status: Status, *, trigger_source: str, deadline: Deadline,
               scheme: str | None = None) -> None:
        """Upsert one row (idempotent; retried once on a fresh connection if the old one died).

        Raises
        ------
        StoreTimeoutError, StoreUnavailableError
            The caller decides whether tracking failures matter (the trigger only logs them).
        """
        params = (str(legacy_id), self.app, status, scheme, trigger_source[:64], status)
        self.db.execute(self._stmt("upsert", deadline), params, deadline=deadline, idempotent=True)

    def record_reset_completed(self, legacy_id: str, *, deadline: Deadline,
                               trigger_source: str = "PostConfirmation_ConfirmForgotPassword") -> None:
        """Mark a forgot-password migration as finished (the user set a new password in Cognito)."""
        self.record(legacy_id, "reset_completed", trigger_source=trigger_source, deadline=deadline)

    def status(self, legacy_id: str, *, deadline: Deadline | None) -> str | None:
        """The recorded status of one legacy user (a ``Status`` or ``imported``), or ``None``."""
        row = self.db.fetch_one(self._stmt("status", deadline), (str(legacy_id),), deadline=deadline)
        return None if row is None else str(row["status"])

    def state(self, legacy_id: str, *, deadline: Deadline | None) -> TrackedState | None:
        """The recorded status and whether it is recent (one indexed read; the migrate-user trigger's check)."""
        row = self.db.fetch_one(self._stmt("state", deadline), (str(legacy_id),), deadline=deadline)
        return None if row is None else TrackedState(status=str(row["status"]), recent=bool(row["recent"]))

    def is_migrated(self, legacy_id: str, *, deadline: Deadline | None) -> bool:
        """True once the user signed in through the trigger, completed a password reset or was imported."""
        return self.status(legacy_id, deadline=deadline) in MIGRATED

    def release(self, legacy_id: str, *, deadline: Deadline | None) -> bool:
        """Forget one account's record (after its Cognito user was deleted): it may migrate again.

        Returns
        -------
        bool
            Whether a record existed.
        """
        return self.db.execute(self._stmt("release", deadline), (str(legacy_id),), deadline=deadline) > 0

    def counts(self, *, deadline: Deadline | None = None) -> dict[str, int]:
        """Rows per status (admin CLI ``status``)."""
        rows = self.db.fetch_all(self._stmt("counts", deadline), (), deadline=deadline)
        return {str(r["status"]): int(r["n"]) for r in rows}

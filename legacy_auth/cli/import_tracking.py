"""Bulk imports in the tracking table (``legacy-auth export --start``): nothing imported twice, changes reported.

Each user written to an import file is recorded, before its job starts, as ``imported`` with the job's id
(``job_id``) and ``trigger_source`` :data:`~legacy_auth.migration.tracking.IMPORT_PENDING`: from then on the
trigger and the PreSignUp guard treat the account as already in the pool (the status is in
:data:`~legacy_auth.migration.tracking.MIGRATED`), which is the safe answer while the job may create it. When
the job ends ``Succeeded`` with no failed or skipped user, its rows become
:data:`~legacy_auth.migration.tracking.IMPORT_RESET_REQUIRED` (imported without a hash: a reset is pending) or
``UserImport_Hash_<ALGORITHM>``. A job that did not (failed, stopped, expired, some users failed or skipped,
or a run interrupted before the end) leaves its rows pending; the next ``export --start`` first follows each
pending job to its end (``DescribeUserImportJob``), finishes the clean ones and releases the rows of the others
so that their users are exported again: Cognito's usernames are unique, so a user the failed job did create is
refused by the new job rather than duplicated.

``fingerprint`` holds ``<state>:<16 hex digits>``: the account state and the first 64 bits of SHA-256 over a
fixed label, the legacy id, the state and the stored hash fields, never the hash itself. A later export compares
it with the row as it is now and reports the users whose row changed after their import (a new hash, an account
now blocked), who Cognito still holds as imported. For an unsalted legacy digest the fingerprint is a
dictionary-checkable function of the password, as the legacy column itself is, and it sits beside that column.

A tracking table created before ``job_id`` and ``fingerprint`` existed still serves the trigger and ``status``;
``export --start`` refuses it with one line that gives the ``ALTER TABLE`` statements (:func:`upgrade_sql`).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from legacy_auth.cli.errors import CliError
from legacy_auth.cli.import_jobs import is_clean, wait_for
from legacy_auth.cli.scan import EXAMPLES
from legacy_auth.db import Database, Dialect
from legacy_auth.errors import StoreError
from legacy_auth.migration.tracking import IMPORT_PENDING, IMPORT_RESET_REQUIRED, quoted_table
from legacy_auth.model import LegacyUser

COLUMNS = ("job_id", "fingerprint")
_TYPES: dict[str, tuple[str, str]] = {
    "mysql": ("VARCHAR(64) NULL", "VARCHAR(80) NULL"),
    "postgresql": ("VARCHAR(64) NULL", "VARCHAR(80) NULL"),
    "sqlite": ("TEXT NULL", "TEXT NULL"),
}
CHUNK = 500  # rows per multi-row INSERT
_LABEL = b"legacy-auth/import-fingerprint/v1"


def upgrade_sql(dialect: Dialect, table: str) -> list[str]:
    """The ``ALTER TABLE`` statements that add :data:`COLUMNS` to a tracking table created before them."""
    t = quoted_table(table, dialect)
    return [f"ALTER TABLE {t} ADD COLUMN {name} {kind}" for name, kind in zip(COLUMNS, _TYPES[dialect], strict=True)]


def fingerprint(user: LegacyUser) -> str:
    """``<state>:<16 hex>`` of ``user``'s row as exported (module docstring); never the hash."""
    digest = hashlib.sha256(_LABEL)
    stored = user.password_hash
    for part in (user.legacy_id, user.state.value, stored if stored is not None else "",
                 *(f"{k}={v!r}" for k, v in sorted(user.hash_fields.items()))):
        data = part if isinstance(part, bytes) else str(part).encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(4, "big") + data)
    return f"{user.state.value}:{digest.hexdigest()[:16]}"


def change(recorded: str, user: LegacyUser) -> str | None:
    """How ``user``'s row changed since it was exported with fingerprint ``recorded``: ``now_<state>`` (the
    account state changed, e.g. ``now_blocked``), ``hash_changed``, or ``None``."""
    if fingerprint(user) == recorded:
        return None
    state = recorded.partition(":")[0]
    return f"now_{user.state.value}" if state != user.state.value else "hash_changed"


def _chunks(items: Iterable[tuple[str, str]], size: int) -> Iterator[list[tuple[str, str]]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


class ImportTracker:
    """The bulk-import rows of the tracking table ``table`` in ``db`` (the legacy database)."""

    def __init__(self, db: Database, *, app: str, table: str) -> None:
        self.db, self.app, self.table = db, app, table
        self.dialect: Dialect = db.resolve_dialect(deadline=None)
        self._t = quoted_table(table, self.dialect)

    def check_columns(self) -> None:
        """Refuse a tracking table without :data:`COLUMNS` (exit status 2, the statements to run).

        Raises
        ------
        CliError
            The table lacks a column (or cannot be read: the same statement error).
        """
        try:
            self.db.fetch_all(f"SELECT job_id, fingerprint FROM {self._t} WHERE 1 = 0", (), deadline=None)  # noqa: S608
        except StoreError as exc:
            if getattr(exc, "reason", None) != "db_statement":
                raise
            statements = "; ".join(upgrade_sql(self.dialect, self.table))
            raise CliError(f"tracking table {self.table!r} lacks the job_id/fingerprint columns that record bulk "
                           f"imports (or does not exist: legacy-auth sql --apply); upgrade it with: {statements}",
                           exit_code=2) from None

    def tracked(self) -> dict[str, str | None]:
        """Every tracked legacy id with its import fingerprint (``None``: recorded by the trigger or a hook)."""
        sql = f"SELECT legacy_id, fingerprint FROM {self._t}"  # noqa: S608 - validated identifier
        return {str(r["legacy_id"]): (None if r["fingerprint"] is None else str(r["fingerprint"]))
                for r in self.db.stream(sql, (), batch=5000)}

    def record_pending(self, job_id: str, entries: Iterable[tuple[str, str]]) -> int:
        """Record ``(legacy_id, fingerprint)`` pairs as imported by ``job_id``, outcome pending; return the rows
        written (a row that appeared meanwhile, e.g. a user who just migrated at sign-in, is kept as it is)."""
        ignore = "INSERT IGNORE" if self.dialect == "mysql" else "INSERT"
        tail = "" if self.dialect == "mysql" else " ON CONFLICT (legacy_id) DO NOTHING"
        written = 0
        for chunk in _chunks(entries, CHUNK):
            values = ", ".join(["(%s, %s, 'imported', %s, %s, %s)"] * len(chunk))
            sql = (f"{ignore} INTO {self._t} (legacy_id, app, status, trigger_source, job_id, fingerprint) "
                   f"VALUES {values}{tail}")
            params = tuple(p for legacy_id, fp in chunk for p in (legacy_id, self.app, IMPORT_PENDING, job_id, fp))
            written += max(0, self.db.execute(sql, params, deadline=None))
        return written

    def finish(self, job_id: str, source: str) -> int:
        """Mark ``job_id``'s pending rows as imported for good under ``source``; return how many."""
        sql = (f"UPDATE {self._t} SET trigger_source = %s, last_at = CURRENT_TIMESTAMP "  # noqa: S608
               "WHERE job_id = %s AND trigger_source = %s")
        return self.db.execute(sql, (source, job_id, IMPORT_PENDING), deadline=None)

    def release(self, job_id: str) -> int:
        """Forget ``job_id``'s pending rows (its users are exported again); return how many."""
        sql = f"DELETE FROM {self._t} WHERE job_id = %s AND trigger_source = %s"  # noqa: S608 - validated
        return self.db.execute(sql, (job_id, IMPORT_PENDING), deadline=None)

    def pending_jobs(self) -> list[str]:
        """The ids of the jobs whose outcome is not recorded yet."""
        sql = f"SELECT DISTINCT job_id FROM {self._t} WHERE trigger_source = %s AND job_id IS NOT NULL"  # noqa: S608
        return sorted(str(r["job_id"]) for r in self.db.fetch_all(sql, (IMPORT_PENDING,), deadline=None))


@dataclass(slots=True)
class Changes:
    """Imported users whose legacy row changed since: counts by kind and a few legacy ids (never values)."""

    counts: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    def note(self, recorded: str, user: LegacyUser) -> None:
        """Compare ``user``'s row with its import ``recorded`` fingerprint."""
        kind = change(recorded, user)
        if kind is not None:
            self.counts[kind] += 1
            if len(self.examples) < EXAMPLES:
                self.examples.append(user.legacy_id)


def resume(tracker: ImportTracker, client: Any, pool: str, *, poll_s: float, timeout_s: float,
           log: Callable[[str], None]) -> list[dict[str, Any]]:
    """Follow every job a previous run left pending to its end: finish the clean ones, release the others' users
    (exported again by this run). Returns one record per job."""
    done = []
    for job_id in tracker.pending_jobs():
        try:
            job = wait_for(client, pool, job_id, poll_s=poll_s, timeout_s=timeout_s)
        except Exception as exc:  # only "no such job" is handled; everything else is re-raised
            if _aws_code(exc) != "ResourceNotFoundException":
                raise
            job = {"JobId": job_id, "Status": "NotFound"}
        if is_clean(job):
            users, action = tracker.finish(job_id, IMPORT_RESET_REQUIRED), "finished"
        else:
            users, action = tracker.release(job_id), "released"
        log(f"pending job {job_id} {job.get('Status')}: {users} users {action}")
        done.append({"JobId": job_id, "Status": job.get("Status"), "users": users, "action": action})
    return done


def _aws_code(exc: Exception) -> str | None:
    response = getattr(exc, "response", None)
    return response.get("Error", {}).get("Code") if isinstance(response, dict) else None


def read_ids(path: Path) -> Iterator[tuple[str, str]]:
    """The ``(legacy_id, fingerprint)`` pairs of a ``.ids`` file (:class:`CsvSplitter` ``tags``), streamed."""
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            legacy_id, fp = json.loads(line)
            yield str(legacy_id), str(fp)

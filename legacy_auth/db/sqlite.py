"""SQLite through the standard library (tests, the local stack, tiny deployments on EFS).

Placeholders are converted from ``%s`` (``%%`` for a literal ``%``) to ``?``; rows become dicts. The busy
timeout and a progress handler that aborts a statement past the deadline bound every call.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from legacy_auth.db.driver import ErrorKind, Row
from legacy_auth.db.options import TlsOptions
from legacy_auth.db.url import DbUrl, Dialect
from legacy_auth.deadline import Deadline

_PLACEHOLDER = re.compile(r"%([%s])")


@lru_cache(maxsize=256)
def to_qmark(sql: str) -> str:
    """``%s`` -> ``?`` and ``%%`` -> ``%`` (the pyformat convention shared with pymysql and psycopg)."""
    return _PLACEHOLDER.sub(lambda m: "?" if m.group(1) == "s" else "%", sql)


def _dict_row(cur: sqlite3.Cursor, row: tuple[Any, ...]) -> Row:
    return {d[0]: v for d, v in zip(cur.description, row, strict=True)}


class _Bound:
    """Progress-handler state: abort the running statement once ``at`` has passed."""

    __slots__ = ("at",)

    def __init__(self) -> None:
        self.at: float | None = None

    def __call__(self) -> int:
        return 1 if self.at is not None and time.monotonic() > self.at else 0


class SqliteDriver:
    """sqlite3 behind the :class:`legacy_auth.db.driver.Driver` protocol."""

    dialect: Dialect = "sqlite"

    def connect(self, url: DbUrl, tls: TlsOptions, deadline: Deadline, cap_s: float) -> Any:
        """Open the file (autocommit: ``isolation_level=None``) with a deadline-derived busy timeout."""
        conn = sqlite3.connect(
            url.database, timeout=deadline.timeout(cap_s), isolation_level=None, check_same_thread=False
        )
        conn.row_factory = _dict_row
        bound = _Bound()
        conn.set_progress_handler(bound, 1000)
        conn.execute("PRAGMA foreign_keys = ON")
        return _SqliteConn(conn, bound)

    def alive(self, conn: Any) -> bool:
        """A local file is always reachable while open."""
        return not conn.closed

    def bound(self, conn: Any, deadline: Deadline | None, idle_s: float) -> None:
        """Busy timeout and statement abort at the deadline."""
        if deadline is None:
            conn.bound.at = None
            return
        t = deadline.timeout()
        conn.bound.at = deadline.at
        conn.raw.execute(f"PRAGMA busy_timeout = {max(1, int(t * 1000))}")

    def fetch_all(self, conn: Any, sql: str, params: tuple[Any, ...]) -> list[Row]:
        """Run a query; rows as dicts."""
        return list(conn.raw.execute(to_qmark(sql), params).fetchall())

    def execute(self, conn: Any, sql: str, params: tuple[Any, ...]) -> int:
        """Run a statement; affected rows."""
        return int(conn.raw.execute(to_qmark(sql), params).rowcount)

    def stream(self, conn: Any, sql: str, params: tuple[Any, ...], batch: int) -> Iterator[Row]:
        """Iterate the cursor (SQLite steps rows lazily)."""
        cur = conn.raw.execute(to_qmark(sql), params)
        try:
            while rows := cur.fetchmany(batch):
                yield from rows
        finally:
            cur.close()

    def begin(self, conn: Any) -> None:
        """``BEGIN IMMEDIATE`` (take the write lock up front; avoids upgrade deadlocks)."""
        conn.raw.execute("BEGIN IMMEDIATE")

    def commit(self, conn: Any) -> None:
        """``COMMIT``."""
        conn.raw.execute("COMMIT")

    def rollback(self, conn: Any) -> None:
        """``ROLLBACK`` if a transaction is open."""
        if conn.raw.in_transaction:
            conn.raw.execute("ROLLBACK")

    def classify(self, exc: BaseException) -> ErrorKind:
        """Locked/busy databases are retried; everything else is a statement or file problem."""
        if not isinstance(exc, sqlite3.Error):
            return "foreign"
        name = getattr(exc, "sqlite_errorname", "")
        if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in str(exc):
            return "retry"
        if name.startswith(("SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_NOTADB", "SQLITE_INTERRUPT")):
            return "connection"
        return "statement"

    def cause(self, exc: BaseException) -> str:
        """By SQLite's error name; a missing table or column by SQLite's message (matched, never shown)."""
        if not isinstance(exc, sqlite3.Error):
            return "unavailable"
        name = getattr(exc, "sqlite_errorname", "")
        if name.startswith(("SQLITE_CANTOPEN", "SQLITE_NOTADB")):
            return "unknown_database"
        text = str(exc)
        if text.startswith("no such table"):
            return "missing_table"
        if text.startswith("no such column"):
            return "missing_column"
        kind = self.classify(exc)
        return {"statement": "statement", "connection": "connection_lost"}.get(kind, "unavailable")

    def close(self, conn: Any) -> None:
        """Close the file."""
        conn.close()


class _SqliteConn:
    """The sqlite3 connection plus its progress-handler state."""

    __slots__ = ("bound", "closed", "raw")

    def __init__(self, raw: sqlite3.Connection, bound: _Bound) -> None:
        self.raw = raw
        self.bound = bound
        self.closed = False

    def close(self) -> None:
        self.closed = True
        self.raw.close()

"""PostgreSQL through psycopg 3.

The connection attempt is bounded by the time left (fractional seconds, see :meth:`PostgresDriver.connect`).
``connect_timeout`` alone would not do: it is whole seconds with a 2 s minimum, and it does **not** bound a
server that accepts the connection and then never answers a query: psycopg waits on the socket forever.
:class:`DeadlineConnection` overrides ``Connection.wait`` (which every cursor operation goes
through) to pass a timeout equal to the time left; when it expires psycopg raises its wait-timeout error,
the connection is discarded and the caller gets ``StoreTimeoutError``.
"""

from __future__ import annotations

import contextlib
import math
import select
from collections.abc import Iterator
from itertools import count
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg import waiting
from psycopg.conninfo import make_conninfo
from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row

from legacy_auth.db.driver import ErrorKind, Row
from legacy_auth.db.failures import os_cause
from legacy_auth.db.options import TlsOptions
from legacy_auth.db.url import DbUrl, Dialect
from legacy_auth.deadline import Deadline
from legacy_auth.errors import StoreTimeoutError

_AUTH_STATES = {"28000", "28P01"}
_RETRY_STATES = {"40001", "40P01", "55P03"}  # serialization failure, deadlock, lock not available
#: Operator intervention that ends the session: 57000, admin_shutdown (pg_terminate_backend, failover),
#: crash_shutdown, cannot_connect_now, database_dropped, idle_session_timeout. Not 57014 (query_canceled:
#: the session survives). psycopg's AdminShutdown & co. are *not* subclasses of OperatorIntervention, so
#: the SQLSTATE decides.
_SESSION_ENDED_STATES = {"57000", "57P01", "57P02", "57P03", "57P04", "57P05"}
_CURSORS = count(1)
#: SQLSTATEs with a cause of their own: no such database, table, column; invalid authorization/password.
_STATE_CAUSES = {"3D000": "unknown_database", "42P01": "missing_table", "42703": "missing_column",
                 "28000": "authentication", "28P01": "authentication"}
#: A failed connection attempt carries no SQLSTATE (libpq reports it as text): these fragments of libpq's
#: (English) messages tell the causes apart. The text is only matched here, never shown or logged.
_CONNECT_TEXT_CAUSES = (
    (("failed to resolve host", "could not translate host name"), "host_unresolvable"),
    (("authentication failed", "no pg_hba.conf entry", "password authentication", "role \""), "authentication"),
    (("database \"",), "unknown_database"),
    (("Connection refused",), "connection_refused"),
    (("SSL", "certificate", "TLS"), "tls"),
    (("timeout expired", "No route to host", "Network is unreachable", "timed out"), "host_unreachable"),
)
#: libpq's minimum connect timeout (seconds, integer).
MIN_CONNECT_S = 2


class DeadlineConnection(psycopg.Connection[Any]):
    """A psycopg connection whose every network wait ends at ``deadline_at`` (monotonic seconds)."""

    deadline: Deadline | None = None
    idle_s: float = 60.0

    def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
        """``Connection.wait`` with its timeout capped at the time left before the deadline."""
        limit = self.idle_s if self.deadline is None else self.deadline.timeout()
        capped = limit if timeout is None else min(timeout, limit)
        return super().wait(gen, interval=min(interval, limit), timeout=capped)


class PostgresDriver:
    """psycopg 3 behind the :class:`legacy_auth.db.driver.Driver` protocol."""

    dialect: Dialect = "postgresql"

    def connect(self, url: DbUrl, tls: TlsOptions, deadline: Deadline, cap_s: float) -> Any:
        """Connect within the time left (fractional seconds).

        ``psycopg.connect(connect_timeout=...)`` takes whole seconds with a 2 s minimum (libpq rule), which
        could overrun a sub-2 s deadline, so the connection generator is driven by psycopg's own
        ``waiting.wait_conn`` with a float timeout instead (same code path ``Connection.connect`` uses).
        """
        left = deadline.timeout(cap_s)
        params: dict[str, Any] = {
            "host": url.host,
            "port": url.port,
            "user": url.user,
            "dbname": url.database,
            "connect_timeout": max(MIN_CONNECT_S, math.ceil(left)),  # libpq's own guard; ours is tighter
            "sslmode": tls.mode if tls.enabled else "disable",
            "application_name": "legacy-auth",
        }
        if url.password is not None:
            params["password"] = url.password
        if tls.ca_file:
            params["sslrootcert"] = tls.ca_file
        gen = DeadlineConnection._connect_gen(make_conninfo("", **params))
        try:
            conn: DeadlineConnection = waiting.wait_conn(gen, interval=min(0.1, left), timeout=left)
        except pg_errors.OperationalError as exc:
            if deadline.expired or type(exc).__name__ == "_WaitTimeout":
                raise StoreTimeoutError("PostgreSQL did not complete the connection before the deadline") from None
            raise
        conn.autocommit = True
        conn.prepare_threshold = None  # no server-side prepared statements: safe behind RDS Proxy / PgBouncer
        conn.row_factory = dict_row
        return conn

    def alive(self, conn: Any) -> bool:
        """Not closed/broken, idle, and nothing unexpected to read (a terminated backend sends FATAL + EOF)."""
        if conn.closed or conn.broken or conn.info.transaction_status != TransactionStatus.IDLE:
            return False
        try:
            readable, _, _ = select.select([conn.fileno()], [], [], 0)
        except (OSError, ValueError, psycopg.Error):
            return False
        return not readable

    def bound(self, conn: Any, deadline: Deadline | None, idle_s: float) -> None:
        """Every following ``wait`` is bounded by ``deadline`` (or ``idle_s`` per wait)."""
        deadline and deadline.timeout()  # raise now if already expired
        conn.deadline = deadline
        conn.idle_s = idle_s

    def fetch_all(self, conn: Any, sql: str, params: tuple[Any, ...]) -> list[Row]:
        """``execute`` + ``fetchall`` (rows are dicts: ``dict_row``)."""
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return list(cur.fetchall()) if cur.description else []

    def execute(self, conn: Any, sql: str, params: tuple[Any, ...]) -> int:
        """Run a statement; affected rows."""
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return int(cur.rowcount)

    def stream(self, conn: Any, sql: str, params: tuple[Any, ...], batch: int) -> Iterator[Row]:
        """Named (server-side) cursor inside a transaction, fetching ``batch`` rows per round trip."""
        with conn.transaction(), conn.cursor(name=f"legacy_auth_scan_{next(_CURSORS)}") as cur:
            cur.itersize = batch
            cur.execute(sql, params)
            yield from cur

    def begin(self, conn: Any) -> None:
        """``BEGIN`` (explicit: the connection is in autocommit mode)."""
        conn.execute("BEGIN")

    def commit(self, conn: Any) -> None:
        """``COMMIT``."""
        conn.execute("COMMIT")

    def rollback(self, conn: Any) -> None:
        """``ROLLBACK``."""
        if not conn.closed and conn.info.transaction_status != TransactionStatus.IDLE:
            conn.execute("ROLLBACK")

    def classify(self, exc: BaseException) -> ErrorKind:
        """By SQLSTATE; connection-level failures are OperationalError without a SQLSTATE class 42/22/23."""
        if not isinstance(exc, psycopg.Error):
            return "connection" if isinstance(exc, OSError) else "foreign"
        state = exc.sqlstate or ""
        # Connection-time errors carry no SQLSTATE; libpq's text is the only signal for a refused login.
        if state in _AUTH_STATES or (not state and "authentication failed" in str(exc)):
            return "auth"
        if state in _RETRY_STATES:
            return "retry"
        if state in _SESSION_ENDED_STATES or state.startswith("08") or isinstance(exc, psycopg.InterfaceError):
            return "connection"
        if isinstance(exc, psycopg.OperationalError) and not state:
            return "connection"
        return "statement"

    def cause(self, exc: BaseException) -> str:
        """By SQLSTATE; a failed connection attempt (no SQLSTATE) by libpq's message, matched, never shown."""
        if not isinstance(exc, psycopg.Error):
            return os_cause(exc) or "unavailable"
        state = exc.sqlstate or ""
        if state in _STATE_CAUSES:
            return _STATE_CAUSES[state]
        if not state and isinstance(exc, psycopg.OperationalError):
            text = str(exc)
            for fragments, cause in _CONNECT_TEXT_CAUSES:
                if any(f in text for f in fragments):
                    return cause
        kind = self.classify(exc)
        return {"auth": "authentication", "statement": "statement", "connection": "connection_lost"}.get(kind,
                                                                                                       "unavailable")

    def close(self, conn: Any) -> None:
        """Close (no round trip is waited for)."""
        with contextlib.suppress(Exception):
            conn.close()

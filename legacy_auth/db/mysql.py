"""MySQL / MariaDB through pymysql.

pymysql's ``connect_timeout`` covers only the TCP connect; the greeting, authentication and every query
are socket reads bounded by ``read_timeout`` / ``write_timeout``. All three are derived from the deadline,
and before each operation the connection's read/write timeouts are re-set to the time left (pymysql applies
``_read_timeout`` / ``_write_timeout`` on every socket read/write; there is no public setter).
"""

from __future__ import annotations

import contextlib
import math
import select
import ssl
import time
from collections.abc import Iterator
from typing import Any

import pymysql
import pymysql.cursors

from legacy_auth.db.driver import ErrorKind, Row
from legacy_auth.db.failures import os_cause
from legacy_auth.db.options import TlsOptions
from legacy_auth.db.url import DbUrl, Dialect
from legacy_auth.deadline import Deadline

_AUTH = {1044, 1045, 1698, 1251}  # access denied (db / user), plugin refused
_RETRY = {1205, 1213}  # lock wait timeout, deadlock
#: An idle connection older than this is pinged (one round trip) before use.
PING_AFTER_IDLE_S = 10.0
_CONNECTION = {2002, 2003, 2006, 2013, 2014, 2026, 2055, 1040, 1053, 1927, 4031}  # gone / lost / too many / killed
#: MySQL/MariaDB error numbers with a cause of their own (the rest follow :meth:`MySqlDriver.classify`):
#: 1049 unknown database, 1146 no such table, 1054 unknown column, 2026 SSL connection error, 3159 insecure
#: transport refused (require_secure_transport).
_CAUSES = {1049: "unknown_database", 1146: "missing_table", 1054: "missing_column", 2026: "tls", 3159: "tls"}
_CANT_CONNECT = {2002, 2003}  # pymysql keeps the socket error as ``original_exception``


def _ssl_context(tls: TlsOptions) -> ssl.SSLContext | None:
    if not tls.enabled:
        return None
    ctx = ssl.create_default_context(cafile=tls.ca_file)
    ctx.check_hostname = tls.mode == "verify-full"
    if tls.mode == "require":
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


class MySqlDriver:
    """pymysql behind the :class:`legacy_auth.db.driver.Driver` protocol."""

    dialect: Dialect = "mysql"

    def connect(self, url: DbUrl, tls: TlsOptions, deadline: Deadline, cap_s: float) -> Any:
        """Connect with connect/read/write timeouts all derived from ``deadline``."""
        t = deadline.timeout(cap_s)
        conn = pymysql.connect(
            host=url.host,
            port=url.port,
            user=url.user,
            password=url.password or "",
            database=url.database,
            charset="utf8mb4",
            autocommit=True,
            connect_timeout=t,
            read_timeout=t,
            write_timeout=t,
            ssl=_ssl_context(tls),
            cursorclass=pymysql.cursors.DictCursor,
        )
        conn.legacy_auth_used_at = time.monotonic()
        return conn

    def alive(self, conn: Any) -> bool:
        """Cheap check first, ``ping()`` (without reconnect) only after a long idle period.

        A connection the server closed (``KILL``, ``wait_timeout``, restart, RDS Proxy idle timeout) has
        data or EOF waiting on its socket: a zero-timeout ``select`` sees it without a round trip. Only a
        connection idle for more than ``PING_AFTER_IDLE_S`` (where a NAT or proxy may have dropped it silently)
        pays the ``ping()`` round trip. A read that still finds the connection dead is retried once on a
        fresh connection by :class:`legacy_auth.db.Database`.
        """
        if not conn.open or conn._sock is None:
            return False
        try:
            readable, _, _ = select.select([conn._sock], [], [], 0)
        except (OSError, ValueError):
            return False
        if readable:  # an idle connection has nothing to say: this is an error packet or EOF
            return False
        now = time.monotonic()
        if now - getattr(conn, "legacy_auth_used_at", 0.0) > PING_AFTER_IDLE_S:
            try:
                conn.ping(reconnect=False)
            except (pymysql.err.Error, OSError):
                return False
        conn.legacy_auth_used_at = now
        return True

    def bound(self, conn: Any, deadline: Deadline | None, idle_s: float) -> None:
        """Re-set the socket read/write timeouts to the time left (rounded down to 50 ms steps).

        Rounding down keeps the timeout within the deadline while letting consecutive warm invocations
        reuse the same value: pymysql only calls ``socket.settimeout`` (two ``fcntl`` calls) when it changes.
        """
        t = idle_s if deadline is None else deadline.timeout()
        t = max(math.floor(t * 20) / 20, min(t, 0.05))
        conn._read_timeout = t  # no public setter; pymysql applies it before every socket read/write
        conn._write_timeout = t

    def fetch_all(self, conn: Any, sql: str, params: tuple[Any, ...]) -> list[Row]:
        """``cursor.execute`` + ``fetchall`` with a DictCursor."""
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return list(cur.fetchall())

    def execute(self, conn: Any, sql: str, params: tuple[Any, ...]) -> int:
        """Run a statement; affected rows."""
        with conn.cursor() as cur:
            return int(cur.execute(sql, params))

    def stream(self, conn: Any, sql: str, params: tuple[Any, ...], batch: int) -> Iterator[Row]:
        """Unbuffered ``SSDictCursor``: rows are read from the socket as they are consumed."""
        with conn.cursor(pymysql.cursors.SSDictCursor) as cur:
            cur.execute(sql, params)
            while rows := cur.fetchmany(batch):
                yield from rows

    def begin(self, conn: Any) -> None:
        """``BEGIN``."""
        conn.begin()

    def commit(self, conn: Any) -> None:
        """``COMMIT``."""
        conn.commit()

    def rollback(self, conn: Any) -> None:
        """``ROLLBACK``."""
        conn.rollback()

    def classify(self, exc: BaseException) -> ErrorKind:
        """By MySQL error number."""
        if isinstance(exc, (OSError, ssl.SSLError)):
            return "connection"
        if not isinstance(exc, pymysql.err.Error):
            return "foreign"
        code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else 0
        if code in _AUTH:
            return "auth"
        if code in _RETRY:
            return "retry"
        if code in _CONNECTION or isinstance(exc, pymysql.err.InterfaceError) or code == 0:
            return "connection"
        return "statement"

    def cause(self, exc: BaseException) -> str:
        """By error number; a failed connect by the socket error pymysql keeps (DNS, refused, TLS...)."""
        if not isinstance(exc, pymysql.err.Error):
            return os_cause(exc) or "unavailable"
        code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else 0
        if code in _CAUSES:
            return _CAUSES[code]
        if code in _CANT_CONNECT:
            return os_cause(getattr(exc, "original_exception", None)) or "host_unreachable"
        kind = self.classify(exc)
        return {"auth": "authentication", "statement": "statement", "connection": "connection_lost"}.get(kind,
                                                                                                       "unavailable")

    def close(self, conn: Any) -> None:
        """Close without the ``QUIT`` round trip if the socket is already broken."""
        try:
            conn.close()
        except Exception:  # noqa: BLE001 - already closed / broken socket
            with contextlib.suppress(Exception):
                conn._force_close()

"""One lazily connected, self-healing database handle per URL (see :mod:`legacy_auth.db` for the API)."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from legacy_auth.db.credentials import CredentialSource, credential_source
from legacy_auth.db.driver import Driver, Row
from legacy_auth.db.failures import store_error, tagged
from legacy_auth.db.options import DbOptions
from legacy_auth.db.url import DbUrl, Dialect
from legacy_auth.deadline import Deadline
from legacy_auth.errors import StoreError, StoreTimeoutError, StoreUnavailableError

T = TypeVar("T")
_BACKOFF_S = (0.02, 0.05, 0.1, 0.2)


class Transaction:
    """Statements inside :meth:`Database.transaction` (same ``%s`` API, no per-call deadline)."""

    def __init__(self, driver: Driver, conn: Any) -> None:
        self._driver = driver
        self._conn = conn
        self.dialect: Dialect = driver.dialect

    def fetch_all(self, sql: str, params: tuple[Any, ...] = ()) -> list[Row]:
        """Rows as dicts."""
        return self._driver.fetch_all(self._conn, sql, tuple(params))

    def fetch_one(self, sql: str, params: tuple[Any, ...] = ()) -> Row | None:
        """First row or ``None``."""
        rows = self._driver.fetch_all(self._conn, sql, tuple(params))
        return rows[0] if rows else None

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        """Affected row count."""
        return self._driver.execute(self._conn, sql, tuple(params))


class Database:
    """A database reached through one reused connection, checked before use and replaced when dead.

    Parameters
    ----------
    url:
        ``mysql://``, ``postgresql://`` or ``sqlite:///`` URL (string or :class:`DbUrl`); may be ``None``
        when ``options.secret_arn`` names an RDS secret that has the location.
    options:
        TLS, IAM auth, secret ARN, region.
    dbname:
        Overrides the database name (e.g. when the RDS secret has no ``dbname``).
    credentials:
        A ready :class:`~legacy_auth.db.credentials.CredentialSource` (tests); built from the above otherwise.
    idle_timeout_s:
        Per-wait bound for calls made without a deadline (admin CLI streaming).
    """

    def __init__(self, url: str | DbUrl | None = None, *, options: DbOptions | None = None, dbname: str | None = None,
                 credentials: CredentialSource | None = None, idle_timeout_s: float = 60.0) -> None:
        self._options = options or DbOptions()
        self._source = credentials or credential_source(
            url, secret_arn=self._options.secret_arn, iam_auth=self._options.iam_auth,
            region=self._options.region, dbname=dbname,
        )
        self._idle = idle_timeout_s
        self._driver: Driver | None = None
        self._conn: Any = None
        self._lock = threading.RLock()
        self.connects = 0  # how many connections were opened (observability, tests)

    # ------------------------------------------------------------ public API

    @property
    def dialect(self) -> Dialect:
        """``mysql``, ``postgresql`` or ``sqlite``; may read the secret on first use, with the default AWS
        timeouts (one attempt, ``MAX_CONNECT_S`` + ``MAX_READ_S``); triggers use :meth:`resolve_dialect` with
        their deadline."""
        return self.resolve_dialect(deadline=None)

    def resolve_dialect(self, *, deadline: Deadline | None) -> Dialect:
        """The dialect, reading the credentials (Secrets Manager) within ``deadline`` if not known yet.

        Raises
        ------
        StoreTimeoutError, StoreUnavailableError
            The secret could not be read in time / at all (``reason`` attribute set).
        """
        known = self._source.peek()
        if known is not None:
            return known.dialect
        try:
            return self._source.url(deadline).dialect
        except StoreError as err:
            raise tagged(err) from None

    def fetch_all(self, sql: str, params: tuple[Any, ...] = (), *, deadline: Deadline | None) -> list[Row]:
        """Run a read query; every row as a ``dict``. Retried once on a fresh connection if the old one died.

        Raises
        ------
        StoreTimeoutError
            The deadline passed before the answer.
        StoreUnavailableError
            Connect/authentication failed, the connection died, or the statement failed.
        """
        return self._run(lambda d, c: d.fetch_all(c, sql, tuple(params)), deadline, idempotent=True)

    def fetch_one(self, sql: str, params: tuple[Any, ...] = (), *, deadline: Deadline | None) -> Row | None:
        """The first row of :meth:`fetch_all`, or ``None``."""
        rows = self.fetch_all(sql, params, deadline=deadline)
        return rows[0] if rows else None

    def execute(self, sql: str, params: tuple[Any, ...] = (), *, deadline: Deadline | None,
                idempotent: bool = False) -> int:
        """Run a write statement in autocommit mode; the affected row count.

        ``idempotent=True`` allows one retry on a fresh connection (e.g. an upsert).
        """
        return self._run(lambda d, c: d.execute(c, sql, tuple(params)), deadline, idempotent=idempotent)

    def transaction(self, fn: Callable[[Transaction], T], *, deadline: Deadline, attempts: int = 4) -> T:
        """Run ``fn(tx)`` in one transaction, retrying the whole of it on deadlock / serialization failure.

        MySQL 1213/1205, PostgreSQL 40001/40P01/55P03 and SQLite BUSY are retried with a short jittered
        backoff while the deadline allows; ``fn`` must therefore be safe to run again (idempotent).

        Returns
        -------
        Whatever ``fn`` returns, after a successful ``COMMIT``.
        """
        with self._lock:
            for attempt in range(attempts):
                conn = self._checkout(deadline)
                driver = self._require_driver()
                try:
                    driver.bound(conn, deadline, self._idle)
                    driver.begin(conn)
                    result = fn(Transaction(driver, conn))
                    driver.commit(conn)
                    return result
                except Exception as exc:
                    self._rollback_quietly(driver, conn)
                    if isinstance(exc, StoreError):
                        self._discard()
                        raise tagged(exc, self._source.peek()) from None
                    kind = driver.classify(exc)
                    if kind == "foreign":
                        raise
                    pause = _BACKOFF_S[min(attempt, len(_BACKOFF_S) - 1)] * (0.5 + random.random())  # noqa: S311
                    if kind == "retry" and attempt + 1 < attempts and deadline.remaining() > pause + 0.05:
                        time.sleep(pause)
                        continue
                    if kind == "connection" or deadline.expired:
                        self._discard()
                    raise store_error(exc, kind, driver.dialect, deadline, cause=driver.cause(exc),
                                      url=self._source.peek()) from None
            raise StoreUnavailableError("transaction retries exhausted")  # pragma: no cover - loop returns/raises

    def stream(self, sql: str, params: tuple[Any, ...] = (), *, batch: int = 500,
               idle_timeout_s: float | None = None) -> Iterator[Row]:
        """Yield rows one at a time through a server-side cursor on a dedicated connection.

        pymysql ``SSDictCursor``, psycopg named cursor (``itersize=batch``), SQLite lazy stepping. Each
        network wait is bounded by ``idle_timeout_s`` (default: the database's ``idle_timeout_s``); the
        connection is closed when the iterator is exhausted or closed.
        """
        idle = idle_timeout_s or self._idle
        url = self._source.url(None)
        driver = load_driver(url.dialect)
        try:
            conn = driver.connect(url, self._options.tls, Deadline.after(idle), self._options.connect_timeout_cap_s)
        except StoreError as err:
            raise tagged(err, url) from None
        except Exception as exc:  # noqa: BLE001 - every driver failure is mapped to a StoreError
            kind = driver.classify(exc)
            kind = "auth" if kind == "auth" else "connection"  # nothing else can fail while connecting
            raise store_error(exc, kind, driver.dialect, None, cause=driver.cause(exc), url=url) from None
        try:
            driver.bound(conn, None, idle)
            yield from driver.stream(conn, sql, tuple(params), batch)
        except Exception as exc:
            kind = driver.classify(exc)
            if kind == "foreign":
                raise
            raise store_error(exc, kind, driver.dialect, None, cause=driver.cause(exc), url=url) from None
        finally:
            driver.close(conn)

    def ensure_connected(self, *, deadline: Deadline) -> None:
        """Open (or check and replace) the connection now, e.g. to warm it up."""
        with self._lock:
            self._checkout(deadline)

    def close(self) -> None:
        """Close the connection (a later call reconnects)."""
        with self._lock:
            self._discard()

    def __repr__(self) -> str:
        known = self._source.peek()  # never reads a secret
        where = known.redacted() if known is not None else "<secret>"
        return f"Database({where}, connected={self._conn is not None})"

    # ------------------------------------------------------------ internals

    def _require_driver(self) -> Driver:
        if self._driver is None:  # pragma: no cover - _checkout sets it
            raise StoreUnavailableError("no driver")
        return self._driver

    def _run(self, op: Callable[[Driver, Any], T], deadline: Deadline | None, *, idempotent: bool) -> T:
        with self._lock:
            for attempt in (0, 1):
                conn = self._checkout(deadline)  # bounds the connection by the deadline
                driver = self._require_driver()
                try:
                    return op(driver, conn)
                except StoreError as err:
                    self._discard()
                    raise tagged(err, self._source.peek()) from None
                except Exception as exc:
                    kind = driver.classify(exc)
                    if kind == "foreign":
                        raise
                    expired = deadline is not None and deadline.expired
                    if kind == "connection" or expired:
                        self._discard()
                    if kind == "connection" and idempotent and attempt == 0 and not expired:
                        continue  # the connection died between the check and the query: one fresh try
                    raise store_error(exc, kind, driver.dialect, deadline, cause=driver.cause(exc),
                                      url=self._source.peek()) from None
            raise StoreUnavailableError("unreachable")  # pragma: no cover

    def _checkout(self, deadline: Deadline | None) -> Any:
        if self._conn is not None and self._driver is not None:
            try:
                self._driver.bound(self._conn, deadline, self._idle)
            except StoreTimeoutError as err:
                raise tagged(err, self._source.peek()) from None
            if self._driver.alive(self._conn):
                return self._conn
            self._discard()
        conn = self._connect(deadline or Deadline.after(self._idle))
        try:
            self._require_driver().bound(conn, deadline, self._idle)
        except StoreTimeoutError as err:  # the connect used up the time: keep the connection for next time
            raise tagged(err, self._source.peek()) from None
        return conn

    def _connect(self, deadline: Deadline) -> Any:
        for attempt in (0, 1):
            try:
                url = self._source.url(deadline)  # a secret read is bounded by the deadline
            except StoreError as err:
                raise tagged(err) from None
            driver = self._driver if self._driver and self._driver.dialect == url.dialect else load_driver(url.dialect)
            try:
                conn = driver.connect(url, self._options.tls, deadline, self._options.connect_timeout_cap_s)
            except StoreError as err:
                raise tagged(err, url) from None
            except Exception as exc:
                kind = driver.classify(exc)
                if kind == "foreign":
                    raise
                if kind == "auth" and attempt == 0 and not deadline.expired and self._source.refresh(deadline):
                    continue  # rotated secret / expired token: re-read once, if the deadline leaves time for it
                kind = "auth" if kind == "auth" else "connection"  # nothing else can fail while connecting
                raise store_error(exc, kind, driver.dialect, deadline, cause=driver.cause(exc), url=url) from None
            self._driver, self._conn = driver, conn
            self.connects += 1
            return conn
        raise StoreUnavailableError("unreachable")  # pragma: no cover

    def _discard(self) -> None:
        if self._conn is not None and self._driver is not None:
            self._driver.close(self._conn)
        self._conn = None

    def _rollback_quietly(self, driver: Driver, conn: Any) -> None:
        try:
            driver.rollback(conn)
        except Exception:  # noqa: BLE001 - the connection is probably gone; it is discarded below
            self._discard()


def load_driver(dialect: Dialect) -> Driver:
    """Import only the driver this deployment uses (pymysql / psycopg / sqlite3)."""
    if dialect == "mysql":
        from legacy_auth.db.mysql import MySqlDriver

        return MySqlDriver()
    if dialect == "postgresql":
        from legacy_auth.db.postgres import PostgresDriver

        return PostgresDriver()
    from legacy_auth.db.sqlite import SqliteDriver

    return SqliteDriver()

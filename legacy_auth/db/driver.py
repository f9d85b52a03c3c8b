"""What every dialect driver (pymysql, psycopg 3, sqlite3) provides to :class:`legacy_auth.db.Database`
(:func:`legacy_auth.db.database.load_driver` imports only the one a deployment uses)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal, Protocol

from legacy_auth.db.options import TlsOptions
from legacy_auth.db.url import DbUrl, Dialect
from legacy_auth.deadline import Deadline

Row = dict[str, Any]
#: How a driver classifies an exception: bad login, worth retrying the transaction, connection gone,
#: statement failed on a healthy connection (schema/SQL problem), or not a driver error at all.
ErrorKind = Literal["auth", "retry", "connection", "statement", "foreign"]


class Driver(Protocol):
    """One DB-API driver behind the common API. Connections are driver objects, opaque to callers."""

    dialect: Dialect

    def connect(self, url: DbUrl, tls: TlsOptions, deadline: Deadline, cap_s: float) -> Any:
        """Open a connection (autocommit on) within ``min(deadline, cap_s)``."""
        ...

    def alive(self, conn: Any) -> bool:
        """Cheap liveness check before use (no reconnect)."""
        ...

    def bound(self, conn: Any, deadline: Deadline | None, idle_s: float) -> None:
        """Bound the next network waits by ``deadline`` (or by ``idle_s`` per wait when ``None``)."""
        ...

    def fetch_all(self, conn: Any, sql: str, params: tuple[Any, ...]) -> list[Row]:
        """Run a query and return every row as a dict."""
        ...

    def execute(self, conn: Any, sql: str, params: tuple[Any, ...]) -> int:
        """Run a statement; return the affected row count."""
        ...

    def stream(self, conn: Any, sql: str, params: tuple[Any, ...], batch: int) -> Iterator[Row]:
        """Yield rows one by one through a server-side cursor."""
        ...

    def begin(self, conn: Any) -> None:
        """Start a transaction."""
        ...

    def commit(self, conn: Any) -> None:
        """Commit the transaction."""
        ...

    def rollback(self, conn: Any) -> None:
        """Roll back the transaction."""
        ...

    def classify(self, exc: BaseException) -> ErrorKind:
        """Say what kind of failure ``exc`` is."""
        ...

    def cause(self, exc: BaseException) -> str:
        """The finer cause an operator can act on (one of :data:`legacy_auth.db.failures.CAUSES`)."""
        ...

    def close(self, conn: Any) -> None:
        """Close, ignoring errors."""
        ...

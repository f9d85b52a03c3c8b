"""How a driver failure becomes a ``StoreError``: timed out or unavailable, with context, never the driver text.

See the "Errors" paragraph of :mod:`legacy_auth.db`: each error carries ``reason`` (``db_timeout``,
``db_unavailable``, ``db_auth``, ``db_statement``: stable, the trigger's metrics and logs use them), ``kind``,
``dialect`` and ``driver_error``, and also a finer ``cause`` an operator can act on (:data:`CAUSES`, chosen by
the driver's :meth:`~legacy_auth.db.driver.Driver.cause`) with ``host``, ``port`` and ``database`` of the
attempt (never the user, the password or the driver's message text).
"""

from __future__ import annotations

import errno
import socket
import ssl

from legacy_auth.db.driver import ErrorKind
from legacy_auth.db.url import DbUrl
from legacy_auth.deadline import Deadline
from legacy_auth.errors import StoreError, StoreTimeoutError, StoreUnavailableError

#: Finer causes of a ``StoreError`` (the ``cause`` attribute), for the admin CLI's messages.
CAUSES = frozenset({
    "host_unresolvable",  # DNS cannot resolve the host name
    "connection_refused",  # the host answered, nothing listens on the port
    "host_unreachable",  # no route / no answer while connecting
    "unknown_database",  # the database (SQLite: the file) does not exist or cannot be opened
    "authentication",  # user or password refused
    "tls",  # the TLS handshake or certificate check failed, or the server/client TLS requirements differ
    "missing_table",
    "missing_column",
    "connection_lost",  # an open connection died
    "timeout",  # the deadline passed
    "statement",  # another SQL failure on a healthy connection
    "unavailable",  # none of the above could be told
})
_UNREACHABLE_ERRNOS = {errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ETIMEDOUT, errno.EHOSTDOWN}


def os_cause(exc: BaseException | None) -> str | None:
    """The cause of a socket-level failure (``None`` when ``exc`` is none of them).

    Order matters: ``socket.gaierror`` and ``ssl.SSLError`` are ``OSError`` subclasses too.
    """
    if isinstance(exc, socket.gaierror):
        return "host_unresolvable"
    if isinstance(exc, ssl.SSLError):
        return "tls"
    if isinstance(exc, ConnectionRefusedError):
        return "connection_refused"
    if isinstance(exc, TimeoutError) or (isinstance(exc, OSError) and exc.errno in _UNREACHABLE_ERRNOS):
        return "host_unreachable"
    if isinstance(exc, OSError):
        return "connection_lost"
    return None


def store_error(
    exc: BaseException | None, kind: ErrorKind | str, dialect: str, deadline: Deadline | None, *,
    cause: str | None = None, url: DbUrl | None = None,
) -> StoreError:
    """Map a driver failure to ``StoreTimeoutError`` (deadline passed) or ``StoreUnavailableError``.

    The driver's message is not copied (it may quote data); ``reason``, ``kind``, ``dialect`` and
    ``driver_error`` (exception type and error code) are attached as attributes, with ``cause`` (the
    driver's, ``timeout`` when the deadline passed, else derived from ``kind``) and, when ``url`` is given,
    ``host``, ``port`` and ``database`` (never the user or password).
    """
    code = exc.args[0] if exc is not None and exc.args and isinstance(exc.args[0], int) else None
    code = code or getattr(exc, "sqlstate", None)
    detail = f"{type(exc).__name__}{f':{code}' if code else ''}" if exc is not None else "none"
    err: StoreError
    if deadline is not None and deadline.expired:
        err = StoreTimeoutError(f"{dialect} did not answer before the deadline ({detail})")
        reason, cause = "db_timeout", "timeout"
    else:
        err = StoreUnavailableError(f"{dialect} {kind} failure ({detail})")
        reason = {"auth": "db_auth", "statement": "db_statement"}.get(kind, "db_unavailable")
        if cause not in CAUSES:
            cause = {"auth": "authentication", "statement": "statement"}.get(kind, "unavailable")
    for name, value in {"reason": reason, "kind": kind, "dialect": dialect, "driver_error": detail,
                        "cause": cause}.items():
        setattr(err, name, value)
    return located(err, url)


def located(err: StoreError, url: DbUrl | None) -> StoreError:
    """Attach where the attempt went (``host``, ``port``, ``database``; never the user or the password)."""
    if url is not None and getattr(err, "host", None) is None:
        err.host, err.port, err.database = url.host, url.port, url.database  # type: ignore[attr-defined]
    return err


def tagged(err: StoreError, url: DbUrl | None = None) -> StoreError:
    """Give a ``StoreError`` raised directly (e.g. by a deadline check) its ``reason`` and ``cause``."""
    if not hasattr(err, "reason"):
        err.reason = "db_timeout" if isinstance(err, StoreTimeoutError) else "db_unavailable"  # type: ignore[attr-defined]
    if not hasattr(err, "cause"):
        err.cause = "timeout" if isinstance(err, StoreTimeoutError) else "unavailable"  # type: ignore[attr-defined]
    return located(err, url)


#: MySQL/MariaDB errors for a value a ``utf8mb3`` column cannot hold (collation mix, incorrect string value).
UNREPRESENTABLE = frozenset({1267, 1270, 1271, 1366})


def unrepresentable(exc: StoreError, value: str) -> bool:
    """A MySQL collation/charset refusal of ``value`` because it has characters a ``utf8mb3`` column cannot store.

    Such a value (an emoji, any character outside the Basic Multilingual Plane) can match no row of that column:
    callers looking a login up read this as "no match", not as a database failure (an attacker typing an emoji must
    not set off the system-failure alarm, nor get "temporarily unavailable").
    """
    if getattr(exc, "reason", None) != "db_statement" or all(ord(c) <= 0xFFFF for c in value):
        return False
    code = str(getattr(exc, "driver_error", "")).rpartition(":")[2]
    return code.isdigit() and int(code) in UNREPRESENTABLE

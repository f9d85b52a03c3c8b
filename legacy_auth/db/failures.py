"""How a driver failure becomes a ``StoreError``: timed out or unavailable, with context, never the driver text.

See the "Errors" paragraph of :mod:`legacy_auth.db`: each error carries ``reason`` (``db_timeout``,
``db_unavailable``, ``db_auth``, ``db_statement``), ``kind``, ``dialect`` and ``driver_error``.
"""

from __future__ import annotations

from legacy_auth.db.deadline import Deadline
from legacy_auth.db.driver import ErrorKind
from legacy_auth.errors import StoreError, StoreTimeoutError, StoreUnavailableError


def store_error(
    exc: BaseException | None, kind: ErrorKind | str, dialect: str, deadline: Deadline | None
) -> StoreError:
    """Map a driver failure to ``StoreTimeoutError`` (deadline passed) or ``StoreUnavailableError``.

    The driver's message is not copied (it may quote data); ``reason``, ``kind``, ``dialect`` and
    ``driver_error`` (exception type and error code) are attached as attributes.
    """
    code = exc.args[0] if exc is not None and exc.args and isinstance(exc.args[0], int) else None
    code = code or getattr(exc, "sqlstate", None)
    detail = f"{type(exc).__name__}{f':{code}' if code else ''}" if exc is not None else "none"
    err: StoreError
    if deadline is not None and deadline.expired:
        err = StoreTimeoutError(f"{dialect} did not answer before the deadline ({detail})")
        reason = "db_timeout"
    else:
        err = StoreUnavailableError(f"{dialect} {kind} failure ({detail})")
        reason = {"auth": "db_auth", "statement": "db_statement"}.get(kind, "db_unavailable")
    for name, value in {"reason": reason, "kind": kind, "dialect": dialect, "driver_error": detail}.items():
        setattr(err, name, value)
    return err


def tagged(err: StoreError) -> StoreError:
    """Give a ``StoreError`` raised directly (e.g. by a deadline check) its ``reason`` attribute."""
    if not hasattr(err, "reason"):
        err.reason = "db_timeout" if isinstance(err, StoreTimeoutError) else "db_unavailable"  # type: ignore[attr-defined]
    return err

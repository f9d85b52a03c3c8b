"""The admin CLI's one line for a database failure: the cause an operator can act on, and where it happened.

The line keeps the stable ``reason`` code the trigger's metrics use (``database error: db_unavailable
(mysql)``) and adds, by the error's ``cause`` attribute (:data:`legacy_auth.db.failures.CAUSES`), what went
wrong and where: the host and port tried (the SQLite file), never the user, the password or the driver's
message text (it may quote data).
"""

from __future__ import annotations

from collections.abc import Callable

from legacy_auth.errors import StoreError

#: The variables that say where the database is and how to log in (named in the hints).
_URL = "LEGACY_DB_URL (or LEGACY_DB_SECRET_ARN)"

_TEXT: dict[str, Callable[[str, str], str]] = {
    "host_unresolvable": lambda host, where: f"cannot resolve the host name {host!r}: check the host in {_URL}",
    "connection_refused": lambda host, where: f"{where} refused the connection: is the server running, and is "
                                              "the port right?",
    "host_unreachable": lambda host, where: f"{where} cannot be reached (no route or no answer): check the host, "
                                            "the network path (VPC, security groups, firewall)",
    "timeout": lambda host, where: f"{where} did not answer in time",
    "authentication": lambda host, where: f"{where} refused the login: check the user and password in {_URL}, "
                                          "or LEGACY_DB_IAM_AUTH",
    "tls": lambda host, where: f"the TLS connection to {where} failed: check LEGACY_DB_TLS and "
                               "LEGACY_DB_TLS_CA_FILE against what the server offers or requires",
    "connection_lost": lambda host, where: f"the connection to {where} was lost",
}


def where(exc: StoreError) -> str:
    """``host:port`` of the attempt, the SQLite file, or ``the database`` when unknown."""
    host, port, database = (getattr(exc, name, None) for name in ("host", "port", "database"))
    if getattr(exc, "dialect", None) == "sqlite":
        return f"SQLite file {database!r}" if database else "the SQLite file"
    if host:
        return f"{host}:{port}" if port else str(host)
    return "the database"


def explain(exc: StoreError, table_hint: str | None, column_hint: str | None) -> str | None:
    """The operator's explanation of ``exc`` (``None``: nothing finer than the reason is known).

    ``table_hint`` names the table the configuration expects (a missing table, or another failed statement);
    ``column_hint`` says which setting makes the command read optional columns.
    """
    cause = getattr(exc, "cause", None)
    place = where(exc)
    if cause == "unknown_database":
        if getattr(exc, "dialect", None) == "sqlite":
            return f"{place} does not exist or is not a SQLite database: check the path in LEGACY_DB_URL"
        return (f"database {getattr(exc, 'database', None) or '?'!r} does not exist on {place}: check the "
                f"database name in {_URL}")
    if cause == "missing_column":
        return f"the table lacks a column the configuration reads: {column_hint or 'check the preset options'}"
    if cause in ("missing_table", "statement"):
        return table_hint
    text = _TEXT.get(str(cause))
    return text(str(getattr(exc, "host", "") or ""), place) if text else None

"""The finer ``cause`` of a database failure, chosen from socket errors and driver errors (never shown as text)."""

from __future__ import annotations

import errno
import socket
import ssl

import pymysql
import pytest

from legacy_auth.db.failures import CAUSES, os_cause, store_error
from legacy_auth.db.mysql import MySqlDriver
from legacy_auth.db.url import parse_db_url


@pytest.mark.parametrize(("exc", "cause"), [
    (socket.gaierror(-2, "Name or service not known"), "host_unresolvable"),
    (ssl.SSLCertVerificationError(1, "certificate verify failed"), "tls"),
    (ConnectionRefusedError(errno.ECONNREFUSED, "refused"), "connection_refused"),
    (TimeoutError("timed out"), "host_unreachable"),
    (OSError(errno.EHOSTUNREACH, "No route to host"), "host_unreachable"),
    (ConnectionResetError(errno.ECONNRESET, "reset"), "connection_lost"),
    (ValueError("not a socket error"), None),
])
def test_socket_errors_map_to_the_cause_an_operator_can_act_on(exc: BaseException, cause: str | None) -> None:
    assert os_cause(exc) == cause


def test_mysql_cant_connect_uses_the_socket_error_pymysql_keeps() -> None:
    exc = pymysql.err.OperationalError(2003, "Can't connect to MySQL server on 'x'")
    exc.original_exception = socket.gaierror(-2, "x")  # type: ignore[attr-defined]
    assert MySqlDriver().cause(exc) == "host_unresolvable"
    assert MySqlDriver().cause(pymysql.err.OperationalError(1049, "Unknown database 'x'")) == "unknown_database"
    assert MySqlDriver().cause(pymysql.err.OperationalError(1054, "Unknown column")) == "missing_column"


def test_store_error_keeps_the_reason_and_adds_cause_and_place_but_never_the_credentials() -> None:
    url = parse_db_url("mysql://admin:hunter2pw@db.example.org:3307/forum")
    err = store_error(pymysql.err.OperationalError(1045, "Access denied for user 'admin'"), "auth", "mysql", None,
                      cause="authentication", url=url)
    assert (err.reason, err.cause) == ("db_auth", "authentication")  # type: ignore[attr-defined]
    assert (err.host, err.port, err.database) == ("db.example.org", 3307, "forum")  # type: ignore[attr-defined]
    assert "hunter2pw" not in repr(vars(err)) + str(err)
    assert "admin" not in repr(vars(err)) + str(err)
    unknown = store_error(None, "connection", "mysql", None, cause="made-up")
    assert unknown.cause == "unavailable"  # type: ignore[attr-defined]
    assert unknown.cause in CAUSES  # type: ignore[attr-defined]

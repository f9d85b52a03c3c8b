"""Administrative actions on the real MariaDB / PostgreSQL that the scenarios use to cause faults.

Dedicated users (``rl_<hex>``) are created per scenario with a per-run random password, granted one
database, and dropped afterwards; passwords are never printed.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from tests.reliability.secrets_check import remember
from tests.support.legacy_db import connect

ROOT_MYSQL = "mysql://root@127.0.0.1:3306/mysql"


def _root() -> Any:
    return connect(ROOT_MYSQL)


def admin(sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Run one statement as MariaDB root; return its rows."""
    conn = _root()
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return list(cur.fetchall())
    finally:
        conn.close()


def dbname(url: str) -> str:
    """The database name of a URL."""
    return urlsplit(url).path.lstrip("/")


@dataclass
class DbUser:
    """A dedicated MariaDB account for one scenario."""

    name: str
    password: str
    database: str
    port: int = 3306

    def url(self, host_port: str | None = None) -> str:
        """``mysql://name:password@host:port/database`` (password URL-quoted)."""
        where = host_port or f"127.0.0.1:{self.port}"
        return f"mysql://{self.name}:{quote(self.password, safe='')}@{where}/{self.database}"

    def set_password(self, password: str) -> None:
        """``ALTER USER`` (existing sessions stay open, as in a real rotation)."""
        remember(password, "db_password")
        admin(f"ALTER USER '{self.name}'@'%%' IDENTIFIED BY %s", (password,))
        admin(f"ALTER USER '{self.name}'@'localhost' IDENTIFIED BY %s", (password,))

    def restore_password(self) -> None:
        """Back to the password the URL carries."""
        self.set_password(self.password)

    def set_max_connections(self, limit: int) -> None:
        """``MAX_USER_CONNECTIONS`` for this account (0: unlimited)."""
        for host in ("%%", "localhost"):
            admin(f"ALTER USER '{self.name}'@'{host}' WITH MAX_USER_CONNECTIONS {int(limit)}")

    def kill_sessions(self) -> int:
        """``KILL CONNECTION`` every session of this account (a server restart / idle kill, as seen by it)."""
        rows = admin("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = %s", (self.name,))
        for (pid,) in rows:
            with suppress(Exception):
                admin(f"KILL CONNECTION {int(pid)}")
        return len(rows)

    def sessions(self) -> int:
        """Open sessions of this account."""
        return len(admin("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = %s", (self.name,)))


@contextmanager
def mysql_user(database: str, max_connections: int = 0) -> Iterator[DbUser]:
    """A fresh account with all privileges on ``database``; dropped (sessions killed) on exit."""
    user = DbUser(f"rl_{secrets.token_hex(4)}", secrets.token_urlsafe(18), database)
    remember(user.password, "db_password")
    for host in ("%%", "localhost"):
        admin(f"CREATE USER '{user.name}'@'{host}' IDENTIFIED BY %s", (user.password,))
        admin(f"GRANT ALL PRIVILEGES ON `{database}`.* TO '{user.name}'@'{host}'")
    if max_connections:
        user.set_max_connections(max_connections)
    try:
        yield user
    finally:
        user.kill_sessions()
        for host in ("%%", "localhost"):
            admin(f"DROP USER IF EXISTS '{user.name}'@'{host}'")


def kill_db_sessions(database: str) -> int:
    """``KILL CONNECTION`` every session using ``database`` (except this admin one)."""
    rows = admin(
        "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = %s AND ID <> CONNECTION_ID()", (database,))
    for (pid,) in rows:
        with suppress(Exception):
            admin(f"KILL CONNECTION {int(pid)}")
    return len(rows)


def kill_pg_sessions(url: str) -> int:
    """``pg_terminate_backend`` every session on the database of ``url`` (except this admin one)."""
    conn = connect("postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (dbname(url),)).fetchall()
        return len(rows)
    finally:
        conn.close()

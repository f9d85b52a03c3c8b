"""Create a legacy app's real users table and fill it, on MariaDB, PostgreSQL or SQLite, with raw drivers.

Stable API (used by preset, handler, CLI, local-stack and reliability tests)::

    from tests.support.legacy_db import connect, create_schema, insert_users, fetch_all, run_query

    url = databases.mysql("q2a")                       # or databases.postgres(...) / databases.sqlite(tmp_path)
    create_schema(url, "q2a")                          # CREATE TABLE from the preset's ddl() (default prefix)
    insert_users(url, "q2a", [{"userid": 1, "handle": "alice", "email": "a@x.org", "passhash": "$2y$..."}])
    rows = fetch_all(url, "q2a")                       # every row as dicts (the preset's scan query)
    rows = run_query(url, Query("SELECT ... WHERE x = %s", ("v",)))   # %s / %% work for sqlite too
    conn = connect(url)                                # raw DB-API connection (autocommit); close it yourself
    accepted = try_insert_users(url, "laravel", [row])  # False (no exception) when a UNIQUE index refuses it

* ``app`` is a ``LEGACY_APP`` value; ``prefix=None`` means the preset's default prefix; ``**options`` are
  preset options (``multisite=True`` for WordPress, ``variant="v2"`` for ASP.NET, the ``generic_*`` ones).
* Rows are dicts of column -> value. NOT NULL columns without a default that a row omits are filled with a
  neutral value (``''``, ``0``, ``b''``, 2020-01-01). Values are adapted to the column type and dialect
  (``bool``/``int`` for PostgreSQL BOOLEAN vs INTEGER, ``datetime`` as ISO text for SQLite, bytes as is).
* Explicit primary keys are fine on PostgreSQL: identity sequences are moved past them afterwards.
* URLs: ``mysql://user:pass@host:port/db``, ``postgresql://...``, ``sqlite:///path``.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from legacy_auth.apps import get_preset
from legacy_auth.presets import Query
from legacy_auth.presets.base import Dialect
from legacy_auth.presets.sql import Column, quote
from legacy_auth.presets.table import TablePreset

NEUTRAL_DATETIME = datetime(2020, 1, 1, 0, 0, 0)


def dialect_of(url: str) -> Dialect:
    """``mysql``, ``postgresql`` or ``sqlite`` from a database URL."""
    scheme = urlsplit(url).scheme.split("+", 1)[0]
    if scheme in {"mysql", "mariadb"}:
        return "mysql"
    if scheme in {"postgresql", "postgres"}:
        return "postgresql"
    if scheme == "sqlite":
        return "sqlite"
    raise ValueError(f"unsupported database URL scheme {scheme!r}")


def connect(url: str) -> Any:
    """A raw DB-API connection in autocommit mode (pymysql / psycopg 3 / sqlite3)."""
    dialect = dialect_of(url)
    parts = urlsplit(url)
    if dialect == "mysql":
        import pymysql

        return pymysql.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 3306,
            user=unquote(parts.username or "root"),
            password=unquote(parts.password or ""),
            database=parts.path.lstrip("/"),
            charset="utf8mb4",
            autocommit=True,
            connect_timeout=5,
            read_timeout=30,
            write_timeout=30,
        )
    if dialect == "postgresql":
        import psycopg

        return psycopg.connect(url, autocommit=True, connect_timeout=5)
    path = url[len("sqlite:///") :] if url.startswith("sqlite:///") else parts.path
    conn = sqlite3.connect(path, timeout=10)
    conn.isolation_level = None  # autocommit
    return conn


_PLACEHOLDER = re.compile(r"%([%s])")


def _sql_for(dialect: Dialect, sql: str) -> str:
    """``%s`` -> ``?`` and ``%%`` -> ``%`` for sqlite3 (pymysql and psycopg take pyformat as is)."""
    if dialect != "sqlite":
        return sql
    return _PLACEHOLDER.sub(lambda m: "?" if m.group(1) == "s" else "%", sql)


def run_query(url: str, query: Query | str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
    """Run one statement; return its rows as dicts (``[]`` for statements without a result)."""
    sql, args = (query.sql, tuple(query.params)) if isinstance(query, Query) else (query, tuple(params))
    dialect = dialect_of(url)
    conn = connect(url)
    try:
        cur = conn.cursor()
        cur.execute(_sql_for(dialect, sql), args)
        if cur.description is None:
            return []
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    finally:
        conn.close()


def _preset(app: str, options: Mapping[str, Any]) -> TablePreset:
    preset = get_preset(app, **options)
    assert isinstance(preset, TablePreset)
    return preset


def create_schema(url: str, app: str, prefix: str | None = None, **options: Any) -> str:
    """Create ``app``'s users table (from the preset's ``ddl``) in the database at ``url``; return its name."""
    preset = _preset(app, options)
    dialect = dialect_of(url)
    prefix = preset.default_prefix if prefix is None else prefix
    conn = connect(url)
    try:
        cur = conn.cursor()
        for statement in preset.ddl(prefix=prefix, dialect=dialect):
            cur.execute(statement)
    finally:
        conn.close()
    return preset.table(prefix)


def _neutral(column: Column) -> Any:
    kind = column.kind.lower()
    if "binary" in kind or "blob" in kind:
        return b""
    if kind.startswith(("datetime", "timestamp")):
        return NEUTRAL_DATETIME
    if kind == "bool":
        return False
    if kind.split("(")[0].split(" ")[0] in {"tinyint", "smallint", "mediumint", "int", "bigint", "decimal"}:
        return 0
    return ""


def _adapt(value: Any, column: Column | None, dialect: Dialect) -> Any:
    if value is None or column is None:
        return value
    kind = column.kind.lower()
    if dialect == "postgresql" and kind == "bool":
        return bool(value)
    if dialect == "postgresql" and isinstance(value, bool):
        return int(value)
    if dialect == "sqlite" and isinstance(value, datetime | date):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    return value


def _insert(cur: Any, dialect: Dialect, table: str, columns: dict[str, Column], row: Mapping[str, Any]) -> None:
    full = dict(row)
    for name, column in columns.items():
        if name not in full and not column.null and column.default is None and column.default_expr is None \
                and not column.auto:
            full[name] = _neutral(column)
    names = list(full)
    cols = ", ".join(quote(n, dialect) for n in names)
    marks = ", ".join("%s" for _ in names)
    values = tuple(_adapt(full[n], columns.get(n), dialect) for n in names)
    cur.execute(_sql_for(dialect, f"INSERT INTO {quote(table, dialect)} ({cols}) VALUES ({marks})"), values)


def insert_users(
    url: str, app: str, rows: Iterable[Mapping[str, Any]], prefix: str | None = None, **options: Any
) -> None:
    """Insert ``rows`` (column -> value dicts) into ``app``'s users table at ``url``.

    A preset whose users' columns span several tables (``side_tables(prefix)``: table -> columns, e.g. XenForo's
    ``xf_user_authenticate``) gets each row split: the side tables' own columns (with the primary key) go into
    one row of each side table the row has values for; a value of ``None`` for all of them inserts none."""
    preset = _preset(app, options)
    dialect = dialect_of(url)
    prefix = preset.default_prefix if prefix is None else prefix
    table = preset.table(prefix)
    columns = {c.name: c for c in preset.all_columns()}
    side_of = getattr(preset, "side_tables", None)
    sides: dict[str, dict[str, Column]] = {
        name: {c.name: c for c in cols} for name, cols in (side_of(prefix) if side_of else {}).items()}
    key = preset.primary_key
    conn = connect(url)
    try:
        cur = conn.cursor()
        for row in rows:
            own = {k: v for k, v in row.items() if k == key or not any(k in cols for cols in sides.values())}
            _insert(cur, dialect, table, columns, own)
            for side, cols in sides.items():
                part = {k: v for k, v in row.items() if k in cols and k != key}
                if any(v is not None for v in part.values()):
                    _insert(cur, dialect, side, cols, {key: row[key], **part})
        if dialect == "postgresql":
            for column in columns.values():
                if column.auto:
                    cur.execute(
                        f"SELECT setval(pg_get_serial_sequence(%s, %s), "
                        f"(SELECT COALESCE(MAX({quote(column.name, dialect)}), 0) + 1 FROM {quote(table, dialect)}),"
                        " false)",
                        (quote(table, dialect), column.name),
                    )
    finally:
        conn.close()


def try_insert_users(
    url: str, app: str, rows: Iterable[Mapping[str, Any]], prefix: str | None = None, **options: Any
) -> bool:
    """:func:`insert_users`, answering False instead of raising when the database refuses a row with an
    integrity error (a UNIQUE index: e.g. an email differing only in case under a ``_ci`` collation). Rows
    before the refused one stay inserted (autocommit)."""
    try:
        insert_users(url, app, rows, prefix, **options)
    except Exception as exc:
        if any(cls.__name__ == "IntegrityError" for cls in type(exc).__mro__):  # pymysql, psycopg, sqlite3
            return False
        raise
    return True


def fetch_all(url: str, app: str, prefix: str | None = None, **options: Any) -> list[dict[str, Any]]:
    """Every row of ``app``'s users table, through the preset's own scan query."""
    preset = _preset(app, options)
    prefix = preset.default_prefix if prefix is None else prefix
    return run_query(url, preset.scan_query(prefix=prefix, dialect=dialect_of(url)))


def find_rows(url: str, app: str, login: str, prefix: str | None = None, **options: Any) -> list[dict[str, Any]]:
    """The rows the preset's login rule finds for ``login`` (first query with rows wins, as the store does)."""
    preset = _preset(app, options)
    prefix = preset.default_prefix if prefix is None else prefix
    for query in preset.find_queries(login, prefix=prefix, dialect=dialect_of(url)):
        rows = run_query(url, query)
        if rows:
            return rows
    return []


def insert_rows(url: str, table: str, rows: Iterable[Mapping[str, Any]]) -> bool:
    """Insert ``rows`` into any ``table`` (an app's side table, e.g. Discourse ``user_emails``); False when the
    database refuses one with an integrity error (rows before it stay inserted)."""
    dialect = dialect_of(url)
    conn = connect(url)
    try:
        cur = conn.cursor()
        for row in rows:
            names = list(row)
            cols = ", ".join(quote(n, dialect) for n in names)
            marks = ", ".join("%s" for _ in names)
            values = tuple(v.isoformat(sep=" ") if dialect == "sqlite" and isinstance(v, datetime) else v
                           for v in row.values())
            cur.execute(_sql_for(dialect, f"INSERT INTO {quote(table, dialect)} ({cols}) VALUES ({marks})"), values)
    except Exception as exc:
        if any(cls.__name__ == "IntegrityError" for cls in type(exc).__mro__):
            return False
        raise
    finally:
        conn.close()
    return True

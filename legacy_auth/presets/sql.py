"""SQL building blocks shared by the presets: identifiers, column definitions, DDL and lookups.

Identifiers coming from configuration (table prefixes, generic column names) are validated against
``^[A-Za-z_][A-Za-z0-9_$]*$`` and always quoted in generated SQL; values are always ``%s`` parameters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from legacy_auth.errors import ConfigurationError
from legacy_auth.presets.base import Dialect, Query

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")
MAX_IDENTIFIER = 64  # MySQL's limit; PostgreSQL's is 63 bytes
DIALECTS: tuple[Dialect, ...] = ("mysql", "postgresql", "sqlite")


def validate_identifier(name: object, setting: str) -> str:
    """Return ``name`` if it is a safe SQL identifier, else raise ``ConfigurationError`` naming ``setting``.

    Parameters
    ----------
    name
        The identifier (table prefix + table, column name) as configured.
    setting
        The environment variable the value came from, for the error message.

    Raises
    ------
    ConfigurationError
        ``name`` is not a string matching ``^[A-Za-z_][A-Za-z0-9_$]*$`` of at most 63 characters.
    """
    if not isinstance(name, str) or len(name) > MAX_IDENTIFIER - 1 or not IDENTIFIER.fullmatch(name):
        raise ConfigurationError(setting, "must match ^[A-Za-z_][A-Za-z0-9_$]*$ (at most 63 characters)")
    return name


def validate_prefix(prefix: object) -> str:
    """Validate a table prefix (may be empty); raise ``ConfigurationError`` naming ``LEGACY_TABLE_PREFIX``."""
    if prefix == "":
        return ""
    if not isinstance(prefix, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_$]*", prefix):
        raise ConfigurationError("LEGACY_TABLE_PREFIX", "must be empty or match ^[A-Za-z_][A-Za-z0-9_$]*$")
    return prefix


def check_dialect(dialect: object) -> Dialect:
    """Return ``dialect`` if it is one of ``mysql``, ``postgresql``, ``sqlite``; else ``ConfigurationError``."""
    if dialect not in DIALECTS:
        raise ConfigurationError("LEGACY_DB_URL", f"unsupported SQL dialect {dialect!r}")
    return dialect


def quote(name: str, dialect: Dialect) -> str:
    """Quote an already validated identifier for ``dialect``: double quotes on PostgreSQL, backticks elsewhere.

    SQLite reads a double-quoted name that matches no column as a string literal ("Double-quoted string literals are
    accepted", https://sqlite.org/quirks.html#dblquote), so a preset column missing from the table would compare
    against a constant and silently match no row; a backtick-quoted name (accepted by SQLite for MySQL
    compatibility, https://sqlite.org/lang_keywords.html) is always an identifier: the missing column is an error.
    """
    return f'"{name}"' if dialect == "postgresql" else f"`{name}`"


def ddl_quote(name: str, dialect: Dialect) -> str:
    """Quote a name in CREATE statements (backticks on MySQL, the standard double quotes elsewhere): a CREATE
    statement has no string-literal fallback, so the documented DDL keeps the standard form."""
    return f"`{name}`" if dialect == "mysql" else f'"{name}"'


# ---------------------------------------------------------------- column definitions and DDL

_INT_PG = {"tinyint": "SMALLINT", "smallint": "SMALLINT", "mediumint": "INTEGER", "int": "INTEGER", "bigint": "BIGINT"}


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a legacy table, written in MySQL terms and translated for PostgreSQL and SQLite.

    ``kind`` is a MySQL type such as ``"varchar(80)"``, ``"int unsigned"``, ``"binary(16)"``, ``"datetime"``,
    ``"text"``, ``"json"``, ``"bool"`` (TINYINT(1) / BOOLEAN) or ``"datetimeoffset"`` (ASP.NET Core's
    ``LockoutEnd``: DATETIME(6) on MySQL via Pomelo, TIMESTAMPTZ on PostgreSQL, TEXT on SQLite).
    ``collation`` is a MySQL collation (``utf8mb4_general_ci``, ``utf8mb4_bin``, ``ascii_bin``...); a ``_ci``
    collation also gives ``COLLATE NOCASE`` on SQLite.
    """

    name: str
    kind: str
    null: bool = True
    default: str | int | bool | None = None
    collation: str | None = None
    auto: bool = False  # AUTO_INCREMENT / identity
    default_expr: str | None = None  # raw SQL default valid in every dialect, e.g. CURRENT_TIMESTAMP

    def render(self, dialect: Dialect) -> str:
        """The column definition for ``dialect``."""
        parts = [ddl_quote(self.name, dialect), self._type(dialect)]
        if dialect == "mysql" and self.collation:
            charset = self.collation.split("_", 1)[0]
            parts.append(f"CHARACTER SET {charset} COLLATE {self.collation}")
        elif dialect == "sqlite" and self.collation and self.collation.endswith("_ci"):
            parts.append("COLLATE NOCASE")
        if not self.null:
            parts.append("NOT NULL")
        if self.auto and dialect == "mysql":
            parts.append("AUTO_INCREMENT")
        elif self.auto and dialect == "postgresql":
            parts.append("GENERATED BY DEFAULT AS IDENTITY")
        if self.default is not None:
            parts.append(f"DEFAULT {self._literal(dialect)}")
        elif self.default_expr is not None:
            parts.append(f"DEFAULT {self.default_expr}")
        return " ".join(parts)

    def _literal(self, dialect: Dialect) -> str:
        value = self.default
        if isinstance(value, bool):
            return ("TRUE" if value else "FALSE") if dialect == "postgresql" else str(int(value))
        if isinstance(value, int):
            return str(value)
        return "'" + str(value).replace("'", "''") + "'"

    def _type(self, dialect: Dialect) -> str:
        kind = self.kind.lower()
        base = kind.split("(", 1)[0].split(" ", 1)[0]
        if dialect == "mysql":
            return {"bool": "TINYINT(1)", "datetimeoffset": "DATETIME(6)"}.get(kind, kind.upper())
        if base in _INT_PG:
            if dialect == "sqlite":
                return "INTEGER"
            return "BIGINT" if base == "int" and "unsigned" in kind else _INT_PG[base]
        if base in {"binary", "varbinary", "blob", "mediumblob", "longblob"}:
            return "BYTEA" if dialect == "postgresql" else "BLOB"
        if base in {"text", "mediumtext", "longtext"}:
            return "TEXT"
        if base == "json":
            return "JSON" if dialect == "postgresql" else "TEXT"
        if base == "bool":
            return "BOOLEAN"
        if base in {"datetime", "timestamp"}:
            return "TIMESTAMP" if dialect == "postgresql" else "DATETIME"
        if base == "datetimeoffset":
            return "TIMESTAMPTZ" if dialect == "postgresql" else "TEXT"
        if base == "decimal":
            return kind.upper()
        return kind.upper()  # varchar(n) / char(n)


@dataclass(frozen=True, slots=True)
class Index:
    """A (possibly unique) index on ``columns``."""

    name: str
    columns: tuple[str, ...]
    unique: bool = False


def create_table(
    table: str,
    columns: tuple[Column, ...],
    *,
    primary_key: tuple[str, ...],
    indexes: tuple[Index, ...],
    dialect: Dialect,
    mysql_collation: str = "utf8mb4_general_ci",
    lower_indexes: tuple[str, ...] = (),
) -> list[str]:
    """CREATE TABLE (+ CREATE INDEX) statements for ``dialect``.

    ``lower_indexes`` lists columns looked up with ``lower(col) = lower(%s)`` on PostgreSQL (the fallback
    step of a case-insensitive lookup): an expression index is added there so it stays an index scan.
    """
    q = lambda n: ddl_quote(n, dialect)  # noqa: E731
    defs = [c.render(dialect) for c in columns]
    defs.append(f"PRIMARY KEY ({', '.join(q(c) for c in primary_key)})")
    statements: list[str] = []
    if dialect == "mysql":
        for ix in indexes:
            kind = "UNIQUE KEY" if ix.unique else "KEY"
            defs.append(f"{kind} {q(ix.name)} ({', '.join(q(c) for c in ix.columns)})")
        charset = mysql_collation.split("_", 1)[0]
        tail = f" ENGINE=InnoDB DEFAULT CHARSET={charset} COLLATE={mysql_collation}"
    else:
        tail = ""
        for ix in indexes:
            unique = "UNIQUE " if ix.unique else ""
            cols = ", ".join(q(c) for c in ix.columns)
            statements.append(f"CREATE {unique}INDEX {q(f'{table}_{ix.name}')} ON {q(table)} ({cols})")
        if dialect == "postgresql":
            for col in lower_indexes:
                statements.append(f"CREATE INDEX {q(f'{table}_{col}_lower')} ON {q(table)} (lower({q(col)}))")
    body = ",\n  ".join(defs)
    return [f"CREATE TABLE {q(table)} (\n  {body}\n){tail}", *statements]


def table_columns_query(table: str, dialect: Dialect) -> Query:
    """The column names (``name``) of ``table`` as the lookups would resolve it (empty if not visible).

    MySQL: ``information_schema`` of the current database; PostgreSQL: ``pg_attribute`` of
    ``to_regclass`` of the quoted name (the search path decides, as for the lookups); SQLite:
    ``pragma_table_info``.
    """
    name = validate_identifier(table, "LEGACY_TABLE_PREFIX")
    if check_dialect(dialect) == "mysql":
        sql = ("SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS "
               "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s")
        return Query(sql, (name,))
    if dialect == "postgresql":
        sql = ("SELECT attname AS name FROM pg_attribute WHERE attrelid = to_regclass(%s) "
               "AND attnum > 0 AND NOT attisdropped")
        return Query(sql, (quote(name, dialect),))
    return Query("SELECT name FROM pragma_table_info(%s)", (name,))


# ---------------------------------------------------------------- lookups

Match = Literal["ci", "exact", "lower"]


@dataclass(frozen=True, slots=True)
class Lookup:
    """One way to find a user: ``column`` compared with the (normalised) login.

    ``match="ci"``: the app compares case-insensitively. On MySQL the app's own column collation decides
    (``col = %s``, index-friendly). On PostgreSQL and SQLite it is two steps (:meth:`steps`): ``col = %s``
    first (exact, uses the plain index, and what a case-sensitive app such as Django/Laravel/Symfony on
    PostgreSQL itself does), then, only when that finds nothing, ``lower(col) = lower(%s)``; the store
    refuses the fallback if it finds two rows (``Bob`` and ``bob``), so a login is never guessed.
    ``match="exact"``: ``col = %s`` everywhere (the app stores a normalised column and normalises the input,
    e.g. phpBB ``username_clean``, ASP.NET ``NormalizedUserName``).
    ``match="lower"``: ``lower(col) = lower(%s)`` everywhere, MySQL included (a case-insensitive lookup on a
    column whose MySQL collation is binary, e.g. phpBB ``user_email`` under ``utf8_bin``).
    ``max_length`` is the column's size in characters: a longer login cannot exist.
    ``uniform``: run this step even when an earlier one found the user (an unindexed fallback; see
    :class:`~legacy_auth.presets.base.Query`).
    """

    column: str
    max_length: int
    match: Match = "ci"
    uniform: bool = False

    def steps(self, dialect: Dialect) -> tuple[Lookup, ...]:
        """The lookups actually run for ``dialect``, in order: a ``ci`` lookup off MySQL becomes exact, then
        ``lower()`` (see the class docstring); every other lookup is itself."""
        if self.match == "ci" and dialect != "mysql":
            return (Lookup(self.column, self.max_length, "exact"), Lookup(self.column, self.max_length, "lower", True))
        return (self,)

    def condition(self, dialect: Dialect) -> str:
        """The WHERE condition with one ``%s`` placeholder (a ``ci`` lookup off MySQL: its ``lower()`` step)."""
        col = quote(self.column, dialect)
        if self.match == "lower" or (self.match == "ci" and dialect != "mysql"):
            return f"lower({col}) = lower(%s)"
        return f"{col} = %s"


def usable_login(login: object, max_length: int) -> str | None:
    """``login`` if a SQL driver can send it and a column of ``max_length`` characters could hold it.

    Empty strings, NUL characters (PostgreSQL text cannot hold them), lone surrogates (not encodable as
    UTF-8) and logins longer than the column give ``None``: such a user cannot exist.
    """
    if not isinstance(login, str) or not login or len(login) > max_length or "\x00" in login:
        return None
    try:
        login.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return login


PHP_TRIM = " \t\n\r\x00\x0b"


def php_trim(value: str) -> str:
    """PHP ``trim()``: strip space, tab, LF, CR, NUL and vertical tab from both ends."""
    return value.strip(PHP_TRIM)


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def looks_like_email(value: str) -> bool:
    """Loose ``local@domain`` check, close to WordPress ``is_email`` for the decision "try the email column"."""
    return bool(_EMAIL.fullmatch(value))

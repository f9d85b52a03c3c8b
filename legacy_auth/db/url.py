"""Database URLs: ``mysql://``, ``postgresql://`` and ``sqlite:///`` parsed into a :class:`DbUrl`.

The password is excluded from ``repr`` and from :meth:`DbUrl.redacted`, so a URL can be logged safely.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from urllib.parse import unquote, urlsplit

from legacy_auth.model import Dialect as Dialect  # re-exported

_SCHEMES: dict[str, Dialect] = {
    "mysql": "mysql",
    "mariadb": "mysql",
    "mysql+pymysql": "mysql",
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "postgresql+psycopg": "postgresql",
    "sqlite": "sqlite",
}
_DEFAULT_PORTS: dict[Dialect, int] = {"mysql": 3306, "postgresql": 5432, "sqlite": 0}


class DbUrlError(ValueError):
    """The URL cannot be parsed. The message never contains the password."""


@dataclass(frozen=True, slots=True)
class DbUrl:
    """Where a database is and how to log in to it.

    Attributes
    ----------
    dialect:
        ``mysql`` (MySQL / MariaDB, pymysql), ``postgresql`` (psycopg 3) or ``sqlite`` (sqlite3).
    host, port, user, database:
        Network location and names (``database`` is the file path for SQLite).
    password:
        Never shown by ``repr`` or :meth:`redacted`.
    """

    dialect: Dialect
    host: str = ""
    port: int = 0
    user: str = ""
    database: str = ""
    password: str | None = field(default=None, repr=False)

    def redacted(self) -> str:
        """The URL with the password replaced by ``***`` (safe for logs and error messages)."""
        if self.dialect == "sqlite":
            return f"sqlite:///{self.database}"
        auth = f"{self.user}:***@" if self.password else (f"{self.user}@" if self.user else "")
        return f"{self.dialect}://{auth}{self.host}:{self.port}/{self.database}"

    def with_password(self, password: str | None) -> DbUrl:
        """A copy with another password (rotated secret, IAM token)."""
        return replace(self, password=password)

    def __str__(self) -> str:
        return self.redacted()


def parse_db_url(url: str) -> DbUrl:
    """Parse a database URL.

    Parameters
    ----------
    url:
        ``mysql://user:pass@host:3306/db`` (also ``mariadb://``), ``postgresql://user:pass@host:5432/db``
        (also ``postgres://``), or ``sqlite:///relative/or//absolute/path``. User and password may be
        percent-encoded.

    Returns
    -------
    DbUrl

    Raises
    ------
    DbUrlError
        Unknown scheme, missing host or database name, bad port. The message names the problem, never
        the password.
    """
    if not url or not isinstance(url, str):
        raise DbUrlError("empty database URL")
    scheme, sep, _ = url.partition("://")
    if not sep:
        raise DbUrlError("database URL must look like scheme://...")
    dialect = _SCHEMES.get(scheme.lower())
    if dialect is None:
        raise DbUrlError(f"unsupported database URL scheme {scheme!r} (use mysql, postgresql or sqlite)")
    if dialect == "sqlite":
        path = url[len(scheme) + 3 :]
        if not path.startswith("/") or len(path) < 2:
            raise DbUrlError("sqlite URL must be sqlite:///path/to/file")
        # sqlite:///rel.db -> "rel.db"; sqlite:////abs.db -> "/abs.db"; ":memory:" is allowed too.
        return DbUrl(dialect="sqlite", database=unquote(path[1:]))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise DbUrlError("database URL has an invalid host or port") from None
    if not parts.hostname:
        raise DbUrlError("database URL has no host")
    database = unquote(parts.path.lstrip("/"))
    if not database or "/" in database:
        raise DbUrlError("database URL must name one database: scheme://user:pass@host:port/dbname")
    return DbUrl(
        dialect=dialect,
        host=parts.hostname,
        port=port or _DEFAULT_PORTS[dialect],
        user=unquote(parts.username or ""),
        password=unquote(parts.password) if parts.password is not None else None,
        database=database,
    )

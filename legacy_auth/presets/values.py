"""Read one column of a driver row whatever type the driver returned, or raise ``CorruptRowError``.

pymysql, psycopg 3 and sqlite3 disagree on types: BINARY comes back as ``bytes`` (pymysql, sqlite3) or
``bytes``/``memoryview`` (psycopg); DATETIME as ``datetime`` or ``str`` (sqlite3); TINYINT(1)/BOOLEAN as
``int`` or ``bool``; DECIMAL as ``Decimal``. A :class:`RowReader` normalises them and turns a missing column or
an impossible value into a typed :class:`~legacy_auth.errors.CorruptRowError` (never a ``KeyError``). Error
messages name the column, never the value.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from legacy_auth.errors import CorruptRowError

_TRUE = {"1", "t", "true", "y", "yes", "on", "\x01"}
_FALSE = {"", "0", "f", "false", "n", "no", "off", "\x00"}


class RowReader:
    """Typed accessors over one row (column name -> driver value) of app ``app``."""

    __slots__ = ("app", "row")

    def __init__(self, app: str, row: Mapping[str, Any]) -> None:
        if not isinstance(row, Mapping):
            raise CorruptRowError(app, "*", "row is not a mapping")
        self.app = app
        self.row = row

    def has(self, column: str) -> bool:
        """Whether the row carries ``column`` (optional columns such as WordPress multisite ``spam``)."""
        return column in self.row

    def raw(self, column: str) -> Any:
        """The driver value; ``CorruptRowError`` if the column is missing."""
        try:
            return self.row[column]
        except (KeyError, IndexError, TypeError):
            raise CorruptRowError(self.app, column, "missing") from None

    def _bad(self, column: str, reason: str) -> CorruptRowError:
        return CorruptRowError(self.app, column, reason)

    def text(self, column: str) -> str | None:
        """A text column; bytes are decoded as UTF-8; numbers become their decimal text."""
        value = self.raw(column)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, bytes | bytearray | memoryview):
            try:
                return bytes(value).decode("utf-8")
            except UnicodeDecodeError:
                raise self._bad(column, "is not UTF-8") from None
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            return str(value)
        raise self._bad(column, f"has unexpected type {type(value).__name__}")

    def required_text(self, column: str) -> str:
        """A text column that must not be NULL (primary keys)."""
        value = self.text(column)
        if value is None or value == "":
            raise self._bad(column, "is NULL or empty")
        return value

    def blank_is_none(self, column: str) -> str | None:
        """A text column where the app writes ``''`` for "none" (WordPress, Drupal, Joomla)."""
        value = self.text(column)
        return value if value else None

    def binary(self, column: str) -> bytes | None:
        """A BINARY/BLOB column as ``bytes`` (``str`` from a TEXT column is encoded as UTF-8)."""
        value = self.raw(column)
        if value is None or isinstance(value, bytes):
            return value
        if isinstance(value, bytearray | memoryview):
            return bytes(value)
        if isinstance(value, str):
            try:
                return value.encode("utf-8")
            except UnicodeEncodeError:
                raise self._bad(column, "is not encodable") from None
        raise self._bad(column, f"has unexpected type {type(value).__name__}")

    def integer(self, column: str, default: int | None = None) -> int | None:
        """An integer column (``bool``, ``Decimal``, digit strings and 1-byte BIT values accepted)."""
        value = self.raw(column)
        if value is None:
            return default
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, Decimal) and value == value.to_integral_value():
            return int(value)
        if isinstance(value, bytes | bytearray | memoryview):
            raw = bytes(value)
            if 0 < len(raw) <= 8:
                return int.from_bytes(raw, "big")  # MySQL BIT(n)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value.strip())
        raise self._bad(column, "is not an integer")

    def flag(self, column: str, default: bool = False) -> bool:
        """A boolean column (TINYINT(1), BOOLEAN, BIT(1), 't'/'f' text)."""
        value = self.raw(column)
        if value is None:
            return default
        if isinstance(value, str):
            lowered = value.strip().lower()
            if lowered in _TRUE:
                return True
            if lowered in _FALSE:
                return False
            raise self._bad(column, "is not a boolean")
        number = self.integer(column)
        return bool(number)

    def timestamp(self, column: str) -> datetime | None:
        """A DATETIME/TIMESTAMP(TZ) column as an aware UTC ``datetime`` (naive values are taken as UTC).

        MySQL zero dates (``0000-00-00 ...``, returned as ``None`` or as text) are ``None``. Unix
        timestamps (Drupal's INT columns) are accepted too.
        """
        value = self.raw(column)
        if value is None or value == "":
            return None
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        if isinstance(value, int) and not isinstance(value, bool):
            try:
                return datetime.fromtimestamp(value, UTC)
            except (OverflowError, OSError, ValueError):  # beyond what datetime holds: "forever" / "always"
                return (datetime.max if value > 0 else datetime.min).replace(tzinfo=UTC)
        if isinstance(value, bytes | bytearray | memoryview):
            value = bytes(value).decode("ascii", "replace")
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("0000-00-00"):
                return None
            try:
                parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise self._bad(column, "is not a date-time") from None
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        raise self._bad(column, f"has unexpected type {type(value).__name__}")

    def is_set(self, column: str) -> bool:
        """Whether a nullable date/text column holds a value (Devise ``confirmed_at``, ``locked_at``...)."""
        value = self.raw(column)
        if value is None or value == "" or value == b"":
            return False
        return not (isinstance(value, str) and value.startswith("0000-00-00"))


def in_future(moment: datetime | None, now: datetime | None = None) -> bool:
    """True if ``moment`` is later than ``now`` (default: the current UTC time)."""
    if moment is None:
        return False
    return moment > (now or datetime.now(UTC))

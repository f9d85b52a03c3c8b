"""Reading an app's user export file into rows of its preset's table (``legacy-auth load``).

Some legacy user bases are not SQL tables but export files (``firebase auth:export``, an LDIF dump). Their app
module declares a :data:`Loader`: a function reading the file as a stream and yielding one row per user, keyed
by the preset's column names; the CLI command writes those rows into the preset's table, which the trigger then
reads like any other app's table. Memory stays flat: a loader holds one record at a time.

A record the loader cannot read raises :class:`ExportFileError` naming where it is (line or record number) and
what is wrong, never its content (it may hold a hash).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import IO, Any, Protocol

from legacy_auth.errors import LegacyAuthError

Row = dict[str, Any]
Loader = Callable[[IO[str]], Iterator[Row]]
"""A text stream of the export file (UTF-8, universal newlines off) -> one row per user, preset column names."""



class TextSource(Protocol):
    """What a loader reads: a text file (``IO[str]``) or anything with ``read`` and line iteration."""

    def read(self, size: int = -1, /) -> str:
        """Up to ``size`` characters (``""`` at the end)."""
        ...

    def __iter__(self) -> Iterator[str]:
        """The lines, with their newlines."""
        ...


CHUNK = 1 << 16
MAX_RECORD_CHARS = 1 << 20


class ExportFileError(LegacyAuthError):
    """An export file cannot be read: ``where`` (``line 12``, ``record 3``) and ``reason`` (no file content)."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}" if where else reason)
        self.where = where
        self.reason = reason


_WS = re.compile(r"[ \t\r\n]*")


def json_array_items(stream: TextSource, key: str, *, max_chars: int = MAX_RECORD_CHARS) -> Iterator[tuple[int, Any]]:
    """The items of ``{"<key>": [item, ...]}`` read one at a time: ``(line where the item starts, item)``.

    Only that document shape is accepted (an object whose only member is the array, as ``firebase auth:export``
    writes it); anything else, a truncated file or an item over ``max_chars`` characters is
    :class:`ExportFileError`.
    """
    decoder = json.JSONDecoder()
    buf = ""
    pos = 0
    line = 1
    eof = False

    def fill() -> bool:
        nonlocal buf, pos, eof
        if eof:
            return False
        chunk = stream.read(CHUNK)
        if not chunk:
            eof = True
            return False
        buf = buf[pos:] + chunk
        pos = 0
        return True

    def skip_ws() -> None:
        nonlocal pos, line
        while True:
            end = _WS.match(buf, pos).end()  # type: ignore[union-attr]
            line += buf.count("\n", pos, end)
            pos = end
            if pos < len(buf) or not fill():
                return

    def expect(text: str, what: str) -> None:
        nonlocal pos
        skip_ws()
        while len(buf) - pos < len(text) and fill():
            pass
        if not buf.startswith(text, pos):
            raise ExportFileError(f"line {line}", f"expected {what}")
        pos += len(text)

    expect("{", 'a JSON object ({"' + key + '": [...]})')
    expect(json.dumps(key), f'the "{key}" member')
    expect(":", "':'")
    expect("[", "a JSON array")
    count = 0
    while True:
        skip_ws()
        if buf.startswith("]", pos):
            pos += 1
            break
        if count:
            if not buf.startswith(",", pos):
                raise ExportFileError(f"line {line}", "expected ',' or ']' after a record")
            pos += 1
            skip_ws()
        while True:
            try:
                item, end = decoder.raw_decode(buf, pos)
                break
            except json.JSONDecodeError:
                if len(buf) - pos > max_chars:
                    raise ExportFileError(f"line {line}", f"record over {max_chars:,} characters or not JSON") from None
                if not fill():
                    raise ExportFileError(f"line {line}", "truncated or malformed JSON record") from None
        count += 1
        yield line, item
        line += buf.count("\n", pos, end)
        pos = end
    expect("}", "'}' closing the document")
    skip_ws()
    if pos < len(buf):
        raise ExportFileError(f"line {line}", "unexpected content after the document")

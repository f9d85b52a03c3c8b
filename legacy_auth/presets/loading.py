"""Reading an app's user export file into rows of its preset's table (``legacy-auth load``).

Some legacy user bases are not SQL tables but export files (``firebase auth:export``, an LDIF dump). Their app
module declares a :data:`Loader`: a function reading the file as a stream and yielding one row per user, keyed
by the preset's column names; the CLI command writes those rows into the preset's table, which the trigger then
reads like any other app's table. Memory stays flat: a loader holds one record at a time.

A record the loader cannot read raises :class:`ExportFileError` naming where it is (line or record number) and
what is wrong, never its content (it may hold a hash).
"""

from __future__ import annotations

import base64
import binascii
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


# ---------------------------------------------------------------- LDIF (RFC 2849)

_ATTR = re.compile(r"([A-Za-z0-9][A-Za-z0-9.;-]*)(:<|::?)[ ]*(.*)", re.DOTALL)
_ATTR_START = re.compile(r"[A-Za-z0-9][A-Za-z0-9.;-]*:")


def ldif_entries(stream: TextSource, wanted: frozenset[str]) -> Iterator[tuple[int, str, dict[str, list[bytes]]]]:
    """The entries of an LDIF content file (RFC 2849) one at a time: ``(line of its dn, dn, attributes)``.

    Attributes are keyed by lower-case type without options (``userPassword;binary`` -> ``userpassword``); only
    the types in ``wanted`` (lower case) are kept, so a large ``jpegPhoto`` is skipped, never held. Values are
    bytes (``::`` base64 decoded). Comments, folded lines (a leading space continues the previous line) and
    ``version: 1`` are read as the RFC says; a ``:<`` URL value is refused (it would make the loader open a
    file or fetch a URL), as are change records other than ``changetype: add`` and malformed lines.
    """
    number = 0
    entry_line = 0
    dn: str | None = None
    attrs: dict[str, list[bytes]] = {}
    current: list[str] | None = None  # the logical line being unfolded (None: skipping a comment/unwanted one)
    current_line = 0
    skipping = False

    def finish_line() -> None:
        nonlocal dn, current, entry_line
        if current is None:
            return
        text = "".join(current)
        current = None
        where = f"line {current_line}"
        match = _ATTR.fullmatch(text)
        if match is None:
            raise ExportFileError(where, "not an LDIF 'attribute: value' line")
        description, kind, value = match.groups()
        name = description.split(";", 1)[0].lower()
        if kind == ":<":
            raise ExportFileError(where, "URL values (':<') are not read")
        if kind == "::":
            try:
                raw = base64.b64decode(value.strip(), validate=True)
            except (binascii.Error, ValueError):
                raise ExportFileError(where, f"{name}: base64 value is not valid") from None
        else:
            raw = value.rstrip(" ").encode("utf-8")
        if dn is None:
            if name == "version" and not attrs and entry_line == 0:
                return
            if name != "dn":
                raise ExportFileError(where, "an entry must start with 'dn:'")
            try:
                dn = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise ExportFileError(where, "dn is not UTF-8") from None
            entry_line = current_line
            return
        if name == "changetype" and raw.lower() != b"add":
            raise ExportFileError(where, "a change record, not a directory export (changetype other than add)")
        if name in wanted:
            attrs.setdefault(name, []).append(raw)

    def flush() -> tuple[int, str, dict[str, list[bytes]]] | None:
        nonlocal dn, attrs, entry_line
        finish_line()
        if dn is None:
            if attrs:
                raise ExportFileError(f"line {number}", "attributes without a dn")
            return None
        out = (entry_line, dn, attrs)
        dn, attrs, entry_line = None, {}, 0
        return out

    for raw_line in stream:
        number += 1
        line = raw_line.rstrip("\r\n")
        if line.startswith(" "):
            if skipping:
                continue
            if current is None:
                raise ExportFileError(f"line {number}", "a continuation line without a line to continue")
            current.append(line[1:])
            if sum(len(part) for part in current) > MAX_RECORD_CHARS:
                raise ExportFileError(f"line {current_line}", f"a value over {MAX_RECORD_CHARS:,} characters")
            continue
        finish_line()
        skipping = False
        if line == "":
            entry = flush()
            if entry is not None:
                yield entry
            continue
        if line.startswith("#"):
            skipping = True
            continue
        if not _ATTR_START.match(line):
            raise ExportFileError(f"line {number}", "not an LDIF 'attribute: value' line")
        name = line.split(":", 1)[0].split(";", 1)[0].lower()
        if dn is not None and name not in wanted and name != "changetype":
            skipping = True
            continue
        current, current_line = [line], number
    entry = flush()
    if entry is not None:
        yield entry

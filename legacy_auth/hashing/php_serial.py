"""A bounded parser for the scalar/array subset of PHP ``serialize()`` output (XenForo's
``xf_user_authenticate.data``).

Only ``N;``, ``b:0;``/``b:1;``, ``i:<int>;``, ``d:<float>;``, ``s:<len>:"<bytes>";`` and
``a:<count>:{<key><value>...}`` are understood. Objects (``O:``, ``C:``), references (``r:``, ``R:``) and
enums (``E:``) are refused: nothing is ever instantiated. Sizes are bounded (input length, element count,
string length, nesting depth) so a hostile row cannot make the parser allocate or loop without limit; every
refusal is a :class:`~legacy_auth.errors.CorruptHashError` (never an ``IndexError``/``ValueError``).

String lengths are **byte** counts, as PHP writes them; the input is parsed as bytes.
"""

from __future__ import annotations

import re

from legacy_auth.errors import CorruptHashError

MAX_INPUT_BYTES = 4096
MAX_ELEMENTS = 32
MAX_DEPTH = 3
_INT = re.compile(rb"-?\d{1,19}")
_FLOAT = re.compile(rb"-?(?:\d{1,30}(?:\.\d{1,30})?(?:[eE][+-]?\d{1,3})?|INF|NAN)")

PhpValue = None | bool | int | float | bytes | dict[object, object]


class _Parser:
    __slots__ = ("data", "pos", "scheme")

    def __init__(self, data: bytes, scheme: str) -> None:
        self.data = data
        self.pos = 0
        self.scheme = scheme

    def fail(self, reason: str) -> CorruptHashError:
        return CorruptHashError(self.scheme, f"serialized data: {reason}")

    def expect(self, token: bytes) -> None:
        if not self.data.startswith(token, self.pos):
            raise self.fail("unexpected token")
        self.pos += len(token)

    def until(self, stop: bytes, pattern: re.Pattern[bytes]) -> bytes:
        end = self.data.find(stop, self.pos, self.pos + 64)
        if end < 0:
            raise self.fail("unterminated number")
        text = self.data[self.pos : end]
        if pattern.fullmatch(text) is None:
            raise self.fail("bad number")
        self.pos = end + len(stop)
        return text

    def value(self, depth: int) -> PhpValue:
        tag = self.data[self.pos : self.pos + 2]
        if tag == b"N;":
            self.pos += 2
            return None
        self.pos += 2
        if tag == b"b:":
            flag = self.until(b";", re.compile(rb"[01]"))
            return flag == b"1"
        if tag == b"i:":
            return int(self.until(b";", _INT))
        if tag == b"d:":
            return float(self.until(b";", _FLOAT))
        if tag == b"s:":
            length = int(self.until(b":", re.compile(rb"\d{1,4}")))
            self.expect(b'"')
            end = self.pos + length
            if end > len(self.data):
                raise self.fail("string runs past the end")
            text = self.data[self.pos : end]
            self.pos = end
            self.expect(b'";')
            return text
        if tag == b"a:":
            if depth >= MAX_DEPTH:
                raise self.fail("nested too deep")
            count = int(self.until(b":", re.compile(rb"\d{1,3}")))
            if count > MAX_ELEMENTS:
                raise self.fail("too many elements")
            self.expect(b"{")
            out: dict[object, object] = {}
            for _ in range(count):
                key = self.value(MAX_DEPTH)  # keys are scalars: an array key is refused by depth
                if not isinstance(key, int | bytes) or isinstance(key, bool):
                    raise self.fail("array key is not an int or string")
                out[key] = self.value(depth + 1)
            self.expect(b"}")
            return out
        raise self.fail("unsupported type")


def php_unserialize(data: str | bytes, scheme: str) -> PhpValue:
    """Parse one serialized value (the whole input, nothing after it).

    Parameters
    ----------
    data : str | bytes
        ``serialize()`` output; ``str`` is encoded as UTF-8 (PHP lengths are byte counts).
    scheme : str
        Scheme name for errors.

    Returns
    -------
    None | bool | int | float | bytes | dict
        The value; strings stay ``bytes``, arrays become ``dict`` (keys ``int`` or ``bytes``).

    Raises
    ------
    CorruptHashError
        Anything outside the supported subset, over the size bounds, truncated, or with trailing data.
    """
    raw = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else bytes(data)
    if len(raw) > MAX_INPUT_BYTES:
        raise CorruptHashError(scheme, "serialized data: too long")
    parser = _Parser(raw, scheme)
    try:
        value = parser.value(0)
    except (ValueError, OverflowError):
        raise parser.fail("bad number") from None
    if parser.pos != len(raw):
        raise parser.fail("trailing data")
    return value

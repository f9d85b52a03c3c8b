"""Strict parsing of compact JWS tokens (RFC 7515 §7.1) before any cryptography.

Hand-written because PyJWT's ``jwt.decode`` spends ~100 µs per token in a per-character base64url check
(see docs/authorizer.md); one compiled regular expression gives the same strictness in about a microsecond.
"""

from __future__ import annotations

import binascii
import re
from typing import Any

from .errors import TokenRejectedError
from .strictjson import StrictJsonError, loads_object

# One non-empty unpadded base64url segment; nothing else (no '=', '+', '/', whitespace, NUL).
SEGMENT = re.compile(rb"[A-Za-z0-9_-]+")
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
# The final character of a canonical encoding leaves its unused low bits at zero (indexed by length % 4).
# None of these characters is one of '-', '_', '+', '/', so the sets hold before and after TO_STANDARD.
CANONICAL_LAST: tuple[frozenset[int], ...] = (
    frozenset(),
    frozenset(),
    frozenset(ord(c) for i, c in enumerate(_ALPHABET) if i % 16 == 0),
    frozenset(ord(c) for i, c in enumerate(_ALPHABET) if i % 4 == 0),
)
CANONICAL_LAST_CHARS: tuple[frozenset[str], ...] = tuple(frozenset(map(chr, chars)) for chars in CANONICAL_LAST)
# base64url -> standard base64; '+', '/' and '=' are deleted by the same translate (a length change rejects them).
TO_STANDARD = bytes.maketrans(b"-_", b"+/")
REJECTED = b"+/="
PADDING = (b"", b"", b"==", b"=")
a2b_base64 = binascii.a2b_base64

# Header parameters that change how the token must be processed; we support none of them.
FORBIDDEN_HEADER_PARAMS = ("crit", "b64", "enc", "zip", "cty")


def b64url_decode(segment: bytes) -> bytes:
    """Decode one unpadded base64url segment, strictly.

    Equivalent to matching ``[A-Za-z0-9_-]+`` and decoding, at C speed: ``+``, ``/`` and ``=`` are
    deleted by the translation (a length change rejects them) and ``a2b_base64(strict_mode=True)``
    rejects every other byte outside the alphabet.

    Parameters
    ----------
    segment:
        The segment bytes (ASCII).

    Returns
    -------
    bytes
        The decoded bytes.

    Raises
    ------
    TokenRejectedError
        Empty segment, a byte outside the base64url alphabet, an impossible length (``len % 4 == 1``)
        or non-canonical trailing bits.
    """
    size = len(segment)
    std = segment.translate(TO_STANDARD, REJECTED)
    rem = size & 3
    if len(std) != size or not size or rem == 1:
        raise TokenRejectedError("malformed", "base64url")
    if rem and segment[-1] not in CANONICAL_LAST[rem]:
        raise TokenRejectedError("malformed", "base64url trailing bits")
    try:
        return a2b_base64(std + PADDING[rem], strict_mode=True)
    except binascii.Error as exc:
        raise TokenRejectedError("malformed", "base64url") from exc


def decode_json_segment(segment: bytes, what: str) -> dict[str, Any]:
    """Decode a base64url JSON segment into an object, strictly (see ``strictjson``).

    Parameters
    ----------
    segment:
        The header or payload segment.
    what:
        ``"header"`` or ``"payload"``, used in the rejection reason.

    Returns
    -------
    dict
        The decoded object.
    """
    try:
        return loads_object(b64url_decode(segment))
    except StrictJsonError as exc:
        raise TokenRejectedError("malformed", what) from exc


def parse_header(segment: bytes, pinned_alg: str, max_kid_length: int) -> str:
    """Validate a protected header and return its ``kid``.

    Parameters
    ----------
    segment:
        The header segment.
    pinned_alg:
        The only accepted ``alg`` (the key's algorithm, ``RS256``); compared exactly.
    max_kid_length:
        Longest accepted ``kid``.

    Returns
    -------
    str
        The key id. ``jku``/``x5u``/``x5c``/``jwk`` are never followed: keys only come from configuration.

    Raises
    ------
    TokenRejectedError
        A wrong or missing ``alg``, a missing or odd ``kid``, ``crit``/``b64`` or a JWE header.
    """
    if SEGMENT.fullmatch(segment) is None:
        raise TokenRejectedError("malformed", "header")
    header = decode_json_segment(segment, "header")
    if header.get("alg") != pinned_alg or type(header["alg"]) is not str:
        raise TokenRejectedError("algorithm", "alg")
    for name in FORBIDDEN_HEADER_PARAMS:
        if name in header:
            raise TokenRejectedError("unsupported header", name)
    kid = header.get("kid")
    if type(kid) is not str or not kid or len(kid) > max_kid_length:
        raise TokenRejectedError("malformed", "kid")
    return kid

"""Strict base64 decoding shared by the parsers (standard alphabet; PHC strings omit the ``=`` padding)."""

from __future__ import annotations

import base64
import binascii
import re

_STD = re.compile(r"[A-Za-z0-9+/]*={0,2}")


def b64decode_strict(text: str, *, padded: bool) -> bytes | None:
    """Standard-alphabet base64 of ``text``; ``None`` when it is not canonical base64.

    ``padded=False`` reads PHC's unpadded form (the padding is restored before decoding).
    """
    if not _STD.fullmatch(text) or (not padded and "=" in text):
        return None
    if not padded:
        text += "=" * (-len(text) % 4)
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    encoded = base64.b64encode(raw).decode("ascii")
    return raw if encoded == text else None  # canonical only: no stray bits in the last character

"""Strict base64 decoding shared by the parsers (standard alphabet; PHC strings omit the ``=`` padding)."""

from __future__ import annotations

import binascii


def b64decode_strict(text: str, *, padded: bool) -> bytes | None:
    """Standard-alphabet base64 of ``text``; ``None`` unless it is canonical base64.

    ``binascii``'s strict mode refuses characters outside the alphabet and misplaced padding; the re-encoding
    check then refuses stray bits in the last character, so one stored value has one reading. ``padded=False``
    reads PHC's unpadded form (the padding is restored before decoding; ``=`` in the text is refused).
    """
    if not padded:
        if "=" in text:
            return None
        text += "=" * (-len(text) % 4)
    try:
        data = text.encode("ascii")
        raw = binascii.a2b_base64(data, strict_mode=True)
    except (UnicodeEncodeError, binascii.Error, ValueError):
        return None
    return raw if binascii.b2a_base64(raw, newline=False) == data else None

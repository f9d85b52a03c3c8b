"""Independent reference implementations of the phpass family, written out from the legacy apps' own code.

Shared by the property tests (round trips against ``legacy_auth.hashing``) and the hash benchmark (its raw
baseline): neither may use our own scheme code to check our own scheme code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def phpass_loop(new: Callable[[bytes], Any], salt: bytes, pw: bytes, count: int) -> bytes:
    """class-phpass ``crypt_private``'s stretching loop: ``h = H(salt . pw)``, then ``count`` times ``H(h . pw)``."""
    h = new(salt + pw).digest()
    for _ in range(count):
        h = new(h + pw).digest()
    return h


def b64_phpass(data: bytes) -> str:
    """phpass ``encode64`` (written out from class-phpass.php)."""
    out, i, n = [], 0, len(data)
    while i < n:
        value = data[i]
        i += 1
        out.append(ITOA64[value & 0x3F])
        if i < n:
            value |= data[i] << 8
        out.append(ITOA64[(value >> 6) & 0x3F])
        if i >= n:
            break
        i += 1
        if i < n:
            value |= data[i] << 16
        out.append(ITOA64[(value >> 12) & 0x3F])
        if i >= n:
            break
        i += 1
        out.append(ITOA64[(value >> 18) & 0x3F])
    return "".join(out)


def phpass_style(algo: str, pw: bytes, ident: str, log2: int, salt: str) -> str:
    """class-phpass ``crypt_private`` / Drupal ``_password_crypt`` (Drupal truncates to 55 characters)."""
    h = phpass_loop(getattr(hashlib, algo), salt.encode(), pw, 1 << log2)
    return (f"{ident}{ITOA64[log2]}{salt}" + b64_phpass(h))[:55]

"""Bounded primitives shared by the identity-server, export and framework schemes (issue 15).

Every stored value carries its own cost (PBKDF2 iterations, scrypt N/r/p, sha-crypt rounds); a hostile or
broken row must not make the Lambda run past Cognito's 5-second trigger limit. The caps below were chosen
from ``hashlib`` figures measured on the development machine (2 shared cores, 2026-12): PBKDF2-HMAC-SHA1
0.54 µs, -SHA256 0.61 µs, -SHA512 1.6 µs per iteration; scrypt N=2^14, r=8 in 0.13 s. A cap keeps one
verification near 1.5 s here, leaving room for a slower Lambda CPU and the database round trip. Anything
beyond is :class:`~legacy_auth.errors.CorruptHashError` (no real deployment of these apps uses such costs:
Keycloak's highest default is 210,000 PBKDF2-SHA512 iterations, Werkzeug's scrypt default N=2^15, r=8).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re

from legacy_auth.errors import CorruptHashError

#: highest PBKDF2 iteration count we verify, per PRF (about 1.1-1.6 s here)
PBKDF2_MAX_ITERATIONS = {
    "sha1": 2_000_000, "sha224": 2_000_000, "sha256": 2_000_000, "sha384": 1_000_000, "sha512": 1_000_000,
}
#: scrypt caps: N*r*p at most 2^21 (about 2 s here) and 128*N*r bytes of memory at most 256 MiB
SCRYPT_MAX_WORK = 1 << 21
SCRYPT_MAX_MEMORY = 256 * 1024 * 1024
#: longest derived key any of these formats stores (389-ds's legacy {PBKDF2_SHA256} keeps 256 bytes)
MAX_DKLEN = 256
_B64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")


def pbkdf2(prf: str, pw: bytes, salt: bytes, iterations: int, dklen: int, scheme: str) -> bytes:
    """PBKDF2-HMAC-``prf`` with the iteration count and key length checked first.

    The work is ``iterations`` x the number of digest-size blocks in ``dklen`` (each block is a full run).

    Raises
    ------
    CorruptHashError
        ``iterations`` x blocks is not in ``1..PBKDF2_MAX_ITERATIONS[prf]`` or ``dklen`` not in ``1..MAX_DKLEN``.
    """
    blocks = -(-dklen // hashlib.new(prf).digest_size)
    if not 0 < iterations * blocks <= PBKDF2_MAX_ITERATIONS[prf] or not 0 < dklen <= MAX_DKLEN:
        raise CorruptHashError(scheme, "iteration count or key length out of range")
    return hashlib.pbkdf2_hmac(prf, pw, salt, iterations, dklen)


def scrypt(pw: bytes, salt: bytes, n: int, r: int, p: int, dklen: int, scheme: str) -> bytes:
    """scrypt with N (a power of two > 1), r, p and memory checked against the caps first.

    Raises
    ------
    CorruptHashError
        A parameter is out of range.
    """
    if not (n > 1 and n & (n - 1) == 0 and r > 0 and p > 0 and 0 < dklen <= MAX_DKLEN):
        raise CorruptHashError(scheme, "scrypt parameters out of range")
    if n * r * p > SCRYPT_MAX_WORK or 128 * n * r > SCRYPT_MAX_MEMORY:
        raise CorruptHashError(scheme, "scrypt parameters beyond what a trigger can verify in time")
    maxmem = 128 * r * (n + p + 2) + (1 << 20)
    return hashlib.scrypt(pw, salt=salt, n=n, r=r, p=p, maxmem=maxmem, dklen=dklen)


def b64decode(text: str, scheme: str, *, altchars: bytes | None = None, pad: bool = False) -> bytes:
    """Strict base64 (standard or ``altchars`` alphabet); ``pad=True`` restores omitted ``=`` padding.

    Raises
    ------
    CorruptHashError
        ``text`` is not base64.
    """
    if altchars is not None:
        text = text.translate(str.maketrans(altchars.decode("ascii"), "+/"))
    if pad:
        if len(text) % 4 == 1:
            raise CorruptHashError(scheme, "not base64")
        text += "=" * (-len(text) % 4)
    if _B64.fullmatch(text) is None:
        raise CorruptHashError(scheme, "not base64")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise CorruptHashError(scheme, "not base64") from None

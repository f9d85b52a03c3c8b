"""SCRYPT: a stored scrypt hash read into its exact parameters (N, r, p, salt, digest).

Accepted: Django ``scrypt$<N>$<salt>$<r>$<p>$<base64 digest>`` (``django.contrib.auth.hashers.ScryptPasswordHasher``:
the salt is **text**, used as its UTF-8 bytes; the digest is 64 bytes), the only scrypt form
:mod:`legacy_auth.hashing` verifies. Bounds are the trigger's: N a power of two up to 2^20, r 1-32, p 1-64.

Cognito encoding: **not documented by AWS** (``docs/strategy.md``): neither the field layout nor Cognito's
N/r/p/key-length limits; no CSV value is produced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from legacy_auth.importing._b64 import b64decode_strict
from legacy_auth.importing.errors import HashNotImportableError

ALGORITHM = "SCRYPT"
MAX_N = 1 << 20
_DJANGO = re.compile(r"scrypt\$(\d{1,8})\$([^$]+)\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9+/]+={0,2})")


@dataclass(frozen=True, slots=True)
class ScryptHash:
    """scrypt parameters: ``digest == hashlib.scrypt(pw, salt=salt, n=n, r=r, p=p, dklen=len(digest))``."""

    n: int
    r: int
    p: int
    salt: bytes
    digest: bytes

    def __repr__(self) -> str:  # never print the salt or digest
        return f"ScryptHash(n={self.n}, r={self.r}, p={self.p})"


def parse(stored: str) -> ScryptHash:
    """``stored`` as a :class:`ScryptHash`.

    Raises
    ------
    HashNotImportableError
        ``not_this_algorithm``, ``malformed``, ``parameters_out_of_range``.
    """
    if not stored.startswith("scrypt$"):
        raise HashNotImportableError(ALGORITHM, "not_this_algorithm")
    m = _DJANGO.fullmatch(stored)
    if m is None:
        raise HashNotImportableError(ALGORITHM, "malformed")
    n, salt, r, p, b64 = int(m.group(1)), m.group(2), int(m.group(3)), int(m.group(4)), m.group(5)
    digest = b64decode_strict(b64, padded=True)
    if digest is None or len(digest) != 64:
        raise HashNotImportableError(ALGORITHM, "malformed")
    if not (1 < n <= MAX_N and n & (n - 1) == 0 and 0 < r <= 32 and 0 < p <= 64):
        raise HashNotImportableError(ALGORITHM, "parameters_out_of_range")
    return ScryptHash(n, r, p, salt.encode("utf-8"), digest)

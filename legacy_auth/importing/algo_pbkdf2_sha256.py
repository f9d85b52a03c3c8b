"""PBKDF2_SHA256: a stored PBKDF2-HMAC-SHA256 hash read into its exact parameters (iterations, salt, digest).

Accepted forms (both parsed by :mod:`legacy_auth.hashing`):

- Django ``pbkdf2_sha256$<iterations>$<salt>$<base64 digest>``: the salt is **text**, used as its UTF-8 bytes
  (``django.contrib.auth.hashers.PBKDF2PasswordHasher``); the digest is 32 bytes;
- ASP.NET Core Identity v3 (base64 of ``0x01 | prf u32 | iterations u32 | salt length u32 | salt | subkey``)
  with PRF 1 (HMAC-SHA256) only: PRF 0 (SHA-1) and 2 (SHA-512) are other algorithms.

Iterations 1 to 10,000,000 (the trigger's bound, :data:`legacy_auth.hashing.kdf_schemes.MAX_PBKDF2_ITERATIONS`).

Cognito encoding: **not documented by AWS** (``docs/strategy.md``): neither the field layout nor Cognito's
iteration, salt and key-length limits; no CSV value is produced.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from legacy_auth.importing._b64 import b64decode_strict
from legacy_auth.importing.errors import HashNotImportableError

ALGORITHM = "PBKDF2_SHA256"
MAX_ITERATIONS = 10_000_000
_DJANGO = re.compile(r"pbkdf2_sha256\$(\d{1,8})\$([^$]+)\$([A-Za-z0-9+/]+={0,2})")
_ASPNET_SHA256 = 1


@dataclass(frozen=True, slots=True)
class Pbkdf2Sha256Hash:
    """PBKDF2-HMAC-SHA256 parameters: ``digest == pbkdf2_hmac("sha256", pw, salt, iterations, len(digest))``."""

    iterations: int
    salt: bytes
    digest: bytes
    source: str  # the scheme it was read from: "django_pbkdf2_sha256" | "aspnet_identity_v3"

    def __repr__(self) -> str:  # never print the salt or digest
        return f"Pbkdf2Sha256Hash(iterations={self.iterations}, source={self.source!r})"


def _django(stored: str) -> Pbkdf2Sha256Hash:
    m = _DJANGO.fullmatch(stored)
    if m is None:
        raise HashNotImportableError(ALGORITHM, "malformed")
    digest = b64decode_strict(m.group(3), padded=True)
    if digest is None or len(digest) != 32:
        raise HashNotImportableError(ALGORITHM, "malformed")
    return Pbkdf2Sha256Hash(int(m.group(1)), m.group(2).encode("utf-8"), digest, "django_pbkdf2_sha256")


def _aspnet(stored: str) -> Pbkdf2Sha256Hash:
    raw = b64decode_strict(stored, padded=True)
    if raw is None or len(raw) < 13 or raw[0] != 1:
        raise HashNotImportableError(ALGORITHM, "malformed")
    prf, iterations, salt_len = struct.unpack(">III", raw[1:13])
    if prf != _ASPNET_SHA256:
        raise HashNotImportableError(ALGORITHM, "not_this_algorithm")
    salt, subkey = raw[13 : 13 + salt_len], raw[13 + salt_len :]
    if len(salt) != salt_len or salt_len < 16 or len(subkey) < 16:
        raise HashNotImportableError(ALGORITHM, "malformed")
    return Pbkdf2Sha256Hash(iterations, salt, subkey, "aspnet_identity_v3")


def parse(stored: str) -> Pbkdf2Sha256Hash:
    """``stored`` as a :class:`Pbkdf2Sha256Hash`.

    Raises
    ------
    HashNotImportableError
        ``not_this_algorithm`` (another format or PRF), ``malformed``, ``parameters_out_of_range`` (iterations).
    """
    if stored.startswith("pbkdf2_sha256$"):
        parsed = _django(stored)
    elif stored.startswith("AQAAAA"):  # base64 of 0x01 0x00 0x00 0x00 (v3 marker, PRF high bytes)
        parsed = _aspnet(stored)
    else:
        raise HashNotImportableError(ALGORITHM, "not_this_algorithm")
    if not 0 < parsed.iterations <= MAX_ITERATIONS:
        raise HashNotImportableError(ALGORITHM, "parameters_out_of_range")
    return parsed

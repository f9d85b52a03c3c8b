"""BCRYPT: a stored bcrypt hash read into its exact parameters (cost, 22-character salt, 31-character checksum).

Accepted: the modular-crypt forms ``$2a$``, ``$2b$`` and ``$2y$`` (PHP ``password_hash``, Laravel, Joomla,
bcrypt-ruby, Python ``bcrypt``) with a cost of 04 to 17, the range the UserMigration trigger verifies
(:data:`legacy_auth.hashing.bcrypt_schemes.BCRYPT_RE`). ``$2$`` and ``$2x$`` (crypt_blowfish's buggy-8-bit marker)
are refused. ``$2a$``, ``$2b$`` and ``$2y$`` compute the same hash for passwords under 256 bytes (OpenBSD's
2014 ``$2b$`` fix concerns a length counter wrapping past 255; crypt_blowfish's ``$2y$`` is the correct
algorithm, equal to ``$2b$``).

Cognito encoding: **not documented by AWS** (``docs/strategy.md``): whether Cognito accepts each variant, its
cost range and whether it truncates at 72 bytes as crypt_blowfish does are unknown, so no CSV value is produced
(:func:`legacy_auth.importing.algorithms.cognito_encoding` refuses).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from legacy_auth.importing.errors import HashNotImportableError

ALGORITHM = "BCRYPT"
MIN_COST, MAX_COST = 4, 17
_B64 = r"[./A-Za-z0-9]"
_FORM = re.compile(rf"\$(2[aby])\$(\d\d)\$({_B64}{{22}})({_B64}{{31}})")


@dataclass(frozen=True, slots=True)
class BcryptHash:
    """A bcrypt hash's parameters (bcrypt's own base64 alphabet, kept verbatim)."""

    variant: str
    cost: int
    salt: str
    checksum: str = ""

    def __repr__(self) -> str:  # never print the salt or checksum
        return f"BcryptHash(variant={self.variant!r}, cost={self.cost})"

    def modular_crypt(self) -> str:
        """The value in modular-crypt form, exactly as parsed (the variant included)."""
        return f"${self.variant}${self.cost:02d}${self.salt}{self.checksum}"


def parse(stored: str) -> BcryptHash:
    """``stored`` as a :class:`BcryptHash`.

    Raises
    ------
    HashNotImportableError
        ``not_this_algorithm`` (not modular-crypt bcrypt, or ``$2$``/``$2x$``), ``malformed`` (wrong length or
        alphabet), ``parameters_out_of_range`` (cost outside 04-17).
    """
    if not stored.startswith(("$2a$", "$2b$", "$2y$")):
        raise HashNotImportableError(ALGORITHM, "not_this_algorithm")
    m = _FORM.fullmatch(stored)
    if m is None:
        raise HashNotImportableError(ALGORITHM, "malformed")
    variant, cost, salt, checksum = m.groups()
    if not MIN_COST <= int(cost) <= MAX_COST:
        raise HashNotImportableError(ALGORITHM, "parameters_out_of_range")
    return BcryptHash(variant, int(cost), salt, checksum)

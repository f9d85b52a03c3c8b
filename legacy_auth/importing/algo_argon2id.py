"""ARGON2ID: a stored argon2id hash read into its exact parameters (version, m, t, p, salt, digest).

Accepted: PHC strings ``$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>`` (PHP ``password_hash``,
libsodium, argon2-cffi; unpadded standard base64) and Django's ``argon2$argon2id$...``. A PHC string without
``v=`` is version 0x10 (argon2-cffi's reading). argon2i and argon2d are other algorithms (refused as
``not_this_algorithm``); Magento's hex chain is not a hash of the password (``docs/strategy.md``). Bounds are
the trigger's: memory up to 1 GiB, at most 32 passes (:mod:`legacy_auth.hashing.kdf_schemes`).

Cognito encoding: **not documented by AWS** (``docs/strategy.md``): whether version 0x10 is accepted and the
parameter limits are unknown; no CSV value is produced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from legacy_auth.importing._b64 import b64decode_strict
from legacy_auth.importing.errors import HashNotImportableError

ALGORITHM = "ARGON2ID"
MAX_MEMORY_KIB = 1 << 20
MAX_TIME = 32
MAX_LANES = 255
_PHC = re.compile(
    r"\$argon2id\$(?:v=(\d{1,3})\$)?m=(\d{1,8}),t=(\d{1,4}),p=(\d{1,3})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)"
)
_VERSIONS = frozenset({0x10, 0x13})


@dataclass(frozen=True, slots=True)
class Argon2idHash:
    """argon2id parameters: ``digest == argon2id(pw, salt, t, m, p, len(digest), version)``."""

    version: int
    memory_kib: int
    time_cost: int
    parallelism: int
    salt: bytes
    digest: bytes

    def __repr__(self) -> str:  # never print the salt or digest
        return (f"Argon2idHash(version={self.version:#x}, memory_kib={self.memory_kib}, time_cost={self.time_cost}, "
                f"parallelism={self.parallelism})")


def parse(stored: str) -> Argon2idHash:
    """``stored`` as an :class:`Argon2idHash`.

    Raises
    ------
    HashNotImportableError
        ``not_this_algorithm`` (argon2i/argon2d, other formats), ``malformed``, ``parameters_out_of_range``.
    """
    phc = stored[len("argon2") :] if stored.startswith("argon2$") else stored
    if not phc.startswith("$argon2id$"):
        raise HashNotImportableError(ALGORITHM, "not_this_algorithm")
    m = _PHC.fullmatch(phc)
    if m is None:
        raise HashNotImportableError(ALGORITHM, "malformed")
    version_s, mem_s, time_s, lanes_s, salt_s, hash_s = m.groups()
    salt = b64decode_strict(salt_s, padded=False)
    digest = b64decode_strict(hash_s, padded=False)
    if salt is None or digest is None or len(salt) < 8 or len(digest) < 4:
        raise HashNotImportableError(ALGORITHM, "malformed")
    version = int(version_s) if version_s is not None else 0x10
    memory, passes, lanes = int(mem_s), int(time_s), int(lanes_s)
    if version not in _VERSIONS:
        raise HashNotImportableError(ALGORITHM, "malformed")
    if not (1 <= lanes <= MAX_LANES and 8 * lanes <= memory <= MAX_MEMORY_KIB and 1 <= passes <= MAX_TIME):
        raise HashNotImportableError(ALGORITHM, "parameters_out_of_range")
    return Argon2idHash(version, memory, passes, lanes, salt, digest)

"""Unix ``crypt(3)`` formats: MD5-crypt ``$1$``, SHA-256-crypt ``$5$`` and SHA-512-crypt ``$6$`` (issue 15).

Used by PHP ``crypt()``/``password_verify`` (a home-grown PHP app), OpenLDAP ``{CRYPT}`` (glibc/libxcrypt
``crypt``) and passlib's ``md5_crypt``/``sha256_crypt``/``sha512_crypt``. Verification is what PHP and glibc do:
recompute ``crypt(password, stored)`` and compare the **whole** output string with the stored one (PHP
``password_verify``: ``hash_equals(crypt(pw, hash), hash)``), so every parsing quirk answers as they answer:

- the password is a C string: only the bytes before the first NUL count (PHP ``php_sha512_crypt_r`` and
  ``php_md5_crypt_r`` take ``strlen(key)``; glibc likewise);
- ``$5$``/``$6$``: ``rounds=<n>$`` is read with ``strtoul`` and clamped to 1,000..999,999,999; the output
  writes ``rounds=<clamped n>$`` only when the stored value had it (so ``rounds=500`` or ``rounds=05000``
  never match: the recomputed string differs); the salt is at most 16 characters up to the next ``$``;
- ``$1$``: the salt is at most 8 characters up to the next ``$``; 1,000 fixed iterations.

Deviation (fail closed): PHP and glibc accept any salt byte but ``$`` (PHP 8.2.36 verifies
``$6$rounds=20000$üsalt$...``); we refuse a non-ASCII salt with :class:`CorruptHashError` (no generator makes one).

The digest loops are libpass 1.9.4's ``_raw_sha2_crypt``/``_raw_md5_crypt`` (pure Python, the same code libpass's
own ``builtin`` backend runs; Python 3.13, the Lambda runtime, has no ``crypt`` module). libpass's public
handlers are not used because they refuse passwords over 4096 bytes and NUL bytes, where PHP and glibc
answer (PHP has no length limit; NUL truncates). SHA-crypt's work grows with rounds x password length: a
stored value asking for more than :data:`MAX_SHA_CRYPT_WORK` (rounds x 128-byte password blocks, about 2 s
here) is refused as :class:`CorruptHashError`, so nothing runs past Cognito's 5-second limit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from passlib.handlers.md5_crypt import _raw_md5_crypt
from passlib.handlers.sha2_crypt import _raw_sha2_crypt

from legacy_auth.errors import CorruptHashError
from legacy_auth.hashing import cost
from legacy_auth.hashing.base import Scheme, Strength, consteq

SHA_ROUNDS_DEFAULT = 5000
SHA_ROUNDS_MIN = 1000
SHA_ROUNDS_MAX = 999_999_999
#: rounds x (1 + len(password) // 128) we verify: 1,000,000 sha512-crypt rounds of a short password took 2.2 s here
MAX_SHA_CRYPT_WORK = 1_000_000
_H64 = r"[./0-9A-Za-z]"
MD5_CRYPT_RE = re.compile(rf"\$1\$[^$]{{0,8}}\${_H64}{{22}}")
SHA256_CRYPT_RE = re.compile(rf"\$5\$(?:rounds=\d{{1,10}}\$)?[^$]{{0,16}}\${_H64}{{43}}")
SHA512_CRYPT_RE = re.compile(rf"\$6\$(?:rounds=\d{{1,10}}\$)?[^$]{{0,16}}\${_H64}{{86}}")
_ROUNDS = re.compile(r"rounds=(\d{1,10})\$")


def c_string(pw: bytes) -> bytes:
    """The bytes a C ``crypt()`` sees: up to the first NUL."""
    nul = pw.find(b"\0")
    return pw if nul < 0 else pw[:nul]


def _ascii_salt(salt: str, scheme: str) -> str:
    # PHP and glibc take any byte but "$"; the libpass loops take ASCII only. Every salt PHP and glibc generate
    # is ./0-9A-Za-z: a non-ASCII salt (hand-made) is refused rather than answered differently.
    if not salt.isascii():
        raise CorruptHashError(scheme, "salt is not ASCII")
    return salt


def md5_crypt(pw: bytes, stored: str) -> str:
    """``crypt(pw, stored)`` for a ``$1$`` setting (``pw`` already a C string)."""
    salt = _ascii_salt(stored[3:].split("$", 1)[0][:8], "md5_crypt")
    return f"$1${salt}${_raw_md5_crypt(pw, salt)}"


def sha_crypt_rounds(stored: str) -> tuple[int, bool, str]:
    """``(rounds, explicit, rest)`` of a ``$5$``/``$6$`` value: clamped rounds, whether ``rounds=`` was given,
    and the text after it."""
    rest = stored[3:]
    m = _ROUNDS.match(rest)
    if m is None:
        return SHA_ROUNDS_DEFAULT, False, rest
    rounds = min(max(int(m.group(1)), SHA_ROUNDS_MIN), SHA_ROUNDS_MAX)
    return rounds, True, rest[m.end() :]


def sha_crypt(pw: bytes, stored: str, scheme: str) -> str:
    """``crypt(pw, stored)`` for a ``$5$``/``$6$`` setting (``pw`` already a C string).

    Raises
    ------
    CorruptHashError
        The work (rounds x password blocks) is beyond what a trigger can verify in time.
    """
    rounds, explicit, rest = sha_crypt_rounds(stored)
    if rounds * (1 + len(pw) // 128) > MAX_SHA_CRYPT_WORK:
        raise CorruptHashError(scheme, "rounds beyond what a trigger can verify in time")
    salt = _ascii_salt(rest.split("$", 1)[0][:16], scheme)
    ident = stored[:3]
    checksum = _raw_sha2_crypt(pw, salt, rounds, ident == "$6$")
    return f"{ident}{f'rounds={rounds}$' if explicit else ''}{salt}${checksum}"


def crypt_check(pw: bytes, stored: str, scheme: str) -> bool:
    """PHP/glibc: ``crypt(pw, stored) == stored`` (constant time) for ``$1$``, ``$5$``, ``$6$``."""
    secret = c_string(pw)
    out = md5_crypt(secret, stored) if stored.startswith("$1$") else sha_crypt(secret, stored, scheme)
    return consteq(out, stored)


def _check_md5(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    return crypt_check(pw, stored, "md5_crypt")


def _check_sha256(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    return crypt_check(pw, stored, "sha256_crypt")


def _check_sha512(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    return crypt_check(pw, stored, "sha512_crypt")


def grade_sha_crypt(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
    """sha-crypt: never strong (an iterated fast digest); ``acceptable`` from 2^15 sha512 rounds."""
    rounds, _explicit, _rest = sha_crypt_rounds(stored)
    algo = "sha512" if stored.startswith("$6$") else "sha256"
    return cost.digest_rounds_grade("sha512", rounds, f"{algo},rounds={rounds}")


MD5_CRYPT = Scheme("md5_crypt", Strength.WEAK, True, _check_md5, ("$1$",), MD5_CRYPT_RE)
SHA256_CRYPT = Scheme(
    "sha256_crypt", Strength.ACCEPTABLE, True, _check_sha256, ("$5$",), SHA256_CRYPT_RE, grade_sha_crypt
)
SHA512_CRYPT = Scheme(
    "sha512_crypt", Strength.ACCEPTABLE, True, _check_sha512, ("$6$",), SHA512_CRYPT_RE, grade_sha_crypt
)

ALL = (MD5_CRYPT, SHA256_CRYPT, SHA512_CRYPT)

"""Spring Security's ``DelegatingPasswordEncoder`` formats (issue 15).

**Spring Security** (spring-projects/spring-security ``crypto``, 7.1.x, ``PasswordEncoderFactories``):
``{id}encoded`` where ``id`` picks the encoder. Every id's default encoder is reproduced:

- ``{bcrypt}``: Spring's own ``BCrypt`` (jBCrypt with crypt_blowfish's ``$2a$`` safety) behind
  ``BCryptPasswordEncoder``'s pattern ``\\$2(a|y|b)?\\$``: ``$2x$`` answers false; the UTF-8 password **without**
  C-string truncation (a NUL byte is key material), first 72 bytes of the key stream;
- ``{pbkdf2}`` (``defaultsForSpringSecurity_v5_5``: HmacSHA1, 185,000 iterations, 8-byte salt, 256-bit key) and
  ``{pbkdf2@SpringSecurity_v5_8}`` (HmacSHA256, 310,000, 16-byte salt): hex of ``salt + key``, secret ``""``;
- ``{scrypt}`` (``v4_1``: 32-byte key) and ``{scrypt@SpringSecurity_v5_8}``: ``$<hex params>$<b64 salt>$<b64 key>``
  with ``params = log2(N) << 16 | r << 8 | p`` (N, r, p read from the value, key length from the encoder);
- ``{argon2}``/``{argon2@SpringSecurity_v5_8}``: PHC strings (BouncyCastle, any type), hash length from the value;
- ``{sha256}`` (``StandardPasswordEncoder``: hex of an 8-byte salt + SHA-256 iterated 1,024 times over
  ``salt + password``), ``{MD5}``/``{SHA-1}``/``{SHA-256}`` (``MessageDigestPasswordEncoder``:
  ``{salt}`` + hex digest of ``password + "{salt}"``), ``{ldap}`` (``LdapShaPasswordEncoder`` ``{SSHA}``/``{SHA}``);
- ``{noop}`` (plain text), ``{ldap}`` without a ``{SHA}`` tag (plain text compare) and ``{MD4}`` are refused
  with :class:`CorruptHashError`. Spring refuses an empty password (``AbstractValidatingPasswordEncoder``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from typing import Any

import bcrypt

from legacy_auth.errors import CorruptHashError
from legacy_auth.hashing import bounded, cost
from legacy_auth.hashing.base import Scheme, Strength, consteq
from legacy_auth.hashing.blowfish_compat import needs_2a_safety
from legacy_auth.hashing.kdf_schemes import argon2_check, grade_argon2
from legacy_auth.hashing.ldap_schemes import BY_TAG as LDAP_BY_TAG

_BCRYPT_COST_MAX = 17  # as bcrypt_schemes: higher costs take 30 s .. days here

# ---------------------------------------------------------------- Spring Security DelegatingPasswordEncoder

_SPRING_ID = re.compile(r"\{([^{}]*)\}")
_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")


def spring_split(stored: str) -> tuple[str, str]:
    """``(id, encoded)`` as ``DelegatingPasswordEncoder.extractId``/``extractEncodedPassword`` read them."""
    m = _SPRING_ID.match(stored)
    if m is None:
        raise CorruptHashError("spring_id", "no {id} prefix")
    return m.group(1), stored[m.end() :]


def _hex(text: str, scheme: str) -> bytes:
    if _HEX.fullmatch(text) is None:
        raise CorruptHashError(scheme, "not hex")
    return bytes.fromhex(text)


def _check_spring_bcrypt(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    enc = spring_split(stored)[1]
    m = re.fullmatch(r"\$2([aby]?)\$(\d\d)\$[./0-9A-Za-z]{53}", enc)  # BCryptPasswordEncoder.BCRYPT_PATTERN
    if m is None:
        return False  # "Encoded password does not look like BCrypt" => false ($2x$ included)
    if not 4 <= int(m.group(2)) <= _BCRYPT_COST_MAX:
        raise CorruptHashError("spring_bcrypt", "bcrypt cost out of range")
    if m.group(1) == "" and len(pw) < 72:
        raise CorruptHashError("spring_bcrypt", "$2$ (no NUL in the key stream) is not reproducible")
    if m.group(1) == "a" and needs_2a_safety(pw):
        raise CorruptHashError("spring_bcrypt", "$2a$ safety case not reproducible")
    secret = pw[:72]
    return bcrypt.checkpw(secret, ("$2b" + enc[enc.index("$", 1) :]).encode("ascii") if m.group(1) == "" else
                          enc.encode("ascii"))


def _spring_pbkdf2(prf: str, iterations: int, salt_len: int) -> Callable[[bytes, str, Mapping[str, Any]], bool]:
    def check(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
        raw = _hex(spring_split(stored)[1], "spring_pbkdf2")
        salt = raw[:salt_len]
        key = bounded.pbkdf2(prf, pw, salt, iterations, 32, "spring_pbkdf2")
        return consteq(salt + key, raw)  # MessageDigest.isEqual(digested, salt + key): lengths must agree

    return check


def _spring_scrypt_parts(stored: str) -> tuple[int, int, int, bytes, bytes]:
    parts = spring_split(stored)[1].split("$")
    if len(parts) != 4 or parts[0] or not re.fullmatch(r"[0-9a-f]{1,8}", parts[1]):
        raise CorruptHashError("spring_scrypt", "not $params$salt$key")
    params = int(parts[1], 16)
    n, r, p = 1 << ((params >> 16) & 0xFFFF), (params >> 8) & 0xFF, params & 0xFF
    return n, r, p, bounded.b64decode(parts[2], "spring_scrypt"), bounded.b64decode(parts[3], "spring_scrypt")


def _check_spring_scrypt(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    n, r, p, salt, key = _spring_scrypt_parts(stored)
    if (n.bit_length() - 1) > 30:
        raise CorruptHashError("spring_scrypt", "scrypt parameters out of range")
    return consteq(bounded.scrypt(pw, salt, n, r, p, 32, "spring_scrypt"), key)  # keyLength 32 (both defaults)


def _check_spring_argon2(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    return argon2_check(pw, spring_split(stored)[1], "spring_argon2")


def _check_spring_standard(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    raw = _hex(spring_split(stored)[1], "spring_sha256")
    digest = hashlib.sha256(raw[:8] + pw).digest()
    for _ in range(1023):
        digest = hashlib.sha256(digest).digest()
    return consteq(raw[:8] + digest, raw)


def _spring_message_digest(algo: str) -> Callable[[bytes, str, Mapping[str, Any]], bool]:
    def check(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
        enc = spring_split(stored)[1]
        salt = ""
        if enc.startswith("{") and "}" in enc:
            salt = enc[: enc.index("}") + 1]
        return consteq(salt + hashlib.new(algo, pw + salt.encode("utf-8")).hexdigest(), enc)

    return check


def _check_spring_ldap(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    enc = spring_split(stored)[1]
    tag = enc[: enc.index("}") + 1].upper() if enc.startswith("{") and "}" in enc else ""
    if tag not in ("{SSHA}", "{SHA}"):
        raise CorruptHashError("spring_ldap", "no {SSHA}/{SHA} tag: Spring would compare plain text (refused)")
    scheme = LDAP_BY_TAG[tag]
    scheme.validate(enc)
    return scheme.run(pw, enc, fields)


def _spring_refuse_empty(check: Callable[[bytes, str, Mapping[str, Any]], bool]) -> Any:
    def wrapped(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
        if not pw:
            return False  # AbstractValidatingPasswordEncoder.matches: empty raw password => false
        return check(pw, stored, fields)

    return wrapped


def _g_spring_bcrypt(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
    return cost.bcrypt_cost(stored)


def _g_spring_scrypt(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
    n, r, p, _s, _k = _spring_scrypt_parts(stored)
    return cost.scrypt_grade(n, r, p)


def _g_spring_argon2(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
    return grade_argon2(spring_split(stored)[1], fields)


def _fixed(grade: cost.Grade) -> Callable[[str, Mapping[str, Any]], cost.Grade]:
    def read(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
        return grade

    return read


def _spring(name: str, ids: tuple[str, ...], check: Callable[[bytes, str, Mapping[str, Any]], bool], body: str,
            strength: Strength, grade: Callable[[str, Mapping[str, Any]], cost.Grade] | None) -> Scheme:
    alternatives = "|".join(re.escape("{" + i + "}") for i in ids)
    prefixes = tuple("{" + i + "}" for i in ids)
    return Scheme(name, strength, strength is not Strength.STRONG, _spring_refuse_empty(check), prefixes,
                  re.compile(rf"(?:{alternatives}){body}"), grade)


SPRING_BCRYPT = _spring("spring_bcrypt", ("bcrypt",), _check_spring_bcrypt, r"\$2[abxy]?\$\d\d\$[./0-9A-Za-z]{53}",
                        Strength.STRONG, _g_spring_bcrypt)
SPRING_PBKDF2 = _spring("spring_pbkdf2", ("pbkdf2",), _spring_pbkdf2("sha1", 185_000, 8), r"[0-9a-fA-F]{16,256}",
                        Strength.ACCEPTABLE, _fixed(cost.pbkdf2_grade("sha1", 185_000, with_prf=True)))
SPRING_PBKDF2_V58 = _spring("spring_pbkdf2_v5_8", ("pbkdf2@SpringSecurity_v5_8",),
                            _spring_pbkdf2("sha256", 310_000, 16), r"[0-9a-fA-F]{32,256}", Strength.ACCEPTABLE,
                            _fixed(cost.pbkdf2_grade("sha256", 310_000, with_prf=True)))
SPRING_SCRYPT = _spring("spring_scrypt", ("scrypt", "scrypt@SpringSecurity_v5_8"), _check_spring_scrypt,
                        r"\$[0-9a-f]{1,8}\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+", Strength.STRONG, _g_spring_scrypt)
SPRING_ARGON2 = _spring("spring_argon2", ("argon2", "argon2@SpringSecurity_v5_8"), _check_spring_argon2,
                        r"\$argon2(?:id|i|d)\$.{1,300}", Strength.STRONG, _g_spring_argon2)
SPRING_SHA256 = _spring("spring_standard_sha256", ("sha256",), _check_spring_standard, r"[0-9a-fA-F]{80}",
                        Strength.WEAK, None)
SPRING_MD5 = _spring("spring_md5", ("MD5",), _spring_message_digest("md5"), r"(?:\{[^}]*\})?[0-9a-f]{32}",
                     Strength.WEAK, None)
SPRING_SHA1 = _spring("spring_sha1", ("SHA-1",), _spring_message_digest("sha1"), r"(?:\{[^}]*\})?[0-9a-f]{40}",
                      Strength.WEAK, None)
SPRING_SHA256_DIGEST = _spring("spring_sha256_digest", ("SHA-256",), _spring_message_digest("sha256"),
                               r"(?:\{[^}]*\})?[0-9a-f]{64}", Strength.WEAK, None)
SPRING_LDAP = _spring("spring_ldap", ("ldap",), _check_spring_ldap, r"\{[^}]*\}[A-Za-z0-9+/=]+", Strength.WEAK, None)

#: ``DelegatingPasswordEncoder`` id => scheme; ``noop`` and ``MD4`` are refused (not listed)
SPRING_BY_ID: dict[str, Scheme] = {
    "bcrypt": SPRING_BCRYPT, "pbkdf2": SPRING_PBKDF2, "pbkdf2@SpringSecurity_v5_8": SPRING_PBKDF2_V58,
    "scrypt": SPRING_SCRYPT, "scrypt@SpringSecurity_v5_8": SPRING_SCRYPT, "argon2": SPRING_ARGON2,
    "argon2@SpringSecurity_v5_8": SPRING_ARGON2, "sha256": SPRING_SHA256, "MD5": SPRING_MD5, "SHA-1": SPRING_SHA1,
    "SHA-256": SPRING_SHA256_DIGEST, "ldap": SPRING_LDAP,
}

SPRING = (SPRING_BCRYPT, SPRING_PBKDF2, SPRING_PBKDF2_V58, SPRING_SCRYPT, SPRING_ARGON2, SPRING_SHA256, SPRING_MD5,
          SPRING_SHA1, SPRING_SHA256_DIGEST, SPRING_LDAP)

ALL = SPRING

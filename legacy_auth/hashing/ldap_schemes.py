"""LDAP ``userPassword`` values (issue 15), as OpenLDAP 2.5 ``slapd`` checks them on a simple bind.

Sources (OpenLDAP 2.5.13, Debian bookworm ``slapd`` + ``slapd-contrib``): ``libraries/liblutil/passwd.c``
(``{SSHA}``, ``{SHA}``, ``{SMD5}``, ``{MD5}``, ``{CRYPT}``), ``contrib/slapd-modules/passwd/sha2`` (``{SHA256}``,
``{SSHA256}``, ``{SHA384}``, ``{SSHA384}``, ``{SHA512}``, ``{SSHA512}``), ``contrib/slapd-modules/passwd/pbkdf2``
(``{PBKDF2}`` = ``{PBKDF2-SHA1}``, ``{PBKDF2-SHA256}``, ``{PBKDF2-SHA512}``) and ``servers/slapd/pwmods/argon2.c``
(``{ARGON2}``). Every vector's answer is a real ``slapd`` bind (``tests/vectors/ldap-generated.jsonl``).

- The scheme tag is matched case-insensitively (``lutil_passwd``); the password is the bind's octets, unchanged.
- Digests: base64 of ``H(password + salt) + salt``; a salted value must carry at least one salt byte, an
  unsalted one exactly the digest.
- ``{PBKDF2*}``: ``<iterations>$<salt>$<key>`` in passlib's "adapted base64" (``.`` for ``+``, no padding),
  a 16-byte salt and a key of exactly the PRF's digest size (20/32/64), as ``pbkdf2_check`` demands.
- 389-ds (``389-ds-base`` 2.3.1, Debian bookworm; established with its ``pwdhash -s``/``-c``): its ``pwdchan``
  ``{PBKDF2*}`` uses the same layout but writes a 24-byte salt in standard padded base64, which OpenLDAP refuses
  (salt must be 16 bytes) while 389-ds also reads OpenLDAP's values: separate ``ds389_pbkdf2_*`` schemes (salt
  8-64 bytes, either alphabet). Its older ``{PBKDF2_SHA256}`` (``pbkdf2_pwd.c``) is base64 of a big-endian
  32-bit iteration count, a 64-byte salt and a 256-byte PBKDF2-HMAC-SHA256 key (``ds389_pbkdf2_sha256_legacy``).
- ``{CRYPT}``: ``crypt(password, value) == value`` with the system's libxcrypt: ``$1$``, ``$5$``, ``$6$``
  (:mod:`.crypt_schemes`), bcrypt ``$2a$``/``$2b$``/``$2x$``/``$2y$`` (crypt_blowfish semantics, as PHP's), and
  traditional DES (13 characters: first 8 password bytes, via libpass's ``_raw_des_crypt``). ``chk_crypt``
  refuses a password containing NUL.
- ``{ARGON2}``: Debian's module is built with libargon2, so ``$argon2i$``, ``$argon2d$`` and ``$argon2id$``
  all verify (``argon2*_verify`` by prefix).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from passlib.handlers.des_crypt import _raw_des_crypt

from legacy_auth.errors import CorruptHashError
from legacy_auth.hashing import bounded, cost
from legacy_auth.hashing.base import Scheme, Strength, consteq
from legacy_auth.hashing.bcrypt_schemes import BCRYPT
from legacy_auth.hashing.crypt_schemes import crypt_check, grade_sha_crypt
from legacy_auth.hashing.kdf_schemes import argon2_check, grade_argon2

_B64 = r"[A-Za-z0-9+/]*={0,2}"
_AB64 = r"[A-Za-z0-9./]+"
_DES_RE = re.compile(r"[./0-9A-Za-z]{13}")


def _tag(stored: str) -> tuple[str, str]:
    """``("{TAG}", rest)`` with the tag upper-cased."""
    end = stored.index("}") + 1
    return stored[:end].upper(), stored[end:]


def _digest_scheme(tag: str, algo: str, salted: bool) -> Scheme:
    name = f"ldap_{'salted_' if salted else ''}{algo}"
    size = hashlib.new(algo).digest_size

    def check(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
        raw = bounded.b64decode(_tag(stored)[1], name)
        if (salted and len(raw) <= size) or (not salted and len(raw) != size):
            raise CorruptHashError(name, "wrong decoded length")
        return consteq(hashlib.new(algo, pw + raw[size:]).digest(), raw[:size])

    strength = Strength.WEAK if salted else Strength.BROKEN
    return Scheme(name, strength, True, check, (), re.compile(rf"(?i:{re.escape(tag)}){_B64}"))


def _pbkdf2_scheme(prf: str, tags: tuple[str, ...]) -> Scheme:
    name = f"ldap_pbkdf2_{prf}"
    dklen = hashlib.new(prf).digest_size

    def parts(stored: str) -> tuple[int, bytes, bytes]:
        iterations, salt, key = _tag(stored)[1].split("$")
        ab64 = b"./"  # adapted base64: "." stands for "+"; "/" unchanged
        return (int(iterations), bounded.b64decode(salt, name, altchars=ab64, pad=True),
                bounded.b64decode(key, name, altchars=ab64, pad=True))

    def check(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
        iterations, salt, key = parts(stored)
        if len(salt) != 16 or len(key) != dklen:
            raise CorruptHashError(name, "salt is not 16 bytes or key not the digest size")
        return consteq(bounded.pbkdf2(prf, pw, salt, iterations, dklen, name), key)

    def grade(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
        return cost.pbkdf2_grade(prf, parts(stored)[0])

    alternatives = "|".join(re.escape(t) for t in tags)
    pattern = re.compile(rf"(?i:{alternatives})\d{{1,10}}\${_AB64}\${_AB64}")
    strength = Strength.ACCEPTABLE
    return Scheme(name, strength, True, check, (), pattern, grade)


def _ds389_pbkdf2_scheme(prf: str, tags: tuple[str, ...]) -> Scheme:
    # 389-ds (pwdchan plugin, 389-ds-base 2.3.1): same "<iterations>$<salt>$<key>" layout, but it writes a
    # 24-byte salt in standard, padded base64 and also reads OpenLDAP's adapted base64 (checked with pwdhash -c)
    name = f"ds389_pbkdf2_{prf}"
    dklen = hashlib.new(prf).digest_size

    def parts(stored: str) -> tuple[int, bytes, bytes]:
        iterations, salt, key = _tag(stored)[1].split("$")
        alt = b"./" if "." in salt + key else None
        return (int(iterations), bounded.b64decode(salt.rstrip("="), name, altchars=alt, pad=True),
                bounded.b64decode(key.rstrip("="), name, altchars=alt, pad=True))

    def check(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
        iterations, salt, key = parts(stored)
        if not 8 <= len(salt) <= 64 or len(key) != dklen:
            raise CorruptHashError(name, "salt or key length out of range")
        return consteq(bounded.pbkdf2(prf, pw, salt, iterations, dklen, name), key)

    def grade(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
        return cost.pbkdf2_grade(prf, parts(stored)[0])

    alternatives = "|".join(re.escape(t) for t in tags)
    pattern = re.compile(rf"(?i:{alternatives})\d{{1,10}}\$[A-Za-z0-9./+]+={{0,2}}\$[A-Za-z0-9./+]+={{0,2}}")
    return Scheme(name, Strength.ACCEPTABLE, True, check, (), pattern, grade)


def _ds389_legacy_parts(stored: str) -> tuple[int, bytes, bytes]:
    raw = bounded.b64decode(_tag(stored)[1], "ds389_pbkdf2_sha256_legacy")
    if len(raw) != 4 + 64 + 256:
        raise CorruptHashError("ds389_pbkdf2_sha256_legacy", "payload is not 324 bytes")
    return int.from_bytes(raw[:4], "big"), raw[4:68], raw[68:]


def _check_ds389_legacy(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # 389-ds pbkdf2_pwd.c {PBKDF2_SHA256}: base64(iterations u32 BE | 64-byte salt | 256-byte PBKDF2-HMAC-SHA256)
    iterations, salt, key = _ds389_legacy_parts(stored)
    return consteq(bounded.pbkdf2("sha256", pw, salt, iterations, 256, "ds389_pbkdf2_sha256_legacy"), key)


def _grade_ds389_legacy(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
    return cost.pbkdf2_grade("sha256", _ds389_legacy_parts(stored)[0])


def _check_crypt(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    if b"\0" in pw:
        return False  # chk_crypt: "NUL character in password" => LUTIL_PASSWD_ERR
    value = _tag(stored)[1]
    if value.startswith(("$1$", "$5$", "$6$")):
        return crypt_check(pw, value, "ldap_crypt")
    if value.startswith("$2"):
        BCRYPT.validate(value)
        return BCRYPT.run(pw, value, fields)
    if _DES_RE.fullmatch(value):
        return consteq(value[:2] + _raw_des_crypt(pw, value[:2].encode("ascii")).decode("ascii"), value)
    raise CorruptHashError("ldap_crypt", "unsupported crypt(3) format")


def _grade_crypt(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
    value = _tag(stored)[1]
    if value.startswith(("$5$", "$6$")):
        return grade_sha_crypt(value, fields)
    if value.startswith("$2"):
        return cost.bcrypt_cost(value)
    weak = "md5-crypt" if value.startswith("$1$") else "des-crypt"
    return cost.Grade(weak, Strength.BROKEN if weak == "des-crypt" else Strength.WEAK, 1.0)


def _check_argon2(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    return argon2_check(pw, _tag(stored)[1], "ldap_argon2")


def _grade_argon2(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
    return grade_argon2(_tag(stored)[1], fields)


_DIGESTS = [
    ("{SSHA}", "sha1", True), ("{SHA}", "sha1", False), ("{SMD5}", "md5", True), ("{MD5}", "md5", False),
    ("{SSHA256}", "sha256", True), ("{SHA256}", "sha256", False), ("{SSHA384}", "sha384", True),
    ("{SHA384}", "sha384", False), ("{SSHA512}", "sha512", True), ("{SHA512}", "sha512", False),
]
DIGESTS = tuple(_digest_scheme(*spec) for spec in _DIGESTS)
PBKDF2 = (
    _pbkdf2_scheme("sha1", ("{PBKDF2}", "{PBKDF2-SHA1}")),
    _pbkdf2_scheme("sha256", ("{PBKDF2-SHA256}",)),
    _pbkdf2_scheme("sha512", ("{PBKDF2-SHA512}",)),
)
DS389_PBKDF2 = (
    _ds389_pbkdf2_scheme("sha1", ("{PBKDF2}", "{PBKDF2-SHA1}")),
    _ds389_pbkdf2_scheme("sha256", ("{PBKDF2-SHA256}",)),
    _ds389_pbkdf2_scheme("sha512", ("{PBKDF2-SHA512}",)),
)
DS389_LEGACY = Scheme(
    "ds389_pbkdf2_sha256_legacy", Strength.ACCEPTABLE, True, _check_ds389_legacy, (),
    re.compile(r"(?i:\{PBKDF2_SHA256\})[A-Za-z0-9+/]{432}"), _grade_ds389_legacy,
)
LDAP_CRYPT = Scheme(
    "ldap_crypt", Strength.WEAK, True, _check_crypt, (), re.compile(r"(?i:\{CRYPT\})[^\s]{13,200}"), _grade_crypt
)
LDAP_ARGON2 = Scheme(
    "ldap_argon2", Strength.STRONG, False, _check_argon2, (),
    re.compile(r"(?i:\{ARGON2\})\$argon2(?:id|i|d)\$.{1,200}"), _grade_argon2,
)

#: tag (upper case) => scheme, as ``lutil_passwd`` dispatches
BY_TAG: dict[str, Scheme] = {
    **{tag: scheme for (tag, _a, _s), scheme in zip(_DIGESTS, DIGESTS, strict=True)},
    "{PBKDF2}": PBKDF2[0], "{PBKDF2-SHA1}": PBKDF2[0], "{PBKDF2-SHA256}": PBKDF2[1], "{PBKDF2-SHA512}": PBKDF2[2],
    "{CRYPT}": LDAP_CRYPT, "{ARGON2}": LDAP_ARGON2,
}

ALL = (*DIGESTS, *PBKDF2, LDAP_CRYPT, LDAP_ARGON2, *DS389_PBKDF2, DS389_LEGACY)

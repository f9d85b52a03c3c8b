"""Fast-digest formats: unsalted hex digests, MySQL ``PASSWORD()``, generic salted digests, q2a's legacy
``passcheck``, Joomla ``md5:salt`` / ``{SHA256}`` and Symfony's MessageDigest and PBKDF2 (1000) hashers.

libpass has ``hex_md5``/``hex_sha1``/``hex_sha256``/``mysql41`` handlers, but it refuses secrets over
4096 bytes, while MySQL and most home-grown apps accept any length, and the rest (salted variants, q2a,
Joomla, Symfony) have no handler at all; each is one ``hashlib`` call, so they are written here.
Hex digests compare exactly against PHP/Python's lower-case output, as WordPress (``hash_equals``), phpBB
(``===``), Joomla and Django do; the ``generic`` context lower-cases them first (home-grown apps may have
stored ``ToString("X2")`` upper-case hex). ``PASSWORD()`` is upper-case by definition: compared as such.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable, Mapping
from typing import Any

from legacy_auth.errors import CorruptHashError
from legacy_auth.hashing import cost
from legacy_auth.hashing.base import Scheme, Strength, consteq, text_field

_DIGESTS: dict[str, Callable[..., Any]] = {
    "md5": hashlib.md5,
    "sha1": hashlib.sha1,
    "sha256": hashlib.sha256,
    "sha512": hashlib.sha512,
}
_HEXLEN = {"md5": 32, "sha1": 40, "sha256": 64, "sha512": 128}


def _hex_scheme(algo: str) -> Scheme:
    new = _DIGESTS[algo]

    def check(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
        return consteq(new(pw).hexdigest(), stored)

    pattern = re.compile(f"[0-9a-fA-F]{{{_HEXLEN[algo]}}}")
    return Scheme(f"hex_{algo}", Strength.BROKEN, True, check, (), pattern)


def _salted_scheme(algo: str, salt_first: bool) -> Scheme:
    new = _DIGESTS[algo]

    def check(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
        salt = text_field(fields, "salt", name)
        data = salt + pw if salt_first else pw + salt
        return consteq(new(data).hexdigest(), stored)

    name = f"{algo}_salt_password" if salt_first else f"{algo}_password_salt"
    pattern = re.compile(f"[0-9a-fA-F]{{{_HEXLEN[algo]}}}")
    return Scheme(name, Strength.WEAK, True, check, (), pattern)


def _check_mysql41(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # MySQL 4.1+ PASSWORD(): "*" + upper(hex(sha1(sha1(pw)))).
    inner = hashlib.sha1(pw).digest()  # noqa: S324 - legacy format, verification only
    return consteq(hashlib.sha1(inner).hexdigest(), stored[1:].lower())  # noqa: S324


def _passcheck_raw(value: object) -> bytes:
    """q2a ``passcheck``: BINARY(20) raw bytes, or the 40-hex form (``HEX(passcheck)``)."""
    if isinstance(value, bytes | bytearray | memoryview):
        raw = bytes(value)
        if len(raw) == 20:
            return raw
        value = raw.decode("ascii", "replace")
    if isinstance(value, str) and len(value) == 40:
        try:
            return binascii.unhexlify(value)
        except (binascii.Error, ValueError):
            pass
    raise CorruptHashError("q2a_sha1", "passcheck is neither 20 bytes nor 40 hex")


def _check_q2a(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # Custom: q2a <= 1.7 qa_db_calc_passcheck = sha1(substr(salt,0,8) . pw . substr(salt,8)), salt split around pw.
    salt = text_field(fields, "passsalt", "q2a_sha1")
    passcheck = fields.get("passcheck")
    raw = _passcheck_raw(passcheck if passcheck is not None else stored)
    return consteq(hashlib.sha1(salt[:8] + pw + salt[8:]).digest(), raw)  # noqa: S324 - legacy format


def _php_truthy(salt: str) -> bool:
    return salt not in ("", "0")


def _check_joomla_md5(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # Custom: Joomla MD5Handler: md5(pw . salt) . (salt ? ":" . salt : (":" in hash ? ":" : "")).
    _, sep, salt = stored.partition(":")
    salt = salt.split(":", 1)[0]
    suffix = f":{salt}" if _php_truthy(salt) else sep
    expected = hashlib.md5(pw + salt.encode("utf-8")).hexdigest() + suffix  # noqa: S324 - legacy format
    return consteq(expected, stored)


def _check_joomla_sha256(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # Custom: Joomla 3 getCryptedPassword('sha256', show_encrypt): "{SHA256}" . sha256(pw . salt) . ":" . salt.
    salt = stored[8:].partition(":")[2].split(":", 1)[0]
    if _php_truthy(salt):
        expected = "{SHA256}" + hashlib.sha256(pw + salt.encode("utf-8")).hexdigest() + ":" + salt
    else:
        expected = "{SHA256}" + hashlib.sha256(pw).hexdigest()
    return consteq(expected, stored)


def _check_symfony_digest(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # Custom: Symfony MessageDigestPasswordHasher (FOSUserBundle sha512, 5000 iterations, base64), pw{salt}.
    # mergePasswordAndSalt: `if (!$salt) return $password;` (PHP-falsy: "" and "0") before the brace check.
    salt = text_field(fields, "salt", "symfony_sha512", required=False)
    if salt in (b"", b"0"):
        salted = pw
    elif b"{" in salt or b"}" in salt:
        raise CorruptHashError("symfony_sha512", "salt contains braces")
    else:
        salted = pw + b"{" + salt + b"}"
    iterations = int(fields.get("iterations") or 5000)
    new = hashlib.sha512
    digest = new(salted).digest()
    for _ in range(iterations - 1):
        digest = new(digest + salted).digest()
    return consteq(base64.b64encode(digest), stored)


def _check_symfony_pbkdf2(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # Custom: Symfony Pbkdf2PasswordHasher defaults: hash_pbkdf2('sha512', pw, salt, 1000, 40, raw), base64.
    salt = text_field(fields, "salt", "symfony_pbkdf2_sha512", required=False)
    return consteq(base64.b64encode(hashlib.pbkdf2_hmac("sha512", pw, salt, 1000, 40)), stored)


HEX = {algo: _hex_scheme(algo) for algo in _DIGESTS}
SALTED = {s.name: s for algo in _DIGESTS for s in (_salted_scheme(algo, True), _salted_scheme(algo, False))}
MYSQL41 = Scheme("mysql41", Strength.BROKEN, True, _check_mysql41, ("*",), re.compile(r"\*[0-9a-fA-F]{40}"))
Q2A_SHA1 = Scheme("q2a_sha1", Strength.WEAK, True, _check_q2a)
JOOMLA_MD5 = Scheme(
    "joomla_md5_salt", Strength.WEAK, True, _check_joomla_md5, (), re.compile(r"[0-9a-f]{32}:[A-Za-z0-9./]*")
)
JOOMLA_SHA256 = Scheme(
    "joomla_sha256_salt",
    Strength.WEAK,
    True,
    _check_joomla_sha256,
    ("{SHA256}",),
    re.compile(r"\{SHA256\}[0-9a-f]{64}(:[A-Za-z0-9./]*)?"),
)
def _grade_symfony_digest(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
    return cost.symfony_digest(fields)


def _grade_symfony_pbkdf2(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
    return cost.pbkdf2_grade("sha512", 1000)


SYMFONY_SHA512 = Scheme(
    "symfony_sha512", Strength.WEAK, True, _check_symfony_digest, (), re.compile(r"[A-Za-z0-9+/]{86}=="),
    _grade_symfony_digest,
)

SYMFONY_PBKDF2 = Scheme(
    "symfony_pbkdf2_sha512", Strength.ACCEPTABLE, True, _check_symfony_pbkdf2, (), re.compile(r"[A-Za-z0-9+/]{54}=="),
    _grade_symfony_pbkdf2,
)

ALL = (*HEX.values(), *SALTED.values(), MYSQL41, Q2A_SHA1, JOOMLA_MD5, JOOMLA_SHA256, SYMFONY_SHA512, SYMFONY_PBKDF2)

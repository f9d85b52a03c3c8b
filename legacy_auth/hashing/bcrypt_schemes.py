"""bcrypt and the formats built on it: plain PHP/Ruby bcrypt, WordPress ``$wp$``, Symfony's pre-hash,
Devise's pepper and phpBB's combined ``$H\\2y$`` hash.

PHP ``password_verify`` and bcrypt-ruby hand the password to crypt_blowfish as a **C string**: only the
first 72 bytes count. Python ``bcrypt>=5`` raises ``ValueError`` beyond 72 bytes and hashes NUL bytes, so
:func:`c_bcrypt_secret` reproduces the C behaviour explicitly.

Decision on NUL: we emulate PHP, where ``password_verify("a\0b", hash_of("a"))`` is true (checked with PHP
8.2), because we answer what the legacy app answers; PHP >= 8.1 refuses to *hash* a NUL password, so such
hashes are rare. bcrypt-ruby 3.1.18 (Devise) raises ``ArgumentError`` on a NUL byte instead, so Devise
answers no. Pre-hashed formats (``$wp$``, Symfony, Django's ``bcrypt_sha256``) feed bcrypt a base64/hex
string, which has no NUL and is cut by the same 72-byte rule.

Why ``bcrypt.checkpw`` and not libpass's ``bcrypt`` handler (which calls the same ``bcrypt`` package): the
handler raises ``PasswordValueError`` for a NUL byte (PHP truncates at it: see above) and
``PasswordSizeError`` over 4096 bytes (PHP ``password_verify``, Laravel, q2a and Devise have no limit: vectors
in ``tests/vectors/php-generated.jsonl``), so it would answer "no" where the app answers "yes"; with our C-string
preparation first it would agree, but then adds nothing except cost: importing it and its backend self-test
on first use took ~24 ms + ~20 ms here (a cold start), for a per-verify time within noise (+0.26 % vs +0.15 %
over ``checkpw`` at cost 10).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import Any

import bcrypt

from legacy_auth.errors import CorruptHashError
from legacy_auth.hashing import cost
from legacy_auth.hashing.base import Scheme, Strength, text_field
from legacy_auth.hashing.blowfish_compat import bcrypt_x_key, needs_2a_safety
from legacy_auth.hashing.phpass_schemes import phpass_crypt

BCRYPT_MAX_BYTES = 72
#: costs 18-31 are valid bcrypt but take 30 s to 2 days here: no legacy app uses them, a hostile row might.
#: Such values are reported as corrupt instead of blocking the Lambda past Cognito's 5-second limit.
_COST = r"(0[4-9]|1[0-7])"
_B64 = r"[./A-Za-z0-9]"
BCRYPT_RE = re.compile(rf"\$2[aby]\${_COST}\${_B64}{{53}}")
#: PHP ``password_verify``/``crypt()`` also verify crypt_blowfish's ``$2x$`` (issue 15; :mod:`.blowfish_compat`)
PHP_BCRYPT_RE = re.compile(rf"\$2[abxy]\${_COST}\${_B64}{{53}}")
WP_BCRYPT_RE = re.compile(rf"\$wp\$2[aby]\${_COST}\${_B64}{{53}}")
PHPBB_COMBINED_RE = re.compile(
    rf"\$H\\2y\$({_B64})({_B64}{{8}})\${_COST}\\({_B64}{{22}})\$({_B64}{{31}})"
)


def c_bcrypt_secret(pw: bytes) -> bytes:
    """The part of ``pw`` crypt_blowfish (PHP, Ruby) actually uses: up to the first NUL, at most 72 bytes."""
    nul = pw.find(b"\0")
    if nul >= 0:
        pw = pw[:nul]
    return pw[:BCRYPT_MAX_BYTES]


def bcrypt_check(secret: bytes, stored: str) -> bool:
    """``bcrypt.checkpw`` on an already-prepared secret (<= 72 bytes); compares in constant time."""
    return bcrypt.checkpw(secret[:BCRYPT_MAX_BYTES], stored.encode("ascii"))


def _check_bcrypt(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # PHP password_verify = crypt_blowfish: $2x$ uses the sign-extension-bug key words; a $2a$ hash whose
    # password triggers crypt_blowfish's "safety" P[0] flip cannot be reproduced with Python bcrypt: refused.
    secret = c_bcrypt_secret(pw)
    if stored[2] == "x":
        return bcrypt_check(bcrypt_x_key(secret), "$2b" + stored[3:])
    if stored[2] == "a" and needs_2a_safety(secret):
        raise CorruptHashError("bcrypt", "$2a$ hash of a password crypt_blowfish treats specially")
    return bcrypt_check(secret, stored)


def wp_prehash(pw: bytes) -> bytes:
    """WordPress 6.8+ pre-hash: ``base64(hmac_sha384(key=b"wp-sha384", msg=pw))`` (64 ASCII bytes)."""
    return base64.b64encode(hmac.new(b"wp-sha384", pw, hashlib.sha384).digest())


def _check_wp_bcrypt(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # Custom: passlib has no $wp$ handler. WordPress strips three characters ("$wp") and password_verify()s.
    return bcrypt_check(wp_prehash(pw), stored[3:])


def symfony_secret(pw: bytes) -> bytes:
    """Symfony NativePasswordHasher: bcrypt ``base64(sha512(pw))`` when pw > 72 bytes or contains NUL."""
    if len(pw) > BCRYPT_MAX_BYTES or b"\0" in pw:
        return base64.b64encode(hashlib.sha512(pw).digest())
    return pw


def _check_symfony_bcrypt(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # Custom: passlib's bcrypt does not know Symfony's sha512 pre-hash rule.
    return bcrypt_check(c_bcrypt_secret(symfony_secret(pw)), stored)


def _check_devise(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # Custom: Devise::Encryptor appends the pepper, then bcrypt-ruby truncates password+pepper to 72 bytes.
    # bcrypt-ruby 3.1.x raises ArgumentError for a NUL byte (StringValueCStr): the sign-in fails, so False.
    secret = pw + text_field(fields, "pepper", "devise_bcrypt", required=False)
    if b"\0" in secret:
        return False
    return bcrypt_check(secret[:BCRYPT_MAX_BYTES], stored)


def _check_phpbb_combined(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # Custom: phpBB's update_hashes cron wraps "$H$" hashes in bcrypt without the password:
    # $H\2y$<count><salt8>$<cost>\<bcrypt salt22>$<checksum31>. phpBB also tries md5(pw) (converted users).
    m = PHPBB_COMBINED_RE.fullmatch(stored)
    if m is None:  # pragma: no cover - validated by the scheme pattern before we get here
        return False
    count, salt8, cost, bsalt, checksum = m.groups()
    outer = f"$2y${cost}${bsalt}{checksum}"
    ok = False
    for candidate in (pw, hashlib.md5(pw).hexdigest().encode("ascii")):  # noqa: S324 - legacy format
        inner = phpass_crypt("md5", candidate, f"$H${count}{salt8}", "phpbb_combined")[12:]
        ok |= bcrypt_check(inner.encode("ascii"), outer)
        if ok:
            break
    return ok


def _grade_bcrypt(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
    return cost.bcrypt_cost(stored)


def _grade_phpbb_combined(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
    return cost.phpbb_combined(stored)


_BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")
BCRYPT = Scheme(
    "bcrypt", Strength.STRONG, False, _check_bcrypt, (*_BCRYPT_PREFIXES, "$2x$"), PHP_BCRYPT_RE, _grade_bcrypt
)
WP_BCRYPT = Scheme(
    "wp_bcrypt_sha384", Strength.STRONG, False, _check_wp_bcrypt, ("$wp$",), WP_BCRYPT_RE, _grade_bcrypt
)
SYMFONY_BCRYPT = Scheme(
    "symfony_bcrypt", Strength.STRONG, False, _check_symfony_bcrypt, _BCRYPT_PREFIXES, BCRYPT_RE, _grade_bcrypt
)
DEVISE_BCRYPT = Scheme(
    "devise_bcrypt", Strength.STRONG, False, _check_devise, _BCRYPT_PREFIXES, BCRYPT_RE, _grade_bcrypt
)
PHPBB_COMBINED = Scheme(
    "phpbb_bcrypt_phpass", Strength.ACCEPTABLE, True, _check_phpbb_combined, ("$H\\2y$",), PHPBB_COMBINED_RE,
    _grade_phpbb_combined,
)

ALL = (BCRYPT, WP_BCRYPT, SYMFONY_BCRYPT, DEVISE_BCRYPT, PHPBB_COMBINED)

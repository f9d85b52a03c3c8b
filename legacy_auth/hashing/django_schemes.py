"""Django ``algorithm$...`` formats (``django.contrib.auth.hashers``).

Written with ``hashlib``/``bcrypt``/argon2-cffi rather than libpass's ``django_*`` handlers, because those
answer differently from Django:

- every libpass handler refuses secrets over 4096 bytes (``PasswordSizeError``, fixed at import from
  ``PASSLIB_MAX_PASSWORD_SIZE``); Django has had no length limit since 1.6, and ``check_password`` of a
  5,000-byte password is ``True`` in Django 5.2 (vector in ``tests/vectors/django-generated.jsonl``);
- ``django_bcrypt`` raises ``PasswordValueError`` on a NUL byte; Django's ``BCryptPasswordHasher`` on bcrypt<5
  hashed it (Python bcrypt is not a C-string API);
- there is no handler for Django's ``scrypt$`` format (libpass's ``scrypt`` is ``$scrypt$``).

Speed is not the reason: libpass's ``django_pbkdf2_sha256`` measured within 1 % of ``hashlib.pbkdf2_hmac``
(200,000 iterations). Django never trims or normalises the password (``strip=False``): the input is raw UTF-8.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from typing import Any

from legacy_auth.errors import CorruptHashError
from legacy_auth.hashing import cost
from legacy_auth.hashing.base import Scheme, Strength, consteq
from legacy_auth.hashing.bcrypt_schemes import BCRYPT_MAX_BYTES, BCRYPT_RE, bcrypt_check
from legacy_auth.hashing.kdf_schemes import ARGON2_RE, MAX_PBKDF2_ITERATIONS, argon2_check, grade_argon2


def _pbkdf2(algo: str) -> Scheme:
    name = f"django_pbkdf2_{algo}"

    def check(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
        _, iterations, salt, b64 = stored.split("$", 3)
        count = int(iterations)
        if not 0 < count <= MAX_PBKDF2_ITERATIONS:
            raise CorruptHashError(name, "iteration count out of range")
        digest = hashlib.pbkdf2_hmac(algo, pw, salt.encode("utf-8"), count)
        return consteq(base64.b64encode(digest), b64)

    pattern = re.compile(rf"pbkdf2_{algo}\$\d{{1,8}}\$[^$]*\$[A-Za-z0-9+/]+={{0,2}}")
    strength = Strength.STRONG if algo == "sha256" else Strength.ACCEPTABLE
    return Scheme(name, strength, algo != "sha256", check, (f"pbkdf2_{algo}$",), pattern, cost.django_pbkdf2(algo))


def _check_argon2(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # Django: algorithm, rest = encoded.split("$", 1); argon2.PasswordHasher().verify("$" + rest, password)
    return argon2_check(pw, stored[len("argon2") :], "django_argon2")


def _check_bcrypt_sha256(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # Django BCryptSHA256PasswordHasher: bcrypt over hexlify(sha256(pw)) (64 bytes, no truncation issue).
    return bcrypt_check(hashlib.sha256(pw).hexdigest().encode("ascii"), stored[len("bcrypt_sha256$") :])


def _check_bcrypt(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # Django BCryptPasswordHasher on Python bcrypt < 5 (what legacy deployments ran): first 72 bytes count,
    # NUL bytes are hashed (Python bcrypt is not a C-string API). bcrypt 5 would raise beyond 72 bytes.
    return bcrypt_check(pw[:BCRYPT_MAX_BYTES], stored[len("bcrypt$") :])


def _check_scrypt(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # Custom (no libpass handler): scrypt$<n>$<salt>$<r>$<p>$<b64 of 64 bytes>.
    _, n_s, salt, r_s, p_s, b64 = stored.split("$", 5)
    n, r, p = int(n_s), int(r_s), int(p_s)
    if not (1 < n <= 1 << 20 and n & (n - 1) == 0 and 0 < r <= 32 and 0 < p <= 64):
        raise CorruptHashError("django_scrypt", "parameters out of range")
    maxmem = 128 * r * (n + p + 2) + (1 << 20)
    digest = hashlib.scrypt(pw, salt=salt.encode("utf-8"), n=n, r=r, p=p, maxmem=maxmem, dklen=64)
    return consteq(base64.b64encode(digest), b64)


def _grade_bcrypt(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
    return cost.bcrypt_cost(stored)


def _grade_scrypt(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
    return cost.django_scrypt(stored)


def _salted(algo: str) -> Scheme:
    new = hashlib.md5 if algo == "md5" else hashlib.sha1

    def check(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
        _, salt, hexdigest = stored.split("$", 2)
        return consteq(new(salt.encode("utf-8") + pw).hexdigest(), hexdigest)

    pattern = re.compile(rf"{algo}\$[^$]+\$[0-9a-f]{{{32 if algo == 'md5' else 40}}}")
    return Scheme(f"django_salted_{algo}", Strength.WEAK, True, check, (f"{algo}$",), pattern)


def _unsalted(algo: str) -> Scheme:
    new = hashlib.md5 if algo == "md5" else hashlib.sha1
    hexlen = 32 if algo == "md5" else 40

    def check(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
        return consteq(new(pw).hexdigest(), stored[-hexlen:])

    # Django identify_hasher: 32 hex without "$" or "md5$$<32 hex>" => unsalted_md5; "sha1$$<40 hex>" => unsalted_sha1
    pattern = re.compile(r"(?:md5\$\$)?[0-9a-f]{32}" if algo == "md5" else r"sha1\$\$[0-9a-f]{40}")
    return Scheme(f"django_unsalted_{algo}", Strength.BROKEN, True, check, (), pattern)


def _check_unusable(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    return False  # make_password(None): "!" + random; no password ever matches


PBKDF2_SHA256 = _pbkdf2("sha256")
PBKDF2_SHA1 = _pbkdf2("sha1")
ARGON2 = Scheme(
    "django_argon2", Strength.STRONG, False, _check_argon2, ("argon2$",),
    re.compile("argon2" + ARGON2_RE.pattern), grade_argon2,
)
BCRYPT_SHA256 = Scheme(
    "django_bcrypt_sha256", Strength.STRONG, False, _check_bcrypt_sha256, ("bcrypt_sha256$",),
    re.compile(r"bcrypt_sha256\$" + BCRYPT_RE.pattern), _grade_bcrypt,
)
BCRYPT = Scheme(
    "django_bcrypt", Strength.STRONG, False, _check_bcrypt, ("bcrypt$",), re.compile(r"bcrypt\$" + BCRYPT_RE.pattern),
    _grade_bcrypt,
)
SCRYPT = Scheme(
    "django_scrypt", Strength.STRONG, False, _check_scrypt, ("scrypt$",),
    re.compile(r"scrypt\$\d{1,8}\$[^$]+\$\d{1,3}\$\d{1,3}\$[A-Za-z0-9+/]+={0,2}"), _grade_scrypt,
)
SALTED_MD5 = _salted("md5")
SALTED_SHA1 = _salted("sha1")
UNSALTED_MD5 = _unsalted("md5")
UNSALTED_SHA1 = _unsalted("sha1")
UNUSABLE = Scheme("django_unusable", Strength.UNUSABLE, True, _check_unusable, ("!",))

#: Django's own dispatch: the text before the first "$" names the hasher
BY_ALGORITHM = {
    "pbkdf2_sha256": PBKDF2_SHA256,
    "pbkdf2_sha1": PBKDF2_SHA1,
    "argon2": ARGON2,
    "bcrypt_sha256": BCRYPT_SHA256,
    "bcrypt": BCRYPT,
    "scrypt": SCRYPT,
    "md5": SALTED_MD5,
    "sha1": SALTED_SHA1,
}

ALL = (*BY_ALGORITHM.values(), UNSALTED_MD5, UNSALTED_SHA1, UNUSABLE)

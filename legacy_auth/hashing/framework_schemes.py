"""Framework formats (issue 15): Werkzeug and passlib's modular formats.

**Werkzeug** 3.1 (``werkzeug/security.py`` ``check_password_hash``/``_hash_internal``): ``method$salt$hex`` with
``pbkdf2[:<hash>[:<iterations>]]`` (defaults sha256 and 1,000,000; ``hashlib.pbkdf2_hmac`` over the UTF-8 password
and salt, digest-size key, lower-case hex) or ``scrypt[:N[:r[:p]]]`` (defaults 2^15, 8, 1; 64-byte key, hex).
Werkzeug compares with ``hmac.compare_digest``; so do we. Werkzeug <= 2.2 also wrote ``<digest>$salt$hex``
(``generate_password_hash(pw, method="sha256")``, common in Flask tutorials): HMAC-<digest> keyed with the salt, or
the bare digest without a salt (``werkzeug_legacy_digest``; ``plain$$`` plain text is not accepted). Werkzeug 3.0
removed them, so they only verify for apps still on Werkzeug < 3 (the next session's app rules decide).

**passlib** (libpass 1.9.4, the maintained fork, *is* the reference): ``$pbkdf2$``, ``$pbkdf2-sha256$``,
``$pbkdf2-sha512$``, ``$bcrypt-sha256$`` (v1 and ``v=2``), ``$scrypt$``, ``$argon2*$``, ``$1$``, ``$5$``, ``$6$``
and ``$2b$``. An app using passlib answers what libpass's handler answers, so these schemes call the handler's
``verify`` directly (its 4096-byte password cap and NUL refusals included: the app refused those too), after
reading the stored cost ourselves so that no value can exceed the Lambda's time (:mod:`.bounded` caps).

Spring Security's ``DelegatingPasswordEncoder`` formats are in :mod:`.spring_schemes`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from typing import Any

from passlib import hash as libpass
from passlib.exc import PasswordValueError

from legacy_auth.errors import CorruptHashError
from legacy_auth.hashing import bounded, cost
from legacy_auth.hashing.base import Scheme, Strength
from legacy_auth.hashing.crypt_schemes import MAX_SHA_CRYPT_WORK, grade_sha_crypt, sha_crypt_rounds
from legacy_auth.hashing.kdf_schemes import MAX_ARGON2_KIB, MAX_ARGON2_TIME, grade_argon2

_PRFS = ("sha1", "sha224", "sha256", "sha384", "sha512")
_BCRYPT_COST_MAX = 17  # as bcrypt_schemes: higher costs take 30 s .. days here

# ---------------------------------------------------------------- Werkzeug


def _werkzeug_parts(stored: str) -> tuple[str, list[str], str, str]:
    method, salt, hexhash = stored.split("$", 2)
    name, *args = method.split(":")
    return name, args, salt, hexhash


def _werkzeug_pbkdf2(args: list[str]) -> tuple[str, int]:
    prf = args[0] if args else "sha256"
    iterations = int(args[1]) if len(args) > 1 else 1_000_000
    if prf not in _PRFS or len(args) > 2:
        raise CorruptHashError("werkzeug_pbkdf2", "unsupported hash name or arguments")
    return prf, iterations


def _werkzeug_scrypt(args: list[str]) -> tuple[int, int, int]:
    if not args:
        return 1 << 15, 8, 1
    if len(args) != 3:  # Werkzeug: "'scrypt' takes 3 arguments." (ValueError: the login fails)
        raise CorruptHashError("werkzeug_scrypt", "scrypt takes 0 or 3 arguments")
    n, r, p = (int(a) for a in args)
    # Werkzeug passes maxmem=132*n*r*p; OpenSSL needs 128*r*(n+2) + 128*r*p bytes, so a tiny N (< 96 for p=1)
    # makes hashlib.scrypt raise "memory limit exceeded" in Werkzeug itself: no login, so no answer here either
    if 128 * r * (n + 2) + 128 * r * p > 132 * n * r * p:
        raise CorruptHashError("werkzeug_scrypt", "parameters Werkzeug itself cannot verify")
    return n, r, p


def _check_werkzeug_pbkdf2(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    _name, args, salt, hexhash = _werkzeug_parts(stored)
    prf, iterations = _werkzeug_pbkdf2(args)
    size = hashlib.new(prf).digest_size
    key = bounded.pbkdf2(prf, pw, salt.encode("utf-8"), iterations, size, "werkzeug_pbkdf2")
    return hmac.compare_digest(key.hex(), hexhash)


def _check_werkzeug_scrypt(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    _name, args, salt, hexhash = _werkzeug_parts(stored)
    n, r, p = _werkzeug_scrypt(args)
    key = bounded.scrypt(pw, salt.encode("utf-8"), n, r, p, 64, "werkzeug_scrypt")
    return hmac.compare_digest(key.hex(), hexhash)


def _grade_werkzeug_pbkdf2(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
    prf, iterations = _werkzeug_pbkdf2(_werkzeug_parts(stored)[1])
    base = {"sha224": "sha256", "sha384": "sha512"}.get(prf, prf)
    return cost.pbkdf2_grade(base, iterations, with_prf=True)


def _grade_werkzeug_scrypt(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
    return cost.scrypt_grade(*_werkzeug_scrypt(_werkzeug_parts(stored)[1]))


WERKZEUG_PBKDF2 = Scheme(
    "werkzeug_pbkdf2", Strength.STRONG, False, _check_werkzeug_pbkdf2, ("pbkdf2:", "pbkdf2$"),
    re.compile(r"pbkdf2(?::sha(?:1|224|256|384|512)(?::\d{1,10})?)?\$[^$]*\$[0-9a-f]{40,128}"), _grade_werkzeug_pbkdf2,
)
WERKZEUG_SCRYPT = Scheme(
    "werkzeug_scrypt", Strength.STRONG, False, _check_werkzeug_scrypt, ("scrypt:", "scrypt$"),
    re.compile(r"scrypt(?::\d{1,10}:\d{1,4}:\d{1,4})?\$[^$]*\$[0-9a-f]{128}"), _grade_werkzeug_scrypt,
)

_LEGACY_DIGESTS = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512")


def _check_werkzeug_legacy(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # Werkzeug <= 2.2 _hash_internal: "plain" (refused by the pattern), else hmac.new(salt, pw, method) when a salt
    # is present, hashlib.new(method, pw) when not; hex; hmac.compare_digest. Werkzeug 2.3 deprecated these and
    # 3.0 removed them (ValueError "Invalid hash method"): an app on Werkzeug >= 3 no longer accepts such rows.
    method, salt, hexhash = stored.split("$", 2)
    if method not in _LEGACY_DIGESTS:
        raise CorruptHashError("werkzeug_legacy_digest", "unsupported method")
    salted = hmac.new(salt.encode("utf-8"), pw, method) if salt else None
    digest = salted.hexdigest() if salted is not None else hashlib.new(method, pw).hexdigest()
    return hmac.compare_digest(digest, hexhash)


WERKZEUG_LEGACY = Scheme(
    "werkzeug_legacy_digest", Strength.WEAK, True, _check_werkzeug_legacy, (),
    re.compile(r"(?:md5|sha1|sha224|sha256|sha384|sha512)\$[^$]*\$[0-9a-f]{32,128}"),
)

# ---------------------------------------------------------------- passlib (libpass handlers)

_LN = re.compile(r"ln=(\d{1,2}),r=(\d{1,4}),p=(\d{1,4})\$")
_BCRYPT_SHA256_COST = re.compile(r"^\$bcrypt-sha256\$(?:v=2,t=2b,r=|2[ab],)(\d{1,2})\$")
_PBKDF2_ROUNDS = re.compile(r"^\$pbkdf2(?:-(sha256|sha512))?\$(\d{1,10})\$")
_BCRYPT_COST = re.compile(r"\$2[aby]\$(\d\d)\$")
_ARGON2_COST = re.compile(r"m=(\d{1,10}),t=(\d{1,10}),p=(\d{1,4})\$")


def _passlib_pbkdf2_cost(stored: str, name: str) -> tuple[str, int]:
    m = _PBKDF2_ROUNDS.match(stored)
    if m is None:
        raise CorruptHashError(name, "rounds unreadable")
    prf, rounds = m.group(1) or "sha1", int(m.group(2))
    if not 0 < rounds <= bounded.PBKDF2_MAX_ITERATIONS[prf]:
        raise CorruptHashError(name, "rounds beyond what a trigger can verify in time")
    return prf, rounds


def _passlib_scrypt_cost(stored: str, name: str) -> tuple[int, int, int]:
    m = _LN.search(stored)
    if m is None:
        raise CorruptHashError(name, "parameters unreadable")
    n, r, p = 1 << int(m.group(1)), int(m.group(2)), int(m.group(3))
    if n * r * p > bounded.SCRYPT_MAX_WORK or 128 * n * r > bounded.SCRYPT_MAX_MEMORY:
        raise CorruptHashError(name, "scrypt parameters beyond what a trigger can verify in time")
    return n, r, p


def _passlib_bounds(name: str, stored: str) -> None:
    """Refuse stored costs beyond the Lambda's time before libpass runs them."""
    if name.startswith("passlib_pbkdf2"):
        _passlib_pbkdf2_cost(stored, name)
    elif name == "passlib_scrypt":
        _passlib_scrypt_cost(stored, name)
    elif name == "passlib_argon2":
        m = _ARGON2_COST.search(stored)
        if m is None or int(m.group(1)) > MAX_ARGON2_KIB or int(m.group(2)) > MAX_ARGON2_TIME:
            raise CorruptHashError(name, "argon2 parameters out of range")
    elif name in ("passlib_sha256_crypt", "passlib_sha512_crypt"):
        if sha_crypt_rounds(stored)[0] * 33 > MAX_SHA_CRYPT_WORK:  # libpass caps passwords at 4096 bytes
            raise CorruptHashError(name, "rounds beyond what a trigger can verify in time")
    elif name in ("passlib_bcrypt", "passlib_bcrypt_sha256"):
        m = (_BCRYPT_SHA256_COST if name == "passlib_bcrypt_sha256" else _BCRYPT_COST).match(stored)
        if m is None or int(m.group(1)) > _BCRYPT_COST_MAX:
            raise CorruptHashError(name, "bcrypt cost beyond what a trigger can verify in time")


def _libpass_scheme(name: str, handler: Any, prefixes: tuple[str, ...], strength: Strength,
                    grade: Callable[[str, Mapping[str, Any]], cost.Grade] | None) -> Scheme:
    def check(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
        _passlib_bounds(name, stored)
        try:
            return bool(handler.verify(pw, stored))
        except PasswordValueError:
            return False  # libpass refused the password (> 4096 bytes, NUL for bcrypt/crypt): the app's login failed

    def identify_pattern() -> re.Pattern[str]:
        return re.compile("(?:" + "|".join(re.escape(p) for p in prefixes) + r")[^\s]{10,400}")

    return Scheme(name, strength, strength is not Strength.STRONG, check, prefixes, identify_pattern(), grade)


def _g_pbkdf2(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
    prf, rounds = _passlib_pbkdf2_cost(stored, "passlib_pbkdf2")
    return cost.pbkdf2_grade(prf, rounds, with_prf=True)


def _g_scrypt(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
    return cost.scrypt_grade(*_passlib_scrypt_cost(stored, "passlib_scrypt"))


def _g_bcrypt_sha256(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
    m = _BCRYPT_SHA256_COST.match(stored)
    if m is None:
        raise ValueError("cost unreadable")
    return cost.bcrypt_grade(int(m.group(1)))


def _g_bcrypt(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
    return cost.bcrypt_cost(stored)


PASSLIB = (
    _libpass_scheme("passlib_pbkdf2_sha1", libpass.pbkdf2_sha1, ("$pbkdf2$",), Strength.ACCEPTABLE, _g_pbkdf2),
    _libpass_scheme("passlib_pbkdf2_sha256", libpass.pbkdf2_sha256, ("$pbkdf2-sha256$",), Strength.STRONG, _g_pbkdf2),
    _libpass_scheme("passlib_pbkdf2_sha512", libpass.pbkdf2_sha512, ("$pbkdf2-sha512$",), Strength.STRONG, _g_pbkdf2),
    _libpass_scheme("passlib_bcrypt_sha256", libpass.bcrypt_sha256, ("$bcrypt-sha256$",), Strength.STRONG,
                    _g_bcrypt_sha256),
    _libpass_scheme("passlib_scrypt", libpass.scrypt, ("$scrypt$",), Strength.STRONG, _g_scrypt),
    _libpass_scheme("passlib_argon2", libpass.argon2, ("$argon2i$", "$argon2id$", "$argon2d$"), Strength.STRONG,
                    grade_argon2),
    _libpass_scheme("passlib_md5_crypt", libpass.md5_crypt, ("$1$",), Strength.WEAK, None),
    _libpass_scheme("passlib_sha256_crypt", libpass.sha256_crypt, ("$5$",), Strength.ACCEPTABLE, grade_sha_crypt),
    _libpass_scheme("passlib_sha512_crypt", libpass.sha512_crypt, ("$6$",), Strength.ACCEPTABLE, grade_sha_crypt),
    _libpass_scheme("passlib_bcrypt", libpass.bcrypt, ("$2a$", "$2b$", "$2y$"), Strength.STRONG, _g_bcrypt),
)

ALL = (WERKZEUG_PBKDF2, WERKZEUG_SCRYPT, WERKZEUG_LEGACY, *PASSLIB)

"""Memory-hard and PBKDF2 formats: PHC argon2 (PHP, sodium, argon2-cffi), Magento 2's hex argon2id chain
and ASP.NET Identity v2/v3.

argon2 goes straight to argon2-cffi's low-level ``verify_secret``: libpass's ``argon2`` handler wraps the same
C code but refuses secrets over 4096 bytes (``PasswordSizeError``), while PHP ``password_verify`` (Laravel,
q2a, Drupal 10.1+, Joomla) and Django accept any length, so libpass would answer "no" where the app answers
"yes". Per verify it is no faster (measured -0.4 % vs +2.0 % over ``verify_secret`` at t=4, m=64 MiB:
noise). Magento and ASP.NET have no libpass handler (libpass's ``pbkdf2_*`` handlers read the
``$pbkdf2-sha256$`` format, not ASP.NET's binary header), so they use ``hashlib``/argon2-cffi directly.

Magento 2 (``Encryptor::isValidHash``, 2.4): ``hash:salt:version[:version...]``. By default we answer what
Magento answers: a row without a version (``hash:salt``, two parts: ``explodePasswordHash`` needs three) and
a bare version ``3`` (not ``3_<seed>_<ops>_<mem>``: ``generateSimpleHash`` throws for it) never verify, so
they are :class:`~legacy_auth.errors.UnknownHashSchemeError` (``legacy-auth scan`` reports them). Such rows
exist: ``customer:hash:upgrade`` appends a bare ``3`` (Magento issue #23517 and friends) and Magento 1
imports keep ``hash:salt``. ``get_context("magento2", magento_legacy_rows=True)`` opts in to accepting them
as their authors meant: bare ``3`` = ``3_32_2_67108864`` (what ``getHash`` computed), ``hash:salt`` = Magento
1 ``md5(salt . password)`` (``magento1_md5``). Users whose rows Magento itself refuses then migrate with
their password, which Magento could not have confirmed: an explicit choice for the deployment.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from collections.abc import Mapping
from typing import Any

from argon2 import Type
from argon2.exceptions import VerificationError, VerifyMismatchError
from argon2.low_level import hash_secret_raw, verify_secret

from legacy_auth.errors import CorruptHashError
from legacy_auth.hashing import cost
from legacy_auth.hashing.base import Scheme, Strength, consteq

_ARGON2_TYPES = {"argon2id": Type.ID, "argon2i": Type.I, "argon2d": Type.D}
_PHC_B64 = r"[A-Za-z0-9+/]"
ARGON2_RE = re.compile(
    rf"\$(argon2id|argon2i|argon2d)\$(v=\d+\$)?m=\d{{1,8}},t=\d{{1,4}},p=\d{{1,3}}\${_PHC_B64}{{11,}}\${_PHC_B64}{{16,}}"
)
#: PHP ``password_verify`` and libsodium know argon2i and argon2id only: ``$argon2d$`` is refused (issue 15;
#: PHP 8.2.36 ``password_verify`` answers false, ``password_get_info`` says "unknown")
PHP_ARGON2_RE = re.compile(ARGON2_RE.pattern.replace("argon2id|argon2i|argon2d", "argon2id|argon2i"))
_ARGON2_PARAMS = re.compile(r"m=(\d+),t=(\d+),p=(\d+)")
MAX_ARGON2_KIB = 1 << 20  # 1 GiB: larger is a hostile value, not a real hash (and would exhaust the Lambda)
MAX_ARGON2_TIME = 32


def argon2_check(pw: bytes, phc: str, scheme: str) -> bool:
    """Verify a PHC argon2 string (``$argon2id$v=19$m=..,t=..,p=..$salt$hash``) with argon2-cffi."""
    kind = phc[1 : phc.index("$", 1)]
    params = _ARGON2_PARAMS.search(phc)
    if params is None or int(params.group(1)) > MAX_ARGON2_KIB or int(params.group(2)) > MAX_ARGON2_TIME:
        raise CorruptHashError(scheme, "argon2 parameters out of range")
    try:
        return verify_secret(phc.encode("ascii"), pw, _ARGON2_TYPES[kind])
    except VerifyMismatchError:
        return False
    except VerificationError as exc:  # malformed parameters / encoding
        raise CorruptHashError(scheme, "argon2 rejected the hash") from exc


def _check_argon2(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    return argon2_check(pw, stored, "argon2")


def grade_argon2(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
    """Per-hash cost of a PHC argon2 value (also after Django's ``argon2`` prefix)."""
    return cost.argon2_phc(stored)


# ---------------------------------------------------------------- Magento 2

#: context option (``get_context(..., magento_legacy_rows=True)``), merged into the fields the checks see
MAGENTO_LEGACY_ROWS = "magento_legacy_rows"
_MAGENTO_V = r"(?:0|1|2|3(?:_\d{1,3}_\d{1,3}_\d{1,11})?)"


def _magento_re(last: str, hexlen: str) -> re.Pattern[str]:
    return re.compile(rf"[0-9a-f]{hexlen}:[A-Za-z0-9./+=]*(?::{_MAGENTO_V})*:{last}")


def _magento_argon(pw: bytes, salt: bytes, seed: int, ops: int, mem: int) -> str:
    if not (16 <= seed <= 64 and 1 <= ops <= 16 and 8192 <= mem <= MAX_ARGON2_KIB * 1024):
        raise CorruptHashError("magento", "argon2 parameters out of range")
    if len(salt) < 16:  # Magento: str_pad($salt, SODIUM_CRYPTO_PWHASH_SALTBYTES, $salt)
        salt = (salt * 16)[:16] if salt else b""
    if len(salt) < 16:
        raise CorruptHashError("magento", "empty salt")
    raw = hash_secret_raw(pw, salt[:16], time_cost=ops, memory_cost=mem // 1024, parallelism=1, hash_len=seed,
                          type=Type.ID, version=19)
    return raw.hex()


def magento_compute(pw: bytes, salt: str, versions: list[str]) -> str:
    """Apply Magento 2 ``Encryptor`` hash versions left to right, each over the previous hex output."""
    value = pw
    saltb = salt.encode("ascii")
    out = ""
    for version in versions:
        if version == "0":
            out = hashlib.md5(saltb + value).hexdigest()  # noqa: S324 - Magento 1 legacy format
        elif version == "1":
            out = hashlib.sha256(saltb + value).hexdigest()
        elif version in ("2", "3"):  # bare "3" only with magento_legacy_rows: read as 3_32_2_67108864
            out = _magento_argon(value, saltb, 32, 2, 67108864)
        elif version.startswith("3_"):
            seed, ops, mem = (int(x) for x in version[2:].split("_"))
            out = _magento_argon(value, saltb, seed, ops, mem)
        else:
            raise CorruptHashError("magento", "unknown hash version")
        value = out.encode("ascii")
    return out


def _magento_versions(stored: str) -> list[str]:
    return stored.split(":")[2:] or ["0"]  # "hash:salt" (magento1_md5, opt-in): Magento 1 md5(salt . pw)


def _check_magento(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # Custom: Magento\Framework\Encryption\Encryptor::isValidHash ("hash:salt:version[:version...]").
    parts = stored.split(":")
    versions = _magento_versions(stored)
    if "3" in versions and not fields.get(MAGENTO_LEGACY_ROWS):
        return False  # Magento: generateSimpleHash(.., 3) throws; isValidHash then compares an HMAC: no match
    return consteq(magento_compute(pw, parts[1], versions), parts[0])


def _grade_magento(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
    return cost.magento_versions(_magento_versions(stored))


MAGENTO_MD5 = Scheme(
    "magento2_md5", Strength.WEAK, True, _check_magento, (), _magento_re("0", "{32}"), _grade_magento
)
MAGENTO_SHA256 = Scheme(
    "magento2_sha256", Strength.WEAK, True, _check_magento, (), _magento_re("1", "{64}"), _grade_magento
)
MAGENTO_ARGON2 = Scheme(
    "magento2_argon2id13", Strength.STRONG, False, _check_magento, (), _magento_re(r"(?:2|3(?:_\d+_\d+_\d+)?)", "+"),
    _grade_magento,
)
MAGENTO_V1 = Scheme(  # Magento 1 "md5(salt.pw):salt" without a version (opt-in: magento_legacy_rows)
    "magento1_md5", Strength.WEAK, True, _check_magento, (), re.compile(r"[0-9a-f]{32}:[A-Za-z0-9./+=]*")
)


# ---------------------------------------------------------------- ASP.NET Identity

_ASPNET_PRF = {0: "sha1", 1: "sha256", 2: "sha512"}
MAX_PBKDF2_ITERATIONS = 10_000_000


def _aspnet_payload(stored: str, scheme: str) -> bytes:
    try:
        return base64.b64decode(stored, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CorruptHashError(scheme, "not base64") from exc


def _check_aspnet_v2(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # Custom: PasswordHasher.VerifyHashedPasswordV2: 0x00 | salt16 | PBKDF2-HMAC-SHA1(1000) subkey32.
    raw = _aspnet_payload(stored, "aspnet_identity_v2")
    if len(raw) != 49 or raw[0] != 0:
        raise CorruptHashError("aspnet_identity_v2", "payload is not 49 bytes")
    return consteq(hashlib.pbkdf2_hmac("sha1", pw, raw[1:17], 1000, 32), raw[17:])


def _check_aspnet_v3(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # Custom: VerifyHashedPasswordV3: 0x01 | prf u32 BE | iter u32 BE | saltLen u32 BE | salt | subkey.
    raw = _aspnet_payload(stored, "aspnet_identity_v3")
    if len(raw) < 13 or raw[0] != 1:
        raise CorruptHashError("aspnet_identity_v3", "short header")
    prf, iterations, salt_len = struct.unpack(">III", raw[1:13])
    subkey = raw[13 + salt_len :]
    if prf not in _ASPNET_PRF or salt_len < 16 or len(subkey) < 16 or not 0 < iterations <= MAX_PBKDF2_ITERATIONS:
        raise CorruptHashError("aspnet_identity_v3", "bad prf, iteration count, salt or subkey length")
    salt = raw[13 : 13 + salt_len]
    return consteq(hashlib.pbkdf2_hmac(_ASPNET_PRF[prf], pw, salt, iterations, len(subkey)), subkey)


def _grade_aspnet_v2(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
    return cost.pbkdf2_grade("sha1", 1000, with_prf=True)


def _grade_aspnet_v3(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
    # the 13-byte header is in the first 20 base64 characters (15 bytes): no need to decode the whole value
    return cost.aspnet_v3_header(_aspnet_payload(stored[:20], "aspnet_identity_v3"))


# base64 of 0x00 starts "A" + [A-P]; of 0x01 starts "A" + [Q-Za-f]: a two-character identify
ASPNET_V2 = Scheme(
    "aspnet_identity_v2", Strength.ACCEPTABLE, True, _check_aspnet_v2, (), re.compile(r"A[A-P][A-Za-z0-9+/]*={0,2}"),
    _grade_aspnet_v2,
)
ASPNET_V3 = Scheme(
    "aspnet_identity_v3", Strength.STRONG, False, _check_aspnet_v3, (), re.compile(r"A[Q-Za-f][A-Za-z0-9+/]*={0,2}"),
    _grade_aspnet_v3,
)
ARGON2 = Scheme("argon2", Strength.STRONG, False, _check_argon2, ("$argon2",), PHP_ARGON2_RE, grade_argon2)

ALL = (ARGON2, MAGENTO_MD5, MAGENTO_SHA256, MAGENTO_ARGON2, MAGENTO_V1, ASPNET_V2, ASPNET_V3)

"""phpass portable hashes: ``$P$``/``$H$`` (md5) and Drupal's ``$S$`` (sha512) and ``U$`` (Drupal 6 md5
re-hashed by Drupal 7).

Hand-written (:func:`phpass_crypt`, the shared construction of class-phpass ``crypt_private`` and Drupal
``_password_crypt``: ``h = H(salt + pw); repeat 2**count: h = H(h + pw)``, encoded with phpass's base64,
compared in constant time). libpass has a ``phpass`` handler that answers the same for ``$P$``/``$H$`` (the
property tests use it as the independent reference), but it costs +5.3 to +7.0 % over a bare ``hashlib`` loop
at WordPress's default 2^13 rounds (``tests/bench/bench_hashes.py``, process CPU time, quiet machine,
2026-12-01: its ``while`` loop, handler parsing and re-encoding), outside the issue's 5 % overhead budget; this
loop measures within +1 %. libpass has no Drupal ``$S$`` handler, and phpBB's combined hash needs the phpass
*string* as bcrypt input, which a verifier does not give. The 4096-byte refusal is class-phpass's own
``strlen($password) > 4096``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from legacy_auth.errors import CorruptHashError
from legacy_auth.hashing import cost
from legacy_auth.hashing.base import Scheme, Strength, consteq

ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ITOA_INDEX = {c: i for i, c in enumerate(ITOA64)}
DRUPAL_HASH_LENGTH = 55
PHPASS_MAX_PASSWORD = 4096  # class-phpass CheckPassword (WordPress, Joomla, phpBB)
#: phpass/Drupal allow 2**30 rounds; defaults are 2**8 to 2**16. Above 2**20 (~1-2 s here) a value is treated
#: as corrupt rather than blocking the Lambda past Cognito's 5-second limit.
MAX_COUNT_LOG2 = 20
_B64 = r"[./A-Za-z0-9]"
PHPASS_RE = re.compile(rf"\$[PH]\${_B64}{{31}}")
DRUPAL_RE = re.compile(rf"\$S\${_B64}{{52}}")
DRUPAL_UPGRADED_RE = re.compile(rf"U(\$S\${_B64}{{52}}|\$[PH]\${_B64}{{31}})")


def phpass_b64(data: bytes, count: int) -> str:
    """phpass / Drupal ``_password_base64_encode`` (little-endian 6-bit groups over ``ITOA64``)."""
    out = []
    i = 0
    while i < count:
        value = data[i]
        i += 1
        out.append(ITOA64[value & 0x3F])
        if i < count:
            value |= data[i] << 8
        out.append(ITOA64[(value >> 6) & 0x3F])
        if i >= count:
            break
        i += 1
        if i < count:
            value |= data[i] << 16
        out.append(ITOA64[(value >> 12) & 0x3F])
        if i >= count:
            break
        i += 1
        out.append(ITOA64[(value >> 18) & 0x3F])
    return "".join(out)


def phpass_crypt(algo: str, pw: bytes, setting: str, scheme: str) -> str:
    """Drupal ``_password_crypt``: the full phpass-style hash of ``pw`` for ``setting`` (first 12 chars used).

    Parameters
    ----------
    algo : str
        ``"md5"`` or ``"sha512"``.
    pw : bytes
        The password bytes.
    setting : str
        ``$X$`` + count character + 8-char salt (more characters are ignored).
    scheme : str
        Scheme name for errors.

    Returns
    -------
    str
        The hash (truncated to 55 characters for sha512, as Drupal stores it).

    Raises
    ------
    CorruptHashError
        The count is outside 7..``MAX_COUNT_LOG2`` (phpass allows 30) or the salt is short.
    """
    count_log2 = _ITOA_INDEX.get(setting[3:4], -1)
    salt = setting[4:12]
    if not 7 <= count_log2 <= MAX_COUNT_LOG2 or len(salt) != 8:
        raise CorruptHashError(scheme, "bad count or salt")
    h = _loop(algo, salt.encode("ascii"), pw, 1 << count_log2)
    encoded = setting[:12] + phpass_b64(h, len(h))
    return encoded[:DRUPAL_HASH_LENGTH]


def _loop(algo: str, salt: bytes, pw: bytes, count: int) -> bytes:
    new = hashlib.md5 if algo == "md5" else hashlib.sha512
    h = new(salt + pw).digest()
    for _ in range(count):
        h = new(h + pw).digest()
    return h


def _check_phpass(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # class-phpass CheckPassword: refuse > 4096 bytes, then crypt_private() and compare the whole string.
    if not 7 <= _ITOA_INDEX.get(stored[3], 0) <= MAX_COUNT_LOG2:
        raise CorruptHashError("phpass", "bad count or salt")
    if len(pw) > PHPASS_MAX_PASSWORD:
        return False
    return consteq(phpass_crypt("md5", pw, stored, "phpass"), stored)


def drupal_check(pw: bytes, stored: str) -> bool:
    """Drupal ``user_check_password`` / ``PhpassHashedPassword::check`` for ``$S$``, ``$H$``, ``$P$``, ``U$``.

    ``U$``: Drupal md5s the password first, so its 512-byte limit (``_password_crypt``) applies to the 32-char
    md5, not to what the user typed (the app rules exempt this scheme from the cap).
    """
    if stored.startswith("U$"):
        stored = stored[1:]
        pw = hashlib.md5(pw).hexdigest().encode("ascii")  # noqa: S324 - Drupal 6 stored md5(pw)
    if stored.startswith("$S$"):
        return consteq(phpass_crypt("sha512", pw, stored, "drupal_sha512"), stored)
    if not 7 <= _ITOA_INDEX.get(stored[3], 0) <= MAX_COUNT_LOG2:
        raise CorruptHashError("drupal_phpass", "bad count or salt")
    return consteq(phpass_crypt("md5", pw, stored, "drupal_phpass"), stored)


def _check_drupal(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # Custom: libpass has no Drupal $S$ handler.
    return drupal_check(pw, stored)


def _grade(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
    return cost.phpass_rounds(stored)


PHPASS = Scheme("phpass", Strength.WEAK, True, _check_phpass, ("$P$", "$H$"), PHPASS_RE, _grade)
DRUPAL_SHA512 = Scheme("drupal_sha512", Strength.ACCEPTABLE, True, _check_drupal, ("$S$",), DRUPAL_RE, _grade)
DRUPAL_UPGRADED_MD5 = Scheme(
    "drupal_upgraded_md5", Strength.ACCEPTABLE, True, _check_drupal, ("U$",), DRUPAL_UPGRADED_RE, _grade
)
ALL = (PHPASS, DRUPAL_SHA512, DRUPAL_UPGRADED_MD5)

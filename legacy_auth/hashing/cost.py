"""Per-hash cost reading and strength grading (:meth:`Scheme.assess <legacy_auth.hashing.base.Scheme.assess>`).

A scheme's static :attr:`~legacy_auth.hashing.base.Scheme.strength` describes the format at its usual cost; the
stored value itself says how expensive it really is (bcrypt cost, PBKDF2 iterations, argon2 m/t/p, scrypt N/r/p,
phpass/Drupal round count). The functions here read that cost from an already-validated stored value and grade
it. Each returns a :class:`Grade`: a stable cost ``key`` (for grouping, e.g. the admin scan's timing of each
cost group; parameters only, never hash material), the per-hash :class:`Strength` and a relative ``work``
figure that orders hashes of one scheme by verification cost.

Thresholds (the "today's cost" that separates ``strong`` from ``acceptable``) follow the OWASP Password Storage
Cheat Sheet (2023 revision):

- bcrypt: cost >= 10. Below that the hash is still adaptive: ``acceptable``.
- PBKDF2: HMAC-SHA1 >= 1,300,000, HMAC-SHA256 >= 600,000, HMAC-SHA512 >= 210,000 iterations ``strong``;
  >= 1,000 ``acceptable`` (an iterated construction); fewer is ``weak``.
- argon2: memory >= 7 MiB and memory x passes >= 35,840 KiB (OWASP's m=47104/t=1 ... m=7168/t=5 ladder);
  below: ``acceptable``.
- scrypt: N x r x p >= 655,360 with N x r >= 65,536 (OWASP's N=2^13..2^17, r=8 ladder); below: ``acceptable``.
- Iterated fast digests (phpass md5, Drupal/Symfony sha512): never ``strong`` (no memory hardness, far below the
  PBKDF2 figures); ``acceptable`` from 2^16 md5 or 2^15 sha512 rounds, ``weak`` below (WordPress's ``$P$B`` =
  2^13 md5 rounds is ``weak``; Drupal 7's ``$S$D`` = 2^15 sha512 is ``acceptable``).

``needs_upgrade`` is ``strength is not STRONG`` everywhere (:meth:`Scheme.assess`).
"""

from __future__ import annotations

import re
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from legacy_auth.hashing.strength import Strength

BCRYPT_STRONG_COST = 10
PBKDF2_STRONG = {"sha1": 1_300_000, "sha256": 600_000, "sha512": 210_000}
PBKDF2_ACCEPTABLE = 1000
ARGON2_STRONG_KIB_PASSES = 35_840
ARGON2_MIN_KIB = 7 * 1024
SCRYPT_STRONG_NRP = 655_360
SCRYPT_MIN_NR = 65_536
MD5_ROUNDS_ACCEPTABLE = 1 << 16
SHA512_ROUNDS_ACCEPTABLE = 1 << 15
#: relative cost of one PBKDF2 iteration by PRF (sha512 blocks are twice as large), for ordering only
_PRF_WEIGHT = {"sha1": 1.0, "sha256": 1.3, "sha512": 2.0}
_ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ARGON2_PARAMS = re.compile(r"\$(argon2id|argon2i|argon2d)\$(?:v=\d+\$)?m=(\d+),t=(\d+),p=(\d+)\$")


@dataclass(frozen=True, slots=True)
class Grade:
    """The cost of one stored hash: ``key`` (stable text), ``strength`` and relative ``work``."""

    key: str
    strength: Strength
    work: float


_RANK = {s: i for i, s in enumerate((Strength.UNUSABLE, Strength.BROKEN, Strength.WEAK, Strength.ACCEPTABLE,
                                      Strength.STRONG))}


def weakest(a: Strength, b: Strength) -> Strength:
    """The weaker of two strengths."""
    return a if _RANK[a] <= _RANK[b] else b


def _at_most(grade: Grade, cap: Strength) -> Grade:
    return Grade(grade.key, weakest(grade.strength, cap), grade.work)


# ---------------------------------------------------------------- graders by family


@lru_cache(maxsize=512)  # a scan grades a million rows of a few distinct costs
def bcrypt_grade(cost: int) -> Grade:
    """bcrypt at ``cost`` (log2 rounds)."""
    strength = Strength.STRONG if cost >= BCRYPT_STRONG_COST else Strength.ACCEPTABLE
    return Grade(f"cost={cost}", strength, float(1 << cost))


@lru_cache(maxsize=512)  # a scan grades a million rows of a few distinct costs
def pbkdf2_grade(prf: str, iterations: int, *, with_prf: bool = False) -> Grade:
    """PBKDF2-HMAC-``prf`` at ``iterations``."""
    if iterations >= PBKDF2_STRONG[prf]:
        strength = Strength.STRONG
    elif iterations >= PBKDF2_ACCEPTABLE:
        strength = Strength.ACCEPTABLE
    else:
        strength = Strength.WEAK
    key = f"prf={prf},iterations={iterations}" if with_prf else f"iterations={iterations}"
    return Grade(key, strength, iterations * _PRF_WEIGHT[prf])


@lru_cache(maxsize=512)  # a scan grades a million rows of a few distinct costs
def argon2_grade(variant: str, memory_kib: int, passes: int, lanes: int) -> Grade:
    """argon2 with ``memory_kib`` KiB, ``passes`` (t) and ``lanes`` (p)."""
    strong = memory_kib >= ARGON2_MIN_KIB and memory_kib * passes >= ARGON2_STRONG_KIB_PASSES
    strength = Strength.STRONG if strong else Strength.ACCEPTABLE
    return Grade(f"{variant},m={memory_kib},t={passes},p={lanes}", strength, float(memory_kib * passes))


@lru_cache(maxsize=512)  # a scan grades a million rows of a few distinct costs
def scrypt_grade(n: int, r: int, p: int) -> Grade:
    """scrypt with CPU/memory cost ``n``, block size ``r`` and parallelism ``p``."""
    strong = n * r * p >= SCRYPT_STRONG_NRP and n * r >= SCRYPT_MIN_NR
    return Grade(f"n={n},r={r},p={p}", Strength.STRONG if strong else Strength.ACCEPTABLE, float(n * r * p))


@lru_cache(maxsize=512)  # a scan grades a million rows of a few distinct costs
def digest_rounds_grade(algo: str, rounds: int, key: str) -> Grade:
    """An iterated fast digest (phpass md5, Drupal/Symfony sha512): ``acceptable`` or ``weak``, never strong."""
    floor = MD5_ROUNDS_ACCEPTABLE if algo == "md5" else SHA512_ROUNDS_ACCEPTABLE
    strength = Strength.ACCEPTABLE if rounds >= floor else Strength.WEAK
    return Grade(key, strength, float(rounds))


# ---------------------------------------------------------------- readers of validated stored values


def bcrypt_cost(text: str) -> Grade:
    """``$2y$12$...`` (any prefix before the ``$2``: ``$wp``, ``bcrypt$``, ``bcrypt_sha256$``)."""
    i = text.index("$2")
    return bcrypt_grade(int(text[i + 4 : i + 6]))


def phpass_rounds(text: str) -> Grade:
    """``$P$``/``$H$``/``$S$`` (optionally ``U``-prefixed): 2^count rounds of md5 or sha512."""
    body = text[1:] if text.startswith("U$") else text
    log2 = _ITOA64.index(body[3])
    algo = "sha512" if body.startswith("$S$") else "md5"
    return digest_rounds_grade(algo, 1 << log2, f"rounds=2^{log2}")


def phpbb_combined(text: str) -> Grade:
    """``$H\\2y$<count><salt>$<cost>\\...``: bcrypt over a phpass hash; never better than ``acceptable``."""
    log2 = _ITOA64.index(text[6])
    cost = int(text[16:18])
    outer = bcrypt_grade(cost)
    return _at_most(Grade(f"cost={cost},rounds=2^{log2}", outer.strength, outer.work), Strength.ACCEPTABLE)


def argon2_phc(text: str) -> Grade:
    """A PHC argon2 string, optionally after Django's ``argon2`` prefix."""
    m = _ARGON2_PARAMS.search(text)
    if m is None:  # pragma: no cover - validated before
        return Grade("", Strength.ACCEPTABLE, 0.0)
    return argon2_grade(m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4)))


def django_pbkdf2(prf: str) -> Any:
    """A reader for ``pbkdf2_<prf>$<iterations>$...``."""

    def read(text: str, fields: Mapping[str, Any]) -> Grade:
        return pbkdf2_grade(prf, int(text.split("$", 2)[1]))

    return read


def django_scrypt(text: str) -> Grade:
    """``scrypt$<n>$<salt>$<r>$<p>$<hash>``."""
    _, n, _salt, r, p, _ = text.split("$", 5)
    return scrypt_grade(int(n), int(r), int(p))


def aspnet_v3_header(raw: bytes) -> Grade:
    """ASP.NET Identity v3 payload: prf (0 sha1, 1 sha256, 2 sha512) and iterations from the header."""
    prf, iterations = struct.unpack(">II", raw[1:9])
    return pbkdf2_grade({0: "sha1", 1: "sha256", 2: "sha512"}.get(prf, "sha1"), iterations, with_prf=True)


def magento_versions(versions: list[str]) -> Grade:
    """A Magento 2 version chain: graded by its strongest (argon2) step, cost = the whole chain."""
    best, work = Strength.WEAK, 0.0  # md5 / sha256 steps: a salted single fast digest
    for version in versions:
        if version in ("2", "3"):
            step = argon2_grade("argon2id", 65536, 2, 1)  # sodium INTERACTIVE: 64 MiB, 2 passes
        elif version.startswith("3_"):
            _seed, ops, mem = (int(x) for x in version[2:].split("_"))
            step = argon2_grade("argon2id", mem // 1024, ops, 1)
        else:
            step = Grade("", Strength.WEAK, 1.0)
        work += step.work
        if _RANK[step.strength] > _RANK[best]:
            best = step.strength
    return Grade("versions=" + ":".join(versions), best, work)


def symfony_digest(fields: Mapping[str, Any]) -> Grade:
    """Symfony MessageDigest sha512: the configured iteration count (``symfony_iterations``)."""
    iterations = int(fields.get("iterations") or 5000)
    return digest_rounds_grade("sha512", iterations, f"iterations={iterations}")

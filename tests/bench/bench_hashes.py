"""Benchmark of ``legacy_auth.hashing``: our ``ctx.verify`` against the raw primitive, in the same run.

Run: ``.venv/bin/python tests/bench/run.py hashes`` (about 2 minutes). For every costly scheme the context's
verify and the bare primitive (``bcrypt.checkpw``, ``hashlib.pbkdf2_hmac``/``scrypt``, argon2-cffi low level,
``hashlib`` loops written out in this file) are sampled **interleaved** (ABAB, then BABA) so machine noise hits
both, timing each call twice: by this process's CPU time (``time.process_time_ns``: our work only; the verdict,
because this 2-core box is shared by several engineers and wall-clock samples swing +-20 % with their load) and
by wall time (printed beside it). Overhead = median of the per-sample ratios ``ours / raw`` minus one. The
*structural* overhead (our identify + assess + input transform measured directly, over the raw time) is what
those ratios estimate.

Baselines are independent of the code they measure: stored hashes and raw primitives are made here with
``hashlib``/``hmac``/``bcrypt``/argon2-cffi (phpass and Drupal's loop and base64 are written out below), never
with ``legacy_auth`` functions (the reference phpass lives in ``tests/support/reference_hashes.py``).

The issue 15 schemes (not wired into an app yet) are timed the same way through ``SCHEMES[name].verify``
(:func:`bench_issue15`).

identify + dispatch + assess + input transform is timed per scheme (including q2a's legacy salt/check pair,
generic salted digests, Magento's version chain and ASP.NET's base64 header), in µs.
Targets: overhead <= 5 % for every costly scheme, identify+dispatch <= 20 µs. Exit status 1 if missed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import statistics
import struct
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import argon2
import bcrypt
from argon2 import Type
from argon2.low_level import hash_secret_raw, verify_secret
from passlib.hash import sha512_crypt

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchutil import median, save, table

from legacy_auth.apps import HASH_RULES as APPS
from legacy_auth.apps import get_context
from legacy_auth.hashing import SCHEMES
from tests.support.reference_hashes import ITOA64, b64_phpass, phpass_loop, phpass_style

OVERHEAD_TARGET = 0.05
IDENTIFY_TARGET_US = 20.0
PW = "correct horse battery staple"
PWB = PW.encode()
LONG = "é" * 60 + PW  # 148 bytes: Symfony's sha512 pre-hash path
LONGB = LONG.encode()


@dataclass
class Case:
    """One benchmarked stored hash: how ours verifies it and what the bare primitive is."""

    label: str
    app: str
    stored: str
    raw: Callable[[], object] | None  # None: identify-only (cheap schemes)
    rounds: int = 0
    fields: dict[str, object] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    password: str = PW


# ---------------------------------------------------------------- independent constructions


def _bcrypt(secret: bytes, cost: int, ident: str = "2y") -> str:
    return bcrypt.hashpw(secret, bcrypt.gensalt(cost)).decode().replace("$2b$", f"${ident}$", 1)


def _checkpw(secret: bytes, stored: str) -> Callable[[], object]:
    enc = stored.encode()
    return lambda: bcrypt.checkpw(secret, enc)


def _sha512_iter(salted: bytes, n: int) -> bytes:
    d = hashlib.sha512(salted).digest()
    for _ in range(n - 1):
        d = hashlib.sha512(d + salted).digest()
    return d


# ---------------------------------------------------------------- the costly schemes


def _bcrypt_cases() -> list[Case]:
    b10 = _bcrypt(PWB, 10)
    b12 = _bcrypt(PWB, 12)
    pre = base64.b64encode(hmac.new(b"wp-sha384", PWB, hashlib.sha384).digest())
    wp = "$wp" + _bcrypt(pre, 10)
    wp_enc = wp[3:].encode()
    sym_short = _bcrypt(PWB, 13)
    sym_pre = base64.b64encode(hashlib.sha512(LONGB).digest())
    sym_long = _bcrypt(sym_pre[:72], 13)
    dj_sha = hashlib.sha256(PWB).hexdigest().encode()
    dj_b256 = bcrypt.hashpw(dj_sha, bcrypt.gensalt(12)).decode()
    dj_b = bcrypt.hashpw(PWB, bcrypt.gensalt(12)).decode()
    devise = _bcrypt(PWB + b"pepper", 12, "2a")
    phpbb_salt = "abcdefgh"
    inner = phpass_style("md5", PWB, "$H$", 11, phpbb_salt)[12:]
    outer = bcrypt.hashpw(inner.encode(), bcrypt.gensalt(10)).decode()
    combined = f"$H\\2y${ITOA64[11]}{phpbb_salt}$10\\{outer[7:29]}${outer[29:]}"
    outer_enc = outer.encode()

    def raw_wp() -> object:
        return bcrypt.checkpw(base64.b64encode(hmac.new(b"wp-sha384", PWB, hashlib.sha384).digest()), wp_enc)

    def raw_symfony_pre() -> object:
        return bcrypt.checkpw(base64.b64encode(hashlib.sha512(LONGB).digest())[:72], sym_long.encode())

    def raw_django_b256() -> object:
        return bcrypt.checkpw(hashlib.sha256(PWB).hexdigest().encode(), dj_b256.encode())

    def raw_phpbb() -> object:
        h = phpass_loop(hashlib.md5, phpbb_salt.encode(), PWB, 1 << 11)
        return bcrypt.checkpw(b64_phpass(h).encode(), outer_enc)

    return [
        Case("bcrypt cost 10 (q2a passhash)", "q2a", b10, _checkpw(PWB, b10), 21),
        Case("bcrypt cost 12 (Laravel 11)", "laravel", b12, _checkpw(PWB, b12), 9),
        Case("$wp$ bcrypt 10 (WordPress 6.8)", "wordpress", wp, raw_wp, 21),
        Case("symfony bcrypt 13", "symfony", sym_short, _checkpw(PWB, sym_short), 7),
        Case("symfony bcrypt 13, sha512 pre-hash (148 B)", "symfony", sym_long, raw_symfony_pre, 7, password=LONG),
        Case("django bcrypt_sha256 cost 12", "django", "bcrypt_sha256$" + dj_b256, raw_django_b256, 9),
        Case("django bcrypt cost 12", "django", "bcrypt$" + dj_b, _checkpw(PWB, dj_b), 9),
        Case("devise bcrypt 12 + pepper", "devise", devise, _checkpw(PWB + b"pepper", devise), 9,
             options={"pepper": "pepper"}),
        Case("phpBB $H\\2y$ (phpass 2^11 + bcrypt 10)", "phpbb3", combined, raw_phpbb, 21),
        *_forum_cases(b10),
    ]


def _forum_cases(b10: str) -> list[Case]:
    """Issue 15 forums wired to their app contexts: vBulletin 5, SMF 2.1, XenForo Core12 (bcrypt cost 10)."""
    md5_hex = hashlib.md5(PWB).hexdigest().encode()  # noqa: S324 - the legacy format
    vb5 = _bcrypt(md5_hex, 10)
    smf = _bcrypt(b"admin" + PWB, 10)
    xf = 'a:1:{s:4:"hash";s:60:"' + b10 + '";}'
    return [
        Case("vbulletin blowfish:10 (bcrypt over md5)", "vbulletin", vb5,
             lambda: bcrypt.checkpw(hashlib.md5(PWB).hexdigest().encode(), vb5.encode()), 21,  # noqa: S324
             fields={"scheme": "blowfish:10"}),
        Case("smf 2.1 bcrypt 10 (lower(name).pw)", "smf", smf, _checkpw(b"admin" + PWB, smf), 21,
             fields={"username": "Admin"}),
        Case("xenforo XF:Core12 bcrypt 10 (serialised)", "xenforo", xf, _checkpw(PWB, b10), 21,
             fields={"scheme_class": "XF:Core12"}),
    ]


def _phpass_cases() -> list[Case]:
    salt = "Zp9q4LmX"
    wp = phpass_style("md5", PWB, "$P$", 13, salt)
    cases = [Case("phpass $P$B 2^13 md5", "wordpress", wp,
                  lambda: phpass_loop(hashlib.md5, salt.encode(), PWB, 1 << 13), 61)]
    for ch, log2, rounds in (("D", 15, 21), ("E", 16, 15)):
        stored = phpass_style("sha512", PWB, "$S$", log2, salt)
        assert stored[3] == ch

        def raw(n: int = 1 << log2) -> object:
            return phpass_loop(hashlib.sha512, salt.encode(), PWB, n)

        cases.append(Case(f"drupal $S${ch} 2^{log2} sha512", "drupal", stored, raw, rounds))
    return cases


def _kdf_cases() -> list[Case]:
    salt = b"benchsalt"
    pb256 = base64.b64encode(hashlib.pbkdf2_hmac("sha256", PWB, salt, 1_000_000)).decode()
    pb1 = base64.b64encode(hashlib.pbkdf2_hmac("sha1", PWB, salt, 1_000_000)).decode()
    scr = base64.b64encode(hashlib.scrypt(PWB, salt=salt, n=16384, r=8, p=5, maxmem=1 << 26, dklen=64)).decode()
    phpbb_a2 = argon2.PasswordHasher(time_cost=4, memory_cost=65536, parallelism=2).hash(PW)
    laravel_a2 = argon2.PasswordHasher(time_cost=4, memory_cost=65536, parallelism=1).hash(PW)
    django_a2 = argon2.PasswordHasher(time_cost=2, memory_cost=102400, parallelism=8).hash(PW)
    msalt = "saltsaltsaltsaltsaltsaltsaltsalt"
    mraw = hash_secret_raw(PWB, msalt[:16].encode(), time_cost=2, memory_cost=65536, parallelism=1, hash_len=32,
                           type=Type.ID, version=19)
    salt16 = b"s" * 16
    sub = hashlib.pbkdf2_hmac("sha512", PWB, salt16, 100_000, 32)
    aspnet = base64.b64encode(b"\x01" + struct.pack(">III", 2, 100_000, 16) + salt16 + sub).decode()
    salted = PWB + b"{abc}"
    symfony = base64.b64encode(_sha512_iter(salted, 5000)).decode()

    def argon(stored: str) -> Callable[[], object]:
        enc = stored.encode()
        return lambda: verify_secret(enc, PWB, Type.ID)

    return [
        Case("django pbkdf2_sha256 1M", "django", f"pbkdf2_sha256$1000000$benchsalt${pb256}",
             lambda: hashlib.pbkdf2_hmac("sha256", PWB, salt, 1_000_000), 15),
        Case("django pbkdf2_sha1 1M", "django", f"pbkdf2_sha1$1000000$benchsalt${pb1}",
             lambda: hashlib.pbkdf2_hmac("sha1", PWB, salt, 1_000_000), 15),
        Case("django scrypt n=2^14 r=8 p=5", "django", f"scrypt$16384$benchsalt$8$5${scr}",
             lambda: hashlib.scrypt(PWB, salt=salt, n=16384, r=8, p=5, maxmem=1 << 26, dklen=64), 15),
        Case("django argon2id t=2 m=100MiB p=8", "django", "argon2" + django_a2, argon(django_a2), 9),
        Case("argon2id t=4 m=64MiB p=2 (phpBB)", "phpbb3", phpbb_a2, argon(phpbb_a2), 11),
        Case("argon2id t=4 m=64MiB p=1 (Laravel, Symfony)", "laravel", laravel_a2, argon(laravel_a2), 11),
        Case("magento2 argon2id13 3_32_2_67108864", "magento2", f"{mraw.hex()}:{msalt}:3_32_2_67108864",
             lambda: hash_secret_raw(PWB, msalt[:16].encode(), time_cost=2, memory_cost=65536, parallelism=1,
                                     hash_len=32, type=Type.ID, version=19), 11),
        Case("aspnet v3 sha512 100k", "aspnet_identity", aspnet,
             lambda: hashlib.pbkdf2_hmac("sha512", PWB, salt16, 100_000, 32), 21),
        Case("symfony sha512 x5000", "symfony", symfony, lambda: _sha512_iter(salted, 5000), 41,
             fields={"salt": "abc"}),
    ]


def _cms_shop_app_cases() -> list[Case]:
    """Costly formats of the Invision, MediaWiki, Moodle and OpenCart apps, through their ``get_context``."""
    ips = bcrypt.hashpw(PWB, bcrypt.gensalt(13)).decode().replace("$2b$", "$2a$", 1)  # IPS 4.0-4.4: $2a$13$
    b10 = _bcrypt(PWB, 10)
    mw_bc = bcrypt.hashpw(PWB, bcrypt.gensalt(9)).decode()
    salt16 = b"s" * 16
    mw_pb = base64.b64encode(hashlib.pbkdf2_hmac("sha512", PWB, salt16, 30000, 64)).decode()
    crypt6 = sha512_crypt.using(rounds=10000, salt="benchsaltbenchsa").hash(PW)
    return [
        Case("invision IPS 4 bcrypt 13", "invision", ips, _checkpw(PWB, ips), 7),
        Case("mediawiki :pbkdf2: sha512 30000 (default)", "mediawiki",
             f":pbkdf2:sha512:30000:64:{base64.b64encode(salt16).decode()}:{mw_pb}",
             lambda: hashlib.pbkdf2_hmac("sha512", PWB, salt16, 30000, 64), 21),
        Case("mediawiki :bcrypt: 9", "mediawiki", f":bcrypt:9${mw_bc[7:29]}${mw_bc[29:]}", _checkpw(PWB, mw_bc), 31),
        Case("moodle 4.3 sha512-crypt 10000 (libpass)", "moodle", crypt6, lambda: sha512_crypt.verify(PW, crypt6), 21),
        Case("opencart 4 password_hash bcrypt 10", "opencart", b10, _checkpw(PWB, b10), 21),
    ]


def _apps15b_cases() -> list[Case]:
    """Issue 15 apps wired into ``get_context``: PrestaShop, Discourse, Ghost, Atlassian, php (app contexts)."""
    b2y, b2a = _bcrypt(PWB, 10), _bcrypt(PWB, 10, "2a")
    dsalt = "0123456789abcdef0123456789abcdef"
    d600k = hashlib.pbkdf2_hmac("sha256", PWB, dsalt.encode(), 600_000, 32).hex()
    s16 = b"s" * 16
    atl = "{PKCS5S2}" + base64.b64encode(s16 + hashlib.pbkdf2_hmac("sha1", PWB, s16, 10_000, 32)).decode()
    crypt6 = sha512_crypt.using(rounds=5000, salt="benchsaltbenchsa").hash(PW)
    return [
        Case("prestashop bcrypt 10", "prestashop", b2y, _checkpw(PWB, b2y), 21),
        Case("discourse pbkdf2-sha256 600000", "discourse", d600k,
             lambda: hashlib.pbkdf2_hmac("sha256", PWB, dsalt.encode(), 600_000, 32), 9,
             fields={"salt": dsalt, "algorithm": "$pbkdf2-sha256$i=600000,l=32$"}),
        Case("ghost bcryptjs 10", "ghost", b2a, _checkpw(PWB, b2a), 21),
        Case("atlassian {PKCS5S2} 10k", "atlassian", atl, lambda: hashlib.pbkdf2_hmac("sha1", PWB, s16, 10_000, 32),
             41),
        Case("php sha512-crypt 5000 (libpass)", "php", crypt6, lambda: sha512_crypt.verify(PW, crypt6), 21),
    ]


def _cases() -> list[Case]:
    return [*_bcrypt_cases(), *_phpass_cases(), *_kdf_cases(), *_cms_shop_app_cases(), *_apps15b_cases()]


def _cheap_cases() -> list[Case]:
    """Fast formats, for the identify+dispatch table only (their verify is microseconds: no overhead ratio)."""
    salt = "abcdefgh12345678"
    passcheck = hashlib.sha1((salt[:8] + PW + salt[8:]).encode()).digest()  # noqa: S324 - the legacy format
    md5 = hashlib.md5(PWB).hexdigest()  # noqa: S324
    aspnet_v2 = base64.b64encode(b"\x00" + b"s" * 16 + hashlib.pbkdf2_hmac("sha1", PWB, b"s" * 16, 1000, 32))
    return [
        Case("q2a legacy passsalt/passcheck", "q2a", "", None, fields={"passsalt": salt.encode(),
                                                                     "passcheck": passcheck}),
        Case("wordpress md5 (<= 32 chars)", "wordpress", md5, None),
        Case("joomla md5:salt", "joomla", hashlib.md5(PWB + b"salt").hexdigest() + ":salt", None),  # noqa: S324
        Case("joomla {SHA256}", "joomla", "{SHA256}" + hashlib.sha256(PWB + b"s").hexdigest() + ":s", None),
        Case("magento2 sha256 chain 0:1", "magento2", "0" * 64 + ":" + "s" * 32 + ":0:1", None),
        Case("aspnet v2 (base64 header)", "aspnet_identity", aspnet_v2.decode(), None),
        Case("django salted sha1", "django", "sha1$salt$" + "0" * 40, None),
        Case("generic mysql41", "generic", "*" + hashlib.sha1(hashlib.sha1(PWB).digest()).hexdigest().upper(),  # noqa: S324
             None),
        Case("generic hex sha512", "generic", hashlib.sha512(PWB).hexdigest(), None),
        Case("generic sha256(salt.pw)", "generic", hashlib.sha256(b"salt" + PWB).hexdigest(), None,
             fields={"salt": "salt"}, options={"generic_scheme": "sha256_salt_password"}),
    ]


# ---------------------------------------------------------------- issue 15 part A (scheme level: no app context yet)


def _issue15a_cases() -> list[Case]:
    """Costly issue-15 schemes, verified through ``SCHEMES[name].verify`` (``Case.app`` holds the scheme name)."""
    b10 = _bcrypt(PWB, 10)
    ips = bcrypt.hashpw(PWB, bcrypt.gensalt(13)).decode().replace("$2b$", "$2a$", 1)
    md5_hex = hashlib.md5(PWB).hexdigest().encode()  # noqa: S324 - the legacy format
    mw_bc = bcrypt.hashpw(PWB, bcrypt.gensalt(9)).decode()
    mw_bcrypt = f":bcrypt:9${mw_bc[7:29]}${mw_bc[29:]}"
    salt16 = b"s" * 16
    salt64 = base64.b64encode(salt16).decode()
    mw_pb = base64.b64encode(hashlib.pbkdf2_hmac("sha512", PWB, salt16, 30000, 64)).decode()
    inner = hashlib.md5(b"1a2b3c4d-" + md5_hex).hexdigest().encode()  # noqa: S324 - MediaWiki type B
    mw_layered = base64.b64encode(hashlib.pbkdf2_hmac("sha512", inner, salt16, 30000, 64)).decode()
    dsalt = "0123456789abcdef0123456789abcdef"
    d64k = hashlib.pbkdf2_hmac("sha256", PWB, dsalt.encode(), 64000, 32).hex()
    d600k = hashlib.pbkdf2_hmac("sha256", PWB, dsalt.encode(), 600000, 32).hex()
    crypt6 = sha512_crypt.using(rounds=10000, salt="benchsaltbenchsa").hash(PW)

    def mw_layered_raw() -> object:
        md5_pw = hashlib.md5(PWB).hexdigest().encode()  # noqa: S324
        return hashlib.pbkdf2_hmac("sha512", hashlib.md5(b"1a2b3c4d-" + md5_pw).hexdigest().encode(),  # noqa: S324
                                   salt16, 30000, 64)

    return [
        Case("invision IPS4 bcrypt 13", "invision_bcrypt", ips, _checkpw(PWB, ips), 7),
        Case("ghost bcryptjs 10", "ghost_bcryptjs", b10, _checkpw(PWB, b10), 21),
        Case("mediawiki :bcrypt: 9", "mediawiki_bcrypt", mw_bcrypt, _checkpw(PWB, mw_bc), 31),
        Case("mediawiki :pbkdf2: sha512 30000", "mediawiki_pbkdf2", f":pbkdf2:sha512:30000:64:{salt64}:{mw_pb}",
             lambda: hashlib.pbkdf2_hmac("sha512", PWB, salt16, 30000, 64), 21),
        Case("mediawiki :pbkdf2-legacyB: sha512 30000", "mediawiki_pbkdf2_legacy",
             f":pbkdf2-legacyB:!sha512:30000:64!1a2b3c4d!{salt64}!{mw_layered}", mw_layered_raw, 21),
        Case("discourse pbkdf2-sha256 64000 (legacy)", "discourse_pbkdf2_sha256", d64k,
             lambda: hashlib.pbkdf2_hmac("sha256", PWB, dsalt.encode(), 64000, 32), 21, fields={"salt": dsalt}),
        Case("discourse pbkdf2-sha256 600000", "discourse_pbkdf2_sha256", d600k,
             lambda: hashlib.pbkdf2_hmac("sha256", PWB, dsalt.encode(), 600000, 32), 9,
             fields={"salt": dsalt, "algorithm": "$pbkdf2-sha256$i=600000,l=32$"}),
        Case("moodle 4.3 sha512-crypt 10000 (libpass)", "sha512_crypt", crypt6,
             lambda: sha512_crypt.verify(PW, crypt6), 21),
    ]


def bench_issue15a() -> tuple[list[list[object]], bool, list[dict[str, object]]]:
    """``SCHEMES[name].verify`` vs the raw primitive, interleaved both orders, as :func:`bench_overhead`."""
    rows: list[list[object]] = []
    ok = True
    data = []
    for case in _issue15a_cases():
        scheme = SCHEMES[case.app]
        assert scheme.verify(case.password, case.stored, **case.fields), case.label
        raw = case.raw
        assert raw is not None

        def ours(scheme: Any = scheme, case: Case = case) -> object:
            scheme.identify(case.stored)
            scheme.assess(case.stored, case.fields)
            return scheme.verify(case.password, case.stored, **case.fields)

        c1, _ = interleaved_cpu_wall({"raw": raw, "ours": ours}, rounds=(case.rounds + 1) // 2)
        c2, _ = interleaved_cpu_wall({"ours": ours, "raw": raw}, rounds=case.rounds // 2, warmup=0)
        cpu = {k: c1[k] + c2[k] for k in ("raw", "ours")}
        overhead = statistics.median(o / r for o, r in zip(cpu["ours"], cpu["raw"], strict=True)) - 1
        hit = overhead <= OVERHEAD_TARGET
        ok &= hit
        raw_ms, ours_ms = median(cpu["raw"]) / 1e6, median(cpu["ours"]) / 1e6
        rows.append([case.label, case.rounds, raw_ms, ours_ms, f"{overhead * 100:+.2f}%", "ok" if hit else "MISSED"])
        data.append({"scheme": case.label, "samples": case.rounds, "raw_cpu_ms": raw_ms, "ours_cpu_ms": ours_ms,
                     "overhead_cpu": overhead})
    return rows, ok, data


# ---------------------------------------------------------------- measurement


def _context(case: Case) -> Any:
    return get_context(case.app, pad_weak=False, **case.options)  # padding is a deliberate dummy, not overhead


def _structural_ns(ctx: Any, case: Case, n: int = 2000) -> float:
    """Median ns of everything ours around the primitive (identify, validate, assess, transform)."""
    runs = []
    stored = case.stored or None
    for _ in range(5):
        t0 = time.perf_counter_ns()
        for _ in range(n):
            ctx.assess(stored, **case.fields)
            ctx._candidates(case.password)
        runs.append((time.perf_counter_ns() - t0) / n)
    return statistics.median(runs)


def interleaved_cpu_wall(
    fns: dict[str, Callable[[], object]], rounds: int, warmup: int = 1
) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Like ``benchutil.interleaved`` but records process CPU time and wall time of every call."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    cpu: dict[str, list[int]] = {k: [] for k in fns}
    wall: dict[str, list[int]] = {k: [] for k in fns}
    pt, pc = time.process_time_ns, time.perf_counter_ns
    for _ in range(rounds):
        for name, fn in fns.items():
            c0, w0 = pt(), pc()
            fn()
            w1, c1 = pc(), pt()
            cpu[name].append(c1 - c0)
            wall[name].append(w1 - w0)
    return cpu, wall


def bench_overhead() -> tuple[list[list[object]], bool, list[dict[str, object]]]:
    rows: list[list[object]] = []
    ok = True
    data = []
    for case in _cases():
        ctx = _context(case)
        assert ctx.verify(case.password, case.stored, **case.fields).ok, case.label
        raw = case.raw
        assert raw is not None

        def ours(ctx: Any = ctx, case: Case = case) -> object:
            return ctx.verify(case.password, case.stored, **case.fields)

        # both orders (raw first, ours first), so neither side always runs on a warmer cache
        c1, w1 = interleaved_cpu_wall({"raw": raw, "ours": ours}, rounds=(case.rounds + 1) // 2)
        c2, w2 = interleaved_cpu_wall({"ours": ours, "raw": raw}, rounds=case.rounds // 2, warmup=0)
        cpu = {k: c1[k] + c2[k] for k in ("raw", "ours")}
        wall = {k: w1[k] + w2[k] for k in ("raw", "ours")}
        overhead = statistics.median(o / r for o, r in zip(cpu["ours"], cpu["raw"], strict=True)) - 1
        wall_overhead = statistics.median(o / r for o, r in zip(wall["ours"], wall["raw"], strict=True)) - 1
        hit = overhead <= OVERHEAD_TARGET
        ok &= hit
        raw_ms, ours_ms = median(cpu["raw"]) / 1e6, median(cpu["ours"]) / 1e6
        structural = _structural_ns(ctx, case) / 1e6 / raw_ms
        rows.append([case.label, case.rounds, raw_ms, ours_ms, f"{overhead * 100:+.2f}%",
                     f"{wall_overhead * 100:+.2f}%", f"{structural * 100:.4f}%", "ok" if hit else "MISSED"])
        data.append({"scheme": case.label, "samples": case.rounds, "raw_cpu_ms": raw_ms, "ours_cpu_ms": ours_ms,
                     "raw_wall_ms": median(wall["raw"]) / 1e6, "ours_wall_ms": median(wall["ours"]) / 1e6,
                     "overhead_cpu": overhead, "overhead_wall": wall_overhead, "structural_overhead": structural})
    return rows, ok, data


def bench_identify() -> tuple[list[list[object]], bool, list[dict[str, object]]]:
    """identify + dispatch + assess + input transform (everything ours around the primitive), per scheme, in µs."""
    rows: list[list[object]] = []
    ok = True
    data = []
    for case in [*_cases(), *_cheap_cases()]:
        ctx = _context(case)
        stored = case.stored or None
        name = ctx.identify(stored, **case.fields).name
        n = 20_000
        batches = []
        for _ in range(5):
            t0 = time.perf_counter_ns()
            for _ in range(n):
                ctx.assess(stored, **case.fields)
                ctx._candidates(case.password)
            batches.append((time.perf_counter_ns() - t0) / n / 1000)
        us, med = min(batches), statistics.median(batches)
        hit = med <= IDENTIFY_TARGET_US
        ok &= hit
        rows.append([case.label, case.app, name, us, med, "ok" if hit else "MISSED"])
        data.append({"case": case.label, "app": case.app, "scheme": name, "min_us": us, "median_us": med})
    return rows, ok, data


def bench_dummy() -> tuple[list[list[object]], list[dict[str, object]]]:
    rows: list[list[object]] = []
    data = []
    for app in APPS:
        ctx = get_context(app)
        samples = []
        for _ in range(3):
            t0 = time.perf_counter_ns()
            ctx.dummy_verify()
            samples.append(time.perf_counter_ns() - t0)
        ms = median(samples) / 1e6
        rows.append([app, ctx.identify(APPS[app].dummy_hash).name, ms])
        data.append({"app": app, "dummy_ms": ms})
    return rows, data


# ---------------------------------------------------------------- issue 15 schemes (no app context yet)


def _issue15_cases() -> list[tuple[str, str, str, dict[str, object], Callable[[], object], int]]:
    """``(label, scheme, stored, fields, raw, samples)``; stored values made with hashlib/libpass/bcrypt/argon2-cffi."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from passlib import hash as lp
    from passlib.handlers.sha2_crypt import _raw_sha2_crypt

    s16 = b"0123456789abcdef"
    atl = "{PKCS5S2}" + base64.b64encode(s16 + hashlib.pbkdf2_hmac("sha1", PWB, s16, 10_000, 32)).decode()
    kc_key = hashlib.pbkdf2_hmac("sha512", PWB, s16, 210_000, 64)
    kc_secret = (f'{{"value":"{base64.b64encode(kc_key).decode()}","salt":"{base64.b64encode(s16).decode()}",'
                 '"additionalParameters":{}}')
    kc_data = '{"hashIterations":210000,"algorithm":"pbkdf2-sha512","additionalParameters":{}}'
    kca_key = hash_secret_raw(PWB, s16, time_cost=5, memory_cost=7168, parallelism=1, hash_len=32, type=Type.ID)
    kca_secret = kc_secret.replace(base64.b64encode(kc_key).decode(), base64.b64encode(kca_key).decode())
    kca_data = ('{"hashIterations":5,"algorithm":"argon2","additionalParameters":{"hashLength":["32"],'
                '"memory":["7168"],"type":["id"],"version":["1.3"],"parallelism":["1"]}}')
    signer, fsalt = b"k" * 64, b"firebase-salt"

    def fb_raw() -> bytes:
        key = hashlib.scrypt(PWB, salt=fsalt + b"\x07", n=1 << 14, r=8, p=1, maxmem=1 << 26, dklen=32)
        enc = Cipher(algorithms.AES(key), modes.CTR(bytes(16))).encryptor()
        return enc.update(signer) + enc.finalize()

    fb_fields: dict[str, object] = {"salt": base64.b64encode(fsalt).decode(), "signer_key": base64.b64encode(signer)
                                    .decode(), "salt_separator": "Bw==", "rounds": 8, "mem_cost": 14}
    sha512c = lp.sha512_crypt.using(rounds=5000, salt="benchsaltbenchsa").hash(PW)
    b2x = _bcrypt(PWB, 10, "2a").replace("$2a$", "$2x$", 1)  # 7-bit password: $2x$ == $2a$
    wz_salt = "benchsaltbenchsa"
    wz_pb = f"pbkdf2:sha256:1000000${wz_salt}$" + hashlib.pbkdf2_hmac("sha256", PWB, wz_salt.encode(), 1_000_000).hex()
    wz_sc = f"scrypt:32768:8:1${wz_salt}$" + hashlib.scrypt(PWB, salt=wz_salt.encode(), n=32768, r=8, p=1,
                                                              maxmem=1 << 26).hex()
    pl_pb = lp.pbkdf2_sha256.using(rounds=29000).hash(PW)
    pl_bs = lp.bcrypt_sha256.using(rounds=10).hash(PW)
    sp_bc = "{bcrypt}" + _bcrypt(PWB, 10, "2a")
    sp_pb = "{pbkdf2}" + (s16[:8] + hashlib.pbkdf2_hmac("sha1", PWB, s16[:8], 185_000, 32)).hex()
    sp_sc_key = hashlib.scrypt(PWB, salt=s16, n=1 << 16, r=8, p=1, maxmem=1 << 27, dklen=32)
    sp_sc = (f"{{scrypt@SpringSecurity_v5_8}}$100801${base64.b64encode(s16).decode()}$"
             f"{base64.b64encode(sp_sc_key).decode()}")
    ldap_a2 = argon2.PasswordHasher(time_cost=3, memory_cost=4096, parallelism=1, type=Type.I).hash(PW)
    return [
        ("atlassian {PKCS5S2} sha1 10k", "atlassian_pbkdf2_sha1", atl, {},
         lambda: hashlib.pbkdf2_hmac("sha1", PWB, s16, 10_000, 32), 41),
        ("keycloak pbkdf2-sha512 210k", "keycloak_credential", kc_secret, {"credential_data": kc_data},
         lambda: hashlib.pbkdf2_hmac("sha512", PWB, s16, 210_000, 64), 11),
        ("keycloak argon2id m=7168 t=5", "keycloak_credential", kca_secret, {"credential_data": kca_data},
         lambda: hash_secret_raw(PWB, s16, time_cost=5, memory_cost=7168, parallelism=1, hash_len=32,
                                 type=Type.ID), 21),
        ("firebase scrypt mem_cost=14 r=8", "firebase_scrypt", base64.b64encode(fb_raw()).decode(), fb_fields,
         fb_raw, 15),
        ("sha512-crypt rounds=5000 (PHP, LDAP)", "sha512_crypt", sha512c, {},
         lambda: _raw_sha2_crypt(PWB, "benchsaltbenchsa", 5000, True), 21),
        ("php bcrypt $2x$ cost 10", "bcrypt", b2x, {}, _checkpw(PWB, b2x.replace("$2x$", "$2a$", 1)), 21),
        ("ldap {ARGON2} argon2i m=4096 t=3", "ldap_argon2", "{ARGON2}" + ldap_a2, {},
         lambda: verify_secret(ldap_a2.encode(), PWB, Type.I), 61),  # ~9 ms: more samples against noise
        ("werkzeug pbkdf2:sha256 1M", "werkzeug_pbkdf2", wz_pb, {},
         lambda: hashlib.pbkdf2_hmac("sha256", PWB, wz_salt.encode(), 1_000_000), 21),
        ("werkzeug scrypt 32768:8:1", "werkzeug_scrypt", wz_sc, {},
         lambda: hashlib.scrypt(PWB, salt=wz_salt.encode(), n=32768, r=8, p=1, maxmem=1 << 26), 15),
        ("passlib pbkdf2-sha256 29000", "passlib_pbkdf2_sha256", pl_pb, {},
         lambda: lp.pbkdf2_sha256.verify(PW, pl_pb), 31),
        ("passlib bcrypt-sha256 cost 10", "passlib_bcrypt_sha256", pl_bs, {},
         lambda: lp.bcrypt_sha256.verify(PW, pl_bs), 21),
        ("spring {bcrypt} cost 10", "spring_bcrypt", sp_bc, {}, _checkpw(PWB, sp_bc[8:]), 21),
        ("spring {pbkdf2} sha1 185k", "spring_pbkdf2", sp_pb, {},
         lambda: hashlib.pbkdf2_hmac("sha1", PWB, s16[:8], 185_000, 32), 15),
        ("spring {scrypt@v5_8} N=2^16", "spring_scrypt", sp_sc, {},
         lambda: hashlib.scrypt(PWB, salt=s16, n=1 << 16, r=8, p=1, maxmem=1 << 27, dklen=32), 11),
    ]


def bench_issue15() -> tuple[list[list[object]], bool, list[dict[str, object]]]:
    """``SCHEMES[name].verify`` (no app context yet) vs the raw primitive, as :func:`bench_overhead`."""
    from legacy_auth.hashing import SCHEMES

    rows: list[list[object]] = []
    ok = True
    data = []
    for label, name, stored, fields, raw, samples in _issue15_cases():
        scheme = SCHEMES[name]
        assert scheme.verify(PW, stored, **fields) is True, label

        def ours(scheme: Any = scheme, stored: str = stored, fields: dict[str, object] = fields) -> object:
            return scheme.verify(PW, stored, **fields)

        c1, w1 = interleaved_cpu_wall({"raw": raw, "ours": ours}, rounds=(samples + 1) // 2)
        c2, w2 = interleaved_cpu_wall({"ours": ours, "raw": raw}, rounds=samples // 2, warmup=0)
        cpu = {k: c1[k] + c2[k] for k in ("raw", "ours")}
        wall = {k: w1[k] + w2[k] for k in ("raw", "ours")}
        overhead = statistics.median(o / r for o, r in zip(cpu["ours"], cpu["raw"], strict=True)) - 1
        wall_overhead = statistics.median(o / r for o, r in zip(wall["ours"], wall["raw"], strict=True)) - 1
        hit = overhead <= OVERHEAD_TARGET
        ok &= hit
        raw_ms, ours_ms = median(cpu["raw"]) / 1e6, median(cpu["ours"]) / 1e6
        rows.append([label, samples, raw_ms, ours_ms, f"{overhead * 100:+.2f}%", f"{wall_overhead * 100:+.2f}%",
                     "ok" if hit else "MISSED"])
        data.append({"scheme": label, "samples": samples, "raw_cpu_ms": raw_ms, "ours_cpu_ms": ours_ms,
                     "overhead_cpu": overhead, "overhead_wall": wall_overhead})
    return rows, ok, data


def main() -> int:
    t0 = time.perf_counter()
    rows, ok_overhead, d1 = bench_overhead()
    table("ctx.verify vs raw primitive, interleaved both orders; overhead = median per-sample ratio - 1 on process "
          "CPU time (target <= 5%); wall = same on wall time; structural = our identify+assess+transform / raw",
          ["scheme", "samples", "raw cpu ms", "ours cpu ms", "overhead", "wall", "structural", "target"], rows)
    rows2, ok_identify, d2 = bench_identify()
    table("identify + dispatch + assess + input transform per call (target <= 20 µs; median of 5 batches x 20000)",
          ["case", "app", "scheme", "min µs", "median µs", "target"], rows2)
    rows3, d3 = bench_dummy()
    table("dummy_verify (unknown-user cost) per app", ["app", "dummy scheme", "median ms (3)"], rows3)
    rows4, ok_15a, d4 = bench_issue15a()
    table("issue 15 part A: SCHEMES[name] identify+assess+verify vs raw primitive (process CPU, target <= 5%)",
          ["scheme", "samples", "raw cpu ms", "ours cpu ms", "overhead", "target"], rows4)
    ok_overhead &= ok_15a
    rows5, ok_issue15, d5 = bench_issue15()
    table("issue 15 part B: SCHEMES[name].verify vs raw primitive (same method; target <= 5%)",
          ["scheme", "samples", "raw cpu ms", "ours cpu ms", "overhead", "wall", "target"], rows5)
    ok_overhead &= ok_issue15
    path = save("hashes", {"overhead": d1, "identify": d2, "dummy": d3, "issue15a": d4, "issue15b": d5})
    print(f"\nsaved {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}; "
          f"total {time.perf_counter() - t0:.0f}s")
    if not (ok_overhead and ok_identify):
        print("TARGET MISSED")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Property tests: verify(p, hash(p)) with independent hashers, and no input raises anything untyped."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct

import argon2
import bcrypt
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from passlib.hash import django_pbkdf2_sha256, django_salted_sha1, hex_sha256, mysql41, phpass

from legacy_auth.errors import HashError
from legacy_auth.hashing import Verification, get_context
from legacy_auth.hashing.apps import APPS

from .vectors import VECTOR_DIR

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
GENERIC = get_context("generic", pad_weak=False)
passwords = st.text(max_size=40)
no_nul_passwords = st.text(alphabet=st.characters(blacklist_characters="\0", blacklist_categories=["Cs"]), max_size=40)


@FAST
@given(no_nul_passwords)
def test_php_bcrypt_round_trip(password: str) -> None:
    secret = password.encode()[:72]
    stored = bcrypt.hashpw(secret, bcrypt.gensalt(4)).decode().replace("$2b$", "$2y$", 1)
    assert GENERIC.verify(password, stored).ok is True


@FAST
@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=72, max_size=80), passwords)
def test_bcrypt_ignores_bytes_after_72(prefix: str, tail: str) -> None:
    stored = bcrypt.hashpw(prefix[:72].encode(), bcrypt.gensalt(4)).decode()
    assert GENERIC.verify(prefix[:72] + tail, stored).ok is True


@FAST
@given(passwords)
def test_phpass_round_trip_with_libpass_as_the_hasher(password: str) -> None:
    assert GENERIC.verify(password, phpass.using(rounds=7).hash(password)).ok is True


@FAST
@given(passwords)
def test_django_pbkdf2_and_salted_sha1_round_trip_with_libpass_as_the_hasher(password: str) -> None:
    ctx = get_context("django", pad_weak=False)
    assert ctx.verify(password, django_pbkdf2_sha256.using(rounds=1000).hash(password)).ok is True
    assert ctx.verify(password, django_salted_sha1.hash(password)).ok is True


@FAST
@given(passwords)
def test_argon2_round_trip_with_argon2_cffi_as_the_hasher(password: str) -> None:
    stored = argon2.PasswordHasher(time_cost=1, memory_cost=64, parallelism=1).hash(password)
    assert get_context("laravel").verify(password, stored).ok is True
    assert get_context("django").verify(password, "argon2" + stored).ok is True


@FAST
@given(passwords)
def test_digest_round_trips_with_libpass_as_the_hasher(password: str) -> None:
    assert GENERIC.verify(password, mysql41.hash(password)).ok is True
    assert GENERIC.verify(password, hex_sha256.hash(password)).ok is True


@FAST
@given(passwords, st.integers(0, 2), st.integers(1, 300), st.integers(16, 40), st.integers(16, 64))
def test_aspnet_v3_round_trip_for_any_header(password: str, prf: int, iterations: int, salt_len: int, sub: int) -> None:
    salt = os.urandom(salt_len)
    algo = ("sha1", "sha256", "sha512")[prf]
    subkey = hashlib.pbkdf2_hmac(algo, password.encode(), salt, iterations, sub)
    stored = base64.b64encode(b"\x01" + struct.pack(">III", prf, iterations, salt_len) + salt + subkey).decode()
    assert get_context("aspnet_identity").verify(password, stored).ok is True


@FAST
@given(passwords, st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=32))
def test_magento_sha256_and_symfony_digest_round_trip(password: str, salt: str) -> None:
    pw = password.encode()
    magento = hashlib.sha256(salt.encode() + pw).hexdigest() + f":{salt}:1"
    assert get_context("magento2", pad_weak=False).verify(password, magento).ok is True
    salted = pw + b"{" + salt.encode() + b"}"
    digest = hashlib.sha512(salted).digest()
    for _ in range(9):
        digest = hashlib.sha512(digest + salted).digest()
    symfony = get_context("symfony", symfony_iterations=10, pad_weak=False)
    assert symfony.verify(password, base64.b64encode(digest).decode(), salt=salt).ok is (password != "")


# ---------------------------------------------------------------- "nothing but the typed errors"


def _cheap_hashes() -> list[str]:
    """Real-shaped stored values of every family, cheap to verify, to mutate."""
    out = [
        bcrypt.hashpw(b"pw", bcrypt.gensalt(4)).decode().replace("$2b$", "$2y$"),
        "$wp" + bcrypt.hashpw(b"pw", bcrypt.gensalt(4)).decode().replace("$2b$", "$2y$"),
        phpass.using(rounds=7).hash("pw"),
        phpass.using(rounds=7, ident="H").hash("pw"),
        argon2.PasswordHasher(time_cost=1, memory_cost=64, parallelism=1).hash("pw"),
        django_pbkdf2_sha256.using(rounds=10).hash("pw"),
        "$S$5" + "a" * 51,
        "U$S$5" + "a" * 51,
        "$H\\2y$5abcdefgh$04\\" + "a" * 22 + "$" + "b" * 31,
        "9cc2ae8a1ba7a93da39b46fc1019c481:salt",
        "{SHA256}" + "0" * 64 + ":salt",
        "0" * 64 + ":salt:1",
        "0" * 64 + ":salt:1:3_32_1_8192",
        "scrypt$1024$salt$8$1$" + "A" * 86 + "==",
        "bcrypt_sha256$" + bcrypt.hashpw(b"x", bcrypt.gensalt(4)).decode(),
        "md5$salt$" + "0" * 32,
        "sha1$$" + "0" * 40,
        "!unusable",
        "*" + "0" * 40,
        base64.b64encode(b"\x01" + struct.pack(">III", 1, 10, 16) + b"s" * 16 + b"k" * 32).decode(),
        base64.b64encode(b"\x00" + b"s" * 16 + b"k" * 32).decode(),
        "A" * 88,
    ]
    for path in sorted(VECTOR_DIR.glob("*.jsonl")):  # cheap vector hashes too (no bcrypt >= 8, no argon2)
        for line in path.read_text(encoding="utf-8").splitlines():
            stored = json.loads(line)["hash"]
            if "argon2" not in stored and "$2" not in stored and "pbkdf2" not in stored and "scrypt" not in stored:
                out.append(stored)
    return out


CHEAP = _cheap_hashes()
_NO_DIGITS = st.characters(blacklist_categories=["Nd"])  # mutations never raise a cost parameter


@st.composite
def mutated(draw: st.DrawFn) -> str | bytes | None:
    kind = draw(st.sampled_from(["cheap", "truncate", "replace", "extend", "text", "bytes", "none", "other"]))
    if kind == "other":
        return draw(st.one_of(st.integers(), st.floats(), st.builds(bytearray, st.binary(max_size=20))))  # type: ignore[return-value]
    if kind == "text":
        return draw(st.text(max_size=120))
    if kind == "bytes":
        return draw(st.binary(max_size=120))
    if kind == "none":
        return None
    base = draw(st.sampled_from(CHEAP))
    if kind == "truncate":
        return base[: draw(st.integers(0, len(base)))]
    if kind == "replace" and base:
        i = draw(st.integers(0, len(base) - 1))
        return base[:i] + draw(_NO_DIGITS) + base[i + 1 :]
    if kind == "extend":
        return base + draw(st.text(alphabet=_NO_DIGITS, max_size=8))
    return base


hostile_passwords = st.one_of(
    st.text(max_size=60),
    st.binary(max_size=60),
    st.sampled_from(["", "\0", "\ud800", "a\udfffb", "\ufeff", "\r\n", " " * 5, "é" * 3000, "x" * 5000, "0"]),
    st.one_of(st.none(), st.integers(), st.builds(memoryview, st.binary(max_size=20))),
)
fields = st.fixed_dictionaries(
    {},
    optional={
        "salt": st.one_of(st.text(max_size=20), st.binary(max_size=20), st.none(), st.integers()),
        "passsalt": st.one_of(st.text(max_size=20), st.binary(max_size=20), st.none()),
        "passcheck": st.one_of(st.text(max_size=44), st.binary(max_size=24), st.none()),
    },
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(APPS)), hostile_passwords, mutated(), fields)
@example("q2a", "pw", None, {"passsalt": "abc", "passcheck": "zz"})
@example("symfony", "pw", "A" * 88, {"salt": "{bad}"})
@example("generic", "\ud800", "0" * 32, {})
def test_no_input_raises_anything_but_the_typed_errors(app: str, password: str | bytes, stored: str | bytes | None,
                                                       row: dict[str, object]) -> None:
    ctx = get_context(app, pad_weak=False)
    try:
        result = ctx.verify(password, stored, **row)
    except HashError:
        return
    assert isinstance(result, Verification)
    assert isinstance(result.ok, bool)

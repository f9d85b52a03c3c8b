"""Property tests: verify(p, hash(p)) with hashers independent of our verification code, and no input raises
anything untyped.

Every hash below is made by something other than the code path that verifies it: ``hashlib``/``hmac``, the
``bcrypt`` and argon2-cffi hashing APIs, libpass handlers (for schemes we verify with our own code), or a
construction written out in this file (phpass / Drupal, which we verify with libpass / our own loop). The
per-app input rules (PHP ``trim()``, q2a's CRLF rule, phpBB's escaping + NFC) are written out here too, from
the apps' sources, rather than imported. Costs are minimal (bcrypt 4, 2^7 rounds, argon2 8 KiB, scrypt N=16).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import struct
import unicodedata

import argon2
import bcrypt
from argon2 import Type
from argon2.low_level import hash_secret_raw
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from passlib.hash import (
    django_pbkdf2_sha1,
    django_pbkdf2_sha256,
    django_salted_md5,
    django_salted_sha1,
    hex_sha256,
    phpass,
)
from passlib.hash import mysql41 as libpass_mysql41

from legacy_auth.apps import HASH_RULES as APPS
from legacy_auth.apps import get_context
from legacy_auth.errors import HashError
from legacy_auth.hashing import HashContext, Scheme, Strength, Verification
from tests.support.reference_hashes import ITOA64, phpass_style

from .vectors import VECTOR_DIR

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: the dummy verification (app default cost, run on every refusal and typed error) never changes an answer
#: (tests/unit/hashing/test_app_rules.py pins when it runs); here it would only make each example cost 50-500 ms
_NO_DUMMY = Scheme("no_dummy", Strength.STRONG, False, lambda pw, text, fields: False)
PHP_TRIM = " \t\n\r\0\x0b"
passwords = st.text(max_size=40)
no_nul_passwords = st.text(alphabet=st.characters(blacklist_characters="\0", blacklist_categories=["Cs"]), max_size=40)
salts = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./", min_size=1, max_size=32)


def ctx(app: str, **options: object) -> HashContext:
    context = get_context(app, pad_weak=False, **options)  # type: ignore[arg-type]
    context._dummy_scheme = _NO_DUMMY
    return context


GENERIC = ctx("generic")


def php_bcrypt(secret: bytes, cost: int = 4) -> str:
    """``password_hash``-style ``$2y$`` (crypt_blowfish uses the bytes before the first NUL, at most 72)."""
    return bcrypt.hashpw(secret.split(b"\0", 1)[0][:72], bcrypt.gensalt(cost)).decode().replace("$2b$", "$2y$", 1)


phpass_salts = st.text(alphabet=ITOA64, min_size=8, max_size=8)


# ---------------------------------------------------------------- bcrypt family


@FAST
@given(no_nul_passwords)
def test_php_bcrypt_round_trip(password: str) -> None:
    assert GENERIC.verify(password, php_bcrypt(password.encode())).ok is True


@FAST
@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=72, max_size=80), passwords)
def test_bcrypt_ignores_bytes_after_72(prefix: str, tail: str) -> None:
    stored = bcrypt.hashpw(prefix[:72].encode(), bcrypt.gensalt(4)).decode()
    assert GENERIC.verify(prefix[:72] + tail, stored).ok is True


@FAST
@given(no_nul_passwords)
def test_wordpress_wp_prefixed_bcrypt_round_trip(password: str) -> None:
    # wp_hash_password (6.8): "$wp" . password_hash(base64(hmac_sha384(trim(pw), "wp-sha384"))); login trims
    pre = base64.b64encode(hmac.new(b"wp-sha384", password.strip(PHP_TRIM).encode(), hashlib.sha384).digest())
    stored = "$wp" + php_bcrypt(pre)
    assert ctx("wordpress").verify(password, stored).ok is True


@FAST
@given(st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), min_size=73, max_size=120),
    st.builds(lambda a, b: a + "\0" + b, no_nul_passwords, no_nul_passwords),
))
def test_symfony_bcrypt_pre_hash_round_trip_for_long_or_nul_passwords(password: str) -> None:
    # NativePasswordHasher: bcrypt(base64(sha512(pw), raw)) when pw > 72 bytes or contains NUL
    pw = password.encode()
    if len(pw) <= 72 and b"\0" not in pw:
        pw = pw + b"x" * (73 - len(pw))
        password = pw.decode()
    stored = php_bcrypt(base64.b64encode(hashlib.sha512(pw).digest()))
    assert ctx("symfony").verify(password, stored).ok is True
    assert ctx("laravel").verify(password, stored).ok is False  # plain password_verify: no pre-hash


@FAST
@given(no_nul_passwords)
def test_symfony_bcrypt_round_trip_for_short_passwords(password: str) -> None:
    pw = password.encode()
    stored = php_bcrypt(pw) if len(pw) <= 72 else php_bcrypt(base64.b64encode(hashlib.sha512(pw).digest()))
    assert ctx("symfony").verify(password, stored).ok is (password != "")  # Symfony refuses the empty password


@FAST
@given(passwords)
def test_django_bcrypt_and_bcrypt_sha256_round_trip(password: str) -> None:
    pw = password.encode()
    django = ctx("django")
    # BCryptSHA256PasswordHasher: bcrypt over hexlify(sha256(pw)); BCryptPasswordHasher (bcrypt<5): pw[:72]
    assert django.verify(password, "bcrypt_sha256$" + bcrypt.hashpw(hashlib.sha256(pw).hexdigest().encode(),
                                                                     bcrypt.gensalt(4)).decode()).ok is True
    assert django.verify(password, "bcrypt$" + bcrypt.hashpw(pw[:72], bcrypt.gensalt(4)).decode()).ok is True


@FAST
@given(no_nul_passwords, st.text(alphabet=st.characters(blacklist_characters="\0", blacklist_categories=["Cs"]),
                                 max_size=90))
def test_devise_pepper_round_trip(password: str, pepper: str) -> None:
    # Devise::Encryptor.digest: BCrypt::Password.create("#{password}#{pepper}") (bcrypt-ruby: first 72 bytes)
    stored = bcrypt.hashpw((password + pepper).encode()[:72], bcrypt.gensalt(4)).decode().replace("$2b$", "$2a$", 1)
    assert ctx("devise", pepper=pepper or None).verify(password, stored).ok is True


def phpbb_login_value(password: str) -> str:
    """phpBB ``request_var`` for the login form, written out for the alphabet the test uses (no CR/LF/NUL/BOM)."""
    escaped = password.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    return unicodedata.normalize("NFC", escaped)


phpbb_passwords = st.text(alphabet=st.sampled_from(list("abcXYZ019&\"<>' é\u0301ü\u00e9😀")), min_size=1, max_size=30)


@FAST
@given(phpbb_passwords)
def test_phpbb_transform_and_bcrypt_round_trip(password: str) -> None:
    value = phpbb_login_value(password)
    stored = php_bcrypt(value.encode())
    assert ctx("phpbb3").verify(password, stored).ok is (value != "0")  # phpBB refuses "" and "0"


@FAST
@given(phpbb_passwords, phpass_salts)
def test_phpbb_combined_hash_round_trip(password: str, salt: str) -> None:
    # update_hashes cron: "$H\2y$" + count + salt8 + "$" + cost + "\" + bcrypt(salt22 + checksum) over the phpass
    # checksum of the (transformed) password
    value = phpbb_login_value(password).encode()
    inner = phpass_style("md5", value, "$H$", 7, salt)[12:]
    outer = bcrypt.hashpw(inner.encode(), bcrypt.gensalt(4)).decode()  # $2b$04$<salt22><checksum31>
    stored = f"$H\\2y${ITOA64[7]}{salt}$04\\{outer[7:29]}${outer[29:]}"
    assert ctx("phpbb3").verify(password, stored).ok is (phpbb_login_value(password) != "0")


# ---------------------------------------------------------------- phpass, Drupal


@FAST
@given(passwords, phpass_salts)
def test_phpass_round_trip_with_a_hashlib_hasher(password: str, salt: str) -> None:
    # verified by libpass's handler at runtime: the hasher here is class-phpass written out with hashlib
    stored = phpass_style("md5", password.encode(), "$P$", 7, salt)
    assert GENERIC.verify(password, stored).ok is True
    trimmed = phpass_style("md5", password.strip(PHP_TRIM).encode(), "$P$", 7, salt)  # WordPress trims at login
    assert ctx("wordpress").verify(password, trimmed).ok is True


@FAST
@given(passwords, phpass_salts)
def test_phpass_round_trip_with_libpass_as_the_hasher(password: str, salt: str) -> None:
    assert GENERIC.verify(password, phpass.using(rounds=7, salt=salt).hash(password)).ok is True


@FAST
@given(passwords, phpass_salts)
def test_drupal_sha512_and_upgraded_md5_round_trip(password: str, salt: str) -> None:
    typed = password.strip(PHP_TRIM).encode()  # Drupal's login form trims
    s_hash = phpass_style("sha512", typed, "$S$", 7, salt)
    u_hash = "U" + phpass_style("sha512", hashlib.md5(typed).hexdigest().encode(), "$S$", 7, salt)  # noqa: S324
    uh_hash = "U" + phpass_style("md5", hashlib.md5(typed).hexdigest().encode(), "$H$", 7, salt)  # noqa: S324
    for app in ("drupal7", "drupal"):
        assert ctx(app).verify(password, s_hash).ok is True
        assert ctx(app).verify(password, u_hash).ok is True
        assert ctx(app).verify(password, uh_hash).ok is True


# ---------------------------------------------------------------- Django


@FAST
@given(passwords)
def test_django_pbkdf2_and_salted_digests_round_trip_with_libpass_as_the_hasher(password: str) -> None:
    django = ctx("django")
    assert django.verify(password, django_pbkdf2_sha256.using(rounds=1000).hash(password)).ok is True
    assert django.verify(password, django_pbkdf2_sha1.using(rounds=1000).hash(password)).ok is True
    assert django.verify(password, django_salted_sha1.hash(password)).ok is True
    assert django.verify(password, django_salted_md5.hash(password)).ok is True


@FAST
@given(passwords, st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=22),
       st.sampled_from([16, 32, 64]), st.integers(1, 8), st.integers(1, 3))
def test_django_scrypt_round_trip(password: str, salt: str, n: int, r: int, p: int) -> None:
    digest = hashlib.scrypt(password.encode(), salt=salt.encode(), n=n, r=r, p=p, dklen=64)
    stored = f"scrypt${n}${salt}${r}${p}$" + base64.b64encode(digest).decode()
    assert ctx("django").verify(password, stored).ok is True


@FAST
@given(passwords)
def test_argon2_round_trip_with_argon2_cffi_as_the_hasher(password: str) -> None:
    stored = argon2.PasswordHasher(time_cost=1, memory_cost=64, parallelism=1).hash(password)
    assert ctx("laravel").verify(password, stored).ok is True
    assert ctx("django").verify(password, "argon2" + stored).ok is True


# ---------------------------------------------------------------- q2a, Joomla, Magento, ASP.NET, Symfony


@FAST
@given(passwords, st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=16, max_size=16))
def test_q2a_sha1_passcheck_round_trip(password: str, salt: str) -> None:
    # qa_post_text: trim, then CRLF/CR -> LF; qa_db_calc_passcheck: sha1(substr(salt,0,8) . pw . substr(salt,8))
    typed = password.strip(PHP_TRIM).replace("\r\n", "\n").replace("\r", "\n")
    passcheck = hashlib.sha1((salt[:8] + typed + salt[8:]).encode()).digest()  # noqa: S324
    assert ctx("q2a").verify(password, None, passsalt=salt.encode(), passcheck=passcheck).ok is True


@FAST
@given(passwords, salts.filter(lambda s: s != "0"))
def test_joomla_md5_and_sha256_salted_round_trip(password: str, salt: str) -> None:
    pw = password.encode()
    joomla = ctx("joomla")
    assert joomla.verify(password, hashlib.md5(pw + salt.encode()).hexdigest() + ":" + salt).ok is True  # noqa: S324
    sha = "{SHA256}" + hashlib.sha256(pw + salt.encode()).hexdigest() + ":" + salt
    assert joomla.verify(password, sha).ok is True
    assert joomla.verify(password, hashlib.md5(pw).hexdigest()).ok is True  # noqa: S324 - plain md5 fallback


@FAST
@given(passwords, salts)
def test_magento_md5_sha256_and_chained_round_trip(password: str, salt: str) -> None:
    pw, sb = password.encode(), salt.encode()
    magento = ctx("magento2")
    md5 = hashlib.md5(sb + pw).hexdigest()  # noqa: S324
    assert magento.verify(password, f"{md5}:{salt}:0").ok is True
    assert magento.verify(password, hashlib.sha256(sb + pw).hexdigest() + f":{salt}:1").ok is True
    chained = hashlib.sha256(sb + md5.encode()).hexdigest()
    assert magento.verify(password, f"{chained}:{salt}:0:1").ok is True


@FAST
@given(passwords, salts, st.integers(1, 3), st.sampled_from([8192, 16384]))
def test_magento_argon2_round_trip_with_argon2_cffi(password: str, salt: str, ops: int, mem: int) -> None:
    sb = salt.encode()
    salt16 = (sb * 16)[:16]  # str_pad($salt, 16, $salt) / substr($salt, 0, 16)
    raw = hash_secret_raw(password.encode(), salt16, time_cost=ops, memory_cost=mem // 1024, parallelism=1,
                          hash_len=32, type=Type.ID, version=19)
    assert ctx("magento2").verify(password, f"{raw.hex()}:{salt}:3_32_{ops}_{mem}").ok is True


@FAST
@given(passwords, st.integers(0, 2), st.integers(1, 300), st.integers(16, 40), st.integers(16, 64))
def test_aspnet_v3_round_trip_for_any_header(password: str, prf: int, iterations: int, salt_len: int, sub: int) -> None:
    salt = os.urandom(salt_len)
    algo = ("sha1", "sha256", "sha512")[prf]
    subkey = hashlib.pbkdf2_hmac(algo, password.encode(), salt, iterations, sub)
    stored = base64.b64encode(b"\x01" + struct.pack(">III", prf, iterations, salt_len) + salt + subkey).decode()
    assert ctx("aspnet_identity").verify(password, stored).ok is True


@FAST
@given(passwords)
def test_aspnet_v2_round_trip(password: str) -> None:
    salt = os.urandom(16)
    stored = base64.b64encode(b"\x00" + salt + hashlib.pbkdf2_hmac("sha1", password.encode(), salt, 1000, 32))
    assert ctx("aspnet_identity").verify(password, stored.decode()).ok is True


@FAST
@given(passwords, st.one_of(st.just("0"), st.just(""), salts))
def test_symfony_message_digest_round_trip(password: str, salt: str) -> None:
    pw = password.encode()
    salted = pw if salt in ("", "0") else pw + b"{" + salt.encode() + b"}"  # mergePasswordAndSalt: !$salt
    digest = hashlib.sha512(salted).digest()
    for _ in range(9):
        digest = hashlib.sha512(digest + salted).digest()
    symfony = ctx("symfony", symfony_iterations=10)
    assert symfony.verify(password, base64.b64encode(digest).decode(), salt=salt).ok is (password != "")


# ---------------------------------------------------------------- generic digests, MySQL


@FAST
@given(passwords, salts, st.sampled_from(["md5", "sha1", "sha256", "sha512"]), st.booleans())
def test_generic_salted_digest_round_trip(password: str, salt: str, algo: str, salt_first: bool) -> None:
    pw, sb = password.encode(), salt.encode()
    digest = getattr(hashlib, algo)(sb + pw if salt_first else pw + sb).hexdigest()
    name = f"{algo}_salt_password" if salt_first else f"{algo}_password_salt"
    assert ctx("generic", generic_scheme=name).verify(password, digest, salt=salt).ok is True
    assert ctx("generic", generic_scheme=name).verify(password, digest.upper(), salt=salt).ok is True


@FAST
@given(passwords, st.sampled_from(["md5", "sha1", "sha256", "sha512"]))
def test_hex_digest_round_trip(password: str, algo: str) -> None:
    digest = getattr(hashlib, algo)(password.encode()).hexdigest()
    assert GENERIC.verify(password, digest).ok is True
    if algo == "md5":
        assert ctx("wordpress").verify(password, digest).ok is (password.strip(PHP_TRIM) == password)
        assert ctx("django").verify(password, digest).ok is True  # unsalted_md5


@FAST
@given(passwords)
def test_digest_round_trips_with_libpass_as_the_hasher(password: str) -> None:
    assert GENERIC.verify(password, libpass_mysql41.hash(password)).ok is True
    assert GENERIC.verify(password, hex_sha256.hash(password)).ok is True


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
    try:
        result = ctx(app).verify(password, stored, **row)
    except HashError:
        return
    assert isinstance(result, Verification)
    assert isinstance(result.ok, bool)

"""Per-hash strength: ``assess`` reads each stored value's own cost (bcrypt cost, PBKDF2 iterations, argon2
m/t/p, scrypt N/r/p, phpass/Drupal rounds, Magento versions, ASP.NET prf/iterations), not the scheme's usual one.

Stored values here are well formed but need not be real hashes: assessing never verifies.
"""

from __future__ import annotations

import base64
import struct

import pytest

from legacy_auth.apps import get_context
from legacy_auth.errors import CorruptHashError
from legacy_auth.hashing import SCHEMES, Assessment, Strength

B53 = "a" * 53
S, A, W, BR = Strength.STRONG, Strength.ACCEPTABLE, Strength.WEAK, Strength.BROKEN


def aspnet_v3(prf: int, iterations: int) -> str:
    return base64.b64encode(b"\x01" + struct.pack(">III", prf, iterations, 16) + b"s" * 16 + b"k" * 32).decode()


def argon(m: int, t: int, p: int, variant: str = "argon2id") -> str:
    return f"${variant}$v=19$m={m},t={t},p={p}$c2FsdHNhbHRzYWx0$" + "h" * 43


def scrypt(n: int, r: int, p: int) -> str:
    return f"scrypt${n}$salt${r}${p}$" + "A" * 86 + "=="


HEX64 = "0" * 64
CASES = [
    # (app, stored, fields/options, scheme, cost key, strength)
    ("laravel", f"$2y$04${B53}", {}, "bcrypt", "cost=4", A),
    ("laravel", f"$2y$09${B53}", {}, "bcrypt", "cost=9", A),
    ("laravel", f"$2y$10${B53}", {}, "bcrypt", "cost=10", S),
    ("laravel", f"$2y$13${B53}", {}, "bcrypt", "cost=13", S),
    ("wordpress", f"$wp$2y$08${B53}", {}, "wp_bcrypt_sha384", "cost=8", A),
    ("wordpress", f"$wp$2y$11${B53}", {}, "wp_bcrypt_sha384", "cost=11", S),
    ("symfony", f"$2y$13${B53}", {}, "symfony_bcrypt", "cost=13", S),
    ("devise", f"$2a$05${B53}", {}, "devise_bcrypt", "cost=5", A),
    ("devise", f"$2a$12${B53}", {}, "devise_bcrypt", "cost=12", S),
    ("django", f"bcrypt$$2b$12${B53}", {}, "django_bcrypt", "cost=12", S),
    ("django", f"bcrypt_sha256$$2b$06${B53}", {}, "django_bcrypt_sha256", "cost=6", A),
    ("phpbb3", "$H\\2y$9abcdefgh$10\\" + "a" * 22 + "$" + "b" * 31, {}, "phpbb_bcrypt_phpass",
     "cost=10,rounds=2^11", A),  # a wrapper of phpass: never better than acceptable
    ("phpbb3", "$H\\2y$9abcdefgh$05\\" + "a" * 22 + "$" + "b" * 31, {}, "phpbb_bcrypt_phpass", "cost=5,rounds=2^11",
     A),
    ("django", "pbkdf2_sha256$999$salt$aGFzaA==", {}, "django_pbkdf2_sha256", "iterations=999", W),
    ("django", "pbkdf2_sha256$1000$salt$aGFzaA==", {}, "django_pbkdf2_sha256", "iterations=1000", A),
    ("django", "pbkdf2_sha256$390000$salt$aGFzaA==", {}, "django_pbkdf2_sha256", "iterations=390000", A),
    ("django", "pbkdf2_sha256$600000$salt$aGFzaA==", {}, "django_pbkdf2_sha256", "iterations=600000", S),
    ("django", "pbkdf2_sha256$1000000$salt$aGFzaA==", {}, "django_pbkdf2_sha256", "iterations=1000000", S),
    ("django", "pbkdf2_sha1$600000$salt$aGFzaA==", {}, "django_pbkdf2_sha1", "iterations=600000", A),
    ("django", "pbkdf2_sha1$1300000$salt$aGFzaA==", {}, "django_pbkdf2_sha1", "iterations=1300000", S),
    ("aspnet_identity", aspnet_v3(1, 10_000), {}, "aspnet_identity_v3", "prf=sha256,iterations=10000", A),
    ("aspnet_identity", aspnet_v3(2, 100_000), {}, "aspnet_identity_v3", "prf=sha512,iterations=100000", A),
    ("aspnet_identity", aspnet_v3(2, 210_000), {}, "aspnet_identity_v3", "prf=sha512,iterations=210000", S),
    ("aspnet_identity", aspnet_v3(0, 250), {}, "aspnet_identity_v3", "prf=sha1,iterations=250", W),
    ("aspnet_identity", base64.b64encode(b"\x00" + b"s" * 48).decode(), {}, "aspnet_identity_v2",
     "prf=sha1,iterations=1000", A),
    ("symfony", "A" * 54 + "==", {}, "symfony_pbkdf2_sha512", "iterations=1000", A),
    ("laravel", argon(65536, 4, 1), {}, "argon2", "argon2id,m=65536,t=4,p=1", S),
    ("laravel", argon(19456, 2, 1), {}, "argon2", "argon2id,m=19456,t=2,p=1", S),
    ("laravel", argon(1024, 1, 1, "argon2i"), {}, "argon2", "argon2i,m=1024,t=1,p=1", A),
    ("django", "argon2" + argon(102400, 2, 8), {}, "django_argon2", "argon2id,m=102400,t=2,p=8", S),
    ("django", "argon2" + argon(512, 2, 2, "argon2i"), {}, "django_argon2", "argon2i,m=512,t=2,p=2", A),
    ("django", scrypt(16384, 8, 5), {}, "django_scrypt", "n=16384,r=8,p=5", S),
    ("django", scrypt(1024, 8, 1), {}, "django_scrypt", "n=1024,r=8,p=1", A),
    ("wordpress", "$P$B" + "a" * 30, {}, "phpass", "rounds=2^13", W),
    ("generic", "$P$G" + "a" * 30, {}, "phpass", "rounds=2^18", A),
    ("phpbb3", "$H$9" + "a" * 30, {}, "phpass", "rounds=2^11", W),
    ("drupal7", "$S$C" + "a" * 51, {}, "drupal_sha512", "rounds=2^14", W),
    ("drupal7", "$S$D" + "a" * 51, {}, "drupal_sha512", "rounds=2^15", A),
    ("drupal", "$S$E" + "a" * 51, {}, "drupal_sha512", "rounds=2^16", A),
    ("drupal7", "U$S$D" + "a" * 51, {}, "drupal_upgraded_md5", "rounds=2^15", A),
    ("drupal7", "U$H$9" + "a" * 30, {}, "drupal_upgraded_md5", "rounds=2^11", W),
    ("magento2", f"{HEX64}:salt:3_32_2_67108864", {}, "magento2_argon2id13", "versions=3_32_2_67108864", S),
    ("magento2", f"{HEX64}:salt:2", {}, "magento2_argon2id13", "versions=2", S),
    ("magento2", f"{HEX64}:salt:1:3_32_2_67108864", {}, "magento2_argon2id13", "versions=1:3_32_2_67108864", S),
    ("magento2", f"{HEX64}:salt:3_32_1_8192", {}, "magento2_argon2id13", "versions=3_32_1_8192", A),
    ("magento2", f"{HEX64}:salt:1", {}, "magento2_sha256", "versions=1", W),
    ("magento2", f"{'0' * 32}:salt:0", {}, "magento2_md5", "versions=0", W),
    ("wordpress", "0" * 32, {}, "hex_md5", "", BR),
    ("generic", "*" + "0" * 40, {}, "mysql41", "", BR),
    ("joomla", "0" * 32 + ":salt", {}, "joomla_md5_salt", "", W),
]


@pytest.mark.parametrize(("app", "stored", "fields", "scheme", "key", "strength"), CASES,
                         ids=[f"{c[0]}-{c[3]}-{c[4] or 'fixed'}" for c in CASES])
def test_assess_grades_each_hash_at_its_own_cost(app: str, stored: str, fields: dict[str, object], scheme: str,
                                                 key: str, strength: Strength) -> None:
    result = get_context(app).assess(stored, **fields)
    assert result == Assessment(scheme, strength, strength is not Strength.STRONG, key, result.work)


def test_work_orders_hashes_of_one_scheme_by_cost() -> None:
    ctx = get_context("django")
    works = [ctx.assess(f"pbkdf2_sha256${n}$salt$aGFzaA==").work for n in (1000, 260_000, 1_000_000)]
    assert works == sorted(works)
    laravel = get_context("laravel")
    assert laravel.assess(f"$2y$13${B53}").work == 8 * laravel.assess(f"$2y$10${B53}").work


def test_symfony_message_digest_cost_is_the_configured_iteration_count() -> None:
    stored = "A" * 86 + "=="
    assert get_context("symfony").assess(stored).cost == "iterations=5000"
    many = get_context("symfony", symfony_iterations=40_000).assess(stored)
    assert (many.cost, many.strength) == ("iterations=40000", Strength.ACCEPTABLE)


def test_q2a_legacy_pair_is_assessed_as_q2a_sha1() -> None:
    got = get_context("q2a").assess(None, passsalt=b"abcdefgh12345678", passcheck=b"\0" * 20)
    assert got == Assessment("q2a_sha1", Strength.WEAK, True, "", 0.0)


def test_assess_cost_keys_never_contain_hash_or_salt_material() -> None:
    for app, stored, fields, *_ in CASES:
        key = get_context(app).assess(stored, **fields).cost
        assert not any(material in key for material in ("salt", "aaaa", "c2Fsd", "hhhh")), key


def test_unreadable_cost_parameters_are_a_corrupt_hash() -> None:
    with pytest.raises(CorruptHashError):
        get_context("aspnet_identity").assess("AQAA")  # the v3 header is 13 bytes


def test_verification_reports_the_per_hash_needs_upgrade() -> None:
    import bcrypt

    ctx = get_context("laravel", pad_weak=False)
    cheap = bcrypt.hashpw(b"pw", bcrypt.gensalt(4)).decode()
    dear = bcrypt.hashpw(b"pw", bcrypt.gensalt(10)).decode()
    assert ctx.verify("pw", cheap).needs_upgrade is True
    assert ctx.verify("pw", dear).needs_upgrade is False
    assert SCHEMES["bcrypt"].needs_upgrade is False  # the scheme's usual cost is strong

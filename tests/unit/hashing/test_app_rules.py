"""Per-app rules that the vectors do not pin on their own: transforms, caps, errors, options, dummy cost."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import bcrypt
import pytest
from passlib.hash import phpass

from legacy_auth.apps import HASH_RULES as APPS
from legacy_auth.apps import get_context
from legacy_auth.errors import ConfigurationError, CorruptHashError, UnknownHashSchemeError
from legacy_auth.hashing import SCHEMES, Scheme, Strength, Verification
from legacy_auth.hashing.transforms import phpbb_request_var

ALL_APPS = sorted(APPS)


def bc4(secret: bytes) -> str:
    """A cost-4 PHP-style ``$2y$`` bcrypt hash (Python bcrypt writes ``$2b$``, same algorithm)."""
    return bcrypt.hashpw(secret, bcrypt.gensalt(4)).decode().replace("$2b$", "$2y$", 1)


CHEAP_BCRYPT_OF_PW = bc4(b"pw")


def test_phpbb_accepts_a_padded_password_whose_hash_was_made_from_the_trimmed_registration_value() -> None:
    # phpBB's login reads the password untrimmed, registration trims: "try both" (deliberate, see vectors README)
    stored = bc4(phpbb_request_var("pw", trim=True).encode())
    ctx = get_context("phpbb3")
    assert ctx.verify("  pw  ", stored).ok is True
    assert ctx.verify("pw", stored).ok is True
    assert ctx.verify("  pwx  ", stored).ok is False


def test_phpbb_escapes_before_hashing_so_the_raw_value_does_not_match() -> None:
    stored = bc4(b"a&amp;&quot;b")
    assert get_context("phpbb3").verify('a&"b', stored).ok is True
    assert get_context("laravel").verify('a&"b', stored).ok is False


@pytest.mark.parametrize("app", ["phpbb3", "symfony"])
def test_apps_refusing_an_empty_password_answer_no_even_for_a_hash_of_the_empty_string(app: str) -> None:
    stored = bc4(b"")
    assert get_context(app).verify("", stored).ok is False
    assert get_context("laravel").verify("", stored).ok is True


@pytest.mark.parametrize(("app", "limit"), [("wordpress", 4096), ("phpbb3", 4096), ("symfony", 4096), ("drupal", 512)])
def test_passwords_over_the_apps_byte_cap_are_refused(app: str, limit: int) -> None:
    ctx = get_context(app)
    stored = CHEAP_BCRYPT_OF_PW if app != "symfony" else bc4(b"x" * 72)
    assert ctx.verify("é" * (limit // 2 + 1), stored).ok is False


def test_q2a_row_without_any_password_is_an_unknown_scheme_not_a_crash() -> None:
    with pytest.raises(UnknownHashSchemeError):
        get_context("q2a").verify("pw", None, passsalt=None, passcheck=None)


def test_q2a_passcheck_accepts_raw_bytes_and_hex_in_either_case() -> None:
    import hashlib

    salt = b"abcdefgh12345678"
    raw = hashlib.sha1(salt[:8] + b"pw" + salt[8:]).digest()  # noqa: S324
    ctx = get_context("q2a")
    for passcheck in (raw, raw.hex(), raw.hex().upper(), raw.hex().encode()):
        assert ctx.verify("pw", None, passsalt=salt.decode(), passcheck=passcheck).ok is True
    with pytest.raises(CorruptHashError):
        ctx.verify("pw", None, passsalt=salt, passcheck=b"short")


def test_django_unusable_password_is_a_plain_no() -> None:
    result = get_context("django").verify("!", "!Jq3zV7xN0")
    assert result == Verification(ok=False, scheme="django_unusable", needs_upgrade=True)
    assert SCHEMES["django_unusable"].strength is Strength.UNUSABLE


def test_devise_pepper_is_appended_before_the_72_byte_cut() -> None:
    stored = bc4(b"pw" + b"p" * 70)
    assert get_context("devise", pepper="p" * 100).verify("pw", stored).ok is True
    assert get_context("devise").verify("pw", stored).ok is False


@pytest.mark.parametrize(
    ("app", "stored"),
    [
        ("wordpress", "$wp$2y$10$tooshort"),
        ("wordpress", "$P$Bnot-a-valid-phpass-hash-at-all!"),
        ("wordpress", "x" * 31),
        ("drupal7", "$S$Dshort"),
        ("drupal7", "$S$" + "0" + "a" * 51),  # count 2**2: below phpass's minimum
        ("drupal", "$2y$10$" + "!" * 53),
        ("laravel", "$2y$31$" + "a" * 53),  # valid bcrypt but days of work: refused as corrupt
        ("laravel", "$argon2id$v=19$m=99999999,t=4,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"),
        ("django", "pbkdf2_sha256$0$salt$aGFzaA=="),
        ("django", "scrypt$3$salt$8$1$aGFzaA=="),
        ("django", "bcrypt_sha256$$2b$12$short"),
        ("aspnet_identity", "AAAA"),
        ("aspnet_identity", "AQAAAAMAACcQAAAAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),  # prf 3
        ("magento2", "abc:salt:1"),
        ("magento2", "a" * 64 + ":salt:9"),
        ("joomla", "{SHA256}nothex"),
        ("symfony", "$2y$13$" + "a" * 10),
        ("generic", "*NOTHEX"),
        ("phpbb3", "$H\\2y$9xxxxxxxx$10\\short$x"),
    ],
)
def test_malformed_hashes_raise_corrupt_hash_error(app: str, stored: str) -> None:
    with pytest.raises(CorruptHashError):
        get_context(app).verify("pw", stored)


@pytest.mark.parametrize(
    ("app", "stored"),
    [
        ("wordpress", None),
        ("wordpress", ""),
        ("drupal7", "$2y$10$" + "a" * 53),  # D7 has no password_verify fallback
        ("laravel", "$P$B" + "a" * 30),
        ("django", "crypt$$abc"),
        ("devise", "pbkdf2_sha256$1$a$b"),
        ("aspnet_identity", "$2y$10$"),
        ("symfony", "plain"),
        ("generic", "abc"),
        ("phpbb3", "$CP$converted"),
        ("magento2", "nocolon"),
    ],
)
def test_unrecognised_hashes_raise_unknown_hash_scheme_error(app: str, stored: str | None) -> None:
    with pytest.raises(UnknownHashSchemeError):
        get_context(app).verify("pw", stored)


def test_generic_salted_digest_needs_the_scheme_configured() -> None:
    with pytest.raises(UnknownHashSchemeError):
        get_context("generic").verify("pw", "0" * 64, salt="s")
    with pytest.raises(CorruptHashError):
        get_context("generic", generic_scheme="sha256_salt_password").verify("pw", "0" * 64)  # salt missing


@pytest.mark.parametrize(
    "kwargs",
    [
        {"app": "nosuchapp"},
        {"app": "wordpress", "generic_scheme": "md5_salt_password"},
        {"app": "generic", "generic_scheme": "rot13"},
        {"app": "django", "pepper": "x"},
        {"app": "symfony", "symfony_iterations": 0},
        {"app": "q2a", "dummy_hash": "not a hash"},
    ],
)
def test_bad_options_raise_configuration_error(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        get_context(**kwargs)  # type: ignore[arg-type]


def test_non_ascii_stored_bytes_are_corrupt() -> None:
    with pytest.raises(CorruptHashError):
        get_context("wordpress").verify("pw", "$P$é".encode())


def test_stored_hash_may_be_bytes() -> None:
    assert get_context("generic").verify("pw", CHEAP_BCRYPT_OF_PW.encode()).ok is True


@pytest.mark.parametrize("password", ["\ud800", "a\udfffb", b"\xff\xfe"])
def test_unencodable_passwords_are_a_plain_no(password: str | bytes) -> None:
    assert get_context("generic").verify(password, CHEAP_BCRYPT_OF_PW).ok is False


@pytest.mark.slow
@pytest.mark.parametrize("app", ALL_APPS)
def test_dummy_verify_costs_at_least_a_cheap_real_verification(app: str) -> None:
    # CPU time of this process, not wall time: another process preempting us mid-measure cannot make the cheap
    # verification look dearer than the dummy one (the verdict must not depend on the machine's load).
    ctx = get_context(app)
    started = time.process_time()
    assert ctx.dummy_verify() is None
    elapsed = time.process_time() - started
    cheap = get_context("generic", dummy_hash=phpass.using(rounds=7).hash("x"))
    started = time.process_time()
    cheap.dummy_verify()
    assert elapsed > (time.process_time() - started)


def test_dummy_hash_override_is_used_for_the_app() -> None:
    ctx = get_context("wordpress", dummy_hash=phpass.using(rounds=7).hash("x"))
    assert ctx.dummy_verify() is None
    assert ctx.identify(ctx._dummy_hash).name == "phpass"


def test_every_app_dummy_hash_is_identified_by_its_own_app() -> None:
    for app, rules in APPS.items():
        assert get_context(app).identify(rules.dummy_hash).strength in (Strength.STRONG, Strength.ACCEPTABLE), app



def _sleepy_dummy(ctx: Any, seconds: float, calls: list[str]) -> None:
    """Replace the dummy scheme by one that takes ``seconds`` and records each run."""
    def run(pw: bytes, text: str, fields: object) -> bool:
        calls.append(text)
        time.sleep(seconds)
        return False

    ctx._dummy_scheme = Scheme("spy", Strength.STRONG, False, run)


def test_every_answer_on_a_cheaper_hash_also_runs_one_real_dummy_verification() -> None:
    # Replaces the sleep-to-the-floor tests: padding is now real work (one dummy verification), so the whole
    # timing distribution matches an unknown user's, not only its median (issue 12 section 4).
    calls: list[str] = []
    ctx = get_context("wordpress")
    _sleepy_dummy(ctx, 0.0, calls)
    hashes = {"phpass (weak)": phpass.using(rounds=7).hash("pw"), "bcrypt cost 4": bc4(b"pw"),
              "md5": "8fe4c11451281c094a6578e6ddbf5eed"}
    for label, stored in hashes.items():
        for password, expected in (("pw", True), ("wrong", False)):
            before = len(calls)
            assert ctx.verify(password, stored).ok is expected, label
            assert len(calls) == before + 1, label  # exactly one dummy verification per answer


def test_a_hash_of_the_dummys_scheme_and_cost_is_the_verification_and_gets_no_padding() -> None:
    calls: list[str] = []
    same_cost = bcrypt.hashpw(b"pw", bcrypt.gensalt(4)).decode()
    ctx = get_context("laravel", dummy_hash=bcrypt.hashpw(b"x", bcrypt.gensalt(4)).decode())
    spy = ctx._dummy_scheme
    _sleepy_dummy(ctx, 0.0, calls)
    ctx._dummy_scheme = dataclasses.replace(ctx._dummy_scheme, name=spy.name)
    assert ctx.verify("pw", same_cost).ok is True
    assert ctx.verify("wrong", same_cost).ok is False
    assert calls == []  # the real bcrypt check already cost what the dummy costs
    costlier = bcrypt.hashpw(b"pw", bcrypt.gensalt(5)).decode()
    assert ctx.verify("pw", costlier).ok is True
    assert calls == []  # costlier than the dummy: padding cannot make it equal, and is not added


def test_an_unusable_or_odd_password_is_refused_after_exactly_one_dummy_verification() -> None:
    calls: list[str] = []
    ctx = get_context("wordpress")
    _sleepy_dummy(ctx, 0.0, calls)
    assert ctx.verify("\ud800", phpass.using(rounds=7).hash("pw")).ok is False  # lone surrogate: no candidate
    assert len(calls) == 1


def test_without_padding_no_dummy_runs() -> None:
    calls: list[str] = []
    ctx = get_context("wordpress", pad_weak=False)
    _sleepy_dummy(ctx, 0.05, calls)
    assert ctx.verify("pw", phpass.using(rounds=7).hash("pw")).ok is True
    assert ctx.verify("wrong", bc4(b"pw")).ok is False
    assert calls == []


def test_php_apps_compare_hex_md5_exactly_while_generic_accepts_upper_case() -> None:
    import hashlib

    upper = hashlib.md5(b"pw").hexdigest().upper()  # noqa: S324
    assert get_context("wordpress").verify("pw", upper).ok is False  # hash_equals(stored, md5(pw))
    assert get_context("wordpress").verify("pw", upper.lower()).ok is True
    assert get_context("generic").verify("pw", upper).ok is True


# ---------------------------------------------------------------- typed errors cost a dummy verification


def _spied(app: str) -> tuple[object, list[str]]:
    calls: list[str] = []
    ctx = get_context(app, pad_weak=False)
    ctx._dummy_scheme = Scheme("spy", Strength.STRONG, False, lambda pw, text, fields: bool(calls.append(text)))
    return ctx, calls


@pytest.mark.parametrize(("app", "stored", "error"), [
    ("wordpress", "$wp$2y$10$tooshort", CorruptHashError),
    ("laravel", "$argon2id$v=19$m=99999999,t=4,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", CorruptHashError),
    ("django", "crypt$$abc", UnknownHashSchemeError),
    ("generic", None, UnknownHashSchemeError),
    ("magento2", "a" * 64 + ":salt:9", CorruptHashError),
])
def test_a_corrupt_or_unknown_hash_runs_a_dummy_verification_before_raising(app: str, stored: str | None,
                                                                           error: type[Exception]) -> None:
    ctx, calls = _spied(app)
    with pytest.raises(error):
        ctx.verify("pw", stored)  # type: ignore[attr-defined]
    assert len(calls) == 1  # the same cost as an unknown user's refusal: the answer does not reveal the account


def test_q2a_without_any_password_and_a_corrupt_passhash_also_pay_the_dummy_verification() -> None:
    ctx, calls = _spied("q2a")
    with pytest.raises(UnknownHashSchemeError):
        ctx.verify("pw", None, passsalt=None, passcheck=None)  # type: ignore[attr-defined]
    with pytest.raises(CorruptHashError):
        ctx.verify("pw", "$2y$10$short")  # type: ignore[attr-defined]
    assert len(calls) == 2


def test_identify_and_assess_never_run_the_dummy_verification() -> None:
    ctx, calls = _spied("wordpress")
    for call in (ctx.identify, ctx.assess):  # type: ignore[attr-defined]
        with pytest.raises(CorruptHashError):
            call("$wp$2y$10$tooshort")
    assert calls == []


def test_dummy_verification_before_a_typed_error_has_the_cost_of_a_real_one() -> None:
    # CPU time of this process (preemption by other processes is not counted) and the cheapest of three reference
    # runs: a busy machine can neither shrink the refusal's cost nor inflate the reference's.
    real = bcrypt.hashpw(b"x", bcrypt.gensalt(8)).decode()
    ctx = get_context("wordpress", dummy_hash="$wp" + real.replace("$2b$", "$2y$", 1))
    started = time.process_time()
    with pytest.raises(CorruptHashError):
        ctx.verify("pw", "$wp$2y$10$tooshort")
    refused = time.process_time() - started
    reference = []
    for _ in range(3):
        started = time.process_time()
        bcrypt.checkpw(b"pw", real.encode())
        reference.append(time.process_time() - started)
    assert refused >= 0.5 * min(reference)  # a cost-8 bcrypt, not microseconds


# ---------------------------------------------------------------- Magento 2.4 rows and the opt-in

MAGENTO_BARE_3 = (  # tests/vectors/php-generated.jsonl: customer:hash:upgrade's bare "3"
    "7b2852180e9dbb679324e60b40df269d59ec605f5bef085dea4160303f24b33f:XTnZQRS91nrlqGjJ1Vcvqe9ouzJNpSxz:1:3",
    "correct horse",
)
MAGENTO_1 = ("020dd845df360cb93473c2ec01a5c624:GV", "correct horse")  # Magento 1 hash:salt (no version)


@pytest.mark.parametrize("row", [MAGENTO_BARE_3, MAGENTO_1], ids=["bare-3", "no-version"])
def test_magento_rows_that_magento_2_4_refuses_are_unknown_by_default(row: tuple[str, str]) -> None:
    stored, password = row
    with pytest.raises(UnknownHashSchemeError):
        get_context("magento2").verify(password, stored)
    with pytest.raises(UnknownHashSchemeError):
        get_context("magento2").identify(stored)


@pytest.mark.slow
def test_magento_legacy_rows_opt_in_accepts_bare_3_as_the_2_4_default_argon2() -> None:
    ctx = get_context("magento2", magento_legacy_rows=True)
    stored, password = MAGENTO_BARE_3
    assert ctx.verify(password, stored).ok is True
    assert ctx.verify("Correct horse", stored).ok is False
    assert ctx.assess(stored).strength is Strength.STRONG


def test_magento_legacy_rows_opt_in_accepts_magento_1_hash_salt_rows() -> None:
    ctx = get_context("magento2", magento_legacy_rows=True, pad_weak=False)
    stored, password = MAGENTO_1
    assert ctx.verify(password, stored) == Verification(True, "magento1_md5", True)
    assert ctx.verify("Correct horse", stored).ok is False


def test_the_magento_scheme_itself_refuses_a_bare_3_without_the_opt_in() -> None:
    stored, password = MAGENTO_BARE_3
    assert SCHEMES["magento2_argon2id13"].verify(password, stored) is False


def test_magento_legacy_rows_is_a_magento_only_option() -> None:
    with pytest.raises(ConfigurationError):
        get_context("wordpress", magento_legacy_rows=True)


# ---------------------------------------------------------------- Drupal U$ and the 512-byte limit


@pytest.mark.parametrize("app", ["drupal7", "drupal"])
def test_drupal_length_limit_applies_after_the_u_prefix_md5(app: str) -> None:
    import hashlib

    long = "é" * 300  # 600 bytes
    md5hex = hashlib.md5(long.encode()).hexdigest().encode()  # noqa: S324
    upgraded = "U" + phpass.using(rounds=7, ident="H").hash(md5hex)
    assert get_context(app).verify(long, upgraded).ok is True
    assert get_context(app).verify(long, phpass.using(rounds=7, ident="H").hash(long)).ok is False  # 512-byte cap

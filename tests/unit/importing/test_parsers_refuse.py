"""Bad stored values: each reader refuses with one typed error and a stable reason, never a stack trace, and
never puts the hash, salt or digest in a message or a repr."""

from __future__ import annotations

import base64
import struct
from collections.abc import Callable

import bcrypt
import pytest
from argon2 import Type
from argon2.low_level import hash_secret

from legacy_auth.errors import LegacyAuthError
from legacy_auth.importing import algo_argon2id, algo_bcrypt, algo_pbkdf2_sha256, algo_scrypt
from legacy_auth.importing.errors import HashNotImportableError

BCRYPT = bcrypt.hashpw(b"pw", bcrypt.gensalt(4)).decode("ascii")  # $2b$04$...
ARGON2ID = hash_secret(b"pw", b"saltsaltsalt1234", time_cost=1, memory_cost=64, parallelism=1, hash_len=32,
                       type=Type.ID).decode("ascii")
ARGON2I = ARGON2ID.replace("$argon2id$", "$argon2i$", 1)
DJANGO_PBKDF2 = "pbkdf2_sha256$1000$0DLX69aAvGcprc7ebr2RWV$rLX2VHOeBlfs5BBhbUCtenauXvsQYvbFPdrB5PP1Q0M="
DJANGO_SCRYPT = ("scrypt$1024$h2tvQcFwdAbyLiVRTEkweZ$8$1$W16hyTk2AAo/YSdF2smKVXE1oScp57U1l5b4Jge4VPRVVo06/zNLNpIw3Hjl"
                 "cZ5f0JAgetzg53KeYYJGs36Jcw==")


def _aspnet_v3(prf: int, iterations: int = 10000, salt: bytes = b"s" * 16, subkey: bytes = b"k" * 32) -> str:
    raw = b"\x01" + struct.pack(">III", prf, iterations, len(salt)) + salt + subkey
    return base64.b64encode(raw).decode("ascii")


CASES = [
    (algo_bcrypt.parse, "$2x$04$" + BCRYPT[7:], "not_this_algorithm"),
    (algo_bcrypt.parse, "$2$04$" + BCRYPT[7:], "not_this_algorithm"),
    (algo_bcrypt.parse, "bcrypt$" + BCRYPT, "not_this_algorithm"),
    (algo_bcrypt.parse, BCRYPT[:-1], "malformed"),
    (algo_bcrypt.parse, BCRYPT[:-1] + "!", "malformed"),
    (algo_bcrypt.parse, BCRYPT.replace("$04$", "$03$", 1), "parameters_out_of_range"),
    (algo_bcrypt.parse, BCRYPT.replace("$04$", "$18$", 1), "parameters_out_of_range"),
    (algo_argon2id.parse, ARGON2I, "not_this_algorithm"),
    (algo_argon2id.parse, ARGON2ID.replace("$argon2id$", "$argon2d$", 1), "not_this_algorithm"),
    (algo_argon2id.parse, ARGON2ID[:-20], "malformed"),
    (algo_argon2id.parse, ARGON2ID.replace("v=19", "v=20", 1), "malformed"),
    (algo_argon2id.parse, ARGON2ID + "=", "malformed"),
    (algo_argon2id.parse, ARGON2ID.replace("m=64,", "m=2097152,", 1), "parameters_out_of_range"),
    (algo_argon2id.parse, ARGON2ID.replace("t=1,", "t=33,", 1), "parameters_out_of_range"),
    (algo_argon2id.parse, ARGON2ID.replace("m=64,", "m=4,", 1), "parameters_out_of_range"),
    (algo_pbkdf2_sha256.parse, DJANGO_PBKDF2.replace("pbkdf2_sha256", "pbkdf2_sha1", 1), "not_this_algorithm"),
    (algo_pbkdf2_sha256.parse, DJANGO_PBKDF2.replace("$1000$", "$0$", 1), "parameters_out_of_range"),
    (algo_pbkdf2_sha256.parse, DJANGO_PBKDF2.replace("$1000$", "$10000001$", 1), "parameters_out_of_range"),
    (algo_pbkdf2_sha256.parse, DJANGO_PBKDF2[:-8] + "=", "malformed"),
    (algo_pbkdf2_sha256.parse, _aspnet_v3(0), "not_this_algorithm"),
    (algo_pbkdf2_sha256.parse, _aspnet_v3(2), "not_this_algorithm"),
    (algo_pbkdf2_sha256.parse, _aspnet_v3(1, salt=b"s" * 8), "malformed"),
    (algo_pbkdf2_sha256.parse, _aspnet_v3(1, iterations=0), "parameters_out_of_range"),
    (algo_scrypt.parse, "$scrypt$ln=10,r=8,p=1$c2FsdA$aGFzaA", "not_this_algorithm"),
    (algo_scrypt.parse, DJANGO_SCRYPT.replace("$1024$", "$1000$", 1), "parameters_out_of_range"),
    (algo_scrypt.parse, DJANGO_SCRYPT.replace("$1024$", f"${1 << 21}$", 1), "parameters_out_of_range"),
    (algo_scrypt.parse, DJANGO_SCRYPT.replace("$8$1$", "$33$1$", 1), "parameters_out_of_range"),
    (algo_scrypt.parse, DJANGO_SCRYPT[:-10] + "==", "malformed"),
]


@pytest.mark.parametrize(("parse", "stored", "reason"), CASES, ids=[f"{c[0].__module__[24:]}-{c[2]}-{n}"
                                                                    for n, c in enumerate(CASES)])
def test_unimportable_values_are_refused_with_a_stable_reason(parse: Callable[[str], object], stored: str,
                                                               reason: str) -> None:
    with pytest.raises(HashNotImportableError) as caught:
        parse(stored)
    assert isinstance(caught.value, LegacyAuthError)
    assert caught.value.reason == reason
    assert stored not in str(caught.value)
    assert stored[-10:] not in str(caught.value)


@pytest.mark.parametrize("stored", ["", "x", "$", "\0", "$2b$", "argon2$", "pbkdf2_sha256$", "scrypt$", "AQAAAA",
                                    "é" * 100])
def test_garbage_is_refused_by_every_reader(stored: str) -> None:
    for parse in (algo_bcrypt.parse, algo_argon2id.parse, algo_pbkdf2_sha256.parse, algo_scrypt.parse):
        with pytest.raises(HashNotImportableError):
            parse(stored)


def test_reprs_show_parameters_but_never_salt_or_digest() -> None:
    records = [algo_bcrypt.parse(BCRYPT), algo_argon2id.parse(ARGON2ID), algo_pbkdf2_sha256.parse(DJANGO_PBKDF2),
               algo_scrypt.parse(DJANGO_SCRYPT), algo_pbkdf2_sha256.parse(_aspnet_v3(1))]
    texts = [repr(r) for r in records]
    assert texts[0] == "BcryptHash(variant='2b', cost=4)"
    assert texts[1] == "Argon2idHash(version=0x13, memory_kib=64, time_cost=1, parallelism=1)"
    assert texts[2] == "Pbkdf2Sha256Hash(iterations=1000, source='django_pbkdf2_sha256')"
    assert texts[3] == "ScryptHash(n=1024, r=8, p=1)"
    assert texts[4] == "Pbkdf2Sha256Hash(iterations=10000, source='aspnet_identity_v3')"
    assert "0DLX69aAvGcprc7ebr2RWV" not in " ".join(texts)
    assert BCRYPT[7:29] not in texts[0]

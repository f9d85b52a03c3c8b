"""Known answers: every hash the legacy apps wrote, read into its parameters, re-derives with an independent
reference (``bcrypt``, ``hashlib.pbkdf2_hmac``, argon2-cffi, ``hashlib.scrypt``) for the original password and
not for a wrong one: the readers lose nothing the final Cognito encoding would need.

Vectors: ``tests/vectors/*.jsonl`` (real PHP, Django, ASP.NET Core, Ruby output), restricted to hashes over the
password exactly as typed (apps whose input transform changes it, peppers and pre-hashes are left out: those
users are ``lazy``, see ``test_routes.py``).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import bcrypt
import pytest
from argon2 import Type
from argon2.low_level import hash_secret, hash_secret_raw

from legacy_auth.apps import HASH_RULES as APPS
from legacy_auth.importing import algo_argon2id, algo_bcrypt, algo_pbkdf2_sha256, algo_scrypt
from tests.unit.hashing.vectors import APP_NAMES

VECTOR_DIR = Path(__file__).resolve().parents[2] / "vectors"
WRONG = "not "  # prepended: a suffix past byte 72 would not change a bcrypt hash

#: vector scheme names whose hash is over the typed password, per family
FAMILIES = {
    "bcrypt": {"bcrypt", "bcrypt_plain"},
    "argon2id": {"argon2", "argon2id", "django_argon2"},
    "pbkdf2_sha256": {"django_pbkdf2_sha256", "aspnet_identity_v3"},
    "scrypt": {"django_scrypt"},
}


def _untransformed(vector: dict[str, Any]) -> bool:
    app = APP_NAMES.get(vector["app"], vector["app"])
    rules = APPS.get(app)
    extra = vector.get("extra") or {}
    if "pepper" in extra or ("hashed_value" in extra and extra["hashed_value"] != vector["password"]):
        return False
    return rules is None or rules.transform(vector["password"]) == [vector["password"]]


def _vectors(family: str) -> list[dict[str, Any]]:
    out = []
    for path in sorted(VECTOR_DIR.glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if not line.strip():
                continue
            v = json.loads(line)
            if v["scheme"] in FAMILIES[family] and v.get("expect") is True and _untransformed(v):
                out.append(v)
    return out


def _ids(vectors: list[dict[str, Any]]) -> list[str]:
    return [f"{v['app']}-{v['scheme']}-{n}" for n, v in enumerate(vectors)]


# $2x$ (PHP's sign-extension bug, issue 15's vectors) is not an importable variant: the reader refuses it
BCRYPT_V = [v for v in _vectors("bcrypt")
            if v["hash"].startswith(("$2a$", "$2b$", "$2y$")) and "\0" not in v["password"]]
ARGON2ID_V = [v for v in _vectors("argon2id") if "argon2id$" in v["hash"]]
PBKDF2_V = [v for v in _vectors("pbkdf2_sha256") if v["hash"].startswith(("pbkdf2_sha256$", "AQAAAAE"))]
SCRYPT_V = _vectors("scrypt")


def test_the_vector_files_give_every_family_real_known_answers() -> None:
    counts = {"bcrypt": len(BCRYPT_V), "argon2id": len(ARGON2ID_V), "pbkdf2": len(PBKDF2_V), "scrypt": len(SCRYPT_V)}
    assert min(counts.values()) >= 5, counts
    assert counts["bcrypt"] >= 10, counts
    assert any(v["hash"].startswith("AQAAAAE") for v in PBKDF2_V)  # ASP.NET Core v3 (HMAC-SHA256) among them


def _bcrypt_derive(password: str, parsed: algo_bcrypt.BcryptHash) -> str:
    # crypt_blowfish (PHP, Ruby) uses the first 72 bytes; Python bcrypt>=5 refuses longer input, so cut explicitly
    secret = password.encode("utf-8")[:72]
    return bcrypt.hashpw(secret, f"$2b${parsed.cost:02d}${parsed.salt}".encode("ascii")).decode("ascii")[-31:]


@pytest.mark.parametrize("vector", BCRYPT_V, ids=_ids(BCRYPT_V))
def test_bcrypt_parameters_rederive_the_stored_checksum(vector: dict[str, Any]) -> None:
    parsed = algo_bcrypt.parse(vector["hash"])
    assert parsed.modular_crypt() == vector["hash"]
    assert _bcrypt_derive(vector["password"], parsed) == parsed.checksum
    assert _bcrypt_derive(WRONG + vector["password"], parsed) != parsed.checksum


@pytest.mark.parametrize("variant", ["2a", "2b", "2y"])
def test_every_bcrypt_variant_is_read_with_its_prefix_kept(variant: str) -> None:
    stored = bcrypt.hashpw(b"correct horse", bcrypt.gensalt(4)).decode("ascii").replace("$2b$", f"${variant}$", 1)
    parsed = algo_bcrypt.parse(stored)
    assert (parsed.variant, parsed.cost, parsed.modular_crypt()) == (variant, 4, stored)
    assert _bcrypt_derive("correct horse", parsed) == parsed.checksum
    assert _bcrypt_derive("correct horsf", parsed) != parsed.checksum


def _argon2_derive(password: str, parsed: algo_argon2id.Argon2idHash) -> bytes:
    return hash_secret_raw(password.encode("utf-8"), parsed.salt, time_cost=parsed.time_cost,
                           memory_cost=parsed.memory_kib, parallelism=parsed.parallelism,
                           hash_len=len(parsed.digest), type=Type.ID, version=parsed.version)


@pytest.mark.parametrize("vector", ARGON2ID_V, ids=_ids(ARGON2ID_V))
def test_argon2id_parameters_rederive_the_stored_digest(vector: dict[str, Any]) -> None:
    parsed = algo_argon2id.parse(vector["hash"])
    assert parsed.version == 0x13
    assert _argon2_derive(vector["password"], parsed) == parsed.digest
    assert _argon2_derive(WRONG + vector["password"], parsed) != parsed.digest


def test_argon2id_version_16_is_read_as_version_16() -> None:
    stored = hash_secret(b"correct horse", b"saltsaltsalt1234", time_cost=1, memory_cost=64, parallelism=1,
                         hash_len=32, type=Type.ID, version=16).decode("ascii")
    parsed = algo_argon2id.parse(stored)
    assert (parsed.version, parsed.memory_kib, parsed.time_cost, parsed.parallelism) == (16, 64, 1, 1)
    assert _argon2_derive("correct horse", parsed) == parsed.digest
    assert _argon2_derive("correct horsf", parsed) != parsed.digest


def _pbkdf2_derive(password: str, parsed: algo_pbkdf2_sha256.Pbkdf2Sha256Hash) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), parsed.salt, parsed.iterations, len(parsed.digest))


@pytest.mark.parametrize("vector", PBKDF2_V, ids=_ids(PBKDF2_V))
def test_pbkdf2_sha256_parameters_rederive_the_stored_digest(vector: dict[str, Any]) -> None:
    parsed = algo_pbkdf2_sha256.parse(vector["hash"])
    assert _pbkdf2_derive(vector["password"], parsed) == parsed.digest
    assert _pbkdf2_derive(WRONG + vector["password"], parsed) != parsed.digest


def _scrypt_derive(password: str, parsed: algo_scrypt.ScryptHash) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=parsed.salt, n=parsed.n, r=parsed.r, p=parsed.p,
                          maxmem=256 * parsed.r * (parsed.n + parsed.p + 2), dklen=len(parsed.digest))


@pytest.mark.parametrize("vector", SCRYPT_V, ids=_ids(SCRYPT_V))
def test_scrypt_parameters_rederive_the_stored_digest(vector: dict[str, Any]) -> None:
    parsed = algo_scrypt.parse(vector["hash"])
    assert _scrypt_derive(vector["password"], parsed) == parsed.digest
    assert _scrypt_derive(WRONG + vector["password"], parsed) != parsed.digest

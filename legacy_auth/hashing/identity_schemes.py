"""Identity servers and exports (issue 15): Atlassian ``{PKCS5S2}``, Keycloak's ``credential`` JSON and
Firebase Authentication's modified scrypt.

**Atlassian** (Jira, Confluence, Crowd ``cwd_user.credential``): ``{PKCS5S2}`` + base64 of a 16-byte salt and a
32-byte PBKDF2-HMAC-SHA1 key at 10,000 iterations over the UTF-8 password (atlassian-password-encoder
``PKCS5S2PasswordHashGenerator``; its test ``TestDefaultPasswordEncoderWithPKCS5S2.java`` holds the
``PREVIOUSLY_ENCODED`` constants used as vectors). libpass's ``atlassian_pbkdf2_sha1`` reads the same format
but refuses passwords over 4096 bytes; the check is one ``hashlib`` call, written here.

**Keycloak** (``credential`` table, Keycloak 7+): ``secret_data`` is the stored value
(``{"value": b64, "salt": b64, "additionalParameters": {}}``) and the row field ``credential_data`` holds
``{"hashIterations": N, "algorithm": ..., "additionalParameters": {...}}``. As in Keycloak 26
``Pbkdf2PasswordHashProvider.verify``: PBKDF2 (``pbkdf2`` = HmacSHA1, ``pbkdf2-sha256``, ``pbkdf2-sha512``) over
the password's UTF-8 bytes (SunJCE ``PBEKeySpec``), key length = the decoded stored value's length, compared
as base64 text. As in ``org.keycloak.crypto.hash.Argon2PasswordHashProvider.verify``: BouncyCastle
``Argon2BytesGenerator`` with ``type`` (``id``/``i``/``d``), ``version`` (``1.3``/``1.0``), ``hashLength``,
``memory`` (KiB), ``parallelism`` from ``additionalParameters`` (one-element lists) and ``hashIterations``;
Keycloak 24+ defaults ``id``, ``1.3``, 32, 7168, 5 iterations, 1. Without a ``credential_data`` field, the
stored value may also be one exported credential (``CredentialRepresentation``: ``secretData`` and
``credentialData`` in one object, as ``kc.sh export`` writes it). The JSON is parsed strictly (objects of the
expected keys and types, at most 4096 characters each); anything else is :class:`CorruptHashError`.

**Firebase** (``firebase auth:export``): the reference implementation ``firebase/scrypt`` and the npm
``firebase-scrypt`` 2.2.0 package: ``key = scrypt(password, salt + salt_separator, N=2^mem_cost, r=rounds,
p=1, dkLen=32)``, ``hash = AES-256-CTR(key, iv=0).encrypt(signer_key)``, base64; standard or URL-safe base64
(the Admin SDK's ``listUsers`` exports URL-safe). Row field ``salt``; the project's ``signer_key``,
``salt_separator`` (base64), ``rounds`` and ``mem_cost`` come as fields too (secrets: never logged, never in
an error). Ranges as the Firebase Admin SDKs validate them for import (firebase-admin-java
``com.google.firebase.auth.hash.Scrypt``: ``rounds`` at most 8, ``memoryCost`` 1-14; .NET
``FirebaseAdmin.Auth.Hash.Scrypt.MaxRounds`` = 8,
https://firebase.google.com/docs/reference/admin/dotnet/class/firebase-admin/auth/hash/scrypt); rounds 0
(no scrypt block) and anything larger are refused.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from typing import Any

from argon2 import Type
from argon2.low_level import hash_secret_raw
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from legacy_auth.errors import CorruptHashError
from legacy_auth.hashing import bounded, cost
from legacy_auth.hashing.base import Scheme, Strength, consteq, text_field
from legacy_auth.hashing.kdf_schemes import MAX_ARGON2_KIB, MAX_ARGON2_TIME

# ---------------------------------------------------------------- Atlassian {PKCS5S2}

ATLASSIAN_ITERATIONS = 10_000


def _check_atlassian(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    raw = bounded.b64decode(stored[len("{PKCS5S2}") :], "atlassian_pbkdf2_sha1")
    if len(raw) != 48:
        raise CorruptHashError("atlassian_pbkdf2_sha1", "payload is not 48 bytes")
    key = bounded.pbkdf2("sha1", pw, raw[:16], ATLASSIAN_ITERATIONS, 32, "atlassian_pbkdf2_sha1")
    return consteq(key, raw[16:])


def _grade_atlassian(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
    return cost.pbkdf2_grade("sha1", ATLASSIAN_ITERATIONS)


ATLASSIAN = Scheme(
    "atlassian_pbkdf2_sha1", Strength.ACCEPTABLE, True, _check_atlassian, ("{PKCS5S2}",),
    re.compile(r"\{PKCS5S2\}[A-Za-z0-9+/]{64}"), _grade_atlassian,
)

# ---------------------------------------------------------------- Keycloak credential JSON

KEYCLOAK = "keycloak_credential"
MAX_JSON_CHARS = 4096
_KC_PBKDF2 = {"pbkdf2": "sha1", "pbkdf2-sha256": "sha256", "pbkdf2-sha512": "sha512"}
_KC_ARGON2_TYPES = {"id": Type.ID, "i": Type.I, "d": Type.D}
_KC_ARGON2_VERSIONS = {"1.3": 0x13, "1.0": 0x10}
_JAVA_INT = re.compile(r"[+-]?\d{1,10}")


def _json_object(text: object, what: str) -> dict[str, Any]:
    if isinstance(text, bytes | bytearray | memoryview):
        text = bytes(text).decode("utf-8", "replace")
    if not isinstance(text, str) or len(text) > MAX_JSON_CHARS:
        raise CorruptHashError(KEYCLOAK, f"{what} is not JSON text of at most {MAX_JSON_CHARS} characters")
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise CorruptHashError(KEYCLOAK, f"{what} is not JSON") from None
    if not isinstance(value, dict):
        raise CorruptHashError(KEYCLOAK, f"{what} is not a JSON object")
    return value


def _param(params: Mapping[str, Any], key: str) -> str:
    """``MultivaluedHashMap.getFirst``: the first element of a JSON list of strings."""
    value = params.get(key)
    if not isinstance(value, list) or not value or not isinstance(value[0], str):
        raise CorruptHashError(KEYCLOAK, f"additionalParameters.{key} missing")
    return value[0]


def _int(text: object, what: str, low: int, high: int) -> int:
    # Java Integer.parseInt: optional sign and digits only (Python's int() would also take spaces and "_")
    if isinstance(text, bool) or not isinstance(text, int | str) or (
        isinstance(text, str) and _JAVA_INT.fullmatch(text) is None
    ):
        raise CorruptHashError(KEYCLOAK, f"{what} is not an integer")
    value = int(text)
    if not low <= value <= high:
        raise CorruptHashError(KEYCLOAK, f"{what} out of range")
    return value


def keycloak_parse(stored: str, fields: Mapping[str, Any]) -> tuple[str, bytes, str, int, dict[str, Any]]:
    """``(value, salt, algorithm, hashIterations, additionalParameters)`` of one credential row.

    ``stored`` is the row's ``secret_data`` with ``credential_data`` a row field, or, when no ``credential_data``
    field is given at all, one credential as Keycloak's realm export writes it (``CredentialRepresentation``:
    ``{"type": "password", "secretData": "<secret_data>", "credentialData": "<credential_data>"}``), which
    carries both (a dummy hash, a credential copied from an export). A row that has the field never takes the
    export form: its ``secret_data`` holding one is corrupt.
    """
    secret = _json_object(stored, "secret_data")
    if "secretData" in secret or "credentialData" in secret:
        if "credential_data" in fields:
            raise CorruptHashError(KEYCLOAK, "secret_data holds an exported credential")
        if secret.get("type", "password") != "password":
            raise CorruptHashError(KEYCLOAK, "exported credential is not a password")
        data = _json_object(secret.get("credentialData"), "credentialData")
        secret = _json_object(secret.get("secretData"), "secretData")
    else:
        data = _json_object(fields.get("credential_data"), "credential_data")
    value, salt_b64, algorithm = secret.get("value"), secret.get("salt"), data.get("algorithm")
    params = data.get("additionalParameters") or {}
    if not isinstance(value, str) or not isinstance(salt_b64, str) or not isinstance(algorithm, str):
        raise CorruptHashError(KEYCLOAK, "value, salt or algorithm missing")
    if not isinstance(params, dict):
        raise CorruptHashError(KEYCLOAK, "additionalParameters is not an object")
    iterations = _int(data.get("hashIterations"), "hashIterations", 1, bounded.PBKDF2_MAX_ITERATIONS["sha1"])
    return value, bounded.b64decode(salt_b64, KEYCLOAK), algorithm, iterations, params


def _argon2_params(params: Mapping[str, Any], iterations: int) -> tuple[Type, int, int, int, int]:
    kind = _KC_ARGON2_TYPES.get(_param(params, "type"))
    version = _KC_ARGON2_VERSIONS.get(_param(params, "version"))
    if kind is None or version is None:
        raise CorruptHashError(KEYCLOAK, "unknown argon2 type or version")
    length = _int(_param(params, "hashLength"), "hashLength", 4, bounded.MAX_DKLEN)
    memory = _int(_param(params, "memory"), "memory", 8, MAX_ARGON2_KIB)
    lanes = _int(_param(params, "parallelism"), "parallelism", 1, 16)
    if iterations > MAX_ARGON2_TIME or memory < 8 * lanes:
        raise CorruptHashError(KEYCLOAK, "argon2 parameters out of range")
    return kind, version, length, memory, lanes


def _check_keycloak(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    value, salt, algorithm, iterations, params = keycloak_parse(stored, fields)
    if algorithm in _KC_PBKDF2:
        dklen = len(bounded.b64decode(value, KEYCLOAK))  # Keycloak: keySize(credential) = decoded length
        key = bounded.pbkdf2(_KC_PBKDF2[algorithm], pw, salt, iterations, dklen, KEYCLOAK)
    elif algorithm == "argon2":
        kind, version, length, memory, lanes = _argon2_params(params, iterations)
        if len(salt) < 8:
            raise CorruptHashError(KEYCLOAK, "argon2 salt shorter than 8 bytes")
        key = hash_secret_raw(pw, salt, time_cost=iterations, memory_cost=memory, parallelism=lanes,
                              hash_len=length, type=kind, version=version)
    else:
        raise CorruptHashError(KEYCLOAK, "unknown algorithm")
    return consteq(base64.b64encode(key), value)  # Keycloak compares the base64 text (String.equals)


def _grade_keycloak(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
    _value, _salt, algorithm, iterations, params = keycloak_parse(stored, fields)
    if algorithm in _KC_PBKDF2:
        return cost.pbkdf2_grade(_KC_PBKDF2[algorithm], iterations, with_prf=True)
    if algorithm == "argon2":
        kind, _v, _l, memory, lanes = _argon2_params(params, iterations)
        name = {Type.ID: "argon2id", Type.I: "argon2i", Type.D: "argon2d"}[kind]
        return cost.argon2_grade(name, memory, iterations, lanes)
    raise CorruptHashError(KEYCLOAK, "unknown algorithm")


KEYCLOAK_CREDENTIAL = Scheme(
    "keycloak_credential", Strength.STRONG, False, _check_keycloak, (),
    re.compile(r"\{\s*\"[^\x00]{0,4094}\}\s*", re.DOTALL), _grade_keycloak,
)

# ---------------------------------------------------------------- Firebase scrypt

FIREBASE = "firebase_scrypt"
_URLSAFE = b"-_"


def _firebase_b64(text: str, what: str) -> bytes:
    if not text:
        raise CorruptHashError(FIREBASE, f"{what} is empty")
    alt = _URLSAFE if ("-" in text or "_" in text) else None
    return bounded.b64decode(text.rstrip("="), FIREBASE, altchars=alt, pad=True)


def _firebase_int(fields: Mapping[str, Any], name: str, high: int) -> int:
    value = fields.get(name)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise CorruptHashError(FIREBASE, f"{name} missing")
    try:
        number = int(value)
    except ValueError:
        raise CorruptHashError(FIREBASE, f"{name} is not an integer") from None
    if not 1 <= number <= high:
        raise CorruptHashError(FIREBASE, f"{name} out of range")
    return number


def firebase_hash(pw: bytes, fields: Mapping[str, Any]) -> bytes:
    """The raw Firebase scrypt hash of ``pw`` for a row's ``salt`` and the project's parameters."""
    salt = _firebase_b64(text_field(fields, "salt", FIREBASE).decode("utf-8"), "salt")
    separator = _firebase_b64(text_field(fields, "salt_separator", FIREBASE).decode("utf-8"), "salt_separator")
    signer = _firebase_b64(text_field(fields, "signer_key", FIREBASE).decode("utf-8"), "signer_key")
    rounds, mem_cost = _firebase_int(fields, "rounds", 8), _firebase_int(fields, "mem_cost", 14)
    key = bounded.scrypt(pw, salt + separator, 1 << mem_cost, rounds, 1, 32, FIREBASE)
    encryptor = Cipher(algorithms.AES(key), modes.CTR(bytes(16))).encryptor()
    return encryptor.update(signer) + encryptor.finalize()


def _check_firebase(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    expected = _firebase_b64(stored, "hash")
    return consteq(firebase_hash(pw, fields), expected)


def _grade_firebase(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
    rounds, mem_cost = _firebase_int(fields, "rounds", 8), _firebase_int(fields, "mem_cost", 14)
    return cost.scrypt_grade(1 << mem_cost, rounds, 1)


FIREBASE_SCRYPT = Scheme(
    FIREBASE, Strength.STRONG, False, _check_firebase, (), re.compile(r"[A-Za-z0-9+/_-]{16,512}={0,2}"),
    _grade_firebase,
)

ALL = (ATLASSIAN, KEYCLOAK_CREDENTIAL, FIREBASE_SCRYPT)

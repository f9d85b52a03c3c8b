"""Issue 15 schemes: malformed or over-costly stored values are refused with the documented error (never a
crash or a multi-second computation), the deliberate refusals are pinned, and property tests check each
scheme against a hasher independent of our verification code (libpass, werkzeug, hashlib, bcrypt).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from typing import Any

import bcrypt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from passlib.hash import atlassian_pbkdf2_sha1, ldap_pbkdf2_sha256, sha512_crypt
from werkzeug.security import generate_password_hash

from legacy_auth.errors import CorruptHashError, HashError
from legacy_auth.hashing import SCHEMES
from legacy_auth.hashing.blowfish_compat import needs_2a_safety

FAST = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
text_passwords = st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\0"), max_size=40)
ascii_passwords = st.text(alphabet=st.characters(min_codepoint=1, max_codepoint=127), max_size=40)


def _kc(secret: dict[str, Any] | str, data: dict[str, Any] | str) -> tuple[str, dict[str, Any]]:
    text = secret if isinstance(secret, str) else json.dumps(secret)
    return text, {"credential_data": data if isinstance(data, str) else json.dumps(data)}


_SALT = base64.b64encode(b"0123456789abcdef").decode()
_VALUE = base64.b64encode(b"k" * 64).decode()
_ARGON = {"hashLength": ["32"], "memory": ["7168"], "type": ["id"], "version": ["1.3"], "parallelism": ["1"]}
_FIREBASE = {"salt": "c2FsdA==", "signer_key": base64.b64encode(b"k" * 64).decode(), "salt_separator": "Bw==",
             "rounds": 8, "mem_cost": 14}

MALFORMED: list[tuple[str, str, dict[str, Any]]] = [
    # Keycloak: strict, bounded JSON
    ("keycloak_credential", *_kc("{not json", {"hashIterations": 1, "algorithm": "pbkdf2-sha256"})),
    ("keycloak_credential", *_kc("[1, 2]", {"hashIterations": 1, "algorithm": "pbkdf2-sha256"})),
    ("keycloak_credential", *_kc({"value": _VALUE, "salt": _SALT, "pad": "x" * 5000}, {"hashIterations": 1})),
    ("keycloak_credential", *_kc({"value": _VALUE, "salt": _SALT}, "{}")),
    ("keycloak_credential", *_kc({"value": _VALUE, "salt": _SALT}, {"hashIterations": 1, "algorithm": "md5"})),
    ("keycloak_credential", *_kc({"value": _VALUE, "salt": _SALT}, {"hashIterations": True, "algorithm": "pbkdf2"})),
    ("keycloak_credential", *_kc({"value": _VALUE, "salt": _SALT},
                                 {"hashIterations": 10**9, "algorithm": "pbkdf2-sha512"})),
    ("keycloak_credential", *_kc({"value": _VALUE, "salt": "%%%"}, {"hashIterations": 1, "algorithm": "pbkdf2"})),
    ("keycloak_credential", *_kc({"value": _VALUE, "salt": _SALT}, {"hashIterations": 5, "algorithm": "argon2"})),
    ("keycloak_credential", *_kc({"value": _VALUE, "salt": _SALT}, {  # Java parseInt refuses "7_168"
        "hashIterations": 5, "algorithm": "argon2", "additionalParameters": {**_ARGON, "memory": ["7_168"]}})),
    ("keycloak_credential", *_kc({"value": _VALUE, "salt": _SALT}, {
        "hashIterations": 5, "algorithm": "argon2", "additionalParameters": {**_ARGON, "memory": ["99999999"]}})),
    ("keycloak_credential", *_kc({"value": _VALUE, "salt": _SALT}, {
        "hashIterations": 500, "algorithm": "argon2", "additionalParameters": _ARGON})),
    # Atlassian
    ("atlassian_pbkdf2_sha1", "{PKCS5S2}" + "A" * 63 + "=", {}),
    # Firebase: project parameters beyond the documented ranges, missing or undecodable secrets
    ("firebase_scrypt", "A" * 88, {**_FIREBASE, "rounds": 9}),
    ("firebase_scrypt", "A" * 88, {**_FIREBASE, "mem_cost": 15}),
    ("firebase_scrypt", "A" * 88, {k: v for k, v in _FIREBASE.items() if k != "signer_key"}),
    ("firebase_scrypt", "A" * 88, {**_FIREBASE, "salt_separator": "B"}),
    ("firebase_scrypt", "A" * 88, {**_FIREBASE, "rounds": "eight"}),
    # crypt(3): rounds beyond the trigger's time, non-ASCII salt (PHP would accept it: pinned deviation)
    ("sha512_crypt", "$6$rounds=999999999$salt$" + "a" * 86, {}),
    ("sha256_crypt", "$5$rounds=20000$üsalt$" + "a" * 43, {}),
    # LDAP
    ("ldap_salted_sha1", "{SSHA}" + base64.b64encode(b"x" * 20).decode(), {}),  # no salt byte
    ("ldap_sha1", "{SHA}" + base64.b64encode(b"x" * 21).decode(), {}),
    ("ldap_pbkdf2_sha256", "{PBKDF2-SHA256}10000$c2FsdA$" + "A" * 43, {}),  # 4-byte salt
    ("ldap_pbkdf2_sha256", "{PBKDF2-SHA256}999999999$" + "A" * 22 + "$" + "A" * 43, {}),
    ("ldap_crypt", "{CRYPT}$7$whatever-format", {}),
    ("ds389_pbkdf2_sha256_legacy", "{PBKDF2_SHA256}" + base64.b64encode(b"\xff" * 4 + b"s" * 320).decode(), {}),
    ("ds389_pbkdf2_sha256", "{PBKDF2-SHA256}10000$c2FsdA==$" + "A" * 43 + "=", {}),  # 4-byte salt
    ("ldap_argon2", "{ARGON2}$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$" + "A" * 43, {}),
    # Werkzeug
    ("werkzeug_scrypt", "scrypt:4194304:8:1$salt$" + "0" * 128, {}),
    ("werkzeug_pbkdf2", "pbkdf2:sha256:99999999$salt$" + "0" * 64, {}),
    ("werkzeug_scrypt", "scrypt:1024$salt$" + "0" * 128, {}),  # Werkzeug: "'scrypt' takes 3 arguments."
    ("werkzeug_scrypt", "scrypt:16:8:1$salt$" + "0" * 128, {}),  # Werkzeug's own maxmem makes OpenSSL refuse
    # passlib
    ("passlib_pbkdf2_sha256", "$pbkdf2-sha256$99999999$c2FsdA$" + "A" * 43, {}),
    ("passlib_scrypt", "$scrypt$ln=30,r=8,p=1$c2FsdA$" + "A" * 43, {}),
    ("passlib_bcrypt_sha256", "$bcrypt-sha256$v=2,t=2b,r=31$" + "a" * 22 + "$" + "a" * 31, {}),
    # Spring
    ("spring_scrypt", "{scrypt}$1e0801$c2FsdA==$" + "A" * 44, {}),  # N = 2^30
    ("spring_pbkdf2", "{pbkdf2}" + "zz" * 40, {}),
    ("spring_ldap", "{ldap}{MD5}abcdefgh", {}),
    ("spring_bcrypt", "{bcrypt}$2a$31$" + "a" * 53, {}),
]


_IDS = [f"{i}-{m[0]}" for i, m in enumerate(MALFORMED)]


@pytest.mark.parametrize(("scheme", "stored", "fields"), MALFORMED, ids=_IDS)
def test_malformed_or_overcostly_stored_value_is_refused_with_a_typed_error(
    scheme: str, stored: str, fields: dict[str, Any]
) -> None:
    with pytest.raises(CorruptHashError) as caught:
        SCHEMES[scheme].verify("correct horse", stored, **fields)
    assert caught.value.scheme in (scheme, "spring", "keycloak")


@pytest.mark.parametrize(("scheme", "stored"), [
    ("atlassian_pbkdf2_sha1", "{PKCS5S2}" + "A" * 64),  # all-zero salt and key: computed, no match
    ("passlib_pbkdf2_sha256", "$pbkdf2-sha256$1000$%%%$" + "A" * 43),  # libpass itself answers False
])
def test_well_shaped_junk_is_computed_and_never_matches(scheme: str, stored: str) -> None:
    assert SCHEMES[scheme].verify("correct horse", stored) is False


def test_php_2a_hash_of_a_crypt_blowfish_safety_password_is_refused_not_misanswered() -> None:
    # PHP 8.2.36: crypt("\xff\xff\xff", '$2a$04$abcdefghijklmnopqrstuu'); password_verify answers true, but the
    # "safety" P[0] flip cannot be reproduced with Python bcrypt: refused (fail closed) rather than answered.
    stored = "$2a$04$abcdefghijklmnopqrstuuo7KieJsG.qqFHPznD9IKYlIok1JYQ2W"
    assert needs_2a_safety(b"\xff\xff\xff") is True
    with pytest.raises(CorruptHashError):
        SCHEMES["bcrypt"].verify(b"\xff\xff\xff", stored)


def test_php_argon2_scheme_refuses_argon2d_that_password_verify_refuses() -> None:
    stored = "$argon2d$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$RfDuc3bpnFs7DT27HDuA6JGPtaIarI6zC6g/COGoyAI"  # argon2-cffi, "x"
    with pytest.raises(CorruptHashError):
        SCHEMES["argon2"].verify("x", stored)
    assert SCHEMES["ldap_argon2"].verify("x", "{ARGON2}" + stored) is True  # OpenLDAP (libargon2) accepts it
    assert SCHEMES["django_argon2"].verify("x", "argon2" + stored) is True  # Django (argon2-cffi) too


def test_spring_noop_and_md4_ids_are_claimed_by_no_scheme() -> None:
    for stored in ("{noop}correct horse", "{MD4}{salt}" + "0" * 32):
        assert not [name for name, s in SCHEMES.items() if name.startswith("spring") and s.identify(stored)]


def test_ldap_crypt_refuses_a_password_with_nul_as_openldap_does() -> None:
    stored = "{CRYPT}$6$salt$" + sha512_crypt.using(salt="salt", rounds=5000).hash("a").split("$")[-1]
    assert SCHEMES["ldap_crypt"].verify("a", stored) is True
    assert SCHEMES["ldap_crypt"].verify("a\0b", stored) is False  # chk_crypt: NUL in password
    assert SCHEMES["sha512_crypt"].verify("a\0b", stored[7:]) is True  # PHP crypt(): C string, truncated


@FAST
@given(text_passwords)
def test_atlassian_verifies_libpass_hashes(password: str) -> None:
    stored = atlassian_pbkdf2_sha1.hash(password)
    assert SCHEMES["atlassian_pbkdf2_sha1"].verify(password, stored) is True
    assert SCHEMES["atlassian_pbkdf2_sha1"].verify(password + "x", stored) is False


@FAST
@given(text_passwords)
def test_werkzeug_verifies_werkzeug_hashes(password: str) -> None:
    stored = generate_password_hash(password, method="pbkdf2:sha256:1000", salt_length=8)
    assert SCHEMES["werkzeug_pbkdf2"].verify(password, stored) is True
    stored = generate_password_hash(password, method="scrypt:128:2:1")
    assert SCHEMES["werkzeug_scrypt"].verify(password, stored) is True
    assert SCHEMES["werkzeug_scrypt"].verify(password + "x", stored) is False


@FAST
@given(text_passwords)
def test_sha512_crypt_verifies_libpass_hashes(password: str) -> None:
    stored = sha512_crypt.using(rounds=1000).hash(password)
    assert SCHEMES["sha512_crypt"].verify(password, stored) is True
    assert SCHEMES["ldap_crypt"].verify(password, "{CRYPT}" + stored) is True
    assert SCHEMES["sha512_crypt"].verify(password + "x", stored) is False


@FAST
@given(ascii_passwords)
def test_2x_equals_2a_for_seven_bit_passwords(password: str) -> None:
    # crypt_blowfish: the sign-extension bug only changes bytes >= 0x80
    stored = bcrypt.hashpw(password.encode(), bcrypt.gensalt(4, prefix=b"2a")).decode()
    assert SCHEMES["bcrypt"].verify(password, "$2x$" + stored[4:]) is True


@FAST
@given(text_passwords, st.binary(min_size=1, max_size=16))
def test_ldap_salted_digests_verify_hashlib_constructions(password: str, salt: bytes) -> None:
    pw = password.encode()
    for tag, algo, name in (("{SSHA}", "sha1", "ldap_salted_sha1"), ("{SSHA512}", "sha512", "ldap_salted_sha512")):
        stored = tag + base64.b64encode(hashlib.new(algo, pw + salt).digest() + salt).decode()
        assert SCHEMES[name].verify(password, stored) is True
    stored = ldap_pbkdf2_sha256.using(rounds=1000).hash(password)
    assert SCHEMES["ldap_pbkdf2_sha256"].verify(password, stored) is True


@FAST
@given(text_passwords)
def test_keycloak_pbkdf2_verifies_a_hashlib_construction(password: str) -> None:
    salt = os.urandom(16)
    key = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 1000, 64)
    stored, fields = _kc({"value": base64.b64encode(key).decode(), "salt": base64.b64encode(salt).decode(),
                          "additionalParameters": {}}, {"hashIterations": 1000, "algorithm": "pbkdf2-sha256"})
    assert SCHEMES["keycloak_credential"].verify(password, stored, **fields) is True
    try:
        assert SCHEMES["keycloak_credential"].verify(password + "x", stored, **fields) is False
    except HashError:  # pragma: no cover - a well-formed row never raises
        pytest.fail("typed error on a well-formed row")


@FAST
@given(text_passwords, st.binary(min_size=1, max_size=16))
def test_firebase_verifies_a_construction_written_from_the_reference(password: str, salt: bytes) -> None:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    signer = b"signer-key-bytes" * 4
    key = hashlib.scrypt(password.encode(), salt=salt + b"\x07", n=1 << 4, r=2, p=1, dklen=32)
    encryptor = Cipher(algorithms.AES(key), modes.CTR(bytes(16))).encryptor()
    stored = base64.b64encode(encryptor.update(signer) + encryptor.finalize()).decode()
    fields = {"salt": base64.b64encode(salt).decode(), "signer_key": base64.b64encode(signer).decode(),
              "salt_separator": "Bw==", "rounds": 2, "mem_cost": 4}
    assert SCHEMES["firebase_scrypt"].verify(password, stored, **fields) is True
    assert SCHEMES["firebase_scrypt"].verify(password + "x", stored, **fields) is False


@FAST
@given(text_passwords.filter(bool), st.binary(min_size=8, max_size=8))
def test_spring_digest_encoders_verify_hashlib_constructions(password: str, salt: bytes) -> None:
    pw = password.encode()
    digest = hashlib.sha256(salt + pw).digest()
    for _ in range(1023):
        digest = hashlib.sha256(digest).digest()
    assert SCHEMES["spring_standard_sha256"].verify(password, "{sha256}" + (salt + digest).hex()) is True
    md5 = "{MD5}{" + salt.hex() + "}" + hashlib.md5(pw + b"{" + salt.hex().encode() + b"}").hexdigest()  # noqa: S324
    assert SCHEMES["spring_md5"].verify(password, md5) is True
    key = hashlib.pbkdf2_hmac("sha1", pw, salt, 185_000, 32)
    assert SCHEMES["spring_pbkdf2"].verify(password, "{pbkdf2}" + (salt + key).hex()) is True

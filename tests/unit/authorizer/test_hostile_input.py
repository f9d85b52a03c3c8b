"""Hostile cases 1-14 of shared/reference/authorizer.md §(b): input, structure, header and algorithm."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding

from authorizer.decide import Authorizer
from authorizer.errors import TokenRejectedError
from authorizer.jwks import JwksCache
from tests.unit.authorizer.conftest import ALLOW, UNAUTHORIZED, MakeAuthorizer, PoolKeys, outcome, token_event
from tests.unit.authorizer.support import (
    DROP,
    FakeClock,
    JwksServer,
    RsaKey,
    access_claims,
    b64url,
    b64url_json,
    jwks,
    mint,
    raw_token,
)


def _hmac_token(alg: str, secret: bytes, kid: str) -> str:
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
    signing_input = f"{b64url_json({'kid': kid, 'alg': alg})}.{b64url_json(access_claims())}"
    return f"{signing_input}.{b64url(hmac.new(secret, signing_input.encode(), digest).digest())}"


def _replace_segment(token: str, index: int, new: str) -> str:
    parts = token.split(".")
    parts[index] = new
    return ".".join(parts)


@pytest.fixture
def valid(pool_keys: PoolKeys, make_authorizer: MakeAuthorizer) -> str:
    make_authorizer()
    token = mint(pool_keys.access, access_claims())
    assert outcome(token_event(token)) == ALLOW  # control: the unmodified token passes
    return token


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "bearer", "Basic dXNlcjpwYXNz", "Token abc.def.ghi"])
def test_case01_missing_empty_or_wrong_scheme_authorization_is_401(valid: str, header: str | None) -> None:
    event = token_event(None) if header is None else token_event(None, raw_header=header)
    assert outcome(event) == UNAUTHORIZED
    assert outcome(token_event(None, raw_header=f"Basic {valid}")) == UNAUTHORIZED


@pytest.mark.parametrize(
    "shape",
    ["two", "four", "five_jwe", "a..c", "..", "empty_header", "empty_payload", "empty_signature", "trailing_dot"],
)
def test_case02_wrong_segment_count_or_empty_segments_is_401(
    make_authorizer: MakeAuthorizer, valid: str, shape: str
) -> None:
    h, p, s = valid.split(".")
    token = {
        "two": f"{h}.{p}",
        "four": f"{valid}.{s}",
        "five_jwe": f"{h}.{p}.{s}.{s}.{s}",
        "a..c": "a..c",  # the literal shape of the reference list
        "..": "..",
        "empty_header": f".{p}.{s}",
        "empty_payload": f"{h}..{s}",
        "empty_signature": f"{h}.{p}.",
        "trailing_dot": f"{valid}.",
    }[shape]
    assert len({"a..c", f"{h}..{s}", f".{p}.{s}", f"{h}.{p}."}) == 4  # the empty-segment variants are distinct
    assert outcome(token_event(token)) == UNAUTHORIZED
    with pytest.raises(TokenRejectedError) as info:
        make_authorizer().verifier.verify(token)
    assert (info.value.reason, info.value.claim) == ("malformed", "segments")  # refused before any decoding


@pytest.mark.parametrize("segment", [0, 1, 2])
@pytest.mark.parametrize("bad", ["+", "/", "!", " ", "\r\n", "\x00", "=", "==", "é"])
def test_case03_characters_outside_base64url_or_padding_are_401(valid: str, segment: int, bad: str) -> None:
    parts = valid.split(".")
    parts[segment] = parts[segment][:10] + bad + parts[segment][10:] if bad not in ("=", "==") else parts[segment] + bad
    assert outcome(token_event(".".join(parts))) == UNAUTHORIZED


def test_case04_token_over_the_size_cap_is_rejected_before_json_or_crypto(
    pool_keys: PoolKeys, make_authorizer: MakeAuthorizer
) -> None:
    authorizer = make_authorizer(MAX_TOKEN_BYTES="8192")
    big = mint(pool_keys.access, access_claims(padding="x" * 9000))
    assert outcome(token_event(big)) == UNAUTHORIZED
    with pytest.raises(TokenRejectedError) as info:
        authorizer.verifier.verify(big)
    assert info.value.reason == "too large"  # the first check, before any decoding


@pytest.mark.parametrize(
    ("header", "payload"),
    [
        (b"not json", None),
        (b'["alg","RS256"]', None),
        (b'"RS256"', None),
        (b"null", None),
        (None, b"not json"),
        (None, b"[1,2,3]"),
        (None, b'"a string"'),
        (None, b"null"),
        (None, b'{"sub":"\xff\xfe"}'),
        (None, '{"sub":"x"}'.encode("utf-16")),
    ],
)
def test_case05_non_json_or_non_object_or_invalid_utf8_segments_are_401(
    pool_keys: PoolKeys, valid: str, header: bytes | None, payload: bytes | None
) -> None:
    h = header if header is not None else json.dumps({"kid": pool_keys.access.kid, "alg": "RS256"}).encode()
    p = payload if payload is not None else json.dumps(access_claims()).encode()
    assert outcome(token_event(raw_token(h, p, pool_keys.access))) == UNAUTHORIZED


@pytest.mark.parametrize("where", ["header_alg", "payload_iss", "deep_nesting"])
def test_case06_duplicate_keys_or_deep_nesting_are_401(pool_keys: PoolKeys, valid: str, where: str) -> None:
    claims = json.dumps(access_claims())
    header = json.dumps({"kid": pool_keys.access.kid, "alg": "RS256"})
    if where == "header_alg":
        header = header[:-1] + ', "alg": "RS256"}'
    elif where == "payload_iss":
        claims = claims[:-1] + ', "iss": "https://evil.example"}'
    else:
        claims = claims[:-1] + ', "deep": ' + "[" * 3000 + "]" * 3000 + "}"
    assert outcome(token_event(raw_token(header, claims, pool_keys.access))) == UNAUTHORIZED


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
@pytest.mark.parametrize("signature", ["", "AAAA", "real"])
def test_case07_alg_none_in_any_case_is_401(pool_keys: PoolKeys, valid: str, alg: str, signature: str) -> None:
    signing_input = f"{b64url_json({'kid': pool_keys.access.kid, 'alg': alg})}.{b64url_json(access_claims())}"
    sig = valid.split(".")[2] if signature == "real" else signature
    assert outcome(token_event(f"{signing_input}.{sig}")) == UNAUTHORIZED


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
@pytest.mark.parametrize("secret_form", ["pem", "der", "jwk_n"])
def test_case08_hmac_signed_with_the_pool_public_key_is_401(
    pool_keys: PoolKeys, valid: str, alg: str, secret_form: str
) -> None:
    public = pool_keys.access.private.public_key()
    secret = {
        "pem": public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        "der": public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo),
        "jwk_n": base64.urlsafe_b64decode(pool_keys.access.jwk()["n"] + "=="),
    }[secret_form]
    assert outcome(token_event(_hmac_token(alg, secret, pool_keys.access.kid))) == UNAUTHORIZED


@pytest.mark.parametrize("alg", ["RS384", "RS512", "PS256", "ES256", "EdDSA"])
def test_case09_algorithm_other_than_the_keys_rs256_is_401(pool_keys: PoolKeys, valid: str, alg: str) -> None:
    header = json.dumps({"kid": pool_keys.access.kid, "alg": alg})
    signing_input = f"{b64url(header.encode())}.{b64url_json(access_claims())}".encode()
    if alg in ("RS384", "RS512"):  # a genuine signature with the pool key, only the algorithm differs
        digest = hashes.SHA384() if alg == "RS384" else hashes.SHA512()
        sig = pool_keys.access.private.sign(signing_input, padding.PKCS1v15(), digest)
    elif alg == "PS256":
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
        sig = pool_keys.access.private.sign(signing_input, pss, hashes.SHA256())
    else:
        sig = ec.generate_private_key(ec.SECP256R1()).sign(signing_input, ec.ECDSA(hashes.SHA256()))
    assert outcome(token_event(f"{signing_input.decode()}.{b64url(sig)}")) == UNAUTHORIZED


@pytest.mark.parametrize("alg", [DROP, ["RS256"], 256, "rs256", "RS256 ", None])
def test_case10_alg_missing_not_a_string_or_wrong_case_is_401(pool_keys: PoolKeys, valid: str, alg: object) -> None:
    assert outcome(token_event(mint(pool_keys.access, access_claims(), alg=alg))) == UNAUTHORIZED


@pytest.mark.parametrize("kid", [DROP, "", 12345, ["pool-access-kid"], "k" * 10240, "../../dev/null", "' OR 1=1--"])
def test_case11_kid_missing_empty_non_string_huge_or_injection_is_401(
    pool_keys: PoolKeys, valid: str, kid: object
) -> None:
    assert outcome(token_event(mint(pool_keys.access, access_claims(), kid=kid))) == UNAUTHORIZED


@pytest.mark.parametrize(("length", "accepted"), [(256, True), (257, False), (300, False)])
def test_case11_kid_length_guard_refuses_a_long_kid_that_the_size_cap_lets_through(
    pool_keys: PoolKeys, make_authorizer: MakeAuthorizer, length: int, accepted: bool
) -> None:
    key = RsaKey("k" * length)  # the JWKS really holds this kid: only the length guard can refuse it
    authorizer = make_authorizer(JWKS_JSON=json.dumps(jwks(key)))
    token = mint(key, access_claims())
    assert len(token) < authorizer.settings.max_token_bytes  # the size cap does not stop it
    if accepted:
        assert outcome(token_event(token)) == ALLOW
        return
    assert outcome(token_event(token)) == UNAUTHORIZED
    with pytest.raises(TokenRejectedError) as info:
        authorizer.verifier.verify(token)
    assert (info.value.reason, info.value.claim) == ("malformed", "kid")


def test_case12_unknown_kid_burst_costs_at_most_one_fetch_per_window_and_valid_tokens_keep_passing(
    pool_keys: PoolKeys, make_authorizer: MakeAuthorizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import authorizer.handler as handler_module

    with JwksServer(pool_keys.jwks()) as server:
        base = make_authorizer(JWKS_URL=server.url, JWKS_REFETCH_INTERVAL_SECONDS="10")
        clock = FakeClock()
        keys = JwksCache(server.url, refetch_interval=10, kid_cooldown=60, clock=clock)
        monkeypatch.setattr(handler_module, "AUTHORIZER", Authorizer(base.settings, keys))
        valid = mint(pool_keys.access, access_claims())
        assert outcome(token_event(valid)) == ALLOW
        assert server.hits == 1
        for round_ in range(2):
            for i in range(1000):
                junk = mint(pool_keys.attacker, access_claims(), kid=secrets.token_hex(8))
                assert outcome(token_event(junk)) == UNAUTHORIZED
                if i % 50 == 0:
                    assert outcome(token_event(mint(pool_keys.access, access_claims()))) == ALLOW
            assert server.hits <= 2 + round_  # the initial fetch plus at most one per 10 s window
            clock.advance(11)
        assert outcome(token_event(valid)) == ALLOW


@pytest.mark.parametrize("param", ["jku", "x5u", "x5c", "jwk"])
def test_case13_jku_x5u_x5c_and_embedded_jwk_are_never_followed(
    pool_keys: PoolKeys, make_authorizer: MakeAuthorizer, param: str
) -> None:
    make_authorizer()
    with JwksServer(jwks(pool_keys.attacker)) as attacker_server:
        value: object = {
            "jku": attacker_server.url,
            "x5u": attacker_server.url,
            "x5c": [base64.b64encode(secrets.token_bytes(600)).decode()],
            "jwk": pool_keys.attacker.jwk(),
        }[param]
        forged = mint(pool_keys.attacker, access_claims(), kid=pool_keys.access.kid, **{param: value})
        own_kid = mint(pool_keys.attacker, access_claims(), **{param: value})
        genuine = mint(pool_keys.access, access_claims(), **{param: value})
        assert outcome(token_event(forged)) == UNAUTHORIZED
        assert outcome(token_event(own_kid)) == UNAUTHORIZED
        assert outcome(token_event(genuine)) == ALLOW  # ignored: kid and signature match the pool key
        assert attacker_server.hits == 0


@pytest.mark.parametrize(
    "extra",
    [{"crit": ["exp"]}, {"crit": "exp"}, {"crit": []}, {"b64": False}, {"enc": "A256GCM"}, {"zip": "DEF"}],
)
def test_case14_crit_b64_and_jwe_headers_are_401(pool_keys: PoolKeys, valid: str, extra: dict[str, object]) -> None:
    assert outcome(token_event(mint(pool_keys.access, access_claims(), **extra))) == UNAUTHORIZED

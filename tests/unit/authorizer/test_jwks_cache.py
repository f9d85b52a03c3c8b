"""The key cache against a real local JWKS server: TTL, rotation, removal, penalty box, single flight."""

from __future__ import annotations

import threading

import pytest

from authorizer.errors import KeyFetchError
from authorizer.jwks import JwksCache, parse_jwks
from authorizer.jwks_fetch import fetch_jwks, parse_max_age
from tests.unit.authorizer.conftest import PoolKeys
from tests.unit.authorizer.support import FakeClock, JwksServer, RsaKey, jwks


def test_keys_are_fetched_once_and_reused(pool_keys: PoolKeys) -> None:
    with JwksServer(pool_keys.jwks()) as server:
        cache = JwksCache(server.url, clock=FakeClock())
        for _ in range(50):
            assert cache.get(pool_keys.access.kid) is not None
            assert cache.get(pool_keys.id.kid) is not None
        assert server.hits == 1


def test_a_junk_kid_does_not_delay_a_real_rotation_beyond_the_refetch_floor(pool_keys: PoolKeys) -> None:
    rotated = RsaKey("rotated-kid")
    with JwksServer(pool_keys.jwks()) as server:
        clock = FakeClock()
        cache = JwksCache(server.url, refetch_interval=2, kid_cooldown=600, clock=clock)
        assert cache.get(pool_keys.access.kid) is not None
        clock.advance(3)
        assert cache.get("junk-kid") is None  # fetch, still missing: the junk kid is penalised for 600 s
        assert server.hits == 2
        server.serve(jwks(pool_keys.access, pool_keys.id, rotated))  # Cognito publishes a new key
        clock.advance(3)  # only the 2 s floor applies to other kids (aws-jwt-verify would block the URL)
        assert cache.get(rotated.kid) is not None
        assert server.hits == 3
        assert cache.get("junk-kid") is None  # still in the penalty box: no fetch
        assert server.hits == 3


def test_a_removed_key_stops_verifying_after_max_age(pool_keys: PoolKeys) -> None:
    with JwksServer(pool_keys.jwks()) as server:
        server.serve(pool_keys.jwks(), **{"Cache-Control": "public, max-age=120"})
        clock = FakeClock()
        cache = JwksCache(server.url, max_age=3600, min_age=60, clock=clock)
        assert cache.get(pool_keys.access.kid) is not None
        server.serve(jwks(pool_keys.id))  # access key removed from the JWKS
        clock.advance(119)
        assert cache.get(pool_keys.access.kid) is not None  # still within the server's max-age
        clock.advance(2)
        assert cache.get(pool_keys.access.kid) is None
        assert cache.get(pool_keys.id.kid) is not None


def test_concurrent_misses_share_one_fetch(pool_keys: PoolKeys) -> None:
    with JwksServer(pool_keys.jwks()) as server:
        server.behaviour.delay = 0.3
        cache = JwksCache(server.url, clock=FakeClock())
        results: list[object] = []
        threads = [threading.Thread(target=lambda: results.append(cache.get(pool_keys.access.kid))) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=10)
        assert len(results) == 8
        assert all(r is not None for r in results)
        assert server.hits == 1


def test_fetch_failures_respect_the_refetch_floor(pool_keys: PoolKeys) -> None:
    with JwksServer(pool_keys.jwks()) as server:
        server.behaviour.status = 503
        clock = FakeClock()
        cache = JwksCache(server.url, refetch_interval=5, clock=clock)
        for _ in range(100):
            assert cache.get(pool_keys.access.kid) is None
        assert server.hits == 1
        clock.advance(6)
        server.serve(pool_keys.jwks())
        assert cache.get(pool_keys.access.kid) is not None
        assert server.hits == 2


def test_penalty_box_is_bounded(pool_keys: PoolKeys) -> None:
    with JwksServer(pool_keys.jwks()) as server:
        clock = FakeClock()
        cache = JwksCache(server.url, refetch_interval=1, penalty_size=16, clock=clock)
        for i in range(100):
            clock.advance(1.5)
            assert cache.get(f"junk-{i}") is None
        assert len(cache._penalty) <= 16


@pytest.mark.parametrize(
    ("status", "body", "headers", "reason"),
    [
        (500, b"{}", {}, "status 500"),
        (301, b"", {"Location": "https://evil.example/jwks.json"}, "redirect refused"),
        (200, b"x" * (64 * 1024 + 1), {}, "too large"),
    ],
)
def test_fetch_refuses_errors_redirects_and_oversized_bodies(
    status: int, body: bytes, headers: dict[str, str], reason: str
) -> None:
    with JwksServer() as server:
        server.serve(body, **headers)
        server.behaviour.status = status
        with pytest.raises(KeyFetchError) as info:
            fetch_jwks(server.url, 2.0)
        assert info.value.reason == reason


def test_fetch_times_out_within_its_budget() -> None:
    with JwksServer() as server:
        server.behaviour.delay = 2.0
        with pytest.raises(KeyFetchError):
            fetch_jwks(server.url, 0.5)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("max-age=300", 300),
        ("public, max-age=60, must-revalidate", 60),
        ("no-store", 0),
        ("private", None),
        (None, None),
    ],
)
def test_cache_control_max_age_is_parsed(header: str | None, expected: int | None) -> None:
    assert parse_max_age(header) == expected


def test_parse_jwks_keeps_only_usable_rs256_signing_keys(pool_keys: PoolKeys) -> None:
    doc = {
        "keys": [
            pool_keys.access.jwk(),
            pool_keys.id.jwk(alg="RS512"),
            pool_keys.attacker.jwk(key_ops=["encrypt"]),
            {"kid": "e", "kty": "RSA", "n": "AQAB", "e": "AQAB"},
            "not an object",
            {"kty": "RSA"},
        ]
    }
    assert set(parse_jwks(doc)) == {pool_keys.access.kid}
    with pytest.raises(KeyFetchError):
        parse_jwks(b'{"keys": {}}')
    with pytest.raises(KeyFetchError):
        parse_jwks(b'{"keys": [], "keys": []}')


def test_removing_a_key_also_empties_the_verified_token_cache(pool_keys: PoolKeys) -> None:
    from authorizer.config import Settings
    from authorizer.errors import TokenRejectedError
    from authorizer.verifier import CognitoVerifier
    from tests.unit.authorizer.support import access_claims, base_env, mint

    with JwksServer(pool_keys.jwks()) as server:
        clock = FakeClock()
        keys = JwksCache(server.url, max_age=300, min_age=60, clock=clock)
        verifier = CognitoVerifier(Settings.from_env(base_env(JWKS_URL=server.url)), keys)
        token = mint(pool_keys.access, access_claims())
        assert verifier.verify(token).sub
        server.serve(jwks(pool_keys.id))  # the access key is withdrawn
        clock.advance(301)
        other = mint(pool_keys.id, access_claims())  # another caller's token triggers the refresh
        assert verifier.verify(other).sub
        assert server.hits == 2
        with pytest.raises(TokenRejectedError):
            verifier.verify(token)  # not served from the cache any more


def test_a_slow_drip_body_cannot_outlast_the_fetch_budget(pool_keys: PoolKeys) -> None:
    import time

    with JwksServer(pool_keys.jwks()) as server:
        server.behaviour.drip = 0.1  # 50 bytes at 0.1 s: 5 s if read to the end
        t0 = time.monotonic()
        with pytest.raises(KeyFetchError):
            fetch_jwks(server.url, 1.0)
        assert time.monotonic() - t0 < 2.5

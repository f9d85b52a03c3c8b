"""The verified-token cache re-checks, on every hit, everything that time or the key set can change:
the token's validity window (exp, iat/nbf, session age) and the freshness of its signing key."""

from __future__ import annotations

import json

import pytest

from authorizer.config import Settings
from authorizer.errors import TokenRejectedError
from authorizer.jwks import JwksCache
from authorizer.verifier import CognitoVerifier
from tests.unit.authorizer.conftest import PoolKeys
from tests.unit.authorizer.support import FakeClock, JwksServer, RsaKey, access_claims, base_env, jwks, mint

T0 = 2_000_000_000


class WallClock:
    """A settable wall clock (Unix seconds) for the verifier."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _static_verifier(pool_keys: PoolKeys, clock: WallClock, **env: str) -> CognitoVerifier:
    settings = Settings.from_env(base_env(JWKS_JSON=json.dumps(pool_keys.jwks()), **env))
    return CognitoVerifier(settings, JwksCache(None, static_keys=settings.static_keys), clock=clock)


def test_a_cached_token_is_refused_once_its_session_is_older_than_the_max_session_age(pool_keys: PoolKeys) -> None:
    clock = WallClock()
    verifier = _static_verifier(pool_keys, clock, MAX_SESSION_AGE_SECONDS="3600")
    token = mint(pool_keys.access, access_claims(auth_time=T0 - 3590, iat=T0 - 10, exp=T0 + 3600))
    first = verifier.verify(token)
    assert verifier.verify(token) is first  # served from the cache while the session is young enough
    clock.now = T0 + 600  # the session is now 4,190 s old; the token itself is still unexpired
    with pytest.raises(TokenRejectedError) as info:
        verifier.verify(token)
    assert info.value.reason == "session too old"  # re-verified in full, not served from the cache


def test_a_cached_token_is_refused_once_it_expires(pool_keys: PoolKeys) -> None:
    clock = WallClock()
    verifier = _static_verifier(pool_keys, clock, LEEWAY_SECONDS="5")
    token = mint(pool_keys.access, access_claims(auth_time=T0 - 60, iat=T0 - 60, exp=T0 + 100))
    first = verifier.verify(token)
    clock.now = T0 + 104
    assert verifier.verify(token) is first  # within exp + leeway
    clock.now = T0 + 105
    with pytest.raises(TokenRejectedError) as info:
        verifier.verify(token)
    assert info.value.reason == "expired"


def test_a_cached_token_is_not_served_before_its_validity_window(pool_keys: PoolKeys) -> None:
    clock = WallClock()
    verifier = _static_verifier(pool_keys, clock, LEEWAY_SECONDS="0")
    token = mint(pool_keys.access, access_claims(auth_time=T0, iat=T0, exp=T0 + 100))
    verifier.verify(token)
    clock.now = T0 - 30  # the wall clock stepped back (NTP): the token's iat is now in the future
    with pytest.raises(TokenRejectedError):
        verifier.verify(token)


def test_a_cached_token_whose_key_was_withdrawn_is_refused_once_the_key_set_expires(pool_keys: PoolKeys) -> None:
    with JwksServer(pool_keys.jwks()) as server:
        clock = FakeClock()
        keys = JwksCache(server.url, max_age=300, min_age=60, clock=clock)
        verifier = CognitoVerifier(Settings.from_env(base_env(JWKS_URL=server.url)), keys)
        token = mint(pool_keys.access, access_claims())
        first = verifier.verify(token)
        assert verifier.verify(token) is first
        server.serve(jwks(pool_keys.id))  # the access key is withdrawn
        clock.advance(301)  # no other traffic: only this cached token arrives after the key set expired
        with pytest.raises(TokenRejectedError) as info:
            verifier.verify(token)
        assert info.value.reason == "unknown key"
        assert server.hits == 2  # the hit went through the normal path, which refetched the key set


def test_a_cached_token_whose_key_was_replaced_under_the_same_kid_is_refused(pool_keys: PoolKeys) -> None:
    impostor_material = RsaKey(pool_keys.access.kid)  # same kid, new key (a rotation that reuses the kid)
    with JwksServer(pool_keys.jwks()) as server:
        clock = FakeClock()
        keys = JwksCache(server.url, max_age=300, min_age=60, clock=clock)
        verifier = CognitoVerifier(Settings.from_env(base_env(JWKS_URL=server.url)), keys)
        token = mint(pool_keys.access, access_claims())
        verifier.verify(token)
        server.serve(jwks(impostor_material, pool_keys.id))
        clock.advance(301)
        assert verifier.verify(mint(pool_keys.id, access_claims())).sub  # another token triggers the refresh
        assert keys.fresh()  # so the key set is fresh again when the cached token comes back
        with pytest.raises(TokenRejectedError) as info:
            verifier.verify(token)
        assert info.value.reason == "signature"


def test_a_cached_token_keeps_verifying_while_a_refresh_fails(pool_keys: PoolKeys) -> None:
    with JwksServer(pool_keys.jwks()) as server:
        clock = FakeClock()
        keys = JwksCache(server.url, max_age=300, min_age=60, refetch_interval=5, clock=clock)
        verifier = CognitoVerifier(Settings.from_env(base_env(JWKS_URL=server.url)), keys)
        token = mint(pool_keys.access, access_claims())
        verifier.verify(token)
        server.behaviour.status = 503  # JWKS outage after the key set expired: stale-if-error
        clock.advance(301)
        for _ in range(20):
            assert verifier.verify(token).sub
        assert server.hits == 2  # one failed refresh; the refetch floor holds back the others

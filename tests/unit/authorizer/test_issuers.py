"""Issue 17: several pools, both issuer forms, replica regions; exact issuer matching before any key lookup."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import authorizer.handler as handler_module
from authorizer.config import Settings
from authorizer.decide import Authorizer
from authorizer.errors import ConfigurationError, KeyFetchError, TokenRejectedError
from authorizer.jwks import JwksCache
from authorizer.jwks_fetch import FetchedJwks
from tests.unit.authorizer.conftest import ALLOW, DENY, UNAUTHORIZED, outcome, respond, token_event
from tests.unit.authorizer.support import FakeClock, JwksServer, RsaKey, access_claims, id_claims, jwks, mint

POOL_A = "eu-west-1_PoolA1"
POOL_B = "us-east-1_PoolB2"
CLIENT_A = "aaaaaaaaaaaaaaaaaaaaaaaaa1"
CLIENT_B = "bbbbbbbbbbbbbbbbbbbbbbbbb2"
A_ORIGINAL = f"https://cognito-idp.eu-west-1.amazonaws.com/{POOL_A}"
A_UPDATED = f"https://issuer-cognito-idp.eu-west-1.amazonaws.com/{POOL_A}"
A_REPLICA = f"https://cognito-idp.us-east-1.amazonaws.com/{POOL_A}"
B_ORIGINAL = f"https://cognito-idp.us-east-1.amazonaws.com/{POOL_B}"
POOLS = [
    {
        "pool_id": POOL_A,
        "client_ids": [CLIENT_A],
        "issuer_forms": ["original", "updated"],
        "replica_regions": ["us-east-1"],
    },
    {"pool_id": POOL_B, "client_ids": [CLIENT_B]},
]


@dataclass
class Keys:
    """Pool A and pool B each sign with a key under the same kid (distinct material); A has a second key."""

    a: RsaKey = field(default_factory=lambda: RsaKey("shared-kid"))
    b: RsaKey = field(default_factory=lambda: RsaKey("shared-kid"))
    a2: RsaKey = field(default_factory=lambda: RsaKey("a-only-kid"))


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys()


class Fetcher:
    """Serves each JWKS URL its pool's document (or a status), recording every URL fetched."""

    def __init__(self, documents: dict[str, Any]) -> None:
        self.documents = documents
        self.calls: list[str] = []

    def __call__(self, url: str, timeout: float) -> FetchedJwks:
        self.calls.append(url)
        document = self.documents.get(url, 404)
        if isinstance(document, int):
            raise KeyFetchError(f"status {document}")
        return FetchedJwks(json.dumps(document).encode(), None)


@pytest.fixture
def fetcher(keys: Keys) -> Fetcher:
    a, b = jwks(keys.a, keys.a2), jwks(keys.b)
    return Fetcher({f"{iss}/.well-known/jwks.json": a for iss in (A_ORIGINAL, A_UPDATED, A_REPLICA)}
                   | {f"{B_ORIGINAL}/.well-known/jwks.json": b})


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def install(fetcher: Fetcher, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Build the two-pool authorizer from ``USER_POOLS`` (plus overrides) with per-issuer caches on ``fetcher``."""

    def make(**extra: str) -> Authorizer:
        settings = Settings.from_env({"USER_POOLS": json.dumps(POOLS), **extra})
        caches = {
            c.issuer: JwksCache(c.jwks_url, fetcher=fetcher, clock=clock, refetch_interval=5, kid_cooldown=60)
            for c in settings.issuers
        }
        built = Authorizer(settings, caches)
        monkeypatch.setattr(handler_module, "AUTHORIZER", built)
        return built

    return make


def _token(key: RsaKey, iss: object, client: str = CLIENT_A, **claims: Any) -> str:
    return mint(key, access_claims(iss=iss, client_id=client, **claims))


def test_the_accepted_issuers_are_exactly_the_configured_ones_with_jwks_urls_derived_from_them() -> None:
    settings = Settings.from_env({"USER_POOLS": json.dumps(POOLS)})
    assert [(c.issuer, c.pool_id, c.region, c.form) for c in settings.issuers] == [
        (A_ORIGINAL, POOL_A, "eu-west-1", "original"),
        (A_UPDATED, POOL_A, "eu-west-1", "updated"),
        (A_REPLICA, POOL_A, "us-east-1", "original"),
        (B_ORIGINAL, POOL_B, "us-east-1", "original"),
    ]
    assert all(c.jwks_url == f"{c.issuer}/.well-known/jwks.json" for c in settings.issuers)
    assert [c.client_ids for c in settings.issuers] == [frozenset({CLIENT_A})] * 3 + [frozenset({CLIENT_B})]


@pytest.mark.parametrize(
    ("iss", "pool", "region", "client"),
    [
        (A_ORIGINAL, POOL_A, "eu-west-1", CLIENT_A),
        (A_UPDATED, POOL_A, "eu-west-1", CLIENT_A),
        (A_REPLICA, POOL_A, "us-east-1", CLIENT_A),
        (B_ORIGINAL, POOL_B, "us-east-1", CLIENT_B),
    ],
)
def test_each_configured_issuer_is_accepted_and_the_context_names_its_pool_and_region(
    install: Any, fetcher: Fetcher, keys: Keys, iss: str, pool: str, region: str, client: str
) -> None:
    install()
    key = keys.b if pool == POOL_B else keys.a
    response = respond(token_event(_token(key, iss, client)))
    assert response["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert response["context"]["pool_id"] == pool
    assert response["context"]["issuer_region"] == region
    assert response["context"]["client_id"] == client
    assert fetcher.calls == [f"{iss}/.well-known/jwks.json"]  # the matched issuer's own URL, and only it


@pytest.mark.parametrize(
    "iss",
    [
        pytest.param("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_NotOurs9", id="unconfigured-pool"),
        pytest.param(f"https://issuer-cognito-idp.us-east-1.amazonaws.com/{POOL_B}", id="updated-form-original-only"),
        pytest.param(f"https://issuer-cognito-idp.us-east-1.amazonaws.com/{POOL_A}", id="updated-form-replica-region"),
        pytest.param(f"https://cognito-idp.ap-southeast-2.amazonaws.com/{POOL_A}", id="replica-region-not-configured"),
        pytest.param(f"https://cognito-idp.eu-west-1.amazonaws.com/{POOL_B}", id="b-in-a-region-not-configured"),
        pytest.param(f"{A_ORIGINAL}/", id="trailing-slash"),
        pytest.param(f"{A_ORIGINAL}/oauth2", id="extra-path"),
        pytest.param(f"https://cognito-idp.eu-west-1.amazonaws.com:443/{POOL_A}", id="explicit-port"),
        pytest.param(f"https://COGNITO-IDP.eu-west-1.amazonaws.com/{POOL_A}", id="upper-case-host"),
        pytest.param(f"https://cognito-idp.eu-west-1.amazonaws.com/{POOL_A.lower()}", id="lower-case-pool"),
        pytest.param(f"HTTPS://cognito-idp.eu-west-1.amazonaws.com/{POOL_A}", id="upper-case-scheme"),
        pytest.param(f"https://user:pw@cognito-idp.eu-west-1.amazonaws.com/{POOL_A}", id="userinfo"),
        pytest.param(f"https://evil.example@cognito-idp.eu-west-1.amazonaws.com/{POOL_A}", id="userinfo-host"),
        pytest.param(f"https://cognito-idp.eu-west-1.amazonaws.com./{POOL_A}", id="trailing-dot-host"),
        pytest.param(f"http://cognito-idp.eu-west-1.amazonaws.com/{POOL_A}", id="http"),
        pytest.param(f"{A_ORIGINAL}?x=1", id="query"),
        pytest.param(f"{A_ORIGINAL}#x", id="fragment"),
        pytest.param("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1%5FPoolA1", id="percent-encoded"),
        pytest.param(f" {A_ORIGINAL}", id="leading-space"),
        pytest.param(f"{A_ORIGINAL}\u0000", id="nul"),
        pytest.param([A_ORIGINAL], id="array"),
        pytest.param({"iss": A_ORIGINAL}, id="object"),
        pytest.param(None, id="null"),
    ],
)
def test_an_iss_that_is_not_exactly_a_configured_issuer_is_refused_before_any_key_lookup(
    install: Any, fetcher: Fetcher, keys: Keys, iss: object
) -> None:
    authorizer = install()
    token = _token(keys.a, iss)
    assert outcome(token_event(token)) == UNAUTHORIZED
    with pytest.raises(TokenRejectedError) as info:
        authorizer.verifier.verify(token)
    assert (info.value.reason, info.value.claim) == ("invalid claim", "iss")
    assert fetcher.calls == []  # no JWKS of any issuer was asked for, let alone one named by the token


def test_a_token_without_iss_is_refused_before_any_key_lookup(install: Any, fetcher: Fetcher, keys: Keys) -> None:
    install()
    claims = access_claims(client_id=CLIENT_A)
    del claims["iss"]
    assert outcome(token_event(mint(keys.a, claims))) == UNAUTHORIZED
    assert fetcher.calls == []


def test_two_pools_sharing_a_kid_never_verify_with_each_others_key(install: Any, fetcher: Fetcher, keys: Keys) -> None:
    authorizer = install()
    assert outcome(token_event(_token(keys.a, A_ORIGINAL))) == ALLOW
    assert outcome(token_event(_token(keys.b, B_ORIGINAL, CLIENT_B))) == ALLOW
    for forged in (_token(keys.b, A_ORIGINAL), _token(keys.b, A_REPLICA), _token(keys.a, B_ORIGINAL, CLIENT_B)):
        assert outcome(token_event(forged)) == UNAUTHORIZED
        with pytest.raises(TokenRejectedError) as info:
            authorizer.verifier.verify(forged)
        assert info.value.reason == "signature"  # the kid resolved in the claimed issuer's own key set only
    # B's key set never held A's second kid, even though A's does: no lookup across issuers.
    a2_as_b = _token(keys.a2, B_ORIGINAL, CLIENT_B)
    with pytest.raises(TokenRejectedError) as info:
        authorizer.verifier.verify(a2_as_b)
    assert info.value.reason == "unknown key"


@pytest.mark.parametrize("token_use", ["access", "id"])
def test_a_token_valid_for_pool_a_presented_with_pool_b_client_id_is_refused(
    install: Any, keys: Keys, token_use: str
) -> None:
    authorizer = install(TOKEN_USE="any")
    if token_use == "access":
        good, crossed = _token(keys.a, A_ORIGINAL, CLIENT_A), _token(keys.a, A_ORIGINAL, CLIENT_B)
    else:
        good = mint(keys.a, id_claims(iss=A_UPDATED, aud=CLIENT_A))
        crossed = mint(keys.a, id_claims(iss=A_UPDATED, aud=CLIENT_B))
    assert outcome(token_event(good)) == ALLOW
    assert outcome(token_event(crossed)) == UNAUTHORIZED
    with pytest.raises(TokenRejectedError) as info:
        authorizer.verifier.verify(crossed)
    assert info.value.claim == ("client_id" if token_use == "access" else "aud")


def test_an_issuer_whose_jwks_answers_403_is_unavailable_without_harming_the_others(
    install: Any, fetcher: Fetcher, keys: Keys, clock: FakeClock
) -> None:
    updated_url = f"{A_UPDATED}/.well-known/jwks.json"
    served = fetcher.documents[updated_url]
    fetcher.documents[updated_url] = 403  # pool A not switched to the updated issuer yet (aws-jwt-verify #279)
    authorizer = install()
    for _ in range(3):
        assert outcome(token_event(_token(keys.a, A_UPDATED))) == UNAUTHORIZED
        assert outcome(token_event(_token(keys.a, A_ORIGINAL))) == ALLOW
        assert outcome(token_event(_token(keys.b, B_ORIGINAL, CLIENT_B))) == ALLOW
    assert authorizer.key_caches[A_UPDATED].unavailable
    assert fetcher.calls.count(updated_url) == 1  # penalised: no fetch per request
    clock.advance(30)  # past the refetch floor, still inside the penalty
    assert outcome(token_event(_token(keys.a, A_UPDATED))) == UNAUTHORIZED
    assert fetcher.calls.count(updated_url) == 1
    fetcher.documents[updated_url] = served  # the pool switches over
    clock.advance(31)
    assert outcome(token_event(_token(keys.a, A_UPDATED))) == ALLOW
    assert fetcher.calls.count(updated_url) == 2
    assert not authorizer.key_caches[A_UPDATED].unavailable


@pytest.mark.parametrize("status", [403, 404])
def test_a_cold_start_with_one_jwks_url_answering_403_or_404_serves_the_other_pools(
    keys: Keys, monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    """The real fetcher and the real cold start (``build_authorizer`` from ``USER_POOLS``), over HTTP."""
    with JwksServer(jwks(keys.a, keys.a2)) as a_server, JwksServer(jwks(keys.b)) as b_server:
        b_server.behaviour.status = status
        pools = [{**POOLS[0], "issuer_forms": ["original"], "replica_regions": [], "jwks_url": a_server.url},
                 {**POOLS[1], "jwks_url": b_server.url}]
        built = handler_module._cold_start({"USER_POOLS": json.dumps(pools)})
        assert built is not None
        monkeypatch.setattr(handler_module, "AUTHORIZER", built)
        for _ in range(3):
            assert outcome(token_event(_token(keys.b, B_ORIGINAL, CLIENT_B))) == UNAUTHORIZED
            assert outcome(token_event(_token(keys.a, A_ORIGINAL))) == ALLOW
        assert b_server.hits == 1
        assert a_server.hits == 1
        assert built.key_caches[B_ORIGINAL].unavailable
        assert built.key_caches[B_ORIGINAL].last_error == f"status {status}"


def test_a_cached_token_is_re_verified_when_its_own_issuers_key_is_withdrawn(
    install: Any, fetcher: Fetcher, keys: Keys, clock: FakeClock
) -> None:
    authorizer = install()
    token_a, token_b = _token(keys.a, A_ORIGINAL), _token(keys.b, B_ORIGINAL, CLIENT_B)
    first_a, first_b = authorizer.verifier.verify(token_a), authorizer.verifier.verify(token_b)
    assert authorizer.verifier.verify(token_a) is first_a  # served from the verified-token cache
    fetcher.documents[f"{A_ORIGINAL}/.well-known/jwks.json"] = jwks(keys.a2)  # A withdraws the shared kid
    clock.advance(3601)  # both key sets expire; only A's refresh drops a key
    with pytest.raises(TokenRejectedError) as info:
        authorizer.verifier.verify(token_a)
    assert info.value.reason == "unknown key"
    assert authorizer.verifier.verify(token_b).sub == first_b.sub  # B refreshed with its key: still good


@pytest.mark.parametrize(("pools", "a", "b"), [([POOL_B], DENY, ALLOW), ([POOL_A, POOL_B], ALLOW, ALLOW)])
def test_a_route_rule_may_require_the_caller_to_come_from_named_pools(
    install: Any, keys: Keys, pools: list[str], a: str, b: str
) -> None:
    install(ROUTE_RULES=json.dumps([{"route": "GET /reports/**", "pools": pools}]))
    assert outcome(token_event(_token(keys.a, A_REPLICA))) == a
    assert outcome(token_event(_token(keys.b, B_ORIGINAL, CLIENT_B))) == b


def test_a_pool_only_rule_still_grants_the_stage_wide_allow_only_to_callers_it_admits(install: Any, keys: Keys) -> None:
    install(ROUTE_RULES=json.dumps([{"route": "* /admin/**", "pools": [POOL_B]}]), ROUTE_DEFAULT="allow")
    b = respond(token_event(_token(keys.b, B_ORIGINAL, CLIENT_B)))
    a = respond(token_event(_token(keys.a, A_ORIGINAL)))
    assert b["policyDocument"]["Statement"][0]["Resource"].endswith("/prod/*/*")  # every rule admits B
    assert a["policyDocument"]["Statement"][0]["Resource"].endswith("/prod/GET/reports/2026")  # route-scoped


def test_the_single_pool_variables_can_name_issuer_forms_and_replica_regions() -> None:
    settings = Settings.from_env(
        {
            "USER_POOL_ID": POOL_A,
            "APP_CLIENT_IDS": CLIENT_A,
            "USER_POOL_ISSUER_FORMS": "original,updated",
            "USER_POOL_REPLICA_REGIONS": "us-east-1",
        }
    )
    assert [c.issuer for c in settings.issuers] == [A_ORIGINAL, A_UPDATED, A_REPLICA]
    assert settings.tag_pool  # several issuers: the context says which one


def test_the_single_pool_configuration_keeps_one_issuer_and_todays_context() -> None:
    settings = Settings.from_env({"USER_POOL_ID": POOL_A, "APP_CLIENT_IDS": CLIENT_A})
    assert [c.issuer for c in settings.issuers] == [A_ORIGINAL]
    assert settings.issuer == A_ORIGINAL
    assert not settings.tag_pool


def test_the_updated_form_alone_is_accepted_without_the_original() -> None:
    env = {"USER_POOL_ID": POOL_A, "APP_CLIENT_IDS": CLIENT_A, "USER_POOL_ISSUER_FORMS": "updated"}
    settings = Settings.from_env(env)
    assert [c.issuer for c in settings.issuers] == [A_UPDATED]


SECRETISH = "eu-west-1_S3cretLooking"  # must never appear in an error message
_P = {"pool_id": SECRETISH, "client_ids": [CLIENT_A]}
_BAD_POOLS: list[tuple[str, object]] = [
    ("not-json", "[{"),
    ("not-an-array", {"pool_id": SECRETISH}),
    ("empty-array", []),
    ("too-many-pools", [{**_P, "pool_id": f"eu-west-1_P{i}"} for i in range(17)]),
    ("pool-not-object", [SECRETISH]),
    ("unknown-key", [{**_P, "region": "eu-west-1"}]),
    ("missing-pool-id", [{"client_ids": [CLIENT_A]}]),
    ("malformed-pool-id", [{**_P, "pool_id": "eu-west-1/../S3cretLooking"}]),
    ("pool-id-without-region", [{**_P, "pool_id": "S3cretLooking"}]),
    ("missing-clients", [{"pool_id": SECRETISH}]),
    ("empty-clients", [{**_P, "client_ids": []}]),
    ("bad-client", [{**_P, "client_ids": ["bad client"]}]),
    ("clients-not-list", [{**_P, "client_ids": CLIENT_A}]),
    ("unknown-form", [{**_P, "issuer_forms": ["legacy"]}]),
    ("upper-case-form", [{**_P, "issuer_forms": ["ORIGINAL"]}]),
    ("repeated-form", [{**_P, "issuer_forms": ["original", "original"]}]),
    ("malformed-region", [{**_P, "replica_regions": ["us-east-1/x"]}]),
    ("upper-case-region", [{**_P, "replica_regions": ["US-EAST-1"]}]),
    ("primary-as-replica", [{**_P, "replica_regions": ["eu-west-1"]}]),
    ("repeated-replica", [{**_P, "replica_regions": ["us-east-1", "us-east-1"]}]),
    ("replica-with-updated-only", [{**_P, "issuer_forms": ["updated"], "replica_regions": ["us-east-1"]}]),
    ("same-pool-twice", [_P, {**_P, "client_ids": [CLIENT_B]}]),
    ("jwks-url-several-issuers", [{**_P, "issuer_forms": ["original", "updated"], "jwks_url": "https://x.example/j"}]),
    ("jwks-url-plain-http", [{**_P, "jwks_url": "http://jwks.example/j"}]),
    ("issuer-override-not-url", [{**_P, "issuer": "ftp://x"}]),
    ("issuer-override-with-forms", [{**_P, "issuer": "http://127.0.0.1:9229/x_y", "issuer_forms": ["original"]}]),
    ("nested-too-deep", "[" * 100_000 + "]" * 100_000),
]


@pytest.mark.parametrize(("case", "value"), _BAD_POOLS, ids=[c for c, _ in _BAD_POOLS])
def test_a_malformed_user_pools_value_is_a_cold_start_error_naming_the_variable_never_the_value(
    case: str, value: object
) -> None:
    text = value if isinstance(value, str) else json.dumps(value)
    with pytest.raises(ConfigurationError) as info:
        Settings.from_env({"USER_POOLS": text})
    assert info.value.variable.startswith("USER_POOLS")
    assert "S3cretLooking" not in str(info.value)
    assert handler_module._cold_start({"USER_POOLS": text}) is None  # every request then gets 401


@pytest.mark.parametrize(
    ("extra", "variable"),
    [
        ({"USER_POOL_ID": POOL_A}, "USER_POOL_ID"),
        ({"APP_CLIENT_IDS": CLIENT_A}, "APP_CLIENT_IDS"),
        ({"ISSUER": "http://127.0.0.1:9229/local_x"}, "ISSUER"),
        ({"JWKS_URL": "https://jwks.example/j"}, "JWKS_URL"),
        ({"JWKS_JSON": '{"keys": []}'}, "JWKS_JSON"),
        ({"USER_POOL_REPLICA_REGIONS": "us-east-1"}, "USER_POOL_REPLICA_REGIONS"),
    ],
)
def test_user_pools_cannot_be_combined_with_the_single_pool_variables(extra: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        Settings.from_env({"USER_POOLS": json.dumps(POOLS), **extra})
    assert info.value.variable == variable


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"USER_POOL_ISSUER_FORMS": "both"}, "USER_POOL_ISSUER_FORMS"),
        ({"USER_POOL_ISSUER_FORMS": "original,original"}, "USER_POOL_ISSUER_FORMS"),
        ({"USER_POOL_REPLICA_REGIONS": "us-east-1,not a region"}, "USER_POOL_REPLICA_REGIONS"),
        ({"USER_POOL_REPLICA_REGIONS": "eu-west-1"}, "USER_POOL_REPLICA_REGIONS"),
        ({"USER_POOL_ISSUER_FORMS": "updated", "USER_POOL_REPLICA_REGIONS": "us-east-1"}, "USER_POOL_REPLICA_REGIONS"),
        ({"USER_POOL_REPLICA_REGIONS": "us-east-1", "JWKS_URL": "https://jwks.example/j"}, "JWKS_URL"),
        ({"USER_POOL_REPLICA_REGIONS": "us-east-1", "JWKS_JSON": "KEYS"}, "JWKS_JSON"),
        ({"ISSUER": "http://127.0.0.1:9229/local_x", "USER_POOL_ISSUER_FORMS": "updated"}, "USER_POOL_ISSUER_FORMS"),
        ({"ISSUER": "http://127.0.0.1:9229/local_x", "USER_POOL_REPLICA_REGIONS": "us-east-1"},
         "USER_POOL_REPLICA_REGIONS"),
        ({"ROUTE_RULES": json.dumps([{"route": "GET /x", "pools": ["eu-west-1_Typo1"]}])}, "ROUTE_RULES"),
    ],
)
def test_bad_issuer_forms_replica_regions_or_pool_rules_name_the_variable(
    keys: Keys, env: dict[str, str], variable: str
) -> None:
    if env.get("JWKS_JSON") == "KEYS":
        env = {**env, "JWKS_JSON": json.dumps(jwks(keys.a))}
    with pytest.raises(ConfigurationError) as info:
        Settings.from_env({"USER_POOL_ID": POOL_A, "APP_CLIENT_IDS": CLIENT_A, **env})
    assert info.value.variable == variable


_CONFIGURED = (A_ORIGINAL, A_UPDATED, A_REPLICA, B_ORIGINAL)
_MUTATIONS = st.sampled_from(_CONFIGURED).flatmap(
    lambda iss: st.tuples(st.integers(0, len(iss)), st.integers(0, 3), st.text(max_size=3)).map(
        lambda cut: iss[: cut[0]] + cut[2] + iss[cut[0] + cut[1] :]
    )
)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(iss=_MUTATIONS | st.text(max_size=80))
def test_any_iss_other_than_a_configured_issuer_is_refused_without_a_key_lookup(
    install: Any, fetcher: Fetcher, keys: Keys, iss: str
) -> None:
    fetcher.calls.clear()
    authorizer = install()
    token = _token(keys.a, iss)
    if iss in (A_ORIGINAL, A_UPDATED, A_REPLICA):
        assert authorizer.verifier.verify(token).pool_id == POOL_A
        return
    with pytest.raises(TokenRejectedError) as info:
        authorizer.verifier.verify(token)
    if iss == B_ORIGINAL:  # a configured issuer, but pool A's key: B's own key under the shared kid refuses it
        assert info.value.reason == "signature"
        return
    assert (info.value.reason, info.value.claim) == ("invalid claim", "iss")
    assert fetcher.calls == []

"""The route classifier: one route per legacy user, the trigger's account rules, every "no" with a reason, and
today (no Cognito hash format documented) no user routed ``import-with-hash``."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from argon2 import Type
from argon2.low_level import hash_secret

from legacy_auth.apps import HASH_RULES as APPS
from legacy_auth.errors import ConfigurationError
from legacy_auth.hashing import SCHEMES
from legacy_auth.importing import routes
from legacy_auth.importing.algorithms import Algorithm
from legacy_auth.importing.importability import APP_IMPORTABILITY, NOT_A_FAMILY
from legacy_auth.importing.routes import Route, RouteKind, classify
from legacy_auth.migration.policy import MigrationPolicy
from legacy_auth.model import AccountState, LegacyUser

POLICY = MigrationPolicy()
BCRYPT = "$2y$10$r1I0gQRvP2bMeR4b6xfRi.u7od6C35/XQ5Li8S0DjjSSHUNaoRnVe"  # real Laravel output (php-generated)
ARGON2ID = "$argon2id$v=19$m=1024,t=1,p=1$SGpzcHpqeDNlTXQxanNlOQ$r3uBgsrcdLc8LaYS/uGG9vEZuWEjrlp60Pk8CSsEf2A"
ARGON2I = hash_secret(b"pw", b"saltsaltsalt1234", time_cost=1, memory_cost=64, parallelism=1, hash_len=32,
                      type=Type.I).decode("ascii")
DJANGO_PBKDF2 = "pbkdf2_sha256$1000$0DLX69aAvGcprc7ebr2RWV$rLX2VHOeBlfs5BBhbUCtenauXvsQYvbFPdrB5PP1Q0M="
DJANGO_ARGON2 = ("argon2$argon2id$v=19$m=1024,t=1,p=1$S2V3bm5iem5Zd082QjZHRHZTU2g2MQ$v63n7lif7tn1+aODMQQGIBQIBOvJ7Rs/"
                 "ljEJYnlp16M")
DJANGO_SCRYPT = ("scrypt$1024$h2tvQcFwdAbyLiVRTEkweZ$8$1$W16hyTk2AAo/YSdF2smKVXE1oScp57U1l5b4Jge4VPRVVo06/zNLNpIw3Hjl"
                 "cZ5f0JAgetzg53KeYYJGs36Jcw==")
ASPNET_V3_SHA256 = ("AQAAAAEAA9CQAAAAIESkQuj2Du8Y+kbc5lcN/W/3NiAZFEm11P27nrSN5/tId+bR1SwV8CO1Jd72r4C08OLvplNlCDc3o"
                    "QZ8efcW+jQ=")
ASPNET_V3_SHA512 = ("AQAAAAIAAAD6AAAAIJbVi5wbMR+htSfFp8fTw8N8GOS/Sje+S/4YZcgBfU7EQuqv4OkVYmc4VJl9AGZzmRTxSkP7LtVi9IWyU"
                    "xX8IAAfZ8v+ZfhjCcudtC1YERSqE1OEdXLW9VukPuJWBBjLuw==")
ASPNET_V2 = "ANXrDknc7fGPpigibZXXZFMX4aoqz44JveK6jQuwY3eH/UyPhvr5xTPeGYEckLxz9A=="
WP_BCRYPT = "$wp$2y$10$D06J7FRKh.iDhapViLC9S.pWkts/hMSKH84yk59fn5rugwH5afvn."
MAGENTO = ("cf9ca94916c7c921179f1fc842dbf69fadf37b4ceb584d53472ed44c7ef12ebf:XawrCKfUZuEh3e858SK7hSHPX5IDhqc0:"
           "3_32_2_67108864")


def user(stored: str | None, *, state: AccountState = AccountState.ACTIVE, email: str | None = "a@example.com",
         verified: bool = True) -> LegacyUser:
    return LegacyUser(legacy_id="7", username="alice", email=email, email_verified=verified, state=state,
                      password_hash=stored)


def test_every_legacy_app_has_an_importability_row_and_every_named_scheme_exists() -> None:
    assert set(APP_IMPORTABILITY) == set(APPS)
    for app, row in APP_IMPORTABILITY.items():
        for scheme in (*row.candidates, *row.refused):
            assert scheme in SCHEMES, (app, scheme)
        assert row.transform is None or not row.candidates, app  # a transform rules every scheme out


def test_docs_strategy_lists_every_app_in_its_importability_table() -> None:
    text = (Path(__file__).resolve().parents[3] / "docs" / "strategy.md").read_text("utf-8")
    listed = set(re.findall(r"^\| `(\w+)` \|", text, flags=re.MULTILINE))
    assert set(APP_IMPORTABILITY) <= listed


@pytest.mark.parametrize("state", [s for s in AccountState if s is not AccountState.ACTIVE])
def test_accounts_the_trigger_refuses_are_never_routed(state: AccountState) -> None:
    assert classify("laravel", user(BCRYPT, state=state), POLICY) == Route(RouteKind.NEVER, f"state_{state.value}")


@pytest.mark.parametrize("stored", [None, "", "!dqcv1boHW3zLva5Kgn6kT9GlGAeuna6WlW9NCUYa", "not-a-hash",
                                    BCRYPT.replace("$10$", "$18$")])
def test_no_usable_password_with_a_verified_email_is_reset(stored: str | None) -> None:
    assert classify("django", user(stored), POLICY) == Route(RouteKind.RESET, "no_usable_password")


def test_no_usable_password_and_no_verified_contact_is_never() -> None:
    unverified = user("!unusable", verified=False)
    assert classify("django", unverified, POLICY) == Route(RouteKind.NEVER, "no_password_no_contact")
    assert classify("django", user(None, email=None), POLICY).kind is RouteKind.NEVER
    trusted = MigrationPolicy(trust_emails=True)
    assert classify("django", unverified, trusted) == Route(RouteKind.RESET, "no_usable_password")


@pytest.mark.parametrize(("app", "stored"), [("q2a", BCRYPT), ("wordpress", WP_BCRYPT), ("wordpress", ARGON2ID),
                                             ("drupal", BCRYPT), ("phpbb3", ARGON2ID)])
def test_apps_that_transform_the_password_are_lazy(app: str, stored: str) -> None:
    assert classify(app, user(stored), POLICY) == Route(RouteKind.LAZY, "app_transforms_password")


@pytest.mark.parametrize(("app", "stored"), [
    ("django", "bcrypt_sha256$$2b$04$jIzpibHC7fAqGqluhS28hOCq52VZF6LIVmYYwdBXeeLqW85keDYqO"),
    ("django", "pbkdf2_sha1$1000$Mf6J2KVMLO6hE7jdfncNYc$ZL6M3jGp0u6MEc690W46iJ+o2CI="),
    ("devise", "$2a$04$dNFyAldlFmrApLufpJg79eR7hqDThfrzOTvMjlSuK5xN9MG/9bUhG"),
    ("symfony", "$2y$04$mWrXbOwIL6jub/hr7vDKEu4wVn3Jmdvv08LefxC0HOxrNCm/zxV9a"),
    ("magento2", MAGENTO),
    ("aspnet_identity", ASPNET_V2),
    ("joomla", "7b3ac33cebfb04205809b2a0d3674374:ymBFb4uXqfpzOZPpzfndPnvlBEQcRL8M"),
])
def test_hashes_outside_the_four_families_or_pre_hashed_are_lazy(app: str, stored: str) -> None:
    route = classify(app, user(stored), POLICY)
    assert route == Route(RouteKind.LAZY, "algorithm_not_importable")
    assert APP_IMPORTABILITY[app].why_not(SCHEMES_BY_STORED[stored]) != ""


SCHEMES_BY_STORED = {
    "bcrypt_sha256$$2b$04$jIzpibHC7fAqGqluhS28hOCq52VZF6LIVmYYwdBXeeLqW85keDYqO": "django_bcrypt_sha256",
    "pbkdf2_sha1$1000$Mf6J2KVMLO6hE7jdfncNYc$ZL6M3jGp0u6MEc690W46iJ+o2CI=": "django_pbkdf2_sha1",
    "$2a$04$dNFyAldlFmrApLufpJg79eR7hqDThfrzOTvMjlSuK5xN9MG/9bUhG": "devise_bcrypt",
    "$2y$04$mWrXbOwIL6jub/hr7vDKEu4wVn3Jmdvv08LefxC0HOxrNCm/zxV9a": "symfony_bcrypt",
    MAGENTO: "magento2_argon2id13",
    ASPNET_V2: "aspnet_identity_v2",
    "7b3ac33cebfb04205809b2a0d3674374:ymBFb4uXqfpzOZPpzfndPnvlBEQcRL8M": "joomla_md5_salt",
}


@pytest.mark.parametrize(("app", "stored"), [("laravel", ARGON2I), ("aspnet_identity", ASPNET_V3_SHA512)])
def test_a_candidate_scheme_of_another_variant_is_lazy_with_its_family_named(app: str, stored: str) -> None:
    route = classify(app, user(stored), POLICY)
    assert (route.kind, route.reason) == (RouteKind.LAZY, "algorithm_not_importable")
    assert route.algorithm in (Algorithm.ARGON2ID, Algorithm.PBKDF2_SHA256)


CANDIDATES = [
    ("laravel", BCRYPT, Algorithm.BCRYPT, {"cost": 10}),
    ("joomla", BCRYPT, Algorithm.BCRYPT, {"cost": 10}),
    ("generic", BCRYPT, Algorithm.BCRYPT, {"cost": 10}),
    ("laravel", ARGON2ID, Algorithm.ARGON2ID, {"version": 19, "memory_kib": 1024, "time_cost": 1, "parallelism": 1}),
    ("symfony", ARGON2ID, Algorithm.ARGON2ID, {"version": 19, "memory_kib": 1024, "time_cost": 1, "parallelism": 1}),
    ("django", DJANGO_ARGON2, Algorithm.ARGON2ID, {"version": 19, "memory_kib": 1024, "time_cost": 1,
                                                   "parallelism": 1}),
    ("django", DJANGO_PBKDF2, Algorithm.PBKDF2_SHA256, {"iterations": 1000, "salt_bytes": 22, "key_bytes": 32}),
    ("django", DJANGO_SCRYPT, Algorithm.SCRYPT, {"n": 1024, "r": 8, "p": 1}),
    ("aspnet_identity", ASPNET_V3_SHA256, Algorithm.PBKDF2_SHA256, {"iterations": 250000, "salt_bytes": 32,
                                                                   "key_bytes": 32}),
]


@pytest.mark.parametrize(("app", "stored", "algorithm", "params"), CANDIDATES)
def test_candidates_are_lazy_while_aws_documents_no_hash_format(app: str, stored: str, algorithm: Algorithm,
                                                                params: dict[str, int]) -> None:
    route = classify(app, user(stored), POLICY)
    assert route == Route(RouteKind.LAZY, "cognito_hash_format_unknown", algorithm, params)
    assert stored[-12:] not in repr(route)


@pytest.mark.parametrize(("app", "stored", "algorithm", "params"), CANDIDATES[:1] + CANDIDATES[6:7])
def test_a_documented_format_would_route_candidates_to_import_with_hash(
        monkeypatch: pytest.MonkeyPatch, app: str, stored: str, algorithm: Algorithm, params: dict[str, int]) -> None:
    monkeypatch.setattr(routes, "COGNITO_HASH_FORMAT", {algorithm: "https://docs.aws.amazon.com/(future page)"})
    assert classify(app, user(stored), POLICY) == Route(RouteKind.IMPORT_WITH_HASH, "importable", algorithm, params)
    assert classify(app, replace(user(stored), state=AccountState.BLOCKED), POLICY).kind is RouteKind.NEVER


def test_a_scheme_not_in_an_app_row_is_explained_as_outside_the_families() -> None:
    assert APP_IMPORTABILITY["laravel"].why_not("phpass") == NOT_A_FAMILY
    assert APP_IMPORTABILITY["laravel"].why_not("bcrypt") == ""
    assert "trim" in APP_IMPORTABILITY["wordpress"].why_not("bcrypt")


def test_an_unknown_app_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError) as caught:
        classify("mambo", user(BCRYPT), POLICY)  # no such LEGACY_APP
    assert caught.value.setting == "LEGACY_APP"

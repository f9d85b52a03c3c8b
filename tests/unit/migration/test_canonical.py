"""The migration boundary's pure rules (``legacy_auth.migration.canonical``) and where ``migrate_user`` applies them.

The real-database and real-handler side (collations, the pre-token hook, the release command) is in
``tests/integration/test_migration_boundary.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from legacy_auth.db import Deadline
from legacy_auth.errors import AccountStateError, AmbiguousUserError, InvalidPasswordError, UserNotFoundError
from legacy_auth.migration.canonical import (
    MIGRATED_STATUSES,
    NO_ACCOUNT,
    alias_pool_username,
    canonical_login,
    pool_fold,
    same_login,
)
from legacy_auth.migration.config import Settings
from legacy_auth.migration.policy import MigrationPolicy, lookup_for_reset, migrate_user
from legacy_auth.migration.tracking import MIGRATED, TrackedState
from tests.unit.migration.test_policy import PASSWORD, CountingHashes, FakeStore, store_with, user

POLICY = MigrationPolicy()
NO_ALIASES = MigrationPolicy(pool_aliases=frozenset())
EMAIL_POOL = MigrationPolicy(pool_sign_in="email", pool_aliases=frozenset())
SENSITIVE = MigrationPolicy(case_sensitive=True)


@dataclass
class FakeTracker:
    """Records every tracking read; answers from ``states``."""

    states: dict[str, TrackedState] = field(default_factory=dict)
    reads: list[str] = field(default_factory=list)

    def state(self, legacy_id: str, *, deadline: Deadline | None) -> TrackedState | None:
        self.reads.append(legacy_id)
        return self.states.get(legacy_id)


def sign_in(login: str, password: str = PASSWORD, *, store: FakeStore | None = None, hashes: Any = None,
            policy: MigrationPolicy = POLICY, tracker: FakeTracker | None = None) -> Any:
    return migrate_user(login, password, store=store or store_with(user()), hashes=hashes or CountingHashes(),
                        policy=policy, deadline=Deadline.after(3), tracker=tracker)


def refusal(call: Any) -> str:
    with pytest.raises(AccountStateError) as info:
        call()
    return str(info.value.reason)


# ---------------------------------------------------------------- folding


@pytest.mark.parametrize(("typed", "stored"), [("ADMIN", "admin"), ("Admin@Example.COM", "admin@example.com"),
                                               ("aLiCe", "AlIcE")])
def test_case_insensitive_pool_folds_ascii_case(typed: str, stored: str):
    assert same_login(typed, stored, case_sensitive=False)
    assert not same_login(typed, stored, case_sensitive=True)


@pytest.mark.parametrize(("typed", "stored"), [
    ("ádmin", "admin"), ("ÁDMIN", "ádmin"), ("admın", "admin"), ("ADMİN", "admin"), ("ａｄｍｉｎ", "admin"),
    ("staﬀ", "staff"), ("ſtaff", "staff"), ("\u212aim", "kim"), ("admin ", "admin"), ("ad\u200bmin", "admin"),
    ("Ádám", "A\u0301da\u0301m"), ("STRASSE", "straße"), ("ǅ", "ǆ"),
])
def test_nothing_but_ascii_case_is_folded(typed: str, stored: str):
    assert not same_login(typed, stored, case_sensitive=False)
    assert pool_fold(typed, case_sensitive=False) != pool_fold(stored, case_sensitive=False)


def test_settings_default_to_the_templates_case_insensitive_pool():
    base = {"LEGACY_APP": "q2a", "LEGACY_DB_URL": "sqlite:///x.db"}
    assert Settings.from_env(base).pool_case_sensitive is False
    assert MigrationPolicy.from_settings(Settings.from_env(base)).case_sensitive is False
    settings = Settings.from_env({**base, "LEGACY_POOL_CASE_SENSITIVE": "true"})
    assert MigrationPolicy.from_settings(settings).case_sensitive is True


# ---------------------------------------------------------------- canonical login per pool


def test_canonical_login_follows_the_sign_in_route_of_each_pool():
    alice = user()
    assert canonical_login(alice, "alice", POLICY) == "alice"
    assert canonical_login(alice, "x@y", POLICY) == "Alice@Example.org"
    assert canonical_login(alice, "alice@example.org", NO_ALIASES) == "alice"  # no alias: the username only
    assert canonical_login(user(username=None), "alice@example.org", NO_ALIASES) == "Alice@Example.org"
    assert canonical_login(alice, "alice@example.org", EMAIL_POOL) == "Alice@Example.org"


def test_alias_pool_username_is_the_same_for_every_route():
    assert alias_pool_username(user(), POLICY) == "alice"
    for handle in ("12345678", "a b", "legacy_7", "LEGACY_7", "x@y", None, "n" * 129):
        assert alias_pool_username(user(username=handle), POLICY) == "legacy_42", handle
    preferred = MigrationPolicy(pool_aliases=frozenset({"email", "preferred_username"}))
    assert alias_pool_username(user(), preferred) == "legacy_42"


# ---------------------------------------------------------------- in migrate_user


def test_another_spelling_is_refused_after_a_real_verification_like_a_wrong_password():
    store = FakeStore({"ádmin": [user(username="admin")]})
    spelled, wrong = CountingHashes(), CountingHashes()
    assert refusal(lambda: sign_in("ádmin", store=store, hashes=spelled)) == "account_spelling_mismatch"
    with pytest.raises(InvalidPasswordError):
        sign_in("ádmin", "not it", store=store, hashes=wrong)
    assert (spelled.verifies, spelled.dummies) == (wrong.verifies, wrong.dummies) == (1, 0)


def test_email_variant_is_refused_and_the_stored_email_in_any_ascii_case_migrates():
    store = FakeStore({"álice@example.org": [user()], "alice@example.org": [user()]})
    assert refusal(lambda: sign_in("álice@example.org", store=store)) == "account_spelling_mismatch"
    assert sign_in("ALICE@example.ORG", store=store).user_attributes["username"] == "alice"
    assert refusal(lambda: sign_in("ALICE@example.ORG", store=store, policy=SENSITIVE)) == \
        "account_spelling_mismatch"


def test_forgot_password_refuses_another_spelling():
    store = FakeStore({"ſalice": [user()]})
    with pytest.raises(AccountStateError) as info:
        lookup_for_reset("ſalice", store=store, policy=POLICY, deadline=Deadline.after(3))
    assert info.value.reason == "account_spelling_mismatch"


def test_tracking_is_read_once_on_every_path_so_timing_does_not_tell():
    tracker = FakeTracker()
    with pytest.raises(UserNotFoundError):
        sign_in("nobody", tracker=tracker)
    with pytest.raises(AmbiguousUserError):
        sign_in("alice", store=store_with(user("1"), user("2")), tracker=tracker)
    with pytest.raises(InvalidPasswordError):
        sign_in("alice", "not it", tracker=tracker)
    sign_in("alice", tracker=tracker)
    assert tracker.reads == [NO_ACCOUNT, NO_ACCOUNT, "42", "42"]


@pytest.mark.parametrize("status", sorted(MIGRATED_STATUSES))
def test_migrated_account_is_refused_after_a_real_verification_whatever_the_spelling(status: str):
    tracker = FakeTracker({"42": TrackedState(status, recent=False)})
    hashes = CountingHashes()
    assert refusal(lambda: sign_in("alice", hashes=hashes, tracker=tracker)) == "account_already_migrated"
    assert hashes.verifies == 1
    store = FakeStore({"ALİCE".lower(): [user()]})  # the fake store looks logins up lower-cased
    assert refusal(lambda: sign_in("ALİCE", store=store, tracker=tracker)) == "account_already_migrated"
    with pytest.raises(InvalidPasswordError):  # a wrong password stays a wrong password
        sign_in("alice", "not it", tracker=tracker)


def test_recent_migrated_record_lets_the_canonical_login_through_for_cognito_retries_only():
    tracker = FakeTracker({"42": TrackedState("migrated", recent=True)})
    assert sign_in("ALICE", tracker=tracker).legacy_id == "42"
    store = FakeStore({"álice": [user()]})
    assert refusal(lambda: sign_in("álice", store=store, tracker=tracker)) == "account_already_migrated"
    for status in ("reset_completed", "imported"):  # those never were a retry of this sign-in
        tracker.states["42"] = TrackedState(status, recent=True)
        assert refusal(lambda: sign_in("alice", tracker=tracker)) == "account_already_migrated"


def test_reset_pending_is_not_a_migrated_account():
    tracker = FakeTracker({"42": TrackedState("reset_pending", recent=False)})
    assert sign_in("alice", tracker=tracker).legacy_id == "42"
    assert set(MIGRATED) == MIGRATED_STATUSES

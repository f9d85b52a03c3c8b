"""Pure migrate_user / lookup_for_reset with an in-memory store (the SQL store is tested on real DBs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from legacy_auth.apps import get_context
from legacy_auth.db import Deadline
from legacy_auth.errors import (
    AccountStateError,
    AmbiguousUserError,
    BudgetExceededError,
    CorruptHashError,
    InvalidPasswordError,
    UserNotFoundError,
)
from legacy_auth.migration.attributes import roles_value, user_attributes
from legacy_auth.migration.policy import MigrationPolicy, lookup_for_reset, migrate_user
from legacy_auth.model import AccountState, LegacyUser

REAL = get_context("wordpress")


def _phpass_vector() -> tuple[str, str]:
    from tests.conftest import load_vectors

    v = next(v for v in load_vectors() if v["app"] == "wordpress" and v["scheme"] == "phpass_portable_P"
             and v["expect"] and v["password"] == "correct horse battery staple")
    return v["password"], v["hash"]


PASSWORD, HASH = _phpass_vector()


@dataclass
class FakeStore:
    users: dict[str, list[LegacyUser]]
    lookups: list[str] = field(default_factory=list)

    def find_by_login(self, login: str, *, deadline: Deadline) -> LegacyUser | None:
        self.lookups.append(login)
        rows = self.users.get(login.lower(), [])
        if len(rows) > 1:
            raise AmbiguousUserError("two")
        return rows[0] if rows else None


@dataclass
class CountingHashes:
    inner: Any = REAL
    dummies: int = 0
    verifies: int = 0

    def verify(self, password: Any, stored: Any, **fields: Any) -> Any:
        self.verifies += 1
        return self.inner.verify(password, stored, **fields)

    def dummy_verify(self) -> None:
        self.dummies += 1
        self.inner.dummy_verify()


def user(legacy_id: str = "42", **kw: Any) -> LegacyUser:
    base: dict[str, Any] = {"username": "alice", "email": "Alice@Example.org", "email_verified": True,
                            "state": AccountState.ACTIVE, "password_hash": HASH, "display_name": "Alice A."}
    base.update(kw)
    return LegacyUser(legacy_id=legacy_id, **base)


def store_with(*users: LegacyUser, key: str = "alice") -> FakeStore:
    return FakeStore({key: list(users), "alice@example.org": list(users)})


POLICY = MigrationPolicy()


def run(login: str, password: str, store: FakeStore, hashes: Any = None, policy: MigrationPolicy = POLICY):
    return migrate_user(login, password, store=store, hashes=hashes or CountingHashes(), policy=policy,
                        deadline=Deadline.after(3))


def test_success_returns_confirmed_suppressed_with_cognito_attributes():
    result = run("alice", PASSWORD, store_with(user()))
    assert result.final_user_status == "CONFIRMED"
    assert result.message_action == "SUPPRESS"
    assert result.scheme == "phpass"
    assert result.user_attributes == {"custom:legacy_id": "42", "email": "Alice@Example.org",
                                      "email_verified": "true", "name": "Alice A.", "preferred_username": "alice"}


def test_unknown_user_costs_a_dummy_verification():
    hashes = CountingHashes()
    with pytest.raises(UserNotFoundError):
        run("nobody", PASSWORD, FakeStore({}), hashes)
    assert hashes.dummies == 1


def test_ambiguous_login_costs_a_dummy_verification_and_is_refused():
    hashes = CountingHashes()
    with pytest.raises(AmbiguousUserError):
        run("alice", PASSWORD, store_with(user("1"), user("2")), hashes)
    assert hashes.dummies == 1


def test_wrong_password_names_scheme_and_legacy_id():
    with pytest.raises(InvalidPasswordError) as info:
        run("alice", "nope", store_with(user()))
    assert (info.value.scheme, info.value.legacy_id) == ("phpass", "42")  # type: ignore[attr-defined]


@pytest.mark.parametrize("state", [s for s in AccountState if s not in (AccountState.ACTIVE,)])
def test_non_active_accounts_are_refused_after_a_real_verification(state: AccountState):
    hashes = CountingHashes()
    with pytest.raises(AccountStateError) as info:
        run("alice", PASSWORD, store_with(user(state=state)), hashes)
    assert info.value.reason == f"account_{state.value}"
    assert hashes.verifies + hashes.dummies == 1


def test_sso_only_row_is_refused_with_a_dummy_verification():
    hashes = CountingHashes()
    with pytest.raises(AccountStateError) as info:
        run("alice", PASSWORD, store_with(user(password_hash=None)), hashes)
    assert info.value.reason == "account_sso_only"
    assert hashes.dummies == 1


def test_corrupt_hash_propagates_for_the_handler_to_map():
    with pytest.raises((CorruptHashError,)):
        run("alice", PASSWORD, store_with(user(password_hash="$P$Bbroken")))


def test_email_typed_in_an_email_alias_pool_returns_the_legacy_username_and_the_typed_email():
    attrs = run("alice@example.org", PASSWORD, store_with(user())).user_attributes
    assert attrs["username"] == "alice"
    assert attrs["email"] == "alice@example.org"  # the typed alias (legacy: Alice@Example.org), as Cognito resolves it


@pytest.mark.parametrize("typed", ["ALICE@EXAMPLE.ORG", "alice@Example.Org", " Alice@Example.org "])
def test_mixed_case_email_typed_is_echoed_when_it_matches_the_legacy_email_case_insensitively(typed: str):
    for policy in (POLICY, MigrationPolicy(pool_sign_in="email", pool_aliases=frozenset())):
        attrs = user_attributes(user(), typed, policy)
        assert attrs["email"] == typed.strip()
        assert attrs.get("username") == ("alice" if policy.pool_sign_in == "username" else None)


def test_email_typed_without_a_usable_legacy_username_gets_a_legacy_id_username():
    attrs = run("alice@example.org", PASSWORD, store_with(user(username="alice@example.org"))).user_attributes
    assert attrs["username"] == "legacy_42"
    assert "preferred_username" not in attrs


def test_typed_alias_that_is_not_the_users_legacy_value_is_refused():
    # e.g. a WordPress user_login that looks like an email but is not the user's user_email: Cognito would resolve
    # the typed value as an email alias the user never had
    bob = user(username="bob@old.example", email="bob@new.example")
    for policy in (POLICY, MigrationPolicy(pool_sign_in="email", pool_aliases=frozenset())):
        with pytest.raises(AccountStateError) as info:
            user_attributes(bob, "bob@old.example", policy)
        assert info.value.reason == "account_alias_mismatch"
    with pytest.raises(AccountStateError):
        user_attributes(user(email=None), "alice@example.org", POLICY)


def test_username_pool_without_aliases_keeps_what_the_user_typed_as_username():
    plain = MigrationPolicy(pool_aliases=frozenset())
    for typed in ("alice", "alice@example.org", "ALICE@example.org"):
        attrs = user_attributes(user(), typed, plain)
        assert "username" not in attrs  # Cognito keeps userName as typed: no email alias forbids the format
        assert attrs["email"] == "Alice@Example.org"  # a plain attribute: the legacy value
        assert attrs["preferred_username"] == "alice"


def test_handle_typed_in_an_email_alias_pool_keeps_it_as_username():
    attrs = user_attributes(user(), "Alice", POLICY)
    assert "username" not in attrs
    assert (attrs["email"], attrs["preferred_username"]) == ("Alice@Example.org", "alice")


def test_preferred_username_alias_pool_gets_a_non_alias_username_and_the_typed_handle():
    policy = MigrationPolicy(pool_aliases=frozenset({"email", "preferred_username"}))
    attrs = user_attributes(user(), "ALICE", policy)
    assert (attrs["username"], attrs["preferred_username"]) == ("legacy_42", "ALICE")
    attrs = user_attributes(user(), "alice@EXAMPLE.org", policy)
    assert (attrs["username"], attrs["email"], attrs["preferred_username"]) == ("legacy_42", "alice@EXAMPLE.org",
                                                                               "alice")
    only = MigrationPolicy(pool_aliases=frozenset({"preferred_username"}))
    attrs = user_attributes(user(), "alice@example.org", only)  # no email alias: the email may be the username
    assert "username" not in attrs
    assert (attrs["email"], attrs["preferred_username"]) == ("Alice@Example.org", "alice")


def test_phone_alias_typed_must_be_the_users_phone():
    policy = MigrationPolicy(pool_aliases=frozenset({"phone_number"}))
    attrs = user_attributes(user(phone_number="+4930123456", phone_verified=True), "+4930123456", policy)
    assert (attrs["username"], attrs["phone_number"]) == ("alice", "+4930123456")
    with pytest.raises(AccountStateError) as info:
        user_attributes(user(username="4930123456"), "4930123456", policy)
    assert info.value.reason == "account_alias_mismatch"


def test_legacy_roles_are_written_comma_joined_for_the_pre_token_hook():
    attrs = user_attributes(user(roles=("level:100", "editor")), "alice", POLICY)
    assert attrs["custom:legacy_roles"] == "level:100,editor"
    assert "custom:legacy_roles" not in user_attributes(user(), "alice", POLICY)
    off = MigrationPolicy(roles_attribute=None)
    assert "custom:legacy_roles" not in user_attributes(user(roles=("level:100",)), "alice", off)
    other = MigrationPolicy(roles_attribute="custom:roles")
    assert user_attributes(user(roles=("a",)), "alice", other)["custom:roles"] == "a"


def test_roles_are_capped_at_256_bytes_without_cutting_a_role():
    many = tuple(f"group:{n:04d}" for n in range(40))  # 10 characters each
    value = roles_value(many)
    assert len(value.encode()) <= 256
    assert value.split(",") == list(many[: len(value.split(","))])  # whole roles, in order
    assert len(value.split(",")) == 23  # 23 * 10 + 22 commas = 252
    assert roles_value(("x" * 300, "short")) == "short"  # a role too long on its own is left out, never cut
    # "é" * 128 is 256 bytes: too long once "a," is in
    assert roles_value((" a ", "a", "b,c", "d\x00e", "", "é" * 128, "f")) == "a,f"
    assert roles_value(("é" * 127,)) == "é" * 127  # 254 bytes: fits


def test_email_as_username_pool_needs_an_email_login_and_an_email():
    policy = MigrationPolicy(pool_sign_in="email")
    hashes = CountingHashes()
    store = store_with(user())
    with pytest.raises(UserNotFoundError):
        run("alice", PASSWORD, store, hashes, policy)
    assert store.lookups == []  # never even looked up
    assert "username" not in run("alice@example.org", PASSWORD, store, policy=policy).user_attributes
    with pytest.raises(AccountStateError) as info:
        user_attributes(user(email=None), "alice@example.org", policy)
    assert info.value.reason == "account_no_email"


def test_unverified_email_is_returned_unverified_unless_trusted():
    assert run("alice", PASSWORD, store_with(user(email_verified=False))).user_attributes["email_verified"] == "false"
    trusted = MigrationPolicy(trust_emails=True)
    result = run("alice", PASSWORD, store_with(user(email_verified=False)), policy=trusted)
    assert result.user_attributes["email_verified"] == "true"


def test_phone_numbers_are_passed_with_their_verification():
    attrs = user_attributes(user(phone_number="+4930123456", phone_verified=True), "alice", POLICY)
    assert (attrs["phone_number"], attrs["phone_number_verified"]) == ("+4930123456", "true")
    assert "sub" not in attrs


def test_weak_password_policy_returns_reset_required():
    policy = MigrationPolicy(weak_password_reset=True, min_password_length=64)
    assert run("alice", PASSWORD, store_with(user()), policy=policy).final_user_status == "RESET_REQUIRED"


def test_no_time_left_after_the_lookup_is_a_budget_error():
    class SlowStore(FakeStore):
        def find_by_login(self, login: str, *, deadline: Deadline) -> LegacyUser | None:
            return user()

    with pytest.raises(BudgetExceededError):
        migrate_user("alice", PASSWORD, store=SlowStore({}), hashes=CountingHashes(), policy=POLICY,
                     deadline=Deadline.after(0.005))


def test_forgot_password_needs_a_verified_contact():
    policy = POLICY
    result = lookup_for_reset("alice", store=store_with(user()), policy=policy, deadline=Deadline.after(3))
    assert (result.final_user_status, result.desired_delivery_mediums) == ("RESET_REQUIRED", ["EMAIL"])
    with pytest.raises(AccountStateError) as info:
        lookup_for_reset("alice", store=store_with(user(email_verified=False)), policy=policy,
                         deadline=Deadline.after(3))
    assert info.value.reason == "account_no_verified_contact"
    sms = lookup_for_reset("alice", store=store_with(user(email=None, phone_number="+4930123456",
                                                          phone_verified=True)),
                           policy=policy, deadline=Deadline.after(3))
    assert sms.desired_delivery_mediums == ["SMS"]
    with pytest.raises(UserNotFoundError):
        lookup_for_reset("bob", store=FakeStore({}), policy=policy, deadline=Deadline.after(3))
    with pytest.raises(AccountStateError):
        lookup_for_reset("alice", store=store_with(user(state=AccountState.LOCKED)), policy=policy,
                         deadline=Deadline.after(3))

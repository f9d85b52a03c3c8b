"""Every Authentication refusal does the same work: one lockout reservation and one bcrypt of the dummy's cost.

``migrate_user`` with the real q2a hash context (bcrypt cost 4 for the dummy and the stored hashes, the
documented ``LEGACY_DUMMY_HASH`` practice), the real guessing bound on a SQLite file, and an in-memory store.
Work is counted where it happens: ``bcrypt.checkpw`` calls (the dummy's scheme) and lockout reservations.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bcrypt
import pytest

from legacy_auth.apps import get_context
from legacy_auth.db import Database, Deadline
from legacy_auth.errors import AmbiguousUserError, CredentialError
from legacy_auth.hashing import bcrypt_schemes
from legacy_auth.migration.lockout import GuessLimiter, LockoutPolicy, ddl
from legacy_auth.migration.policy import MigrationPolicy, migrate_user
from legacy_auth.model import AccountState, LegacyUser

PASSWORD = "correct horse battery staple"
SALT = "abcdefghijklmnop"


def _user(legacy_id: str, **kw: Any) -> LegacyUser:
    base: dict[str, Any] = {"username": legacy_id, "email": f"{legacy_id}@example.org", "email_verified": True,
                            "state": AccountState.ACTIVE,
                            "password_hash": bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()}
    base.update(kw)
    return LegacyUser(legacy_id=legacy_id, **base)


CHECK = hashlib.sha1((SALT[:8] + PASSWORD + SALT[8:]).encode()).digest()  # noqa: S324 - q2a's legacy scheme
USERS = {
    "wrong": [_user("wrong")],
    "blocked": [_user("blocked", state=AccountState.BLOCKED)],
    "sso": [_user("sso", password_hash=None)],
    "cheap": [_user("cheap", password_hash=None, hash_fields={"passsalt": SALT.encode(), "passcheck": CHECK})],
    "locked": [_user("locked")],
    "dup": [_user("dup1"), _user("dup2")],
}


@dataclass
class Store:
    users: dict[str, list[LegacyUser]]

    def find_by_login(self, login: str, *, deadline: Deadline) -> LegacyUser | None:
        rows = self.users.get(login, [])
        if len(rows) > 1:
            raise AmbiguousUserError("two rows")
        return rows[0] if rows else None


class Counting(GuessLimiter):
    """The real limiter, also recording each reservation."""

    def __init__(self, db: Database) -> None:
        GuessLimiter.__init__(self, db, LockoutPolicy(max_failures=5), key=b"k" * 32)
        self.reservations: list[str | None] = []

    def admit(self, legacy_id: str | None, password: str, *, deadline: Deadline) -> bool:
        self.reservations.append(legacy_id)
        return super().admit(legacy_id, password, deadline=deadline)


@pytest.fixture
def limiter(tmp_path: Path) -> Counting:
    db = Database(f"sqlite:///{tmp_path}/lockout.sqlite3")
    for statement in ddl("sqlite"):
        db.execute(statement, deadline=Deadline.after(5))
    found = Counting(db)
    for i in range(6):
        found.admit("locked", f"guess-{i}", deadline=Deadline.after(5))
    found.reservations.clear()
    return found


@pytest.fixture
def bcrypt_runs(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    runs: list[bytes] = []  # the stored hash of every bcrypt computed
    real: Callable[[bytes, bytes], bool] = bcrypt.checkpw

    def counting(secret: bytes, stored: bytes) -> bool:
        runs.append(stored)
        return real(secret, stored)

    monkeypatch.setattr(bcrypt_schemes.bcrypt, "checkpw", counting)
    return runs


@pytest.mark.parametrize(("login", "reason"), [
    ("nobody", "unknown_user"), ("wrong", "wrong_password"), ("blocked", "account_blocked"),
    ("sso", "account_sso_only"), ("cheap", "wrong_password"), ("locked", "account_locked_out"),
    ("dup", "ambiguous_user"),
])
def test_every_refusal_costs_one_reservation_and_one_dummy_cost_bcrypt(login: str, reason: str, limiter: Counting,
                                                                      bcrypt_runs: list[bytes]) -> None:
    hashes = get_context("q2a", dummy_hash=bcrypt.hashpw(b"dummy", bcrypt.gensalt(4)).decode())
    with pytest.raises(CredentialError) as info:
        migrate_user(login, "a wrong guess", store=Store(USERS), hashes=hashes, policy=MigrationPolicy(),
                     deadline=Deadline.after(5), guard=limiter)
    assert info.value.reason == reason
    assert [int(s[4:6]) for s in bcrypt_runs] == [4]  # exactly one bcrypt, of the dummy's cost, whatever the case
    assert len(limiter.reservations) == 1  # the same lockout statements, unknown and ambiguous logins included


def test_a_locked_account_is_refused_even_with_the_right_password_without_verifying_it(
        limiter: Counting, bcrypt_runs: list[bytes]) -> None:
    dummy = bcrypt.hashpw(b"dummy", bcrypt.gensalt(4)).decode()
    hashes = get_context("q2a", dummy_hash=dummy)
    with pytest.raises(CredentialError) as info:
        migrate_user("locked", PASSWORD, store=Store(USERS), hashes=hashes, policy=MigrationPolicy(),
                     deadline=Deadline.after(5), guard=limiter)
    assert info.value.reason == "account_locked_out"
    assert bcrypt_runs == [dummy.encode()]  # only the dummy was computed, never the user's own hash

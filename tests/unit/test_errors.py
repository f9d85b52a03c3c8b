"""One reason code per exception type (``legacy_auth.errors.reason_of``), shared by the trigger and ``check``."""

from __future__ import annotations

import pytest

from legacy_auth.apps import get_context
from legacy_auth.cli.commands import check
from legacy_auth.db.failures import tagged
from legacy_auth.errors import (
    AccountLockedOutError,
    AccountStateError,
    AmbiguousUserError,
    BudgetExceededError,
    ConfigurationError,
    CorruptHashError,
    CorruptRowError,
    InvalidPasswordError,
    LegacyAuthError,
    LockoutUnavailableError,
    StoreTimeoutError,
    StoreUnavailableError,
    UnknownHashSchemeError,
    UnsupportedTriggerError,
    UserNotFoundError,
    reason_of,
)

CASES: list[tuple[BaseException | None, str]] = [
    (UserNotFoundError(), "unknown_user"),
    (InvalidPasswordError(), "wrong_password"),
    (AmbiguousUserError(), "ambiguous_user"),
    (AccountStateError("blocked"), "account_blocked"),
    (AccountLockedOutError(), "account_locked_out"),
    (UnsupportedTriggerError("trigger source not served"), "unsupported_trigger"),
    (tagged(StoreTimeoutError("deadline")), "db_timeout"),
    (tagged(StoreUnavailableError("refused")), "db_unavailable"),
    (StoreUnavailableError("untagged"), "db_unavailable"),
    (LockoutUnavailableError("down"), "lockout_unavailable"),
    (CorruptHashError("bcrypt", "truncated"), "corrupt_hash"),
    (UnknownHashSchemeError("q2a"), "unknown_hash_scheme"),
    (BudgetExceededError(), "budget_exceeded"),
    (ConfigurationError("LEGACY_APP", "unknown app"), "configuration"),
    (CorruptRowError("q2a", "passhash", "wrong type"), "corrupt_row"),
    (LegacyAuthError("anything else"), "internal_error"),
    (RuntimeError("a bug"), "internal_error"),
    (None, "internal_error"),
]


@pytest.mark.parametrize(("exc", "expected"), CASES, ids=lambda v: type(v).__name__ if not isinstance(v, str) else v)
def test_reason_of_names_each_exception_type_by_its_stable_code(exc: BaseException | None, expected: str) -> None:
    assert reason_of(exc) == expected


def test_the_migration_trigger_logs_the_shared_reason_codes() -> None:
    from triggers import user_migration

    assert user_migration.reason_of is reason_of


@pytest.mark.parametrize(("exc", "expected"), [c for c in CASES if isinstance(c[0], LegacyAuthError)],
                         ids=lambda v: type(v).__name__ if not isinstance(v, str) else v)
def test_check_reports_the_reason_the_trigger_logs(exc: LegacyAuthError, expected: str) -> None:
    # Before issue 13 `check` said internal_error for database and configuration failures (db_timeout in the logs).
    data = check.report("alice", "qa_users", check.Steps(), None, exc, get_context("q2a"), 12.0, 3500)
    assert data["outcome"]["migrate"] is False
    assert data["outcome"]["reason"] == expected
    assert data["outcome"]["cognito_message"] == "Incorrect username or password."

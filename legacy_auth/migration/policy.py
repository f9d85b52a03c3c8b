"""Pure migration logic for Cognito's migrate-user trigger (no AWS, no event shapes, no SQL).

- :func:`migrate_user` for ``UserMigration_Authentication``: find, check state, verify the password.
- :func:`lookup_for_reset` for ``UserMigration_ForgotPassword``: find, check state and a verified contact.

Both return a :class:`MigrationResult` (Cognito attributes and statuses) or raise a ``LegacyAuthError``
whose type says why; the handler turns every error into one generic message. The Cognito attributes follow
the username / alias rules of each pool type (:func:`legacy_auth.migration.attributes.user_attributes`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

from legacy_auth.db import Deadline
from legacy_auth.errors import (
    AccountLockedOutError,
    AccountStateError,
    AmbiguousUserError,
    BudgetExceededError,
    InvalidPasswordError,
    UserNotFoundError,
)
from legacy_auth.migration.attributes import user_attributes, with_context
from legacy_auth.migration.canonical import StatusReader, admit, tracked_state
from legacy_auth.migration.config import MigrationPolicy as MigrationPolicy  # re-exported: public API here
from legacy_auth.migration.store import LegacyUserStore
from legacy_auth.model import AccountState, LegacyUser

if TYPE_CHECKING:
    from legacy_auth.hashing.base import Verification
    from legacy_auth.migration.lockout import GuessLimiter  # imported by the handler only when the bound is on

FinalStatus = Literal["CONFIRMED", "RESET_REQUIRED"]


class HashVerifier(Protocol):
    """The part of ``legacy_auth.hashing.HashContext`` the migration needs."""

    def verify(self, password: str | bytes, stored: str | bytes | None, **fields: object) -> Verification:
        """What the legacy app would have answered (``ok``) and the scheme that decided."""
        ...

    def dummy_verify(self) -> None:
        """A verification of realistic cost whose answer is ignored."""
        ...


@dataclass(frozen=True, slots=True)
class MigrationResult:
    """What to write into the trigger's response."""

    user_attributes: dict[str, str]
    final_user_status: FinalStatus
    legacy_id: str
    scheme: str | None = None
    message_action: Literal["SUPPRESS"] = "SUPPRESS"
    desired_delivery_mediums: list[str] = field(default_factory=list)


def _find(login: str, store: LegacyUserStore, policy: MigrationPolicy, deadline: Deadline) -> LegacyUser | None:
    if policy.pool_sign_in == "email" and "@" not in login:
        return None  # cannot exist in an email-as-username pool
    user = store.find_by_login(login, deadline=deadline.shortened(policy.verify_reserve_s))
    if deadline.expired:
        raise BudgetExceededError("no time left after the legacy lookup")
    return user


def _admit(guard: GuessLimiter | None, legacy_id: str | None, password: str, deadline: Deadline) -> bool:
    return guard is None or guard.admit(legacy_id, password, deadline=deadline)


def migrate_user(login: str, password: str, *, store: LegacyUserStore, hashes: HashVerifier,
                 policy: MigrationPolicy, deadline: Deadline, tracker: StatusReader | None = None,
                 guard: GuessLimiter | None = None) -> MigrationResult:
    """Verify a sign-in against the legacy store (``UserMigration_Authentication``).

    Parameters
    ----------
    login:
        ``userName`` as typed (username or email).
    password:
        The plaintext password (never logged, never stored).
    store, hashes, policy, deadline:
        The legacy store, the app's hash context, deployment policy and the invocation deadline.
    tracker:
        The migration tracking table when ``LEGACY_TRACK_MIGRATION`` is on (read once per sign-in).
    guard:
        The guessing bound (``legacy_auth.migration.lockout``); every path runs its statements, for equal timing.

    Returns
    -------
    MigrationResult
        ``CONFIRMED`` (or ``RESET_REQUIRED`` for a weak password with ``weak_password_reset``), ``SUPPRESS``.

    Raises
    ------
    UserNotFoundError, InvalidPasswordError, AmbiguousUserError, AccountStateError, AccountLockedOutError
        Credential refusals (after a verification of realistic cost, so timing does not reveal which);
        ``account_spelling_mismatch`` / ``account_already_migrated``: :mod:`legacy_auth.migration.canonical`.
    UnknownHashSchemeError, CorruptHashError, CorruptRowError
        The legacy data cannot be used.
    StoreTimeoutError, StoreUnavailableError, LockoutUnavailableError, BudgetExceededError
        Infrastructure.
    """
    bound = deadline.shortened(policy.verify_reserve_s)
    try:
        user = _find(login, store, policy, deadline)
    except AmbiguousUserError:
        tracked_state(tracker, None, deadline=bound)
        _admit(guard, None, password, bound)
        hashes.dummy_verify()
        raise
    tracked = tracked_state(tracker, user, deadline=bound)
    if not _admit(guard, user.legacy_id if user else None, password, bound) and user is not None:
        hashes.dummy_verify()  # refused without verifying, at the cost of a verification
        raise with_context(AccountLockedOutError("too many attempts in the window"), legacy_id=user.legacy_id)
    if user is None:
        hashes.dummy_verify()
        raise UserNotFoundError("no legacy user for this login")
    if not user.has_password:
        hashes.dummy_verify()
        raise with_context(AccountStateError(AccountState.SSO_ONLY.value), legacy_id=user.legacy_id)
    verification = hashes.verify(password, user.password_hash, **dict(user.hash_fields))
    scheme = verification.scheme or None
    if user.state is not AccountState.ACTIVE:  # refused only after a real verification: same timing
        raise with_context(AccountStateError(user.state.value), scheme=scheme, legacy_id=user.legacy_id)
    if not verification.ok:
        raise with_context(InvalidPasswordError("password does not match"), scheme=scheme, legacy_id=user.legacy_id)
    admit(user, login, policy, tracked)  # one legacy account, one Cognito user (after the verification: same timing)
    if guard is not None:
        guard.clear(user.legacy_id, deadline=deadline)  # only a sign-in that will migrate clears the counter
    attributes = user_attributes(user, login, policy)
    weak = policy.weak_password_reset and len(password) < policy.min_password_length
    return MigrationResult(
        user_attributes=attributes,
        final_user_status="RESET_REQUIRED" if weak else "CONFIRMED",
        legacy_id=user.legacy_id,
        scheme=scheme,
    )


def lookup_for_reset(login: str, *, store: LegacyUserStore, policy: MigrationPolicy,
                     deadline: Deadline, tracker: StatusReader | None = None) -> MigrationResult:
    """Find a user for the forgot-password flow (``UserMigration_ForgotPassword``); no password involved.

    Only an active user with a password and a verified email (or phone) is returned, as ``RESET_REQUIRED``:
    Cognito sends the reset code to that contact.

    Raises
    ------
    UserNotFoundError, AmbiguousUserError, AccountStateError
        Unknown, ambiguous, not migratable, another spelling or already migrated
        (:mod:`legacy_auth.migration.canonical`), or no verified contact (``state="no_verified_contact"``).
    StoreTimeoutError, StoreUnavailableError, BudgetExceededError, CorruptRowError
        Infrastructure or data.
    """
    user = _find(login, store, policy, deadline)
    if user is None:
        raise UserNotFoundError("no legacy user for this login")
    if user.state is not AccountState.ACTIVE:
        raise with_context(AccountStateError(user.state.value), legacy_id=user.legacy_id)
    admit(user, login, policy, tracked_state(tracker, user, deadline=deadline))  # a reset creates a user too
    attributes = user_attributes(user, login, policy)
    mediums = ["EMAIL"] if attributes.get("email_verified") == "true" else []
    if attributes.get("phone_number_verified") == "true":
        mediums.append("SMS")
    if not mediums:
        raise with_context(AccountStateError("no_verified_contact"), legacy_id=user.legacy_id)
    return MigrationResult(
        user_attributes=attributes,
        final_user_status="RESET_REQUIRED",
        legacy_id=user.legacy_id,
        desired_delivery_mediums=mediums,
    )

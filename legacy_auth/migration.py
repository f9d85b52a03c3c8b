"""Pure migration logic for Cognito's migrate-user trigger (no AWS, no event shapes, no SQL).

- :func:`migrate_user` for ``UserMigration_Authentication``: find, check state, verify the password.
- :func:`lookup_for_reset` for ``UserMigration_ForgotPassword``: find, check state and a verified contact.

Both return a :class:`MigrationResult` (Cognito attributes and statuses) or raise a ``LegacyAuthError``
whose type says why; the handler turns every error into one generic message.

Username and alias rules (Cognito "Migrate user Lambda trigger" / "Importing users with a user migration
Lambda trigger"; ``../shared/reference/cognito-migration.md`` §1.1), by pool type (``MigrationPolicy``):

- **username pool, no aliases** (``pool_aliases`` empty): whatever the user typed becomes the Cognito
  username; no ``username`` attribute is returned; ``email`` / ``preferred_username`` are plain attributes.
- **username pool with alias attributes** (``email``, ``preferred_username``, ``phone_number``): when the
  typed value *is* an alias (email-format with an email alias; the legacy username with a preferred_username
  alias; phone-format with a phone alias), the typed value cannot be the username ("Username cannot be of
  email format since user pool is configured for email alias"): the function returns a real non-alias
  ``userAttributes["username"]`` and puts the **typed** value into the alias attribute, provided it matches
  the legacy value case-insensitively (otherwise the typed alias would point at a value the user never
  had: refused, ``account_alias_mismatch``). Non-alias username: the legacy username when it is usable
  (no whitespace, no ``@``, not phone-like) and the pool has no preferred_username alias (there the legacy
  username *is* the alias), else ``legacy_<legacy id>``.
- **email as username** (``UsernameAttributes=[email]``, ``pool_sign_in="email"``): the typed email is
  returned as ``email`` (it must match the legacy email case-insensitively) and Cognito generates the
  internal username; a login that is not an email cannot exist in such a pool and is refused.

Roles (``LegacyUser.roles``, e.g. q2a ``level:<n>``) go to ``policy.roles_attribute`` (default
``custom:legacy_roles``, read by the pre-token hook): comma-joined, whole roles only, at most 256 bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Literal, Protocol

from legacy_auth.db import Deadline
from legacy_auth.errors import (
    AccountStateError,
    AmbiguousUserError,
    BudgetExceededError,
    InvalidPasswordError,
    UserNotFoundError,
)
from legacy_auth.model import AccountState, LegacyUser
from legacy_auth.store import LegacyUserStore

if TYPE_CHECKING:
    from legacy_auth.config import Settings

FinalStatus = Literal["CONFIRMED", "RESET_REQUIRED"]
Alias = Literal["email", "preferred_username", "phone_number"]
ALIASES: tuple[Alias, ...] = ("email", "preferred_username", "phone_number")
#: Cognito's username must not look like an email / phone in alias pools; nor contain whitespace.
_USERNAME_OK = re.compile(r"^[^\s@]{1,128}$")
_COGNITO_USERNAME = re.compile(r"^[^\s]{1,128}$")
_PHONE_LIKE = re.compile(r"^\+?[0-9]{6,}$")
#: ``custom:legacy_roles`` is declared with MaxLength 256 (template.yaml); counted in UTF-8 bytes to be safe.
ROLES_MAX = 256
_ROLE_UNSAFE = re.compile(r"[,\x00-\x1f\x7f]")


class HashVerifier(Protocol):
    """The part of ``legacy_auth.hashing.HashContext`` the migration needs."""

    def verify(self, password: str | bytes, stored: str | bytes | None, **fields: object) -> object:
        """Verification with ``ok`` and ``scheme`` attributes."""
        ...

    def dummy_verify(self) -> None:
        """A verification of realistic cost whose answer is ignored."""
        ...


@dataclass(frozen=True, slots=True)
class MigrationPolicy:
    """Deployment choices that shape the answer (from ``Settings``).

    Attributes
    ----------
    trust_emails:
        Legacy emails count as verified even where the app recorded no confirmation (``LEGACY_TRUST_EMAILS``).
    pool_sign_in:
        ``username`` (usernames, optionally with aliases) or ``email`` (email as username).
    pool_aliases:
        Alias attributes of a ``username`` pool (``AliasAttributes``): ``email`` (the template's
        ``EmailMode=alias``), ``preferred_username``, ``phone_number``; empty for none.
    roles_attribute:
        Custom attribute receiving the legacy roles; ``None`` to write none.
    weak_password_reset:
        Migrate passwords shorter than ``min_password_length`` as ``RESET_REQUIRED``.
    verify_reserve_s:
        Time kept back after the DB lookup for the hash verification.
    """

    trust_emails: bool = False
    pool_sign_in: Literal["username", "email"] = "username"
    pool_aliases: frozenset[Alias] = frozenset({"email"})
    roles_attribute: str | None = "custom:legacy_roles"
    weak_password_reset: bool = False
    min_password_length: int = 8
    verify_reserve_s: float = 0.4

    @classmethod
    def from_settings(cls, settings: Settings, *, aliases: bool = True) -> MigrationPolicy:
        """The policy the trigger applies, from its settings (the admin CLI builds it the same way).

        ``aliases=False`` (the CLI's ``--no-aliases``) describes a pool without alias attributes.
        """
        return cls(
            trust_emails=settings.trust_emails,
            pool_sign_in=settings.pool_sign_in,
            pool_aliases=settings.pool_aliases if aliases else frozenset(),
            roles_attribute=settings.roles_attribute,
            weak_password_reset=settings.weak_password_reset,
            min_password_length=settings.min_password_length,
            verify_reserve_s=settings.verify_reserve_ms / 1000,
        )


@dataclass(frozen=True, slots=True)
class MigrationResult:
    """What to write into the trigger's response."""

    user_attributes: dict[str, str]
    final_user_status: FinalStatus
    legacy_id: str
    scheme: str | None = None
    message_action: Literal["SUPPRESS"] = "SUPPRESS"
    desired_delivery_mediums: list[str] = field(default_factory=list)


def _refuse(err: Exception, *, scheme: str | None = None, legacy_id: str | None = None) -> Exception:
    for name, value in (("scheme", scheme), ("legacy_id", legacy_id)):
        if value is not None:
            setattr(err, name, value)
    return err


def _find(login: str, store: LegacyUserStore, policy: MigrationPolicy, deadline: Deadline) -> LegacyUser | None:
    if policy.pool_sign_in == "email" and "@" not in login:
        return None  # cannot exist in an email-as-username pool
    user = store.find_by_login(login, deadline=deadline.shortened(policy.verify_reserve_s))
    if deadline.expired:
        raise BudgetExceededError("no time left after the legacy lookup")
    return user


def migrate_user(login: str, password: str, *, store: LegacyUserStore, hashes: HashVerifier,
                 policy: MigrationPolicy, deadline: Deadline) -> MigrationResult:
    """Verify a sign-in against the legacy store (``UserMigration_Authentication``).

    Parameters
    ----------
    login:
        ``userName`` as typed (username or email).
    password:
        The plaintext password (never logged, never stored).
    store, hashes, policy, deadline:
        The legacy store, the app's hash context, deployment policy and the invocation deadline.

    Returns
    -------
    MigrationResult
        ``CONFIRMED`` (or ``RESET_REQUIRED`` for a weak password with ``weak_password_reset``), ``SUPPRESS``.

    Raises
    ------
    UserNotFoundError, InvalidPasswordError, AmbiguousUserError, AccountStateError
        Credential refusals (after a verification of realistic cost, so timing does not reveal which).
    UnknownHashSchemeError, CorruptHashError, CorruptRowError
        The legacy data cannot be used.
    StoreTimeoutError, StoreUnavailableError, BudgetExceededError
        Infrastructure.
    """
    try:
        user = _find(login, store, policy, deadline)
    except AmbiguousUserError:
        hashes.dummy_verify()
        raise
    if user is None:
        hashes.dummy_verify()
        raise UserNotFoundError("no legacy user for this login")
    if not user.has_password:
        hashes.dummy_verify()
        raise _refuse(AccountStateError(AccountState.SSO_ONLY.value), legacy_id=user.legacy_id)
    verification = hashes.verify(password, user.password_hash, **dict(user.hash_fields))
    scheme = str(getattr(verification, "scheme", "")) or None
    if user.state is not AccountState.ACTIVE:  # refused only after a real verification: same timing
        raise _refuse(AccountStateError(user.state.value), scheme=scheme, legacy_id=user.legacy_id)
    if not getattr(verification, "ok", False):
        raise _refuse(InvalidPasswordError("password does not match"), scheme=scheme, legacy_id=user.legacy_id)
    attributes = user_attributes(user, login, policy)
    weak = policy.weak_password_reset and len(password) < policy.min_password_length
    return MigrationResult(
        user_attributes=attributes,
        final_user_status="RESET_REQUIRED" if weak else "CONFIRMED",
        legacy_id=user.legacy_id,
        scheme=scheme,
    )


def lookup_for_reset(login: str, *, store: LegacyUserStore, policy: MigrationPolicy,
                     deadline: Deadline) -> MigrationResult:
    """Find a user for the forgot-password flow (``UserMigration_ForgotPassword``); no password involved.

    Only an active user with a password and a verified email (or phone) is returned, as ``RESET_REQUIRED``:
    Cognito sends the reset code to that contact.

    Raises
    ------
    UserNotFoundError, AmbiguousUserError, AccountStateError
        Unknown, ambiguous, not migratable, or no verified contact (``state="no_verified_contact"``).
    StoreTimeoutError, StoreUnavailableError, BudgetExceededError, CorruptRowError
        Infrastructure or data.
    """
    user = _find(login, store, policy, deadline)
    if user is None:
        raise UserNotFoundError("no legacy user for this login")
    if user.state is not AccountState.ACTIVE:
        raise _refuse(AccountStateError(user.state.value), legacy_id=user.legacy_id)
    attributes = user_attributes(user, login, policy)
    mediums = ["EMAIL"] if attributes.get("email_verified") == "true" else []
    if attributes.get("phone_number_verified") == "true":
        mediums.append("SMS")
    if not mediums:
        raise _refuse(AccountStateError("no_verified_contact"), legacy_id=user.legacy_id)
    return MigrationResult(
        user_attributes=attributes,
        final_user_status="RESET_REQUIRED",
        legacy_id=user.legacy_id,
        desired_delivery_mediums=mediums,
    )


def user_attributes(user: LegacyUser, login: str, policy: MigrationPolicy) -> dict[str, str]:
    """Cognito ``userAttributes`` for a legacy user (never ``sub``; ``custom:legacy_id`` always).

    The username / alias attributes follow the pool type (module docstring).

    Raises
    ------
    AccountStateError
        ``state="no_email"`` in an email-as-username pool when the legacy row has no email;
        ``state="alias_mismatch"`` when the typed alias is not the legacy value;
        ``state="no_username"`` when no valid non-alias username can be made.
    """
    email = (user.email or "").strip()
    attrs: dict[str, str] = {"custom:legacy_id": user.legacy_id}
    if email:
        attrs["email"] = email
        attrs["email_verified"] = "true" if (user.email_verified or policy.trust_emails) else "false"
    elif policy.pool_sign_in == "email":
        raise _refuse(AccountStateError("no_email"), legacy_id=user.legacy_id)
    if user.phone_number:
        attrs["phone_number"] = user.phone_number
        attrs["phone_number_verified"] = "true" if user.phone_verified else "false"
    if user.display_name and user.display_name.strip():
        attrs["name"] = user.display_name.strip()
    handle = (user.username or "").strip()
    if handle and _USERNAME_OK.fullmatch(handle) and not _PHONE_LIKE.fullmatch(handle):
        attrs["preferred_username"] = handle
    _apply_sign_in(attrs, user, login.strip(), policy)
    roles = roles_value(tuple(user.roles)) if user.roles else ""
    if roles and policy.roles_attribute:
        attrs[policy.roles_attribute] = roles
    return attrs


def _typed_alias(typed: str, attrs: dict[str, str], policy: MigrationPolicy) -> Alias | None:
    """Which alias attribute the typed login is in this pool, if any (module docstring)."""
    if policy.pool_sign_in == "email":
        return "email"
    aliases = policy.pool_aliases
    if "email" in aliases and "@" in typed:
        return "email"
    if "phone_number" in aliases and _PHONE_LIKE.fullmatch(typed):
        return "phone_number"
    legacy = attrs.get("preferred_username")
    if "preferred_username" in aliases and legacy is not None and typed.casefold() == legacy.casefold():
        return "preferred_username"
    return None


def _apply_sign_in(attrs: dict[str, str], user: LegacyUser, typed: str, policy: MigrationPolicy) -> None:
    """Put the typed alias into its attribute and, in a username pool, a non-alias ``username``."""
    alias = _typed_alias(typed, attrs, policy)
    if alias is None:
        return  # the typed value becomes the Cognito username
    legacy = attrs.get(alias)
    if legacy is None or typed.casefold() != legacy.casefold():
        raise _refuse(AccountStateError("alias_mismatch"), legacy_id=user.legacy_id)
    attrs[alias] = typed  # echo what the user typed: the alias Cognito will resolve
    if policy.pool_sign_in == "email":
        return  # Cognito generates the internal username
    handle = attrs.get("preferred_username")
    username = handle if handle and "preferred_username" not in policy.pool_aliases else f"legacy_{user.legacy_id}"
    if not _COGNITO_USERNAME.fullmatch(username) or "@" in username:
        raise _refuse(AccountStateError("no_username"), legacy_id=user.legacy_id)
    attrs["username"] = username


@lru_cache(maxsize=512)
def roles_value(roles: tuple[str, ...]) -> str:
    """Roles comma-joined for ``custom:legacy_roles``: stripped, de-duplicated, in order; a role with a comma
    or a control character (it would not survive the pre-token hook's split) is left out, and roles are
    added only while the whole still fits ``ROLES_MAX`` UTF-8 bytes (a role is never cut in half).

    Cached: the same few role sets (``level:0``, ``group:2``) come back on almost every sign-in.
    """
    out: list[str] = []
    size = 0
    for raw in roles:
        role = str(raw).strip()
        if not role or role in out or _ROLE_UNSAFE.search(role):
            continue
        cost = len(role.encode("utf-8")) + (1 if out else 0)
        if size + cost > ROLES_MAX:
            continue
        out.append(role)
        size += cost
    return ",".join(out)

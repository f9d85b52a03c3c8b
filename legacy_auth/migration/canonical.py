"""The migration boundary: **one legacy account maps to at most one Cognito user**.

The app's own login rule finds a legacy row under its database's collation, which may treat many spellings as
one (MySQL/MariaDB ``utf8mb4_general_ci`` / ``utf8mb4_unicode_520_ci``: ``ádmin``, ``ＡＤＭＩＮ``, ``admın``,
``staﬀ``, ``ſtaff``, ``admin `` all find ``admin``; zero-width characters are ignored; PostgreSQL ``citext`` or a
nondeterministic ICU collation fold further). Cognito creates the migrated user under the spelling the user
typed, so answering for a row found under *another* spelling would create a second Cognito user carrying the
same ``custom:legacy_id`` and roles. The trigger therefore migrates a row only when the typed login **is** the
row's own canonical login under exactly the folding the *pool* applies:

- the canonical login is the row's username for a username sign-in, its e-mail for an e-mail sign-in (an email
  alias, or an e-mail-as-username pool), its phone number for a phone alias; in a username pool *with* alias
  attributes the username sign-in must also spell the Cognito username the e-mail sign-in would create
  (:func:`alias_pool_username`), so both routes land on one user;
- the folding is :func:`pool_fold`: none in a case-sensitive pool; in a case-insensitive pool only ASCII
  ``A-Z`` -> ``a-z``. AWS documents case-insensitivity (``UsernameConfigurationType.CaseSensitive=false``: "users
  can sign in using ``username``, ``USERNAME``, or ``UserName``"; it also covers the ``preferred_username`` and
  ``email`` aliases; API reference, https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/
  API_UsernameConfigurationType.html) with ASCII examples only and does not say how (or whether) it folds
  non-ASCII letters. Folding less than Cognito can only refuse a user wrongly (safe: they type the stored
  spelling); folding more could create a second user. So non-ASCII case (``Ádám`` vs ``ádám``), Unicode
  compatibility forms and NFC/NFD variants are different logins here.

A refusal raises ``AccountStateError`` (reason ``account_spelling_mismatch`` or ``account_already_migrated``); the
caller refuses only after a verification of realistic cost, as for a wrong
password. With tracking on (``LEGACY_TRACK_MIGRATION``) an account recorded as migrated (``migrated``,
``reset_completed``, ``imported``) is refused whatever the spelling, except that a ``migrated`` record at most
:data:`legacy_auth.migration.tracking.RETRY_WINDOW_S` old does not refuse the same canonical login (Cognito retries an
invocation that failed or timed out on its side; docs/migration.md, "One legacy account, one Cognito user").
"""

from __future__ import annotations

import re
import string
from typing import TYPE_CHECKING, Protocol

from legacy_auth.errors import AccountStateError
from legacy_auth.model import LegacyUser

if TYPE_CHECKING:
    from legacy_auth.db import Deadline
    from legacy_auth.migration.config import MigrationPolicy, PoolAlias
    from legacy_auth.migration.tracking import TrackedState

_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
#: Cognito's username must not look like an email / phone in alias pools; nor contain whitespace.
USERNAME_OK = re.compile(r"^[^\s@]{1,128}$")
PHONE_LIKE = re.compile(r"^\+?[0-9]{6,}$")
#: prefix of the usernames made for rows without a usable one (``legacy_<legacy id>``)
FALLBACK_PREFIX = "legacy_"
#: tracking statuses that mean "this account already has its Cognito user" (``legacy_auth.migration.tracking.MIGRATED``;
#: not imported from there: the trigger imports tracking only when tracking is on, keeping cold starts light)
MIGRATED_STATUSES = frozenset({"migrated", "reset_completed", "imported"})
#: a legacy id no row has: the tracking read of a sign-in that found no row (same query, same cost)
NO_ACCOUNT = ""


class StatusReader(Protocol):
    """The part of :class:`legacy_auth.migration.tracking.MigrationTracker` the boundary reads."""

    def state(self, legacy_id: str, *, deadline: Deadline | None) -> TrackedState | None:
        """The recorded status of one legacy id (and whether it is recent), or ``None``."""
        ...


def pool_fold(value: str, *, case_sensitive: bool) -> str:
    """``value`` as the pool compares it: unchanged (case-sensitive) or with ASCII ``A-Z`` lower-cased only."""
    return value if case_sensitive else value.translate(_ASCII_LOWER)


def same_login(typed: str, canonical: str, *, case_sensitive: bool) -> bool:
    """Whether the pool treats ``typed`` and ``canonical`` as one login (see the module docstring)."""
    return pool_fold(typed, case_sensitive=case_sensitive) == pool_fold(canonical, case_sensitive=case_sensitive)


def fallback_username(user: LegacyUser) -> str:
    """The Cognito username of a row whose legacy username cannot be one: ``legacy_<legacy id>``."""
    return f"{FALLBACK_PREFIX}{user.legacy_id}"


def usable_username(handle: str | None, *, case_sensitive: bool) -> bool:
    """Whether a legacy username can be the Cognito username in an alias pool.

    Not: empty, whitespace or ``@`` (an email alias), phone-like (a phone alias), longer than 128, or spelled like
    a ``legacy_<id>`` fallback (it could take the fallback username of another row).
    """
    if not handle or not USERNAME_OK.fullmatch(handle) or PHONE_LIKE.fullmatch(handle):
        return False
    return not pool_fold(handle, case_sensitive=case_sensitive).startswith(FALLBACK_PREFIX)


def alias_pool_username(user: LegacyUser, policy: MigrationPolicy) -> str:
    """The one Cognito username of ``user`` in a username pool with alias attributes (every sign-in route)."""
    handle = user.username
    if "preferred_username" in policy.pool_aliases or not usable_username(handle, case_sensitive=policy.case_sensitive):
        return fallback_username(user)
    return str(handle)


def typed_alias(typed: str, user: LegacyUser, policy: MigrationPolicy) -> PoolAlias | None:
    """Which alias attribute the typed login is in this pool, or ``None`` for a username sign-in."""
    if policy.pool_sign_in == "email":
        return "email"
    aliases = policy.pool_aliases
    if "email" in aliases and "@" in typed:
        return "email"
    if "phone_number" in aliases and PHONE_LIKE.fullmatch(typed):
        return "phone_number"
    handle = user.username
    if "preferred_username" in aliases and handle and USERNAME_OK.fullmatch(handle) \
            and not PHONE_LIKE.fullmatch(handle) and same_login(typed, handle, case_sensitive=policy.case_sensitive):
        return "preferred_username"
    return None


def canonical_login(user: LegacyUser, typed: str, policy: MigrationPolicy) -> str | None:
    """The row's own login for the way ``typed`` signs in (``None``: the row has none, nothing matches it)."""
    alias = typed_alias(typed, user, policy)
    if alias == "email":
        return user.email
    if alias == "phone_number":
        return user.phone_number
    if alias == "preferred_username":
        return user.username
    if policy.pool_aliases:  # the username the e-mail sign-in would create too
        return alias_pool_username(user, policy)
    return user.username if user.username is not None else user.email


def tracked_state(reader: StatusReader | None, user: LegacyUser | None, *, deadline: Deadline) -> TrackedState | None:
    """One tracking read per sign-in when tracking is on, whatever was found (so timing does not tell).

    Raises
    ------
    StoreTimeoutError, StoreUnavailableError
        The tracking table cannot be read: the sign-in fails closed (a system failure, not a credential one).
    """
    if reader is None:
        return None
    return reader.state(user.legacy_id if user is not None else NO_ACCOUNT, deadline=deadline)


def admit(user: LegacyUser, typed: str, policy: MigrationPolicy, tracked: TrackedState | None) -> None:
    """Refuse unless ``typed`` is the row's canonical login and the account has no Cognito user yet.

    Call it after the password verification (or its dummy), so a refusal costs what a wrong password costs.

    Raises
    ------
    AccountStateError
        ``already_migrated`` or ``spelling_mismatch`` (module docstring).
    """
    canonical = canonical_login(user, typed, policy)
    matches = canonical is not None and same_login(typed, canonical, case_sensitive=policy.case_sensitive)
    if tracked is not None and tracked.status in MIGRATED_STATUSES \
            and not (matches and tracked.status == "migrated" and tracked.recent):
        raise _refusal("already_migrated", user)
    if not matches:
        raise _refusal("spelling_mismatch", user)


def _refusal(state: str, user: LegacyUser) -> AccountStateError:
    err = AccountStateError(state)
    err.legacy_id = user.legacy_id  # type: ignore[attr-defined]  # structured context for the logs
    return err

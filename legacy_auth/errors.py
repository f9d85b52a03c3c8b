"""The one exception root of ``legacy_auth``.

Every error raised by this package derives from :class:`LegacyAuthError`. Errors carry structured
context as attributes (``scheme``, ``reason``, ``field``), **never** a password, hash or token.
Handlers map these types to user-visible messages in one place each (``triggers/*``).

Branches:
- credential rejection (the user's problem): :class:`CredentialError` and subclasses;
- hash problems (the data's problem): :class:`HashError` and subclasses;
- infrastructure (our problem): :class:`StoreError` and subclasses;
- configuration (the admin's problem): :class:`ConfigurationError`.

Add new classes under the right branch; do not rename existing ones.
"""

from __future__ import annotations


class LegacyAuthError(Exception):
    """Root of every error raised by ``legacy_auth``."""


# ---------------------------------------------------------------- configuration


class ConfigurationError(LegacyAuthError):
    """A setting is missing or invalid. ``setting`` names the environment variable."""

    def __init__(self, setting: str, message: str) -> None:
        super().__init__(f"{setting}: {message}")
        self.setting = setting


# ---------------------------------------------------------------- hashes


class HashError(LegacyAuthError):
    """A stored hash cannot be used for verification."""


class UnknownHashSchemeError(HashError):
    """No registered scheme recognises the stored value (for this app)."""

    def __init__(self, app: str | None = None) -> None:
        super().__init__(f"hash could not be identified{f' for app {app!r}' if app else ''}")
        self.app = app


class CorruptHashError(HashError):
    """The stored value looks like ``scheme`` but cannot be parsed (truncated, bad encoding, bad params)."""

    def __init__(self, scheme: str, reason: str = "malformed") -> None:
        super().__init__(f"corrupt {scheme} hash: {reason}")
        self.scheme = scheme
        self.reason = reason


# ---------------------------------------------------------------- credentials / account state


class CredentialError(LegacyAuthError):
    """The sign-in must be refused. ``reason`` is a short machine-readable code for logs and metrics."""

    reason = "credentials"


class UserNotFoundError(CredentialError):
    reason = "unknown_user"


class InvalidPasswordError(CredentialError):
    reason = "wrong_password"


class AmbiguousUserError(CredentialError):
    """Several legacy rows match the login (e.g. a shared email): refused, as q2a does."""

    reason = "ambiguous_user"


class AccountStateError(CredentialError):
    """The legacy account must not be migrated (blocked, inactive, unconfirmed, locked, SSO-only...)."""

    def __init__(self, state: str) -> None:
        super().__init__(f"account not migratable: {state}")
        self.state = state
        self.reason = f"account_{state}"


class AccountLockedOutError(CredentialError):
    """Too many failed sign-ins for this legacy account in the guessing window (``legacy_auth.migration.lockout``).

    Refused without verifying the password (after a dummy verification of the same cost).
    """

    reason = "account_locked_out"


# ---------------------------------------------------------------- infrastructure


class StoreError(LegacyAuthError):
    """The legacy or app database could not answer."""


class StoreUnavailableError(StoreError):
    """Could not connect / authenticate / the connection died."""


class StoreTimeoutError(StoreError):
    """The time budget ran out before the database answered."""


class LockoutUnavailableError(StoreError):
    """The guessing-bound table could not be read or written and ``LEGACY_LOCKOUT_ON_DB_ERROR=closed``."""

    reason = "lockout_unavailable"


class BudgetExceededError(LegacyAuthError):
    """Not enough of the Lambda's time left to do the work safely before Cognito's 5 s limit."""


# ---------------------------------------------------------------- legacy rows (presets)


class CorruptRowError(LegacyAuthError):
    """A legacy users-table row cannot be read (missing column, wrong type).

    ``app`` is the ``LEGACY_APP`` value and ``column`` the offending column; the value itself is never kept.
    """

    def __init__(self, app: str, column: str, reason: str = "invalid") -> None:
        super().__init__(f"unreadable {app} row: column {column!r} {reason}")
        self.app = app
        self.column = column
        self.reason = reason


# ---------------------------------------------------------------- events


class UnsupportedTriggerError(LegacyAuthError):
    """A ``triggerSource`` a trigger does not serve (or ForgotPassword switched off), or an event without a user."""

    reason = "unsupported_trigger"


# ---------------------------------------------------------------- reason codes


def reason_of(exc: BaseException | None) -> str:
    """The stable, machine-readable reason code of a refusal or failure, chosen by exception type.

    The one mapping used by the UserMigration trigger's logs and metrics (and the alarms' metric filters in
    ``template.yaml``) and by ``legacy-auth check``: never by message text, which may quote data.

    Parameters
    ----------
    exc : BaseException or None
        The exception; ``None`` (or any type not listed) is ``internal_error``.

    Returns
    -------
    str
        ``CredentialError`` / ``UnsupportedTriggerError`` / ``StoreError``: their own ``reason``
        (``wrong_password``, ``db_timeout``, ``lockout_unavailable``...); otherwise ``corrupt_hash``,
        ``unknown_hash_scheme``, ``budget_exceeded``, ``configuration``, ``corrupt_row`` or ``internal_error``.
    """
    if isinstance(exc, CredentialError | UnsupportedTriggerError):
        return str(exc.reason)
    if isinstance(exc, StoreError):
        return str(getattr(exc, "reason", "db_unavailable"))
    for kind, reason in _REASONS:
        if isinstance(exc, kind):
            return reason
    return "internal_error"


_REASONS: tuple[tuple[type[LegacyAuthError], str], ...] = (
    (CorruptHashError, "corrupt_hash"),
    (UnknownHashSchemeError, "unknown_hash_scheme"),
    (BudgetExceededError, "budget_exceeded"),
    (ConfigurationError, "configuration"),
    (CorruptRowError, "corrupt_row"),
)

"""The legacy user as every part of the service sees it, whatever app it came from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

Dialect = Literal["mysql", "postgresql", "sqlite"]
"""The SQL dialects the service speaks (the one declaration: ``db`` and ``presets`` import it)."""


class AccountState(StrEnum):
    """Whether a legacy account may be migrated; anything but ``ACTIVE`` is refused."""

    ACTIVE = "active"
    BLOCKED = "blocked"  # q2a flags&2, Drupal status=0, Joomla block=1, WordPress multisite spam/deleted ...
    INACTIVE = "inactive"  # Django is_active=0, phpBB user_type=1, Magento is_active=0
    UNCONFIRMED = "unconfirmed"  # registration not confirmed (q2a MUST_CONFIRM, Devise confirmed_at NULL, ...)
    UNAPPROVED = "unapproved"  # awaiting moderator approval (q2a level < 10 with moderation on)
    LOCKED = "locked"  # Devise locked_at, ASP.NET LockoutEnd in the future, Magento lock_expires
    DELETED = "deleted"  # soft-deleted rows (WordPress multisite deleted=1, ...)
    SPAM = "spam"
    SSO_ONLY = "sso_only"  # no password to verify (external login only)
    SYSTEM = "system"  # anonymous / bot rows (phpBB user_type=2, Drupal uid 0)


@dataclass(frozen=True, slots=True)
class LegacyUser:
    """One row of the legacy users table, normalised.

    ``password_hash`` and ``hash_fields`` are excluded from ``repr`` so a logged user never leaks them.
    """

    legacy_id: str
    username: str | None
    email: str | None
    email_verified: bool
    state: AccountState
    display_name: str | None = None
    phone_number: str | None = None
    phone_verified: bool = False
    roles: tuple[str, ...] = ()  # legacy roles as strings, e.g. ("level:100",) for q2a, ("administrator",)
    password_hash: str | None = field(default=None, repr=False)
    hash_fields: Mapping[str, Any] = field(default_factory=dict, repr=False)  # q2a passsalt/passcheck, salt...

    @property
    def has_password(self) -> bool:
        """False for SSO-only rows (nothing to verify)."""
        if self.password_hash:
            return True
        return any(v not in (None, b"", "") for v in self.hash_fields.values())

"""The app-users row a confirmation provisions (shared by :mod:`provisioning` and :mod:`provisioning_failures`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AppUser:
    """The row to provision: Cognito ``sub`` (the key), username, email and the legacy id if migrated."""

    sub: str
    username: str | None = None
    email: str | None = None
    legacy_id: str | None = None

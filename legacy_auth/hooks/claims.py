"""Identity claims for the pre-token-generation hook: ``legacy_id``, ``app_user_id`` and legacy roles as groups.

Pure functions over the user's Cognito attributes (no database, no network: this runs on every token
issue and refresh). Only identifiers and group names ever leave this module; an attribute whose value
is not a short printable string is ignored (a no-op, never an exception), so a hostile or corrupt
attribute can neither break sign-in nor smuggle data into a token.

The two id claims never share a meaning: ``legacy_id`` is always the legacy app's primary key (from
``custom:legacy_id``); ``app_user_id`` is always the app-users row id (``custom:app_user_id``, or the row looked
up by ``sub`` when ``HOOKS_TOKEN_APP_USER_LOOKUP`` is on), never the legacy id. A backend reading
``app_user_id = 7`` knows it is row 7 of the app-users table, whoever the user is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from legacy_auth.hooks.config import HookSettings

LEGACY_ID_CLAIM = "legacy_id"
APP_USER_ID_CLAIM = "app_user_id"
MAX_ROLES_LENGTH = 2048  # Cognito's limit for a custom attribute value
MAX_GROUPS = 100  # Cognito's groups-per-user quota; never emit more
_ID = re.compile(r"^[A-Za-z0-9_.:@+-]{1,128}$")
# Custom attributes whose *name* says they hold a credential: Cognito copies every readable custom attribute
# into the ID token, so a misconfigured migration that stored one would leak it. Suppressed as a safety net.
_SENSITIVE = re.compile(r"pass|hash|salt|secret|token|pepper|otp|totp|mfa_seed|api_?key", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class IdentityClaims:
    """What to add to the tokens.

    Attributes
    ----------
    claims : dict[str, str]
        Claim name -> value: ``legacy_id`` (legacy primary key) and ``app_user_id`` (app-users row id), each
        only when known; empty when the user has neither.
    groups : tuple[str, ...]
        Groups mapped from legacy roles (not yet merged with the user's Cognito groups).
    suppress : tuple[str, ...]
        Custom attributes whose name marks them as credentials, to suppress from the tokens.
    ignored : tuple[str, ...]
        Names of attributes that were present but unusable (for a log line; values are never kept).
    """

    claims: dict[str, str]
    groups: tuple[str, ...]
    suppress: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()


def identity_claims(
    attributes: Mapping[str, Any], settings: HookSettings, *, looked_up_app_user_id: str | None = None
) -> IdentityClaims:
    """Derive the identity claims and role groups from a user's Cognito attributes.

    Parameters
    ----------
    attributes : Mapping[str, Any]
        ``request.userAttributes`` of the event (values should be strings; anything else is ignored).
    settings : HookSettings
        Attribute names and the role -> group map.
    looked_up_app_user_id : str or None
        The app-users row id, when ``HOOKS_TOKEN_APP_USER_LOOKUP`` is on and the row exists.

    Returns
    -------
    IdentityClaims
        ``legacy_id`` is the legacy primary key (``custom:legacy_id``) or absent. ``app_user_id`` is the
        ``custom:app_user_id`` attribute if set, else the looked-up row id, else absent: it never falls back to
        the legacy id (the two are different numbering schemes). Users with neither carry only ``sub``, the key
        the post-confirmation hook provisions them under.
    """
    ignored: list[str] = []
    legacy_id = _id_value(attributes, settings.legacy_id_attribute, ignored)
    looked_up = looked_up_app_user_id if looked_up_app_user_id and _ID.fullmatch(looked_up_app_user_id) else None
    app_user_id = _id_value(attributes, settings.app_user_id_attribute, ignored) or looked_up
    claims: dict[str, str] = {}
    if legacy_id:
        claims[LEGACY_ID_CLAIM] = legacy_id
    if app_user_id:
        claims[APP_USER_ID_CLAIM] = app_user_id
    groups = _mapped_groups(attributes, settings, ignored)
    suppress = tuple(sorted(k for k in attributes if isinstance(k, str) and _is_sensitive(k)))
    return IdentityClaims(claims=claims, groups=groups, suppress=suppress, ignored=tuple(ignored))


def parse_roles(raw: str) -> list[str]:
    """Split a roles attribute (``"level:100"``, ``"editor, author"``) into role strings.

    Parameters
    ----------
    raw : str
        Comma-separated roles, as the migration hook writes ``LegacyUser.roles``.

    Returns
    -------
    list[str]
        Non-empty, stripped roles in order, without duplicates.
    """
    out: list[str] = []
    for role in raw.split(","):
        role = role.strip()
        if role and role not in out:
            out.append(role)
    return out


def merge_groups(existing: Iterable[Any], extra: Iterable[str]) -> list[str]:
    """The user's Cognito groups followed by mapped ones, without duplicates, at most :data:`MAX_GROUPS`.

    Parameters
    ----------
    existing : Iterable[Any]
        ``groupConfiguration.groupsToOverride`` from the event (non-strings are dropped).
    extra : Iterable[str]
        Groups mapped from legacy roles.

    Returns
    -------
    list[str]
        Merged list, order preserved.
    """
    out: list[str] = []
    for group in [*existing, *extra]:
        if isinstance(group, str) and group and group not in out:
            out.append(group)
    return out[:MAX_GROUPS]


def _is_sensitive(name: str) -> bool:
    return name.startswith("custom:") and bool(_SENSITIVE.search(name))


def _id_value(attributes: Mapping[str, Any], name: str, ignored: list[str]) -> str | None:
    value = attributes.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, str) and _ID.fullmatch(value):
        return value
    ignored.append(name)
    return None


def _mapped_groups(attributes: Mapping[str, Any], settings: HookSettings, ignored: list[str]) -> tuple[str, ...]:
    if not settings.role_groups:
        return ()
    raw = attributes.get(settings.roles_attribute)
    if raw is None or raw == "":
        return ()
    if not isinstance(raw, str) or len(raw) > MAX_ROLES_LENGTH:
        ignored.append(settings.roles_attribute)
        return ()
    groups: list[str] = []
    for role in parse_roles(raw):
        group = settings.role_groups.get(role)
        if group and group not in groups:
            groups.append(group)
    return tuple(groups)

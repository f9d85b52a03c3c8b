"""Cognito ``userAttributes`` for a legacy user: the username and alias rules by pool type, and the roles.

Used by the migrate-user trigger (:mod:`legacy_auth.migration.policy`) and the bulk import
(:mod:`legacy_auth.cli.import_csv`), so a user gets the same attributes either way.

Username and alias rules (Cognito "Migrate user Lambda trigger" / "Importing users with a user migration
Lambda trigger"; ``../shared/reference/cognito-migration.md`` §1.1), by pool type (``MigrationPolicy``):

- **username pool, no aliases** (``pool_aliases`` empty): whatever the user typed becomes the Cognito
  username; no ``username`` attribute is returned; ``email`` / ``preferred_username`` are plain attributes.
- **username pool with alias attributes** (``email``, ``preferred_username``, ``phone_number``): when the
  typed value *is* an alias (email-format with an email alias; the legacy username with a preferred_username
  alias; phone-format with a phone alias), the typed value cannot be the username ("Username cannot be of
  email format since user pool is configured for email alias"): the function returns a real non-alias
  ``userAttributes["username"]`` and puts the **typed** value into the alias attribute, provided it matches
  the legacy value under the pool's folding (:func:`legacy_auth.migration.canonical.pool_fold`; otherwise the typed
  alias would point at a value the user never had: refused, ``account_alias_mismatch``). Non-alias username
  (:func:`legacy_auth.migration.canonical.alias_pool_username`): the legacy username when it is usable (no whitespace,
  no ``@``, not phone-like, not spelled ``legacy_...``) and the pool has no preferred_username alias (there the
  legacy username *is* the alias), else ``legacy_<legacy id>``.
- **email as username** (``UsernameAttributes=[email]``, ``pool_sign_in="email"``): the typed email is
  returned as ``email`` (it must match the legacy email under the pool's folding) and Cognito generates the
  internal username; a login that is not an email cannot exist in such a pool and is refused.

Roles (``LegacyUser.roles``, e.g. q2a ``level:<n>``) go to ``policy.roles_attribute`` (default
``custom:legacy_roles``, read by the pre-token hook): comma-joined, whole roles only, at most 256 bytes.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from legacy_auth.errors import AccountStateError
from legacy_auth.migration.canonical import PHONE_LIKE, USERNAME_OK, alias_pool_username, same_login, typed_alias
from legacy_auth.model import LegacyUser

if TYPE_CHECKING:
    from legacy_auth.migration.config import MigrationPolicy

_COGNITO_USERNAME = re.compile(r"^[^\s]{1,128}$")
#: ``custom:legacy_roles`` is declared with MaxLength 256 (template.yaml); counted in UTF-8 bytes to be safe.
ROLES_MAX = 256
_ROLE_UNSAFE = re.compile(r"[,\x00-\x1f\x7f]")


def with_context(err: Exception, *, scheme: str | None = None, legacy_id: str | None = None) -> Exception:
    """``err`` carrying the structured context the handler logs (``scheme``, ``legacy_id``; never a secret)."""
    for name, value in (("scheme", scheme), ("legacy_id", legacy_id)):
        if value is not None:
            setattr(err, name, value)
    return err


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
        raise with_context(AccountStateError("no_email"), legacy_id=user.legacy_id)
    if user.phone_number:
        attrs["phone_number"] = user.phone_number
        attrs["phone_number_verified"] = "true" if user.phone_verified else "false"
    if user.display_name and user.display_name.strip():
        attrs["name"] = user.display_name.strip()
    handle = (user.username or "").strip()
    if handle and USERNAME_OK.fullmatch(handle) and not PHONE_LIKE.fullmatch(handle):
        attrs["preferred_username"] = handle
    _apply_sign_in(attrs, user, login.strip(), policy)
    roles = roles_value(tuple(user.roles)) if user.roles else ""
    if roles and policy.roles_attribute:
        attrs[policy.roles_attribute] = roles
    return attrs


def _apply_sign_in(attrs: dict[str, str], user: LegacyUser, typed: str, policy: MigrationPolicy) -> None:
    """Put the typed alias into its attribute and, in a username pool, the one non-alias ``username``.

    The alias and the username come from :mod:`legacy_auth.migration.canonical`, so every sign-in route of one row names
    the same Cognito user.
    """
    alias = typed_alias(typed, user, policy)
    if alias is None:
        return  # the typed value becomes the Cognito username
    legacy = attrs.get(alias)
    if legacy is None or not same_login(typed, legacy, case_sensitive=policy.case_sensitive):
        raise with_context(AccountStateError("alias_mismatch"), legacy_id=user.legacy_id)
    attrs[alias] = typed  # echo what the user typed: the alias Cognito will resolve (equal under the pool's folding)
    if policy.pool_sign_in == "email":
        return  # Cognito generates the internal username
    username = alias_pool_username(user, policy)
    if not _COGNITO_USERNAME.fullmatch(username) or "@" in username:
        raise with_context(AccountStateError("no_username"), legacy_id=user.legacy_id)
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

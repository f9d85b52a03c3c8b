"""Settings of the three hooks (pre-signup, post-confirmation, pre-token generation), read once per cold start.

Every variable is documented in ``docs/hooks.md``. Only handler modules (and the CLI) call
:meth:`HookSettings.from_env`; the pure functions receive the frozen object. A bad value raises
:class:`~legacy_auth.errors.ConfigurationError` naming the variable. The legacy database itself is
configured by ``legacy_auth.migration.config`` (``LEGACY_*``); the app database is that same database unless
``HOOKS_APP_DB_URL`` is set (so a legacy database reached through a Secrets Manager secret or IAM auth
also serves as the app database).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

from legacy_auth.env import env_bool
from legacy_auth.errors import ConfigurationError

# ---------------------------------------------------------------- variable names

SIGNUP_GUARD = "HOOKS_SIGNUP_GUARD"
SIGNUP_ALLOWED_DOMAINS = "HOOKS_SIGNUP_ALLOWED_DOMAINS"
SIGNUP_DENIED_DOMAINS = "HOOKS_SIGNUP_DENIED_DOMAINS"
SIGNUP_TRUSTED_DOMAINS = "HOOKS_SIGNUP_TRUSTED_DOMAINS"
SIGNUP_ADMIN_CREATE = "HOOKS_SIGNUP_ADMIN_CREATE"
LINK_PROVIDERS = "HOOKS_LINK_PROVIDERS"
PROVISION = "HOOKS_PROVISION"
APP_DB_URL = "HOOKS_APP_DB_URL"
APP_USERS_TABLE = "HOOKS_APP_USERS_TABLE"
APP_USERS_SUB_COLUMN = "HOOKS_APP_USERS_SUB_COLUMN"
APP_USERS_USERNAME_COLUMN = "HOOKS_APP_USERS_USERNAME_COLUMN"
APP_USERS_EMAIL_COLUMN = "HOOKS_APP_USERS_EMAIL_COLUMN"
APP_USERS_LEGACY_ID_COLUMN = "HOOKS_APP_USERS_LEGACY_ID_COLUMN"
FAILURES_TABLE = "HOOKS_PROVISIONING_FAILURES_TABLE"
DEFAULT_GROUP = "HOOKS_DEFAULT_GROUP"
TIME_MARGIN_MS = "HOOKS_TIME_MARGIN_MS"
BUDGET_MS = "HOOKS_BUDGET_MS"
CLAIMS_LEGACY_ID_ATTRIBUTE = "HOOKS_TOKEN_LEGACY_ID_ATTRIBUTE"
CLAIMS_APP_USER_ID_ATTRIBUTE = "HOOKS_TOKEN_APP_USER_ID_ATTRIBUTE"
CLAIMS_ROLES_ATTRIBUTE = "HOOKS_TOKEN_ROLES_ATTRIBUTE"
CLAIMS_ROLE_GROUPS = "HOOKS_TOKEN_ROLE_GROUPS"
CLAIMS_ACCESS_CLAIMS = "HOOKS_TOKEN_ACCESS_CLAIMS"
CLAIMS_APP_USER_LOOKUP = "HOOKS_TOKEN_APP_USER_LOOKUP"
APP_USERS_ID_COLUMN = "HOOKS_APP_USERS_ID_COLUMN"

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$")
_GROUP = re.compile(r"^[\w+=,.@-]{1,128}$")  # a subset of Cognito GroupName: no whitespace
_ATTRIBUTE = re.compile(r"^[\w:.-]{1,64}$")
_PROVIDER = re.compile(r"^[\w.-]{1,32}$")

E = TypeVar("E", bound=StrEnum)


class GuardMode(StrEnum):
    """What the pre-signup guard does with a sign-up that matches a not-yet-migrated legacy user."""

    OFF = "off"
    REFUSE = "refuse"


class AdminCreateMode(StrEnum):
    """``PreSignUp_AdminCreateUser``: trust the administrator (``allow``) or apply domain lists and guard."""

    ALLOW = "allow"
    ENFORCE = "enforce"


@dataclass(frozen=True, slots=True)
class AppUsersSchema:
    """Where provisioned app users go. Identifiers are validated; an empty optional column is not written."""

    table: str = "app_users"
    sub_column: str = "cognito_sub"
    username_column: str | None = "username"
    email_column: str | None = "email"
    legacy_id_column: str | None = "legacy_id"
    failures_table: str | None = "provisioning_failures"
    id_column: str = "id"


@dataclass(frozen=True, slots=True)
class HookSettings:
    """Frozen configuration of the three hooks. Build with :meth:`from_env`."""

    signup_guard: GuardMode = GuardMode.REFUSE
    allowed_domains: frozenset[str] = frozenset()
    denied_domains: frozenset[str] = frozenset()
    trusted_domains: frozenset[str] = frozenset()
    admin_create: AdminCreateMode = AdminCreateMode.ALLOW
    link_providers: tuple[str, ...] = ()
    provision: bool = True
    app_db_url: str | None = None
    app_users: AppUsersSchema = field(default_factory=AppUsersSchema)
    default_group: str | None = None
    time_margin_ms: int = 500
    budget_ms: int = 3500
    legacy_id_attribute: str = "custom:legacy_id"
    app_user_id_attribute: str = "custom:app_user_id"
    roles_attribute: str = "custom:legacy_roles"
    role_groups: Mapping[str, str] = field(default_factory=dict)
    access_token_claims: bool = True
    app_user_lookup: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> HookSettings:
        """Read every ``HOOKS_*`` variable once.

        Parameters
        ----------
        environ : Mapping[str, str]
            Usually ``os.environ``.

        Returns
        -------
        HookSettings
            The validated, frozen settings.

        Raises
        ------
        ConfigurationError
            A value is invalid; ``setting`` names the variable.
        """
        provision = env_bool(environ, PROVISION, True)
        app_db_url = environ.get(APP_DB_URL, "").strip() or None  # None: the legacy database (LEGACY_DB_*)
        return cls(
            signup_guard=_enum(environ, SIGNUP_GUARD, GuardMode, GuardMode.REFUSE),
            allowed_domains=_domains(environ, SIGNUP_ALLOWED_DOMAINS),
            denied_domains=_domains(environ, SIGNUP_DENIED_DOMAINS),
            trusted_domains=_domains(environ, SIGNUP_TRUSTED_DOMAINS),
            admin_create=_enum(environ, SIGNUP_ADMIN_CREATE, AdminCreateMode, AdminCreateMode.ALLOW),
            link_providers=tuple(_names(environ, LINK_PROVIDERS, _PROVIDER)),
            provision=provision,
            app_db_url=app_db_url,
            app_users=_schema(environ),
            default_group=_optional(environ, DEFAULT_GROUP, _GROUP),
            time_margin_ms=_int(environ, TIME_MARGIN_MS, 500, low=50, high=4000),
            budget_ms=_int(environ, BUDGET_MS, 3500, low=200, high=4500),
            legacy_id_attribute=_required(environ, CLAIMS_LEGACY_ID_ATTRIBUTE, "custom:legacy_id", _ATTRIBUTE),
            app_user_id_attribute=_required(environ, CLAIMS_APP_USER_ID_ATTRIBUTE, "custom:app_user_id", _ATTRIBUTE),
            roles_attribute=_required(environ, CLAIMS_ROLES_ATTRIBUTE, "custom:legacy_roles", _ATTRIBUTE),
            role_groups=_role_groups(environ),
            access_token_claims=env_bool(environ, CLAIMS_ACCESS_CLAIMS, True),
            app_user_lookup=env_bool(environ, CLAIMS_APP_USER_LOOKUP, False),
        )


# ---------------------------------------------------------------- parsers (each names its variable)

def _enum(environ: Mapping[str, str], name: str, kind: type[E], default: E) -> E:
    raw = environ.get(name, "").strip().lower()
    if not raw:
        return default
    try:
        return kind(raw)
    except ValueError:
        raise ConfigurationError(name, f"expected one of {', '.join(m.value for m in kind)}") from None


def _int(environ: Mapping[str, str], name: str, default: int, *, low: int, high: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(name, "expected an integer") from None
    if not low <= value <= high:
        raise ConfigurationError(name, f"expected {low}..{high}")
    return value


def _names(environ: Mapping[str, str], name: str, pattern: re.Pattern[str]) -> list[str]:
    out: list[str] = []
    for item in environ.get(name, "").split(","):
        item = item.strip()
        if not item:
            continue
        if not pattern.fullmatch(item):
            raise ConfigurationError(name, "contains an invalid entry")
        if item not in out:
            out.append(item)
    return out


def _domains(environ: Mapping[str, str], name: str) -> frozenset[str]:
    items = [d.strip().lower().lstrip("@").rstrip(".") for d in environ.get(name, "").split(",") if d.strip()]
    for d in items:
        if not _DOMAIN.fullmatch(d):
            raise ConfigurationError(name, "contains an invalid domain")
    return frozenset(items)


def _optional(environ: Mapping[str, str], name: str, pattern: re.Pattern[str]) -> str | None:
    raw = environ.get(name, "").strip()
    if not raw:
        return None
    if not pattern.fullmatch(raw):
        raise ConfigurationError(name, "invalid value")
    return raw


def _required(environ: Mapping[str, str], name: str, default: str, pattern: re.Pattern[str]) -> str:
    return _optional(environ, name, pattern) or default


def _identifier(environ: Mapping[str, str], name: str, default: str | None, *, optional: bool) -> str | None:
    raw = environ.get(name)
    if raw is None:
        return default
    raw = raw.strip()
    if not raw:
        if optional:
            return None
        raise ConfigurationError(name, "must not be empty")
    if not _IDENTIFIER.fullmatch(raw) or len(raw) > 64:
        raise ConfigurationError(name, "must match ^[A-Za-z_][A-Za-z0-9_$]*$ (64 chars max)")
    return raw


def _schema(environ: Mapping[str, str]) -> AppUsersSchema:
    d = AppUsersSchema()
    table = _identifier(environ, APP_USERS_TABLE, d.table, optional=False)
    sub = _identifier(environ, APP_USERS_SUB_COLUMN, d.sub_column, optional=False)
    assert table is not None  # optional=False never returns None
    assert sub is not None
    schema = AppUsersSchema(
        table=table,
        sub_column=sub,
        username_column=_identifier(environ, APP_USERS_USERNAME_COLUMN, d.username_column, optional=True),
        email_column=_identifier(environ, APP_USERS_EMAIL_COLUMN, d.email_column, optional=True),
        legacy_id_column=_identifier(environ, APP_USERS_LEGACY_ID_COLUMN, d.legacy_id_column, optional=True),
        failures_table=_identifier(environ, FAILURES_TABLE, d.failures_table, optional=True),
        id_column=_identifier(environ, APP_USERS_ID_COLUMN, d.id_column, optional=False) or d.id_column,
    )
    named = (schema.sub_column, schema.username_column, schema.email_column, schema.legacy_id_column)
    columns = [c for c in named if c]
    if len({c.lower() for c in columns}) != len(columns):
        raise ConfigurationError(APP_USERS_SUB_COLUMN, "app-users columns must be distinct")
    return schema


def _role_groups(environ: Mapping[str, str]) -> dict[str, str]:
    """``role=group,role=group`` (e.g. ``level:50=editor,level:80=moderator,level:100=admin``)."""
    out: dict[str, str] = {}
    for item in environ.get(CLAIMS_ROLE_GROUPS, "").split(","):
        if not item.strip():
            continue
        role, sep, group = item.partition("=")
        role, group = role.strip(), group.strip()
        if not sep or not role or len(role) > 128 or not _GROUP.fullmatch(group):
            raise ConfigurationError(CLAIMS_ROLE_GROUPS, "expected role=group pairs separated by commas")
        out[role] = group
    return out

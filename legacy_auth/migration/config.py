"""Settings of the legacy user migration, read once per cold start from ``LEGACY_*`` environment variables.

Only handler modules and the admin CLI call :meth:`Settings.from_env`; library code receives ``Settings``.
Every variable is documented in ``docs/migration.md`` (configuration table).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from legacy_auth.apps import NAMES
from legacy_auth.db.options import TLS_MODES, DbOptions, TlsMode, TlsOptions
from legacy_auth.db.url import DbUrl, DbUrlError, parse_db_url
from legacy_auth.env import env_bool, env_choice, env_int, env_text
from legacy_auth.errors import ConfigurationError

# ---------------------------------------------------------------- variable names
LEGACY_APP = "LEGACY_APP"
LEGACY_DB_URL = "LEGACY_DB_URL"
LEGACY_DB_SECRET_ARN = "LEGACY_DB_SECRET_ARN"  # noqa: S105 - a variable name
LEGACY_DB_NAME = "LEGACY_DB_NAME"
LEGACY_DB_TLS = "LEGACY_DB_TLS"
LEGACY_DB_TLS_CA_FILE = "LEGACY_DB_TLS_CA_FILE"
LEGACY_DB_IAM_AUTH = "LEGACY_DB_IAM_AUTH"
LEGACY_DB_REGION = "LEGACY_DB_REGION"
LEGACY_TABLE_PREFIX = "LEGACY_TABLE_PREFIX"
LEGACY_TRUST_EMAILS = "LEGACY_TRUST_EMAILS"
LEGACY_PAD_WEAK_HASHES = "LEGACY_PAD_WEAK_HASHES"
LEGACY_POOL_SIGN_IN = "LEGACY_POOL_SIGN_IN"
LEGACY_POOL_ALIASES = "LEGACY_POOL_ALIASES"
LEGACY_POOL_CASE_SENSITIVE = "LEGACY_POOL_CASE_SENSITIVE"
LEGACY_ROLES_ATTRIBUTE = "LEGACY_ROLES_ATTRIBUTE"
LEGACY_DUMMY_HASH = "LEGACY_DUMMY_HASH"
LEGACY_TRACK_MIGRATION = "LEGACY_TRACK_MIGRATION"
LEGACY_TRACKING_TABLE = "LEGACY_TRACKING_TABLE"
LEGACY_BUDGET_MS = "LEGACY_BUDGET_MS"
LEGACY_MARGIN_MS = "LEGACY_MARGIN_MS"
LEGACY_VERIFY_RESERVE_MS = "LEGACY_VERIFY_RESERVE_MS"
LEGACY_ALLOW_FORGOT_PASSWORD = "LEGACY_ALLOW_FORGOT_PASSWORD"  # noqa: S105
LEGACY_WEAK_PASSWORD_RESET = "LEGACY_WEAK_PASSWORD_RESET"  # noqa: S105
LEGACY_MIN_PASSWORD_LENGTH = "LEGACY_MIN_PASSWORD_LENGTH"  # noqa: S105
LEGACY_LOCKOUT_MAX_FAILURES = "LEGACY_LOCKOUT_MAX_FAILURES"
LEGACY_LOCKOUT_WINDOW_SECONDS = "LEGACY_LOCKOUT_WINDOW_SECONDS"
LEGACY_LOCKOUT_ON_DB_ERROR = "LEGACY_LOCKOUT_ON_DB_ERROR"
LEGACY_LOCKOUT_TABLE = "LEGACY_LOCKOUT_TABLE"
LEGACY_LOCKOUT_KEY = "LEGACY_LOCKOUT_KEY"
AWS_REGION = "AWS_REGION"

APPS: tuple[str, ...] = NAMES  # the registry's LEGACY_APP values (legacy_auth/apps/)
PoolSignIn = Literal["username", "email"]
PoolAlias = Literal["email", "preferred_username", "phone_number"]
POOL_ALIASES: tuple[PoolAlias, ...] = ("email", "preferred_username", "phone_number")
_CUSTOM_ATTRIBUTE = re.compile(r"^custom:[A-Za-z0-9_.-]{1,20}$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")
_PREFIX = re.compile(r"^[A-Za-z0-9_$]*$")
NO_TABLE_PREFIX = "-"  # LEGACY_TABLE_PREFIX value meaning "no prefix" (empty or unset means the app's default)


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the migration trigger (and the admin CLI) needs, validated.

    Secrets (``db_url`` password, the app's options such as a pepper) never appear in ``repr``.
    """

    app: str
    db_url: DbUrl | None
    db_options: DbOptions
    db_name: str | None = None
    table_prefix: str | None = None  # None: the preset's default (qa_, wp_, ...)
    pad_weak_hashes: bool = True  # equal work: every answer includes one verification of the dummy's cost
    preset_options: tuple[tuple[str, str], ...] = ()  # LEGACY_<OPTION> raw texts for get_preset(app, ...)
    trust_emails: bool = False
    pool_sign_in: PoolSignIn = "username"
    pool_aliases: frozenset[PoolAlias] = frozenset({"email"})  # AliasAttributes of a username pool
    pool_case_sensitive: bool = False  # UsernameConfiguration.CaseSensitive (see migration.canonical)
    roles_attribute: str | None = "custom:legacy_roles"
    dummy_hash: str | None = field(default=None, repr=False)  # unknown users' dummy verification (None: app default)
    app_options: tuple[tuple[str, Any], ...] = field(default=(), repr=False)  # the app's hash options, typed
    track_migration: bool = False
    tracking_table: str = "legacy_auth_migrations"
    budget_ms: int = 3500
    margin_ms: int = 500
    verify_reserve_ms: int = 400
    allow_forgot_password: bool = True
    weak_password_reset: bool = False
    min_password_length: int = 8
    lockout_max_failures: int = 0  # guessing bound per legacy account and window; 0 = off (docs/migration.md)
    lockout_window_s: int = 900
    lockout_on_db_error: Literal["closed", "open"] = "closed"
    lockout_table: str = "legacy_auth_lockouts"
    lockout_key: bytes | None = field(default=None, repr=False)  # fingerprint key of retried attempts

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Read and validate the ``LEGACY_*`` variables.

        Parameters
        ----------
        environ:
            Usually ``os.environ``.

        Returns
        -------
        Settings

        Raises
        ------
        ConfigurationError
            A variable is missing or invalid; ``setting`` names it. Messages never contain secrets.
        """
        app = env_choice(environ, LEGACY_APP, APPS, None)
        db_url = _db_url(environ)
        secret_arn = env_text(environ, LEGACY_DB_SECRET_ARN)
        if db_url is None and secret_arn is None:
            raise ConfigurationError(LEGACY_DB_URL, f"set {LEGACY_DB_URL} or {LEGACY_DB_SECRET_ARN}")
        if secret_arn is not None and not secret_arn.startswith("arn:"):
            raise ConfigurationError(LEGACY_DB_SECRET_ARN, "must be a Secrets Manager ARN (arn:...)")
        options = _db_options(environ, secret_arn, db_url)
        prefix = _table_prefix(environ)
        tracking_table = env_text(environ, LEGACY_TRACKING_TABLE) or "legacy_auth_migrations"
        if not _IDENTIFIER.fullmatch(tracking_table):
            raise ConfigurationError(LEGACY_TRACKING_TABLE, "must match ^[A-Za-z_][A-Za-z0-9_$]*$")
        budget = env_int(environ, LEGACY_BUDGET_MS, 3500, 200, 4500)
        pool_sign_in: PoolSignIn = env_choice(environ, LEGACY_POOL_SIGN_IN, ("username", "email"), "username")  # type: ignore[assignment]
        return cls(
            app=app,
            db_url=db_url,
            db_options=options,
            db_name=env_text(environ, LEGACY_DB_NAME),
            table_prefix=prefix,
            pad_weak_hashes=env_bool(environ, LEGACY_PAD_WEAK_HASHES, True),
            preset_options=_preset_options(environ, app),
            trust_emails=env_bool(environ, LEGACY_TRUST_EMAILS, False),
            pool_sign_in=pool_sign_in,
            pool_aliases=_pool_aliases(environ, pool_sign_in),
            pool_case_sensitive=env_bool(environ, LEGACY_POOL_CASE_SENSITIVE, False),
            roles_attribute=_roles_attribute(environ),
            dummy_hash=_dummy_hash(environ),
            app_options=_app_options(environ, app),
            track_migration=env_bool(environ, LEGACY_TRACK_MIGRATION, False),
            tracking_table=tracking_table,
            budget_ms=budget,
            margin_ms=env_int(environ, LEGACY_MARGIN_MS, 500, 50, 4000),
            verify_reserve_ms=env_int(environ, LEGACY_VERIFY_RESERVE_MS, 400, 0, budget),
            allow_forgot_password=env_bool(environ, LEGACY_ALLOW_FORGOT_PASSWORD, True),
            weak_password_reset=env_bool(environ, LEGACY_WEAK_PASSWORD_RESET, False),
            min_password_length=env_int(environ, LEGACY_MIN_PASSWORD_LENGTH, 8, 1, 256),
            **_lockout(environ),
        )

    def app_option(self, key: str) -> Any:
        """The value of the app's hash option ``key`` (``None`` when unset)."""
        return dict(self.app_options).get(key)

    def preset_kwargs(self) -> dict[str, str]:
        """Keyword options for ``legacy_auth.presets.get_preset(app, **options)`` (raw environment text)."""
        return dict(self.preset_options)

    def hashing_options(self) -> dict[str, Any]:
        """Keyword options for ``legacy_auth.hashing.get_context(app, **options)``."""
        options: dict[str, Any] = {}
        if not self.pad_weak_hashes:
            options["pad_weak"] = False
        if self.dummy_hash:
            options["dummy_hash"] = self.dummy_hash
        options.update(self.app_options)
        return options


def _lockout(environ: Mapping[str, str]) -> dict[str, Any]:
    """``LEGACY_LOCKOUT_*``: the guessing bound of not-yet-migrated users (``legacy_auth.migration.lockout``)."""
    table = env_text(environ, LEGACY_LOCKOUT_TABLE) or "legacy_auth_lockouts"
    if not _IDENTIFIER.fullmatch(table):
        raise ConfigurationError(LEGACY_LOCKOUT_TABLE, "must match ^[A-Za-z_][A-Za-z0-9_$]*$")
    key = environ.get(LEGACY_LOCKOUT_KEY) or None
    if key is not None and len(key) < 32:
        raise ConfigurationError(LEGACY_LOCKOUT_KEY, "must be at least 32 characters (a random secret)")
    return {
        "lockout_max_failures": env_int(environ, LEGACY_LOCKOUT_MAX_FAILURES, 0, 0, 100),
        "lockout_window_s": env_int(environ, LEGACY_LOCKOUT_WINDOW_SECONDS, 900, 60, 86_400),
        "lockout_on_db_error": env_choice(environ, LEGACY_LOCKOUT_ON_DB_ERROR, ("closed", "open"), "closed"),
        "lockout_table": table,
        "lockout_key": None if key is None else key.encode("utf-8"),
    }


def _pool_aliases(environ: Mapping[str, str], sign_in: PoolSignIn) -> frozenset[PoolAlias]:
    """``LEGACY_POOL_ALIASES``: comma-separated ``AliasAttributes`` of a username pool, or ``none``."""
    raw = env_text(environ, LEGACY_POOL_ALIASES)
    if raw is None:
        return frozenset({"email"}) if sign_in == "username" else frozenset()
    names = [part.strip().lower() for part in raw.split(",") if part.strip()]
    if names == ["none"]:
        return frozenset()
    unknown = [n for n in names if n not in POOL_ALIASES]
    if unknown or not names:
        raise ConfigurationError(LEGACY_POOL_ALIASES, f"expected 'none' or a list of {', '.join(POOL_ALIASES)}")
    if sign_in == "email":
        raise ConfigurationError(LEGACY_POOL_ALIASES, "an email-as-username pool has no alias attributes (use none)")
    return frozenset(names)  # type: ignore[arg-type]


def _roles_attribute(environ: Mapping[str, str]) -> str | None:
    raw = env_text(environ, LEGACY_ROLES_ATTRIBUTE)
    if raw is None:
        return "custom:legacy_roles"
    if raw.lower() == "none":
        return None
    if not _CUSTOM_ATTRIBUTE.fullmatch(raw):
        raise ConfigurationError(LEGACY_ROLES_ATTRIBUTE, "must be custom:<name> (1-20 of A-Z a-z 0-9 _ . -) or none")
    return raw


def _dummy_hash(environ: Mapping[str, str]) -> str | None:
    """``LEGACY_DUMMY_HASH``: checked for shape here; ``get_context`` checks it is a valid hash of the app."""
    raw = env_text(environ, LEGACY_DUMMY_HASH)
    if raw is not None and (len(raw) > 1024 or not raw.isascii() or not raw.isprintable()):
        raise ConfigurationError(LEGACY_DUMMY_HASH, "must be one stored hash of the app's scheme (ASCII text)")
    return raw


def _table_prefix(environ: Mapping[str, str]) -> str | None:
    """``LEGACY_TABLE_PREFIX``: unset or empty = the app's default (``None``); ``-`` = no prefix (``""``).

    The template's ``LegacyTablePrefix`` has the same meaning (CloudFormation cannot pass an empty variable through
    a parameter left empty, so "no prefix" needs a value of its own).
    """
    prefix = env_text(environ, LEGACY_TABLE_PREFIX)
    if prefix is None:
        return None
    if prefix == NO_TABLE_PREFIX:
        return ""
    if not _PREFIX.fullmatch(prefix):
        raise ConfigurationError(LEGACY_TABLE_PREFIX, f"letters, digits, _ and $ only ({NO_TABLE_PREFIX} = no prefix)")
    return prefix


def _db_url(environ: Mapping[str, str]) -> DbUrl | None:
    raw = env_text(environ, LEGACY_DB_URL)
    if raw is None:
        return None
    try:
        return parse_db_url(raw)
    except DbUrlError as exc:
        raise ConfigurationError(LEGACY_DB_URL, str(exc)) from None


def _db_options(environ: Mapping[str, str], secret_arn: str | None, db_url: DbUrl | None) -> DbOptions:
    iam = env_bool(environ, LEGACY_DB_IAM_AUTH, False)
    default_tls = "verify-full" if iam else "disable"
    mode: TlsMode = env_choice(environ, LEGACY_DB_TLS, TLS_MODES, default_tls)  # type: ignore[assignment]
    if iam and mode == "disable":
        raise ConfigurationError(LEGACY_DB_TLS, "RDS IAM authentication requires TLS (require or verify-*)")
    if iam and db_url is not None and db_url.dialect == "sqlite":
        raise ConfigurationError(LEGACY_DB_IAM_AUTH, "IAM authentication does not apply to SQLite")
    ca_file = env_text(environ, LEGACY_DB_TLS_CA_FILE)
    if ca_file is not None and mode in ("disable",):
        raise ConfigurationError(LEGACY_DB_TLS_CA_FILE, f"set {LEGACY_DB_TLS} to verify-ca or verify-full to use it")
    return DbOptions(
        tls=TlsOptions(mode=mode, ca_file=ca_file),
        iam_auth=iam,
        region=env_text(environ, LEGACY_DB_REGION) or env_text(environ, AWS_REGION),
        secret_arn=secret_arn,
    )


def _app_options(environ: Mapping[str, str], app: str) -> tuple[tuple[str, Any], ...]:
    """The app's hash options (``App.hash_options``), typed; a variable of another app's option is an error
    (it would be silently ignored: ``LEGACY_PEPPER`` with ``wordpress``)."""
    from legacy_auth.apps import get_app, option_owners

    entry = get_app(app)
    mine = {option.env for option in entry.hash_options}
    for variable, owners in sorted(option_owners().items()):
        raw = environ.get(variable)
        if variable not in mine and raw is not None and raw.strip() != "":
            raise ConfigurationError(variable, f"only applies to LEGACY_APP={', '.join(owners)}")
    found = []
    for option in entry.hash_options:
        raw = environ.get(option.env)
        value = option.parse(raw if option.secret else (raw.strip() if raw is not None else None))
        if value is not None and value is not False:
            found.append((option.key, value))
    return tuple(found)


def _preset_options(environ: Mapping[str, str], app: str) -> tuple[tuple[str, str], ...]:
    """``LEGACY_<OPTION>`` for each option the app's preset declares (validated later by ``get_preset``)."""
    from legacy_auth.apps import PRESETS  # the preset registry owns the option names

    cls = PRESETS.get(app)
    if cls is None:
        return ()
    found = []
    for key in cls.OPTIONS:
        raw = environ.get(f"LEGACY_{key.upper()}")
        if raw is not None and raw.strip() != "":
            found.append((key, raw.strip()))
    _refuse_other_apps_options(environ, app, set(cls.OPTIONS), PRESETS)
    return tuple(found)


def _refuse_other_apps_options(environ: Mapping[str, str], app: str, mine: set[str],
                               presets: Mapping[str, Any]) -> None:
    """``ConfigurationError`` naming a set ``LEGACY_<OPTION>`` that only other apps' presets have (it would be
    silently ignored: ``LEGACY_MODERATE_USERS=true`` with ``wordpress``). Variables that are also general
    settings or an app's hash option (``LEGACY_GENERIC_SCHEME``, read by the hashing context too) are not
    preset-only."""
    from legacy_auth.apps import option_owners

    general = {value for name, value in globals().items() if name.startswith("LEGACY_") and isinstance(value, str)}
    general |= set(option_owners())  # the apps' hash options (LEGACY_GENERIC_SCHEME is both)
    owners: dict[str, list[str]] = {}
    for name, preset in presets.items():
        for key in preset.OPTIONS:
            if key not in mine:
                owners.setdefault(key, []).append(name)
    for key, apps in sorted(owners.items()):
        variable = f"LEGACY_{key.upper()}"
        raw = environ.get(variable)
        if raw is not None and raw.strip() != "" and variable not in general:
            raise ConfigurationError(variable, f"is an option of {', '.join(sorted(apps))}, not of "
                                               f"LEGACY_APP={app!r}; unset it (docs/presets.md lists each app's "
                                               "options)")


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
    case_sensitive:
        The pool's ``UsernameConfiguration.CaseSensitive`` (``LEGACY_POOL_CASE_SENSITIVE``): how a typed login is
        compared with the row's canonical login (:mod:`legacy_auth.migration.canonical`).
    weak_password_reset:
        Migrate passwords shorter than ``min_password_length`` as ``RESET_REQUIRED``.
    verify_reserve_s:
        Time kept back after the DB lookup for the hash verification.
    """

    trust_emails: bool = False
    pool_sign_in: PoolSignIn = "username"
    pool_aliases: frozenset[PoolAlias] = frozenset({"email"})
    roles_attribute: str | None = "custom:legacy_roles"
    case_sensitive: bool = False
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
            case_sensitive=settings.pool_case_sensitive,
            weak_password_reset=settings.weak_password_reset,
            min_password_length=settings.min_password_length,
            verify_reserve_s=settings.verify_reserve_ms / 1000,
        )

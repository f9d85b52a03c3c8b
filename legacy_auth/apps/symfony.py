"""Symfony: ``make:user`` entity table ``user`` (default), or FOSUserBundle's ``fos_user`` (``variant=fos``).

make:user: ``user(id, email UNIQUE, roles JSON, password)``; login by ``email`` (case-insensitive through
the MySQL collation; exact, then ``lower()`` on PostgreSQL/SQLite); an optional separate salt column for
legacy MessageDigest/PBKDF2 hashers (``salt_column``; read into ``hash_fields["salt"]``). make:user has no
account-state column at all (apps refuse users in their own ``UserChecker``); ``make:registration-form``
with email verification adds ``is_verified`` (BOOLEAN): name it with ``verified_column`` to read
``email_verified`` from it, and add ``require_confirmed_email`` when the app refuses unverified users
(UNCONFIRMED).
FOSUserBundle: login by ``username_canonical``, or ``email_canonical`` when the input looks like an email
(``UserProvider::loadUserByUsername`` -> ``findUserByUsernameOrEmail``); canonical columns are
``mb_strtolower``-ed, so the input is lower-cased and compared exactly. ``enabled = 0`` is refused
(UNCONFIRMED while a ``confirmation_token`` is pending, else INACTIVE); ``salt`` always read. An enabled
FOS user without a pending token counts as email-confirmed only with ``activation_confirms_email`` (the site
had ``registration.confirmation.enabled``; otherwise users are enabled at registration).
Roles come from the JSON array (make:user) or the PHP-serialised array (FOSUserBundle).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, ClassVar

from legacy_auth.apps.app import App, HashOption, Importability
from legacy_auth.errors import ConfigurationError, UnknownHashSchemeError
from legacy_auth.hashing import bcrypt_schemes as bc
from legacy_auth.hashing import digest_schemes as dg
from legacy_auth.hashing import kdf_schemes as kdf
from legacy_auth.hashing import transforms
from legacy_auth.hashing.base import Scheme
from legacy_auth.hashing.rules import AppRules
from legacy_auth.model import AccountState, LegacyUser
from legacy_auth.presets.sql import Column, Index, Lookup, validate_identifier
from legacy_auth.presets.table import OptionValue, TablePreset
from legacy_auth.presets.values import RowReader

_SERIALIZED = re.compile(r's:\d+:"([^"]*)"')
_FOS_EMAIL = re.compile(r"^.+@\S+\.\S+$")
MAKER_COLUMNS = (
    Column("id", "int", null=False, auto=True),
    Column("email", "varchar(180)", null=False),
    Column("roles", "json", null=False),
    Column("password", "varchar(255)", null=False),
)
FOS_COLUMNS = (
    Column("id", "int", null=False, auto=True),
    Column("username", "varchar(180)", null=False),
    Column("username_canonical", "varchar(180)", null=False),
    Column("email", "varchar(180)", null=False),
    Column("email_canonical", "varchar(180)", null=False),
    Column("enabled", "bool", null=False),
    Column("salt", "varchar(255)"),
    Column("password", "varchar(255)", null=False),
    Column("last_login", "datetime"),
    Column("confirmation_token", "varchar(180)"),
    Column("password_requested_at", "datetime"),
    Column("roles", "longtext", null=False),
)


def parse_roles(raw: object) -> tuple[str, ...]:
    """Roles from a JSON array (Doctrine ``json``; psycopg returns it decoded) or a PHP-serialised array."""
    if isinstance(raw, list):
        return tuple(r for r in raw if isinstance(r, str))
    if isinstance(raw, bytes | bytearray | memoryview):
        raw = bytes(raw).decode("utf-8", "replace")
    if not raw or not isinstance(raw, str):
        return ()
    if raw.lstrip().startswith("["):
        try:
            value = json.loads(raw)
        except ValueError:
            return ()
        return tuple(str(r) for r in value if isinstance(r, str)) if isinstance(value, list) else ()
    return tuple(_SERIALIZED.findall(raw))


class SymfonyPreset(TablePreset):
    """Symfony ``user`` (make:user) / ``fos_user`` (FOSUserBundle)."""

    name = "symfony"
    default_prefix = ""
    base_table = "user"
    primary_key = "id"
    mysql_collation = "utf8mb4_unicode_ci"
    OPTIONS: ClassVar[dict[str, tuple[type, OptionValue]]] = {
        "variant": (str, "maker"),  # "maker" (make:user) or "fos" (FOSUserBundle fos_user)
        "salt_column": (str, None),  # make:user + legacy hasher: the separate salt column
        "verified_column": (str, None),  # make:user + make:registration-form: is_verified
        "require_confirmed_email": (bool, False),  # with verified_column: unverified users are refused
        "activation_confirms_email": (bool, False),  # fos: enabled + no token = confirmed (module docstring)
    }

    def __init__(self, **options: object) -> None:
        super().__init__(**options)
        if self.options["variant"] not in {"maker", "fos"}:
            raise ConfigurationError("LEGACY_VARIANT", "must be 'maker' or 'fos' for LEGACY_APP=symfony")
        for option in ("salt_column", "verified_column"):
            value = self.options.get(option)
            if value is not None:
                validate_identifier(value, f"LEGACY_{option.upper()}")
        if self.fos and self.options.get("verified_column"):
            raise ConfigurationError("LEGACY_VERIFIED_COLUMN", "applies to LEGACY_VARIANT=maker only")
        if not self.fos and self.opt_bool("require_confirmed_email") and not self.options.get("verified_column"):
            raise ConfigurationError("LEGACY_REQUIRE_CONFIRMED_EMAIL", "needs LEGACY_VERIFIED_COLUMN (make:user)")

    @property
    def fos(self) -> bool:
        """FOSUserBundle layout."""
        return self.options["variant"] == "fos"

    def base_name(self) -> str:
        return "fos_user" if self.fos else "user"

    def all_columns(self) -> tuple[Column, ...]:
        if self.fos:
            return FOS_COLUMNS
        salt, verified = self.options.get("salt_column"), self.options.get("verified_column")
        extra: tuple[Column, ...] = (Column(str(salt), "varchar(255)"),) if salt else ()
        extra += (Column(str(verified), "bool", null=False, default=False),) if verified else ()
        return (*MAKER_COLUMNS, *extra)

    def index_list(self) -> tuple[Index, ...]:
        if self.fos:
            return (
                Index("UNIQ_957A647992FC23A8", ("username_canonical",), unique=True),
                Index("UNIQ_957A6479A0D96FBF", ("email_canonical",), unique=True),
            )
        return (Index("UNIQ_IDENTIFIER_EMAIL", ("email",), unique=True),)

    def selected_columns(self) -> tuple[str, ...]:
        if self.fos:
            return ("id", "username", "email", "enabled", "salt", "password", "confirmation_token", "roles")
        extra = tuple(str(self.options[o]) for o in ("salt_column", "verified_column") if self.options.get(o))
        return ("id", "email", "roles", "password", *extra)

    def lookups(self, login: str) -> list[tuple[Lookup, str]]:
        value = login.strip()
        if not self.fos:
            return [(Lookup("email", 180), value)]
        canonical = value.lower()
        if _FOS_EMAIL.fullmatch(canonical):
            return [(Lookup("email_canonical", 180, match="exact"), canonical)]
        return [(Lookup("username_canonical", 180, match="exact"), canonical)]

    def lower_index_columns(self) -> tuple[str, ...]:
        return () if self.fos else ("email",)

    def read(self, row: RowReader) -> LegacyUser:
        salt_column = "salt" if self.fos else self.options.get("salt_column")
        salt = row.blank_is_none(str(salt_column)) if salt_column else None
        states: list[AccountState] = []
        verified = False
        if self.fos:
            pending = row.is_set("confirmation_token")
            if not row.flag("enabled"):
                states.append(AccountState.UNCONFIRMED if pending else AccountState.INACTIVE)
            else:
                verified = self.opt_bool("activation_confirms_email") and not pending
        elif self.options.get("verified_column"):
            verified = row.flag(str(self.options["verified_column"]))
            if self.opt_bool("require_confirmed_email") and not verified:
                states.append(AccountState.UNCONFIRMED)
        password = row.blank_is_none("password")
        return LegacyUser(
            legacy_id=row.required_text("id"),
            username=row.blank_is_none("username") if self.fos else None,
            email=row.blank_is_none("email"),
            email_verified=verified,
            state=self.finish_state(states, password is not None),
            roles=parse_roles(row.raw("roles")),
            password_hash=password,
            hash_fields={"salt": salt} if salt is not None else {},
        )


# ---------------------------------------------------------------- password check

#: FOSUserBundle's MessageDigest default (``LEGACY_SYMFONY_ITERATIONS`` overrides it).
DEFAULT_ITERATIONS = 5000


def dispatch(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """Symfony hashers: native bcrypt (pre-hash rule), sodium argon2, MessageDigest sha512 (88), PBKDF2 (56)."""
    if stored.startswith("$2"):
        return bc.SYMFONY_BCRYPT
    if stored.startswith("$argon2"):
        return kdf.ARGON2
    if len(stored) == 88 and "$" not in stored:
        return dg.SYMFONY_SHA512
    if len(stored) == 56 and "$" not in stored:
        return dg.SYMFONY_PBKDF2
    raise UnknownHashSchemeError("symfony")


def configure(rules: AppRules, options: Mapping[str, Any]) -> tuple[AppRules, Mapping[str, Any]]:
    """The MessageDigest iteration count the schemes read (``iterations``)."""
    return rules, {"iterations": options.get("symfony_iterations", DEFAULT_ITERATIONS)}


RULES = AppRules(transforms.raw, dispatch, 4096, ("",), "$2y$13$m/xJKKH0Ti0ZHpKEjYse5OIwcR5P/RwvdFCoDjAYYQk0PfutTTOFK")

APP = App(
    name="symfony", title="Symfony (make:user / FOSUserBundle)", preset=SymfonyPreset, rules=RULES,
    login_columns=("username",),
    hash_options=(HashOption("symfony_iterations", "LEGACY_SYMFONY_ITERATIONS", int, minimum=1, maximum=1_000_000),),
    configure=configure,
    importability=Importability(
        candidates={"argon2": "ARGON2ID"},
        refused={"symfony_bcrypt": "Symfony bcrypt pre-hashes base64(sha512(password)) when the password is over "
                                   "72 bytes or holds a NUL byte"},
    ),
)

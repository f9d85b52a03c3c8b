"""ASP.NET Identity: ``AspNetUsers`` (Core schema by default; ``variant=v2`` for ASP.NET Identity 2.x).

Core: ``UserManager.FindByNameAsync`` compares ``NormalizedUserName`` with the upper-invariant input, and
``FindByEmailAsync`` ``NormalizedEmail``; both are tried (name first) as the default templates do. ``v2`` has
no normalised columns: ``UserName``/``Email`` are compared case-insensitively (SQL Server's collation).
States: lockout (``LockoutEnabled`` and ``LockoutEnd``/``LockoutEndDateUtc`` in the future) is LOCKED;
with ``require_confirmed_email`` (``SignInOptions.RequireConfirmedEmail``) ``EmailConfirmed = 0`` is
UNCONFIRMED. No ``PasswordHash`` (external logins only) is SSO_ONLY.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from legacy_auth.apps.app import NOT_A_FAMILY, App, Importability
from legacy_auth.errors import ConfigurationError, UnknownHashSchemeError
from legacy_auth.hashing import kdf_schemes as kdf
from legacy_auth.hashing import transforms
from legacy_auth.hashing.base import Scheme
from legacy_auth.hashing.rules import AppRules
from legacy_auth.model import AccountState, LegacyUser
from legacy_auth.presets.sql import Column, Index, Lookup, looks_like_email
from legacy_auth.presets.table import OptionValue, TablePreset
from legacy_auth.presets.values import RowReader, in_future

CORE_COLUMNS = (
    Column("Id", "varchar(255)", null=False),
    Column("UserName", "varchar(256)"),
    Column("NormalizedUserName", "varchar(256)"),
    Column("Email", "varchar(256)"),
    Column("NormalizedEmail", "varchar(256)"),
    Column("EmailConfirmed", "bool", null=False),
    Column("PasswordHash", "longtext"),
    Column("SecurityStamp", "longtext"),
    Column("ConcurrencyStamp", "longtext"),
    Column("PhoneNumber", "longtext"),
    Column("PhoneNumberConfirmed", "bool", null=False),
    Column("TwoFactorEnabled", "bool", null=False),
    Column("LockoutEnd", "datetimeoffset"),
    Column("LockoutEnabled", "bool", null=False),
    Column("AccessFailedCount", "int", null=False),
)
V2_COLUMNS = (
    Column("Id", "varchar(128)", null=False),
    Column("Email", "varchar(256)"),
    Column("EmailConfirmed", "bool", null=False),
    Column("PasswordHash", "longtext"),
    Column("SecurityStamp", "longtext"),
    Column("PhoneNumber", "longtext"),
    Column("PhoneNumberConfirmed", "bool", null=False),
    Column("TwoFactorEnabled", "bool", null=False),
    Column("LockoutEndDateUtc", "datetime"),
    Column("LockoutEnabled", "bool", null=False),
    Column("AccessFailedCount", "int", null=False),
    Column("UserName", "varchar(256)", null=False),
)
COMMON = ("Id", "UserName", "Email", "EmailConfirmed", "PasswordHash", "PhoneNumber", "PhoneNumberConfirmed",
          "LockoutEnabled")


def upper_invariant(value: str) -> str:
    """.NET ``ToUpperInvariant``: per-character simple upper case (no ``ß`` -> ``SS`` expansion)."""
    return "".join(u if len(u := c.upper()) == 1 else c for c in value)


class AspNetIdentityPreset(TablePreset):
    """ASP.NET Identity ``AspNetUsers``."""

    name = "aspnet_identity"
    default_prefix = ""
    base_table = "AspNetUsers"
    primary_key = "Id"
    OPTIONS: ClassVar[dict[str, tuple[type, OptionValue]]] = {
        "variant": (str, "core"),  # "core" (ASP.NET Core Identity) or "v2" (ASP.NET Identity 2.x)
        "require_confirmed_email": (bool, False),
        "email_login": (bool, True),
    }

    def __init__(self, **options: object) -> None:
        super().__init__(**options)
        if self.options["variant"] not in {"core", "v2"}:
            raise ConfigurationError("LEGACY_VARIANT", "must be 'core' or 'v2' for LEGACY_APP=aspnet_identity")

    @property
    def v2(self) -> bool:
        """ASP.NET Identity 2.x layout."""
        return self.options["variant"] == "v2"

    def all_columns(self) -> tuple[Column, ...]:
        return V2_COLUMNS if self.v2 else CORE_COLUMNS

    def index_list(self) -> tuple[Index, ...]:
        if self.v2:
            return (Index("UserNameIndex", ("UserName",), unique=True),)
        return (Index("UserNameIndex", ("NormalizedUserName",), unique=True), Index("EmailIndex", ("NormalizedEmail",)))

    def selected_columns(self) -> tuple[str, ...]:
        return (*COMMON, "LockoutEndDateUtc" if self.v2 else "LockoutEnd")

    def lookups(self, login: str) -> list[tuple[Lookup, str]]:
        email = self.opt_bool("email_login") and looks_like_email(login.strip())
        if self.v2:
            out = [(Lookup("UserName", 256), login)]
            return [*out, (Lookup("Email", 256), login.strip())] if email else out
        out = [(Lookup("NormalizedUserName", 256, match="exact"), upper_invariant(login))]
        if email:
            out.append((Lookup("NormalizedEmail", 256, match="exact"), upper_invariant(login.strip())))
        return out

    def lower_index_columns(self) -> tuple[str, ...]:
        return ("UserName", "Email") if self.v2 else ()

    def read(self, row: RowReader) -> LegacyUser:
        confirmed = row.flag("EmailConfirmed")
        states: list[AccountState] = []
        lockout_end = row.timestamp("LockoutEndDateUtc" if self.v2 else "LockoutEnd")
        if row.flag("LockoutEnabled") and in_future(lockout_end):
            states.append(AccountState.LOCKED)
        if self.opt_bool("require_confirmed_email") and not confirmed:
            states.append(AccountState.UNCONFIRMED)
        password = row.blank_is_none("PasswordHash")
        phone = row.blank_is_none("PhoneNumber")
        return LegacyUser(
            legacy_id=row.required_text("Id"),
            username=row.blank_is_none("UserName"),
            email=row.blank_is_none("Email"),
            email_verified=confirmed,
            state=self.finish_state(states, password is not None),
            phone_number=phone,
            phone_verified=bool(phone) and row.flag("PhoneNumberConfirmed"),
            password_hash=password,
        )


# ---------------------------------------------------------------- password check


def dispatch(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """ASP.NET Identity ``PasswordHasher``: format marker byte 0x00 (v2) / 0x01 (v3), read from base64."""
    if len(stored) >= 2 and stored[0] == "A":
        second = stored[1]
        if "A" <= second <= "P":
            return kdf.ASPNET_V2
        if "Q" <= second <= "Z" or "a" <= second <= "f":
            return kdf.ASPNET_V3
    raise UnknownHashSchemeError("aspnet_identity")


RULES = AppRules(transforms.raw, dispatch, None, (),
                 "AQAAAAIAAYagAAAAEOElcEWCqmzQkvYcdEnakMD7voV5ahw5MoYiRv/DfWhDOq2lknXPU7qB5f3Xvk/q5g==")

APP = App(
    name="aspnet_identity", title="ASP.NET Identity", preset=AspNetIdentityPreset, rules=RULES,
    login_columns=("UserName",),
    importability=Importability(candidates={"aspnet_identity_v3": "PBKDF2_SHA256"},
                                refused={"aspnet_identity_v2": "PBKDF2-HMAC-SHA1, " + NOT_A_FAMILY}),
)

"""``generic``: any home-grown users table, described by ``LEGACY_GENERIC_*`` settings.

Two ways to describe it (see ``docs/presets.md``):

* **table mode** (preferred): ``generic_table`` plus column names (``generic_id_column`` default ``id``,
  ``generic_username_column`` and/or ``generic_email_column``, ``generic_hash_column`` default ``password``,
  optional ``generic_salt_column``, ``generic_email_verified_column``, ``generic_active_column``). Login by
  username first, then by email for email-shaped input (by email only when there is no username column);
  case-insensitive (collation on MySQL, ``lower()`` elsewhere).
* **query mode**: ``generic_user_query``, one ``SELECT`` whose every ``%s`` is bound to the login and whose
  result columns are named ``id``, ``username``, ``email``, ``password_hash`` and optionally ``salt``,
  ``email_verified``, ``active``. Write literal percent signs as ``%%``. The query is wrapped as
  ``SELECT * FROM (<query>) AS legacy_user LIMIT 2``. Scanning needs table mode as well.

Either way the row is read through the canonical names above; ``active`` false is INACTIVE.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from functools import partial
from typing import Any, ClassVar

from legacy_auth.apps.app import App, HashOption, Importability
from legacy_auth.errors import ConfigurationError, UnknownHashSchemeError
from legacy_auth.hashing import digest_schemes as dg
from legacy_auth.hashing import phpass_schemes as ph
from legacy_auth.hashing import transforms
from legacy_auth.hashing.base import Scheme
from legacy_auth.hashing.dispatch import BCRYPT10, BCRYPT_ARGON_IMPORT, php_password_verify
from legacy_auth.hashing.registry import SCHEMES
from legacy_auth.hashing.rules import AppRules
from legacy_auth.model import AccountState, LegacyUser
from legacy_auth.presets.base import Dialect, Query
from legacy_auth.presets.sql import Column, Lookup, check_dialect, looks_like_email, quote, usable_login
from legacy_auth.presets.sql import validate_identifier as valid
from legacy_auth.presets.table import OptionValue, TablePreset
from legacy_auth.presets.values import RowReader

MAX_LOGIN = 320
CANONICAL = {  # canonical name -> option holding the real column name
    "id": "generic_id_column",
    "username": "generic_username_column",
    "email": "generic_email_column",
    "password_hash": "generic_hash_column",
    "salt": "generic_salt_column",
    "email_verified": "generic_email_verified_column",
    "active": "generic_active_column",
}
KINDS = {"id": "int", "username": "varchar(255)", "email": "varchar(255)", "password_hash": "varchar(255)",
         "salt": "varchar(255)", "email_verified": "bool", "active": "bool"}


def check_user_query(sql: str) -> str:
    """Validate ``LEGACY_GENERIC_USER_QUERY``: one SELECT, at least one ``%s``, no stray ``%`` or ``;``."""
    setting = "LEGACY_GENERIC_USER_QUERY"
    text = sql.strip()
    if not re.match(r"(?is)^(select|with)\s", text):
        raise ConfigurationError(setting, "must be a single SELECT statement")
    if ";" in text:
        raise ConfigurationError(setting, "must not contain ';'")
    if "%s" not in text:
        raise ConfigurationError(setting, "needs at least one %s placeholder for the login")
    if "%" in text.replace("%%", "").replace("%s", ""):
        raise ConfigurationError(setting, "write literal percent signs as %%")
    return text


class GenericPreset(TablePreset):
    """A configurable users table or query."""

    name = "generic"
    default_prefix = ""
    OPTIONS: ClassVar[dict[str, tuple[type, OptionValue]]] = {
        "generic_table": (str, None),
        "generic_id_column": (str, "id"),
        "generic_username_column": (str, None),
        "generic_email_column": (str, None),
        "generic_hash_column": (str, "password"),
        "generic_salt_column": (str, None),
        "generic_email_verified_column": (str, None),
        "generic_active_column": (str, None),
        "generic_user_query": (str, None),
        "generic_scheme": (str, None),  # read by the hashing context; accepted and ignored here
    }

    def __init__(self, **options: object) -> None:
        super().__init__(**options)
        self.columns_map: dict[str, str] = {}
        for canonical, option in CANONICAL.items():
            value = self.options.get(option)
            if value:
                self.columns_map[canonical] = valid(value, f"LEGACY_{option.upper()}")
        table, query = self.options.get("generic_table"), self.options.get("generic_user_query")
        self.user_query = check_user_query(str(query)) if query else None
        if table:
            valid(table, "LEGACY_GENERIC_TABLE")
            if "username" not in self.columns_map and "email" not in self.columns_map:
                raise ConfigurationError(
                    "LEGACY_GENERIC_USERNAME_COLUMN", "set it or LEGACY_GENERIC_EMAIL_COLUMN (the login column)"
                )
        elif self.user_query is None:
            raise ConfigurationError("LEGACY_GENERIC_TABLE",
                                     f"set it or LEGACY_GENERIC_USER_QUERY (LEGACY_APP={self.name})")

    @property
    def primary_key(self) -> str:  # type: ignore[override]
        return self.columns_map["id"]

    def base_name(self) -> str:
        table = self.options.get("generic_table")
        if not table:
            raise ConfigurationError("LEGACY_GENERIC_TABLE", "needed to scan or create the table (query mode)")
        return str(table)

    def selected_columns(self) -> tuple[str, ...]:
        return tuple(self.columns_map.values())

    def select_list(self, dialect: Dialect) -> str:
        pairs = self.columns_map.items()
        return ", ".join(f"{quote(real, dialect)} AS {quote(canon, dialect)}" for canon, real in pairs)

    def all_columns(self) -> tuple[Column, ...]:
        return tuple(
            Column(real, KINDS[canon], null=canon not in {"id", "password_hash"}, auto=canon == "id")
            if canon != "password_hash"
            else Column(real, KINDS[canon])
            for canon, real in self.columns_map.items()
        )

    def lower_index_columns(self) -> tuple[str, ...]:
        return tuple(self.columns_map[c] for c in ("username", "email") if c in self.columns_map)

    def lookups(self, login: str) -> list[tuple[Lookup, str]]:
        value = login.strip()
        out = []
        if "username" in self.columns_map:
            out.append((Lookup(self.columns_map["username"], MAX_LOGIN), value))
        if "email" in self.columns_map and (not out or looks_like_email(value)):
            out.append((Lookup(self.columns_map["email"], MAX_LOGIN), value))
        return out

    def find_queries(self, login: str, *, prefix: str, dialect: Dialect) -> list[Query]:
        if self.user_query is None:
            return super().find_queries(login, prefix=prefix, dialect=dialect)
        check_dialect(dialect)
        value = usable_login(login.strip() if isinstance(login, str) else login, MAX_LOGIN)
        if value is None:
            return []
        count = self.user_query.replace("%%", "").count("%s")
        sql = f"SELECT * FROM ({self.user_query}) AS legacy_user LIMIT 2"  # noqa: S608 - admin-configured SELECT
        return [Query(sql, (value,) * count)]

    def read(self, row: RowReader) -> LegacyUser:
        states = [AccountState.INACTIVE] if row.has("active") and not row.flag("active", default=True) else []
        password = row.blank_is_none("password_hash") if row.has("password_hash") else None
        salt = row.blank_is_none("salt") if row.has("salt") else None
        return LegacyUser(
            legacy_id=row.required_text("id"),
            username=row.blank_is_none("username") if row.has("username") else None,
            email=row.blank_is_none("email") if row.has("email") else None,
            email_verified=row.has("email_verified") and row.flag("email_verified"),
            state=self.finish_state(states, password is not None),
            password_hash=password,
            hash_fields={"salt": salt} if salt is not None else {},
        )


# ---------------------------------------------------------------- password check

#: ``LEGACY_GENERIC_SCHEME`` values: how a home-grown app made its hex digests (salt from the row's ``salt``).
DIGEST_SCHEMES = tuple(sorted({*dg.SALTED, *(s.name for s in dg.HEX.values()), "mysql41"}))
_HEX_BY_LENGTH = {32: dg.HEX["md5"], 40: dg.HEX["sha1"], 64: dg.HEX["sha256"], 128: dg.HEX["sha512"]}


def dispatch(stored: str, fields: Mapping[str, Any], salted: Scheme | None = None) -> Scheme:
    """Home-grown apps: modern/known prefixes first, then hex digests by length (``salted`` if configured)."""
    first = stored[0]
    if first == "$":
        if stored.startswith(("$P$", "$H$")):
            return ph.PHPASS
        if stored.startswith("$S$"):
            return ph.DRUPAL_SHA512
        return php_password_verify(stored, "generic")
    if first == "*":
        return dg.MYSQL41
    if salted is not None:
        return salted
    if fields.get("salt") is None:
        scheme = _HEX_BY_LENGTH.get(len(stored))
        if scheme is not None:
            return scheme
    raise UnknownHashSchemeError("generic")


def lower_hex(scheme: Scheme, stored: str) -> str:
    """Home-grown apps may store upper-case hex digests; the PHP apps compare exactly."""
    return stored.lower() if scheme.name in DIGEST_SCHEMES else stored


def configure(rules: AppRules, options: Mapping[str, Any]) -> tuple[AppRules, Mapping[str, Any]]:
    """``generic_scheme``: the digest scheme every non-prefixed stored value is read as."""
    name = options.get("generic_scheme")
    if name is None:
        return rules, {}
    return replace(rules, dispatch=partial(dispatch, salted=SCHEMES[name])), {}


RULES = AppRules(transforms.raw, dispatch, None, (), BCRYPT10, normalise=lower_hex)

APP = App(
    name="generic", title="any other table (generic)", preset=GenericPreset, rules=RULES, login_columns=(),
    hash_options=(HashOption("generic_scheme", "LEGACY_GENERIC_SCHEME", str, choices=DIGEST_SCHEMES),),
    configure=configure,
    importability=Importability(candidates=BCRYPT_ARGON_IMPORT),
)

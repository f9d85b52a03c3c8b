"""Laravel: table ``users`` (``database/migrations/0001_01_01_000000_create_users_table.php``).

Login rule (``Auth::attempt(['email' => ..., 'password' => ...])``): by ``email`` (UNIQUE);
case-insensitive through the MySQL collation, ``lower()`` on PostgreSQL/SQLite (an email that differs only
in case on two rows is ambiguous and refused). ``email_verified`` from ``email_verified_at``; with the
``require_confirmed_email`` option (``MustVerifyEmail`` + ``verified`` middleware everywhere) unverified
users are refused as UNCONFIRMED. Rows without a password (Socialite-only) are SSO_ONLY.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from legacy_auth.apps.app import App, Importability
from legacy_auth.hashing import transforms
from legacy_auth.hashing.base import Scheme
from legacy_auth.hashing.dispatch import BCRYPT_ARGON_IMPORT, php_password_verify
from legacy_auth.hashing.rules import AppRules
from legacy_auth.model import AccountState, LegacyUser
from legacy_auth.presets.sql import Column, Index, Lookup
from legacy_auth.presets.table import OptionValue, TablePreset
from legacy_auth.presets.values import RowReader


class LaravelPreset(TablePreset):
    """Laravel ``users``."""

    name = "laravel"
    default_prefix = ""
    base_table = "users"
    primary_key = "id"
    mysql_collation = "utf8mb4_unicode_ci"
    columns = (
        Column("id", "bigint unsigned", null=False, auto=True),
        Column("name", "varchar(255)", null=False),
        Column("email", "varchar(255)", null=False),
        Column("email_verified_at", "timestamp"),
        Column("password", "varchar(255)", null=False),
        Column("remember_token", "varchar(100)"),
        Column("created_at", "timestamp"),
        Column("updated_at", "timestamp"),
    )
    indexes = (Index("users_email_unique", ("email",), unique=True),)
    read_columns = ("id", "name", "email", "email_verified_at", "password")
    OPTIONS: ClassVar[dict[str, tuple[type, OptionValue]]] = {
        "require_confirmed_email": (bool, False),
    }

    def lookups(self, login: str) -> list[tuple[Lookup, str]]:
        return [(Lookup("email", 255), login.strip())]

    def lower_index_columns(self) -> tuple[str, ...]:
        return ("email",)

    def read(self, row: RowReader) -> LegacyUser:
        verified = row.is_set("email_verified_at")
        states = [AccountState.UNCONFIRMED] if self.opt_bool("require_confirmed_email") and not verified else []
        password = row.blank_is_none("password")
        return LegacyUser(
            legacy_id=row.required_text("id"),
            username=None,
            email=row.blank_is_none("email"),
            email_verified=verified,
            state=self.finish_state(states, password is not None),
            display_name=row.blank_is_none("name"),
            password_hash=password,
        )


# ---------------------------------------------------------------- password check


def dispatch(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """Laravel ``Hash::check``: ``password_verify`` (bcrypt, argon2i, argon2id)."""
    return php_password_verify(stored, "laravel")


RULES = AppRules(transforms.raw, dispatch, None, (), "$2y$12$roesvbJyifXyWgivJ6B8VusTvsjbkZ7RZPxgIuRgUbIN58wJUdO7m")

APP = App(name="laravel", title="Laravel", preset=LaravelPreset, rules=RULES, login_columns=(),
          importability=Importability(candidates=BCRYPT_ARGON_IMPORT))

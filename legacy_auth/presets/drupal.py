"""Drupal 7 (``users``) and Drupal 8+ (``users_field_data``, one row per translation: ``default_langcode = 1``).

Login rule (``user_authenticate`` / ``UserAuth::authenticate``): by ``name``, case-insensitively (D7 on
MySQL through the collation; D8+ ``name`` is a case-insensitive field). Core Drupal does not log in by
email; the ``email_login`` option adds a ``mail`` lookup for email-shaped input (contrib
``email_registration``-style sites). ``uid`` 0 is the anonymous user (SYSTEM); ``status = 0`` is blocked.
Drupal records no email confirmation: ``email_verified`` is always False.
"""

from __future__ import annotations

from typing import Any, ClassVar

from legacy_auth.model import AccountState, LegacyUser
from legacy_auth.presets.base import Dialect
from legacy_auth.presets.sql import Column, Index, Lookup, looks_like_email, php_trim, quote
from legacy_auth.presets.table import OptionValue, TablePreset
from legacy_auth.presets.values import RowReader

CI = "utf8mb4_general_ci"
MAX_NAME = 60  # USERNAME_MAX_LENGTH
MAX_MAIL = 254


class Drupal7Preset(TablePreset):
    """Drupal 7 ``users`` (``modules/user/user.install``)."""

    name = "drupal7"
    default_prefix = ""
    base_table = "users"
    primary_key = "uid"
    columns: ClassVar[tuple[Column, ...]] = (
        Column("uid", "int unsigned", null=False, default=0),
        Column("name", f"varchar({MAX_NAME})", null=False, default=""),
        Column("pass", "varchar(128)", null=False, default=""),
        Column("mail", f"varchar({MAX_MAIL})", default=""),
        Column("theme", "varchar(255)", null=False, default=""),
        Column("signature", "varchar(255)", null=False, default=""),
        Column("signature_format", "varchar(255)"),
        Column("created", "int", null=False, default=0),
        Column("access", "int", null=False, default=0),
        Column("login", "int", null=False, default=0),
        Column("status", "tinyint", null=False, default=0),
        Column("timezone", "varchar(32)"),
        Column("language", "varchar(12)", null=False, default=""),
        Column("picture", "int", null=False, default=0),
        Column("init", f"varchar({MAX_MAIL})", default=""),
        Column("data", "longblob"),
    )
    indexes = (
        Index("name", ("name",), unique=True),
        Index("access", ("access",)),
        Index("created", ("created",)),
        Index("mail", ("mail",)),
        Index("picture", ("picture",)),
    )
    read_columns = ("uid", "name", "pass", "mail", "status")
    OPTIONS: ClassVar[dict[str, tuple[type, OptionValue]]] = {
        "email_login": (bool, False),  # also look up `mail` for email-shaped input (not Drupal core)
    }

    def lookups(self, login: str) -> list[tuple[Lookup, str]]:
        value = php_trim(login)
        out = [(Lookup("name", MAX_NAME), value)]
        if self.opt_bool("email_login") and looks_like_email(value):
            out.append((Lookup("mail", MAX_MAIL), value))
        return out

    def lower_index_columns(self) -> tuple[str, ...]:
        return ("name", "mail")

    def read(self, row: RowReader) -> LegacyUser:
        uid = row.required_text("uid")
        states: list[AccountState] = []
        if uid == "0":
            states.append(AccountState.SYSTEM)
        if not row.flag("status"):
            states.append(AccountState.BLOCKED)
        password = row.blank_is_none("pass")
        return LegacyUser(
            legacy_id=uid,
            username=row.blank_is_none("name"),
            email=row.blank_is_none("mail"),
            email_verified=False,
            state=self.finish_state(states, password is not None),
            password_hash=password,
        )


class DrupalPreset(Drupal7Preset):
    """Drupal 8/9/10/11 ``users_field_data`` (``UserStorageSchema``); rows with ``default_langcode = 1``."""

    name = "drupal"
    base_table = "users_field_data"
    pk_columns = ("uid", "langcode")
    columns = (
        Column("uid", "int unsigned", null=False),
        Column("langcode", "varchar(12)", null=False, collation="ascii_general_ci"),
        Column("preferred_langcode", "varchar(12)", collation="ascii_general_ci"),
        Column("preferred_admin_langcode", "varchar(12)", collation="ascii_general_ci"),
        Column("name", f"varchar({MAX_NAME})", null=False),
        Column("pass", "varchar(255)"),
        Column("mail", f"varchar({MAX_MAIL})"),
        Column("timezone", "varchar(32)"),
        Column("status", "tinyint"),
        Column("created", "int"),
        Column("changed", "int"),
        Column("access", "int", null=False, default=0),
        Column("login", "int", default=0),
        Column("init", f"varchar({MAX_MAIL})"),
        Column("default_langcode", "tinyint", null=False),
    )
    indexes = (
        Index("user__name", ("name", "langcode"), unique=True),
        Index("user__id__default_langcode__langcode", ("uid", "default_langcode", "langcode")),
        Index("user_field__mail", ("mail",)),
        Index("user_field__access", ("access",)),
        Index("user_field__created", ("created",)),
    )

    def filters(self, dialect: Dialect) -> tuple[list[str], tuple[Any, ...]]:
        return [f"{quote('default_langcode', dialect)} = 1"], ()

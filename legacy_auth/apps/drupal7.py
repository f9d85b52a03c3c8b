"""Drupal 7 (``users``) and Drupal 8+ (``users_field_data``, one row per translation: ``default_langcode = 1``).

Login rule (``user_authenticate`` / ``UserAuth::authenticate``): by ``name``, case-insensitively (D7 on
MySQL through the collation; D8+ ``name`` is a case-insensitive field). Core Drupal does not log in by
email; the ``email_login`` option adds a ``mail`` lookup for email-shaped input (contrib
``email_registration``-style sites). ``uid`` 0 is the anonymous user (SYSTEM); ``status = 0`` is blocked.
Drupal records no email confirmation: ``email_verified`` is always False.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from legacy_auth.apps.app import App, Importability
from legacy_auth.errors import UnknownHashSchemeError
from legacy_auth.hashing import phpass_schemes as ph
from legacy_auth.hashing import transforms
from legacy_auth.hashing.base import Scheme
from legacy_auth.hashing.rules import AppRules
from legacy_auth.model import AccountState, LegacyUser
from legacy_auth.presets.sql import Column, Index, Lookup, looks_like_email, php_trim
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


# ---------------------------------------------------------------- password check

#: Drupal ``U$``: ``md5()`` first, then ``_password_crypt``'s 512-byte limit sees 32 characters.
MD5_FIRST = frozenset({"drupal_upgraded_md5"})


def dispatch(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """D7 ``user_check_password``: ``U$``, ``$S$``, ``$H$``/``$P$``; anything else is FALSE."""
    if stored.startswith("U$"):
        return ph.DRUPAL_UPGRADED_MD5
    if stored.startswith("$S$"):
        return ph.DRUPAL_SHA512
    if stored.startswith(("$P$", "$H$")):
        return ph.PHPASS
    raise UnknownHashSchemeError("drupal7")


RULES = AppRules(transforms.php_trim, dispatch, 512, (), "$S$DWejIXC1gp9Qzqj4COl2qxs0Ix6FGdc/BVQFy24z0MARkWZt9zJj",
                 MD5_FIRST)

APP = App(name="drupal7", title="Drupal 7", preset=Drupal7Preset, rules=RULES, login_columns=("name",),
          importability=Importability(transform="PHP trim() of the password before hashing (login form)"))

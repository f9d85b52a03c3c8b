"""Joomla 3/4/5: table ``#__users`` (``installation/sql/mysql/base.sql``).

The ``#__`` prefix is random per site (e.g. ``abcde_``): set ``LEGACY_TABLE_PREFIX``; the documented default
``jos_`` is only the historical Joomla 1.x one. Login rule (``plg_authentication_joomla``): by ``username``
(UNIQUE; case-insensitive through the MySQL collation). ``block = 1`` is refused: as UNCONFIRMED when
``activation`` still holds a registration code, else BLOCKED. A non-empty ``activation`` on an unblocked
account is a password reset in progress (still ACTIVE).

``email_verified``: Joomla records no email confirmation as such. An unblocked account with an empty
``activation`` *was* activated by email only on sites whose "New User Account Activation" is "Self" (or
"Administrator" after the email step); on sites set to "None" every account looks the same. So it counts
as a confirmation only with the ``activation_confirms_email`` option (``LEGACY_ACTIVATION_CONFIRMS_EMAIL``,
default false); otherwise ``email_verified`` is False (``LEGACY_TRUST_EMAILS`` still applies).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from legacy_auth.apps.app import App, Importability
from legacy_auth.hashing import digest_schemes as dg
from legacy_auth.hashing import phpass_schemes as ph
from legacy_auth.hashing import transforms
from legacy_auth.hashing.base import Scheme
from legacy_auth.hashing.dispatch import BCRYPT10, BCRYPT_ARGON_IMPORT, php_password_verify
from legacy_auth.hashing.rules import AppRules
from legacy_auth.model import AccountState, LegacyUser
from legacy_auth.presets.sql import Column, Index, Lookup, looks_like_email
from legacy_auth.presets.table import OptionValue, TablePreset
from legacy_auth.presets.values import RowReader

CI = "utf8mb4_unicode_ci"


class JoomlaPreset(TablePreset):
    """Joomla ``#__users``."""

    name = "joomla"
    default_prefix = "jos_"
    base_table = "users"
    primary_key = "id"
    mysql_collation = CI
    columns = (
        Column("id", "int", null=False, auto=True),
        Column("name", "varchar(400)", null=False, default=""),
        Column("username", "varchar(150)", null=False, default=""),
        Column("email", "varchar(100)", null=False, default=""),
        Column("password", "varchar(100)", null=False, default=""),
        Column("block", "tinyint", null=False, default=0),
        Column("sendEmail", "tinyint", default=0),
        Column("registerDate", "datetime", null=False),
        Column("lastvisitDate", "datetime"),
        Column("activation", "varchar(100)", null=False, default=""),
        Column("params", "text", null=False),
        Column("lastResetTime", "datetime"),
        Column("resetCount", "int", null=False, default=0),
        Column("otpKey", "varchar(1000)", null=False, default=""),
        Column("otep", "varchar(1000)", null=False, default=""),
        Column("requireReset", "tinyint", null=False, default=0),
        Column("authProvider", "varchar(100)", null=False, default=""),
    )
    indexes = (
        Index("idx_block", ("block",)),
        Index("idx_username", ("username",), unique=True),
        Index("email", ("email",)),
    )
    read_columns = ("id", "name", "username", "email", "password", "block", "activation")
    OPTIONS: ClassVar[dict[str, tuple[type, OptionValue]]] = {
        "email_login": (bool, False),  # also look up `email` for email-shaped input (not Joomla core)
        "activation_confirms_email": (bool, False),  # the site required email activation (module docstring)
    }

    def lookups(self, login: str) -> list[tuple[Lookup, str]]:
        value = login.strip()  # Joomla filters the username as 'username' (trimmed); the password is not
        out = [(Lookup("username", 150), value)]
        if self.opt_bool("email_login") and looks_like_email(value):
            out.append((Lookup("email", 100), value))
        return out

    def lower_index_columns(self) -> tuple[str, ...]:
        return ("username", "email")

    def read(self, row: RowReader) -> LegacyUser:
        blocked = row.flag("block")
        pending = row.blank_is_none("activation") is not None
        states: list[AccountState] = []
        if blocked:
            states.append(AccountState.UNCONFIRMED if pending else AccountState.BLOCKED)
        password = row.blank_is_none("password")
        return LegacyUser(
            legacy_id=row.required_text("id"),
            username=row.blank_is_none("username"),
            email=row.blank_is_none("email"),
            email_verified=self.opt_bool("activation_confirms_email") and not blocked and not pending,
            state=self.finish_state(states, password is not None),
            display_name=row.blank_is_none("name"),
            password_hash=password,
        )


# ---------------------------------------------------------------- password check


def dispatch(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """Joomla ``UserHelper::verifyPassword``: ``$P$``, argon2, ``$2``, ``{SHA256}``, else MD5Handler."""
    if stored.startswith("$P$"):
        return ph.PHPASS
    if stored.startswith("$"):
        return php_password_verify(stored, "joomla")
    if stored.startswith("{SHA256}"):
        return dg.JOOMLA_SHA256
    return dg.JOOMLA_MD5 if ":" in stored else dg.HEX["md5"]


RULES = AppRules(transforms.raw, dispatch, None, (), BCRYPT10)

APP = App(name="joomla", title="Joomla 3/4/5", preset=JoomlaPreset, rules=RULES, login_columns=("username",),
          importability=Importability(candidates=BCRYPT_ARGON_IMPORT))

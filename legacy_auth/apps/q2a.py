"""question2answer (q2a 1.8.x): table ``qa_users`` (``qa-include/db/install.php``).

Login rule (``pages/login.php``): the trimmed input is looked up by ``email`` when it contains ``@`` or the
``allow_login_email_only`` option is on, otherwise by ``handle``; q2a refuses the login unless exactly one
row matches (``handle`` and ``email`` are indexed but not UNIQUE).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from legacy_auth.apps.app import App, Importability
from legacy_auth.hashing import transforms
from legacy_auth.hashing.base import Scheme
from legacy_auth.hashing.digest_schemes import Q2A_SHA1
from legacy_auth.hashing.dispatch import BCRYPT10, php_password_verify
from legacy_auth.hashing.rules import AppRules
from legacy_auth.model import AccountState, LegacyUser
from legacy_auth.presets.sql import Column, Index, Lookup, php_trim
from legacy_auth.presets.table import OptionValue, TablePreset
from legacy_auth.presets.values import RowReader

FLAG_EMAIL_CONFIRMED = 1
FLAG_USER_BLOCKED = 2
FLAG_MUST_CONFIRM = 128
LEVEL_APPROVED = 10
MAX_EMAIL = 80  # QA_DB_MAX_EMAIL_LENGTH
MAX_HANDLE = 20  # QA_DB_MAX_HANDLE_LENGTH

CI = "utf8mb4_general_ci"


class Q2aPreset(TablePreset):
    """question2answer ``qa_users``."""

    name = "q2a"
    default_prefix = "qa_"
    base_table = "users"
    primary_key = "userid"
    columns = (
        Column("userid", "int unsigned", null=False, auto=True),
        Column("created", "datetime", null=False),
        Column("createip", "varbinary(16)", null=False),
        Column("email", f"varchar({MAX_EMAIL})", null=False, collation=CI),
        Column("handle", f"varchar({MAX_HANDLE})", null=False, collation=CI),
        Column("avatarblobid", "bigint unsigned"),
        Column("avatarwidth", "smallint unsigned"),
        Column("avatarheight", "smallint unsigned"),
        Column("passsalt", "binary(16)"),
        Column("passcheck", "binary(20)"),
        Column("passhash", "varchar(255)", collation="utf8mb4_bin"),
        Column("level", "tinyint unsigned", null=False),
        Column("loggedin", "datetime", null=False),
        Column("loginip", "varbinary(16)", null=False),
        Column("written", "datetime"),
        Column("writeip", "varbinary(16)"),
        Column("emailcode", "char(8)", null=False, default="", collation="ascii_general_ci"),
        Column("sessioncode", "char(8)", null=False, default="", collation="ascii_general_ci"),
        Column("sessionsource", "varchar(16)", default="", collation="ascii_general_ci"),
        Column("flags", "smallint unsigned", null=False, default=0),
        Column("wallposts", "mediumint", null=False, default=0),
    )
    indexes = (
        Index("email", ("email",)),
        Index("handle", ("handle",)),
        Index("level", ("level",)),
        Index("created", ("created", "level", "flags")),
    )
    read_columns = ("userid", "handle", "email", "passsalt", "passcheck", "passhash", "level", "flags")
    OPTIONS: ClassVar[dict[str, tuple[type, OptionValue]]] = {
        "allow_login_email_only": (bool, False),  # q2a option of the same name
        "require_confirmed_email": (bool, False),  # q2a confirm_user_emails: MUST_CONFIRM + level<10 refused
        "moderate_users": (bool, False),  # q2a moderate_users: level < 10 refused as UNAPPROVED
    }

    def lookups(self, login: str) -> list[tuple[Lookup, str]]:
        value = php_trim(login)
        if self.opt_bool("allow_login_email_only") or "@" in value:
            return [(Lookup("email", MAX_EMAIL), value)]
        return [(Lookup("handle", MAX_HANDLE), value)]

    def lower_index_columns(self) -> tuple[str, ...]:
        return ("email", "handle")

    def read(self, row: RowReader) -> LegacyUser:
        flags = row.integer("flags", 0) or 0
        level = row.integer("level", 0) or 0
        passhash = row.text("passhash") or None
        salt, check = row.binary("passsalt"), row.binary("passcheck")
        fields = {"passsalt": salt, "passcheck": check} if salt and check else {}
        states: list[AccountState] = []
        if flags & FLAG_USER_BLOCKED:
            states.append(AccountState.BLOCKED)
        if self.opt_bool("require_confirmed_email") and flags & FLAG_MUST_CONFIRM and level < LEVEL_APPROVED:
            states.append(AccountState.UNCONFIRMED)
        if self.opt_bool("moderate_users") and level < LEVEL_APPROVED:
            states.append(AccountState.UNAPPROVED)
        return LegacyUser(
            legacy_id=row.required_text("userid"),
            username=row.text("handle"),
            email=row.blank_is_none("email"),
            email_verified=bool(flags & FLAG_EMAIL_CONFIRMED),
            state=self.finish_state(states, bool(passhash or fields)),
            roles=(f"level:{level}",),
            password_hash=passhash,
            hash_fields=fields,
        )


# ---------------------------------------------------------------- password check


def dispatch(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """``passhash``: PHP ``password_verify`` (bcrypt, argon2)."""
    return php_password_verify(stored, "q2a")


def legacy_pair(fields: Mapping[str, Any]) -> Scheme | None:
    """``qa-include/pages/login.php`` (1.8.8): the pre-1.5 ``passsalt``/``passcheck`` pair is checked first."""
    return Q2A_SHA1 if fields.get("passsalt") is not None and fields.get("passcheck") is not None else None


RULES = AppRules(transforms.q2a_input, dispatch, None, (),
                 BCRYPT10, row_scheme=legacy_pair)

APP = App(
    name="q2a", title="question2answer", preset=Q2aPreset, rules=RULES, login_columns=("handle",),
    importability=Importability(transform="PHP trim() of the password before hashing and CRLF to LF (qa_post_text)"),
)

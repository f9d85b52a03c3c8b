"""phpBB 3.x: table ``phpbb_users`` (``phpBB/install/schemas``, 3.3 columns read here).

Login rule (``auth/provider/db.php``): ``username_clean = utf8_clean_string(username)``. phpBB's MySQL tables
use ``utf8_bin``, so case-insensitivity comes only from that normalised column. Our
:func:`clean_username` approximates ``utf8_clean_string``: request-var handling (trim, ``htmlspecialchars``
with ENT_COMPAT), NFKC + full case folding (``utf8_case_fold_nfkc``), removal of C0/C1 control characters,
runs of spaces collapsed, trim. phpBB's homograph table (``includes/utf/data/confusables.php``) is not
reproduced, so for names with characters it maps (e.g. Cyrillic ``б`` -> ``6``: ``Бобр`` is stored as
``username_clean = "6обр"``) that lookup finds nothing. With the ``username_fallback`` option
(``LEGACY_USERNAME_FALLBACK``, off by default) a second lookup compares ``lower(username)`` with the login as
phpBB stores ``username`` (trimmed, ``htmlspecialchars``, NFC): the name as registered, in any case the
database's ``lower()`` folds (MySQL/MariaDB and PostgreSQL with a UTF-8 ctype: Unicode; SQLite: ASCII only).
phpBB has no index on ``username``, so that lookup scans the table; it runs on **every** sign-in (a
``uniform`` query: if it ran only when ``username_clean`` misses, the extra scan would tell unknown logins
from known ones), bounded by the invocation deadline like every query. Boards with non-Latin usernames turn it
on (and may add an index on ``lower(username)`` where the database supports one).

``user_type``: 0 normal, 1 inactive (INACTIVE), 2 ignore = bots and Anonymous (SYSTEM), 3 founder.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping
from typing import Any, ClassVar

from legacy_auth.apps.app import App, Importability
from legacy_auth.errors import UnknownHashSchemeError
from legacy_auth.hashing import bcrypt_schemes as bc
from legacy_auth.hashing import digest_schemes as dg
from legacy_auth.hashing import kdf_schemes as kdf
from legacy_auth.hashing import phpass_schemes as ph
from legacy_auth.hashing import transforms
from legacy_auth.hashing.base import Scheme
from legacy_auth.hashing.rules import AppRules
from legacy_auth.model import AccountState, LegacyUser
from legacy_auth.presets.sql import Column, Index, Lookup, looks_like_email, php_trim
from legacy_auth.presets.table import OptionValue, TablePreset
from legacy_auth.presets.values import RowReader

USER_NORMAL, USER_INACTIVE, USER_IGNORE, USER_FOUNDER = 0, 1, 2, 3
_CONTROL = re.compile(r"[\x00-\x1f\x7f\x80-\x9f]+")
_SPACES = re.compile(r" {2,}")
_HTML = str.maketrans({"&": "&amp;", '"': "&quot;", "<": "&lt;", ">": "&gt;"})


def clean_username(login: str) -> str:
    """Approximate phpBB ``utf8_clean_string(request->variable('username', '', true))`` (see module doc)."""
    text = php_trim(login).translate(_HTML)
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    text = _CONTROL.sub("", text)
    return _SPACES.sub(" ", text).strip(" ")


def stored_username(login: str) -> str:
    """The login as phpBB stores ``username``: trimmed, ``htmlspecialchars(ENT_COMPAT)``, NFC."""
    return unicodedata.normalize("NFC", php_trim(login).translate(_HTML))


def _unescape(value: str | None) -> str | None:
    """phpBB stores request-var text HTML-escaped (``a&amp;b``); the user's name is the unescaped form."""
    return html.unescape(value) if value else value


class PhpbbPreset(TablePreset):
    """phpBB 3 ``phpbb_users``."""

    name = "phpbb3"
    default_prefix = "phpbb_"
    base_table = "users"
    primary_key = "user_id"
    mysql_collation = "utf8mb4_bin"
    columns = (
        Column("user_id", "int unsigned", null=False, auto=True),
        Column("user_type", "tinyint(2)", null=False, default=0),
        Column("group_id", "mediumint unsigned", null=False, default=3),
        Column("user_permissions", "mediumtext", null=False),
        Column("user_perm_from", "mediumint unsigned", null=False, default=0),
        Column("user_ip", "varchar(40)", null=False, default=""),
        Column("user_regdate", "int unsigned", null=False, default=0),
        Column("username", "varchar(255)", null=False, default=""),
        Column("username_clean", "varchar(255)", null=False, default=""),
        Column("user_password", "varchar(255)", null=False, default=""),
        Column("user_passchg", "int unsigned", null=False, default=0),
        Column("user_email", "varchar(100)", null=False, default=""),
        Column("user_birthday", "varchar(10)", null=False, default=""),
        Column("user_lastvisit", "int unsigned", null=False, default=0),
        Column("user_inactive_reason", "tinyint(2)", null=False, default=0),
        Column("user_inactive_time", "int unsigned", null=False, default=0),
        Column("user_lang", "varchar(30)", null=False, default=""),
        Column("user_actkey", "varchar(32)", null=False, default=""),
        Column("user_login_attempts", "tinyint(4)", null=False, default=0),
        Column("user_pass_convert", "tinyint(1)", null=False, default=0),
    )
    indexes = (
        Index("username_clean", ("username_clean",), unique=True),
        Index("user_birthday", ("user_birthday",)),
        Index("user_type", ("user_type",)),
        Index("user_email", ("user_email",)),
    )
    read_columns = ("user_id", "user_type", "group_id", "username", "user_password", "user_email")
    OPTIONS: ClassVar[dict[str, tuple[type, OptionValue]]] = {
        "email_login": (bool, False),  # also look up user_email (lower-cased) for email-shaped input
        "username_fallback": (bool, False),  # also lower(username) = the stored form, on every sign-in (doc)
    }

    def lookups(self, login: str) -> list[tuple[Lookup, str]]:
        out = [(Lookup("username_clean", 255, match="exact"), clean_username(login))]
        if self.opt_bool("username_fallback"):  # confusables fallback (module doc): a table scan, so uniform
            out.append((Lookup("username", 255, match="lower", uniform=True), stored_username(login)))
        value = php_trim(login)
        if self.opt_bool("email_login") and looks_like_email(value):
            out.append((Lookup("user_email", 100, match="lower"), value))
        return out

    def read(self, row: RowReader) -> LegacyUser:
        user_type = row.integer("user_type", USER_NORMAL)
        states: list[AccountState] = []
        if user_type == USER_INACTIVE:
            states.append(AccountState.INACTIVE)
        elif user_type == USER_IGNORE:
            states.append(AccountState.SYSTEM)
        roles = [f"group:{row.integer('group_id', 0)}"]
        if user_type == USER_FOUNDER:
            roles.append("founder")
        password = row.blank_is_none("user_password")
        return LegacyUser(
            legacy_id=row.required_text("user_id"),
            username=_unescape(row.blank_is_none("username")),
            email=row.blank_is_none("user_email"),
            email_verified=False,
            state=self.finish_state(states, password is not None),
            roles=tuple(roles),
            password_hash=password,
        )


# ---------------------------------------------------------------- password check

_HEX = frozenset("0123456789abcdefABCDEF")


def dispatch(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """phpBB 3.x ``passwords\\manager::check``: argon2, bcrypt, combined ``$H\\2y$``, phpass, plain md5."""
    if stored.startswith("$argon2"):
        return kdf.ARGON2
    if stored.startswith(("$2y$", "$2a$")):
        return bc.BCRYPT
    if stored.startswith("$H\\"):
        return bc.PHPBB_COMBINED
    if stored.startswith(("$H$", "$P$")):
        return ph.PHPASS
    if len(stored) == 32 and all(c in _HEX for c in stored):  # unrecognised => salted_md5 driver => md5()
        return dg.HEX["md5"]
    raise UnknownHashSchemeError("phpbb3")


RULES = AppRules(transforms.phpbb_input, dispatch, 4096, ("", "0"),
                 "$argon2id$v=19$m=65536,t=4,p=2$xHRkD9dOHfUH/FsoWzxtNg$GrRbL1Rmt1op1PlAcMSS2dGMguBWD+kFXJSHTa5aDQM")

APP = App(
    name="phpbb3", title="phpBB 3", preset=PhpbbPreset, rules=RULES, login_columns=("username",),
    importability=Importability(transform="phpBB request-var pipeline before hashing (CRLF, NUL/BOM removal, "
                                          "htmlspecialchars, Unicode NFC); $H\\2y$ is bcrypt over phpass over md5"),
)

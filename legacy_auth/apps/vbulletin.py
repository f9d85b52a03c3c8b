"""vBulletin 3.x-6.x: table ``user`` (no default prefix; vBulletin's installer asks for one).

vBulletin is closed source; these facts were read in third-party copies of its code published on GitHub (never
run, never copied here): ``install/mysql-schema.php`` of vB 4.1.5 and vB 6.0.6, ``includes/functions_login.php``
and ``includes/class_dm_user.php`` of vB 4.1.5, ``vB_Library_Login`` and ``vB_Utility_Password_Algorithm_*``
of vB 5.6.0. Where they could not settle a fact the safe route is taken (refusal), as noted.

Two table layouts (``variant`` option, ``LEGACY_VARIANT``):

* ``5`` (default; vB 5.1+ and 6.x): ``user.token`` + ``user.scheme`` (``blowfish:N``, ``legacy``; the
  ``argon2id:…`` scheme of later releases is refused: its encoding could not be confirmed) and ``secret``;
  no ``password``/``salt`` columns. vB 6.0.6's generated ``birthday_month``/``birthday_day``/
  ``calendar_show_birthday`` columns and their index are not reproduced (not expressible in every dialect).
* ``4`` (vB 3.x/4.x): ``user.password`` CHAR(32) ``md5(md5(password) . salt)`` and ``user.salt`` CHAR(30).

Only the columns this service reads plus the install SQL's indexes on them are created by :meth:`ddl` (types
and defaults as the install SQL has them).

Login rule (vB 4.1.5 ``verify_authentication``, vB 5 ``vB_User::verifyAuthentication``): the input is trimmed
(``TYPE_STR``), numeric entities ``&#N;`` become the character, and the result, HTML-escaped like
``htmlspecialchars_uni`` (``&`` ``<`` ``>`` ``"``), is compared with ``username`` (vBulletin stores names
escaped) under the table's collation: case-insensitive (vBulletin creates its tables in the database's default
collation, ``utf8mb4_general_ci`` here). The forum option ``blankasciistrip`` (invisible characters replaced
by spaces) is not reproduced. vBulletin does not sign in by email; ``email_login`` (``LEGACY_EMAIL_LOGIN``,
default false) adds an ``email`` lookup for email-shaped input.

Account states, from the default user groups (``usergroupid``, vB's install data): 8 "Banned Users" ->
BLOCKED, 3 "Users Awaiting Email Confirmation" -> UNCONFIRMED, 4 "(COPPA) Users Awaiting Moderation" ->
UNAPPROVED. Boards that renumbered their groups set ``banned_groups`` / ``unconfirmed_groups`` /
``moderated_groups`` (comma-separated ids). ``email_verified`` is False unless
``activation_confirms_email`` (``LEGACY_ACTIVATION_CONFIRMS_EMAIL``): then a user outside the unconfirmed
groups counts as confirmed (vBulletin moves a user out of group 3 when the email is confirmed, if the board
requires it).

Password input (:mod:`legacy_auth.hashing.forum_schemes`, vBulletin section): every format hashes an md5 hex
of the trimmed password (the server's and the browser's encodings); a password blank after trimming is
refused (vB 4 ``iif($password AND …)``). vBulletin compares its md5 hashes with PHP's loose ``==``/``!=``, under
which two different ``0e<digits>`` values are equal; the comparison here is strict, so such a collision is refused
(the safe side).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any, ClassVar

from legacy_auth.apps.app import App, Importability
from legacy_auth.errors import ConfigurationError, CorruptRowError, UnknownHashSchemeError
from legacy_auth.hashing import forum_schemes as fs
from legacy_auth.hashing.base import Scheme
from legacy_auth.hashing.rules import AppRules
from legacy_auth.model import AccountState, LegacyUser
from legacy_auth.presets.sql import Column, Index, Lookup, looks_like_email, php_trim
from legacy_auth.presets.table import OptionValue, TablePreset
from legacy_auth.presets.values import RowReader

GROUP_UNCONFIRMED, GROUP_MODERATED, GROUP_BANNED = 3, 4, 8
_ENTITY = re.compile(r"&#([0-9]{1,7});")
_HTML = str.maketrans({"&": "&amp;", '"': "&quot;", "<": "&lt;", ">": "&gt;"})

_COMMON = (
    Column("userid", "int unsigned", null=False, auto=True),
    Column("usergroupid", "smallint unsigned", null=False, default=0),
    Column("membergroupids", "varchar(250)", null=False, default=""),
    Column("displaygroupid", "smallint unsigned", null=False, default=0),
    Column("username", "varchar(100)", null=False, default=""),
)
V5_COLUMNS = (
    *_COMMON,
    Column("displayname", "varchar(191)", null=False, default=""),
    Column("token", "varchar(255)", null=False, default=""),
    Column("scheme", "varchar(100)", null=False, default=""),
    Column("secret", "varchar(100)", null=False, default=""),
    Column("email", "varchar(100)", null=False, default=""),
    Column("joindate", "int unsigned", null=False, default=0),
    Column("lastactivity", "int unsigned", null=False, default=0),
)
V4_COLUMNS = (
    *_COMMON,
    Column("password", "char(32)", null=False, default=""),
    Column("email", "char(100)", null=False, default=""),
    Column("joindate", "int unsigned", null=False, default=0),
    Column("lastactivity", "int unsigned", null=False, default=0),
    Column("salt", "char(30)", null=False, default=""),
)
_READ = ("userid", "usergroupid", "membergroupids", "username", "email")
VARIANTS = ("4", "5")


def login_username(login: str) -> str:
    """The login as vBulletin compares it with ``username``: trimmed, ``&#N;`` decoded, HTML-escaped."""

    def decode(m: re.Match[str]) -> str:
        code = int(m.group(1))
        return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else m.group(0)

    return _ENTITY.sub(decode, php_trim(login)).translate(_HTML)


def _groups(value: OptionValue, setting: str) -> frozenset[int]:
    parts = [p.strip() for p in str(value).split(",") if p.strip()]
    if not parts or not all(p.isdigit() for p in parts):
        raise ConfigurationError(setting, "must be comma-separated user group ids")
    return frozenset(int(p) for p in parts)


def _char(row: RowReader, column: str) -> str | None:
    """A CHAR(n) column as MySQL returns it (trailing spaces removed; PostgreSQL pads them), ``''`` = none.

    vBulletin's salts are drawn from ``chr(33)``-``chr(126)`` (``fetch_user_salt``), so no value ends in a space.
    """
    value = (row.text(column) or "").rstrip(" ")
    return value or None


class VbulletinPreset(TablePreset):
    """vBulletin ``user``."""

    name = "vbulletin"
    default_prefix = ""
    base_table = "user"
    primary_key = "userid"
    mysql_collation = "utf8mb4_general_ci"
    OPTIONS: ClassVar[dict[str, tuple[type, OptionValue]]] = {
        "variant": (str, "5"),  # "5" (vB 5.1+/6: token + scheme) or "4" (vB 3/4: password + salt)
        "email_login": (bool, False),  # also look up email for email-shaped input (not vBulletin's rule)
        "activation_confirms_email": (bool, False),  # outside the unconfirmed groups = email confirmed
        "banned_groups": (str, str(GROUP_BANNED)),
        "unconfirmed_groups": (str, str(GROUP_UNCONFIRMED)),
        "moderated_groups": (str, str(GROUP_MODERATED)),
    }

    def __init__(self, **options: object) -> None:
        super().__init__(**options)
        if self.options["variant"] not in VARIANTS:
            raise ConfigurationError("LEGACY_VARIANT", "must be '4' or '5' for LEGACY_APP=vbulletin")
        self.banned = _groups(self.options["banned_groups"], "LEGACY_BANNED_GROUPS")
        self.unconfirmed = _groups(self.options["unconfirmed_groups"], "LEGACY_UNCONFIRMED_GROUPS")
        self.moderated = _groups(self.options["moderated_groups"], "LEGACY_MODERATED_GROUPS")

    @property
    def v4(self) -> bool:
        """vB 3.x/4.x layout (``password`` + ``salt``)."""
        return self.options["variant"] == "4"

    def all_columns(self) -> tuple[Column, ...]:
        return V4_COLUMNS if self.v4 else V5_COLUMNS

    def index_list(self) -> tuple[Index, ...]:
        out = (Index("usergroupid", ("usergroupid",)), Index("username", ("username",)), Index("email", ("email",)))
        return out if self.v4 else (*out, Index("displayname", ("displayname",)))

    def selected_columns(self) -> tuple[str, ...]:
        return (*_READ, "password", "salt") if self.v4 else (*_READ, "token", "scheme")

    def lower_index_columns(self) -> tuple[str, ...]:
        return ("username", "email")

    def lookups(self, login: str) -> list[tuple[Lookup, str]]:
        out = [(Lookup("username", 100), login_username(login))]
        value = php_trim(login)
        if self.opt_bool("email_login") and looks_like_email(value):
            out.append((Lookup("email", 100), value))
        return out

    def read(self, row: RowReader) -> LegacyUser:
        group = row.integer("usergroupid", 0)
        states: list[AccountState] = []
        if group in self.banned:
            states.append(AccountState.BLOCKED)
        if group in self.unconfirmed:
            states.append(AccountState.UNCONFIRMED)
        if group in self.moderated:
            states.append(AccountState.UNAPPROVED)
        others = [g.strip() for g in (row.text("membergroupids") or "").split(",") if g.strip()]
        if not all(g.isdigit() for g in others):
            raise CorruptRowError(self.name, "membergroupids", "is not a list of group ids")
        roles = (f"group:{group}", *(f"group:{g}" for g in others))
        if self.v4:
            password = _char(row, "password")
            fields = {"salt": _char(row, "salt") or ""} if password is not None else {}
        else:
            password = row.blank_is_none("token")
            fields = {"scheme": row.text("scheme") or ""} if password is not None else {}
        return LegacyUser(
            legacy_id=row.required_text("userid"),
            username=html.unescape(row.blank_is_none("username") or "") or None,
            email=_char(row, "email"),
            email_verified=self.opt_bool("activation_confirms_email") and group not in self.unconfirmed,
            state=self.finish_state(states, password is not None),
            roles=tuple(dict.fromkeys(roles)),
            password_hash=password,
            hash_fields=fields,
        )


# ---------------------------------------------------------------- password check


def dispatch(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """vB 5 ``vB_Utility_Password_Algorithm::instance($scheme)`` by the ``scheme`` column; vB 3/4 rows (no
    ``scheme`` field): the 32-hex ``password`` column (a bcrypt value without a ``scheme`` field is only the
    dummy hash: rows of the vB 5 layout always carry their ``scheme``)."""
    scheme = fields.get("scheme")
    if scheme is None:
        if fs.VBULLETIN_MD5.identify(stored):
            return fs.VBULLETIN_MD5
        if fs.VBULLETIN5_BLOWFISH.identify(stored):
            return fs.VBULLETIN5_BLOWFISH
        raise UnknownHashSchemeError("vbulletin")
    name = scheme.decode("ascii", "replace") if isinstance(scheme, bytes) else str(scheme)
    if name == "legacy":
        return fs.VBULLETIN5_LEGACY
    if name.startswith("blowfish:"):
        return fs.VBULLETIN5_BLOWFISH
    raise UnknownHashSchemeError("vbulletin")


def vbulletin_input(password: str) -> list[str]:
    """The typed password, or nothing when it is blank after PHP ``trim`` (vBulletin refuses it)."""
    return [password] if php_trim(password) else []


RULES = AppRules(vbulletin_input, dispatch, None, ("",),
                 "$2y$10$GQR86ytirbFLfoTofQwQgeE.l3JtiRasoNi7P7ccXbrt.o2KgBWCK")

APP = App(
    name="vbulletin", title="vBulletin 3-6", preset=VbulletinPreset, rules=RULES, login_columns=("username",),
    importability=Importability(transform="vBulletin hashes an md5 hex of the trimmed (and, in 5.x, "
                                          "entity-encoded) password, never the password itself"),
)

"""MyBB 1.8: table ``mybb_users`` (``install/resources/mysql_db_tables.php``, git tag ``mybb_1837``, 1.8.37).

Only the columns this service reads (and the ones the install SQL indexes) are created by :meth:`ddl`, with the
install SQL's types and defaults; MyBB's installer creates the tables in the connection's character set, so the
database's default collation applies (``utf8mb4_general_ci`` here: case-insensitive).

Login rule (``member.php`` ``do_login`` -> ``inc/datahandlers/login.php`` -> ``inc/functions.php``
``get_user_by_username``): the typed name, **not trimmed** (``MyBB::get_input``), lower-cased with
``my_strtolower`` (``mb_strtolower``), compared with ``username`` (MySQL: ``username = …`` under the column's
collation; other databases: ``LOWER(username) = …``). Here the typed name is compared case-insensitively the
codebase's way (:class:`~legacy_auth.presets.sql.Lookup` ``ci``: the collation on MySQL; elsewhere the exact
spelling first, then ``lower()``, two case variants refused instead of MyBB's arbitrary ``LIMIT 1``). The board
setting ``username_method`` (``0`` username,
``1`` email, ``2`` either) is the option ``username_method`` (``LEGACY_USERNAME_METHOD``, default 0); MyBB's
``OR`` query with ``LIMIT 1`` becomes two lookups here (username first), and two rows matching one lookup are
refused rather than picked.

Account states, from MyBB's default user groups (``usergroup``): 7 "Banned" -> BLOCKED, 5 "Awaiting
Activation" (email verification or admin activation) -> UNCONFIRMED. MyBB lets both sign in with reduced
rights; the migration refuses them so they do not gain a fresh Cognito identity. Boards with renumbered groups
set ``banned_groups`` / ``unconfirmed_groups`` (comma-separated ids). The failed-login lockout
(``loginlockoutexpiry``) only applies to wrong passwords in 1.8.37's ``do_login``, so it is not a state here.
``email_verified`` is False unless ``activation_confirms_email`` (``LEGACY_ACTIVATION_CONFIRMS_EMAIL``): then a
user outside the awaiting-activation groups counts as confirmed (``regtype=verify`` boards).

Password check (``inc/functions_user.php`` ``verify_user_password``/``create_password``):
``md5(md5($salt) . md5($password))`` over the password as typed (no trim, no escaping), see
:data:`legacy_auth.hashing.forum_schemes.MYBB_MD5`. Plugins that replace the algorithm (``create_password``
hook) are not reproduced: their hashes are refused as unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from legacy_auth.apps.app import App, Importability
from legacy_auth.errors import ConfigurationError, CorruptRowError, UnknownHashSchemeError
from legacy_auth.hashing import bcrypt_schemes as bc
from legacy_auth.hashing import forum_schemes as fs
from legacy_auth.hashing import transforms
from legacy_auth.hashing.base import Scheme
from legacy_auth.hashing.rules import AppRules
from legacy_auth.model import AccountState, LegacyUser
from legacy_auth.presets.sql import Column, Index, Lookup, looks_like_email
from legacy_auth.presets.table import OptionValue, TablePreset
from legacy_auth.presets.values import RowReader

GROUP_AWAITING_ACTIVATION, GROUP_BANNED = 5, 7
USERNAME_ONLY, EMAIL_ONLY, USERNAME_OR_EMAIL = 0, 1, 2


def _groups(value: OptionValue, setting: str) -> frozenset[int]:
    """Comma-separated user group ids (an option's text); ``ConfigurationError`` naming ``setting`` if not."""
    parts = [p.strip() for p in str(value).split(",") if p.strip()]
    if not parts or not all(p.isdigit() for p in parts):
        raise ConfigurationError(setting, "must be comma-separated user group ids")
    return frozenset(int(p) for p in parts)


class MybbPreset(TablePreset):
    """MyBB 1.8 ``mybb_users``."""

    name = "mybb"
    default_prefix = "mybb_"
    base_table = "users"
    primary_key = "uid"
    mysql_collation = "utf8mb4_general_ci"
    columns = (
        Column("uid", "int unsigned", null=False, auto=True),
        Column("username", "varchar(120)", null=False, default=""),
        Column("password", "varchar(120)", null=False, default=""),
        Column("salt", "varchar(10)", null=False, default=""),
        Column("loginkey", "varchar(50)", null=False, default=""),
        Column("email", "varchar(220)", null=False, default=""),
        Column("usergroup", "smallint unsigned", null=False, default=0),
        Column("additionalgroups", "varchar(200)", null=False, default=""),
        Column("displaygroup", "smallint unsigned", null=False, default=0),
        Column("regdate", "int unsigned", null=False, default=0),
        Column("lastactive", "int unsigned", null=False, default=0),
        Column("regip", "varbinary(16)", null=False, default=""),
        Column("lastip", "varbinary(16)", null=False, default=""),
        Column("coppauser", "tinyint(1)", null=False, default=0),
        Column("loginattempts", "smallint(2) unsigned", null=False, default=0),
        Column("loginlockoutexpiry", "int unsigned", null=False, default=0),
    )
    indexes = (
        Index("username", ("username",), unique=True),
        Index("usergroup", ("usergroup",)),
        Index("regip", ("regip",)),
        Index("lastip", ("lastip",)),
    )
    read_columns = ("uid", "username", "password", "salt", "email", "usergroup", "additionalgroups")
    OPTIONS: ClassVar[dict[str, tuple[type, OptionValue]]] = {
        "username_method": (int, USERNAME_ONLY),  # MyBB setting: 0 username, 1 email, 2 username or email
        "activation_confirms_email": (bool, False),  # outside the awaiting-activation groups = email confirmed
        "banned_groups": (str, str(GROUP_BANNED)),
        "unconfirmed_groups": (str, str(GROUP_AWAITING_ACTIVATION)),
    }

    def __init__(self, **options: object) -> None:
        super().__init__(**options)
        if self.options["username_method"] not in (USERNAME_ONLY, EMAIL_ONLY, USERNAME_OR_EMAIL):
            raise ConfigurationError("LEGACY_USERNAME_METHOD", "must be 0, 1 or 2 (MyBB's username_method)")
        self.banned = _groups(self.options["banned_groups"], "LEGACY_BANNED_GROUPS")
        self.unconfirmed = _groups(self.options["unconfirmed_groups"], "LEGACY_UNCONFIRMED_GROUPS")

    def lower_index_columns(self) -> tuple[str, ...]:
        return ("username", "email")

    def lookups(self, login: str) -> list[tuple[Lookup, str]]:
        method = self.options["username_method"]  # the input is not trimmed; case-insensitive (module doc)
        out = []
        if method in (USERNAME_ONLY, USERNAME_OR_EMAIL):
            out.append((Lookup("username", 120), login))
        if method == EMAIL_ONLY or (method == USERNAME_OR_EMAIL and looks_like_email(login)):
            out.append((Lookup("email", 220), login))
        return out

    def read(self, row: RowReader) -> LegacyUser:
        group = row.integer("usergroup", 0)
        states: list[AccountState] = []
        if group in self.banned:
            states.append(AccountState.BLOCKED)
        if group in self.unconfirmed:
            states.append(AccountState.UNCONFIRMED)
        others = [g.strip() for g in (row.text("additionalgroups") or "").split(",") if g.strip()]
        if not all(g.isdigit() for g in others):
            raise CorruptRowError(self.name, "additionalgroups", "is not a list of group ids")
        password = row.blank_is_none("password")
        return LegacyUser(
            legacy_id=row.required_text("uid"),
            username=row.blank_is_none("username"),
            email=row.blank_is_none("email"),
            email_verified=self.opt_bool("activation_confirms_email") and group not in self.unconfirmed,
            state=self.finish_state(states, password is not None),
            roles=tuple(dict.fromkeys((f"group:{group}", *(f"group:{g}" for g in others)))),
            password_hash=password,
            hash_fields={"salt": row.text("salt") or ""} if password is not None else {},  # see dispatch
        )


# ---------------------------------------------------------------- password check


def dispatch(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """MyBB 1.8 ``verify_user_password``: the 32-hex salted md5 (no other format without a plugin).

    MyBB has no costly scheme, so its dummy hash (equal work for unknown users) is a bcrypt value; a bcrypt
    value is accepted only without row fields, which is only the dummy: every row with a password carries its
    ``salt``.
    """
    if fs.MYBB_MD5.identify(stored):
        return fs.MYBB_MD5
    if "salt" not in fields and bc.BCRYPT.identify(stored):
        return bc.BCRYPT
    raise UnknownHashSchemeError("mybb")


RULES = AppRules(transforms.raw, dispatch, None, (), "$2y$10$5X39GXQqS.hp/lU4bPN9Nugi3flx9VBeSql14P8af9M1a2ltrdChm")

APP = App(
    name="mybb", title="MyBB 1.8", preset=MybbPreset, rules=RULES, login_columns=("username",),
    importability=Importability(refused={"mybb_md5": "md5(md5(salt) . md5(password)): not a hash family Cognito "
                                                     "imports"}),
)

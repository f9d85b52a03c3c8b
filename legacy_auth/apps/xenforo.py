"""XenForo 1.x/2.x: table ``xf_user`` joined with ``xf_user_authenticate`` (the password data).

XenForo is closed source; these facts were read in third-party copies of its code published on GitHub (never
run, never copied here): XenForo 2 ``src/XF/Install/Data/MySql.php`` (the tables), ``XF\\InputFilterer``,
``XF\\Pub\\Controller\\Login`` (``login`` and ``password`` filtered as ``str``), ``XF\\Authentication\\Core`` and
``Core12``, and XenForo 1 ``XenForo_Model_User::getUserByNameOrEmail`` and ``XenForo_Authentication_Core12``.

Tables (XenForo 2 install data): ``xf_user`` (only the columns this service reads plus the install's indexes on
them are created by :meth:`ddl`; ``user_state`` is an ENUM there, a VARCHAR here; XenForo creates its tables
``utf8mb4``/``utf8`` ``_general_ci``: case-insensitive) and ``xf_user_authenticate`` (``user_id`` PRIMARY KEY,
``scheme_class`` VARCHAR(100), ``data`` MEDIUMBLOB: PHP-serialised). Both are read in one ``LEFT JOIN`` on
``user_id``; a user without an ``xf_user_authenticate`` row, or with ``scheme_class`` ``XF:NoPassword``
(registered through a connected account), is SSO_ONLY.

Login rule (``getUserByNameOrEmail``): the input, cleaned like every ``str`` input (:func:`xenforo_str`: CRLF
to LF, control and invisible characters removed, NBSP to a space, trimmed), is looked up by ``email`` first
when it contains ``@``, then by ``username``; both compared under the column's collation (``ci`` lookups).

Account states: ``is_banned`` -> BLOCKED; ``user_state`` ``email_confirm`` / ``email_confirm_edit`` /
``email_bounce`` -> UNCONFIRMED, ``moderated`` -> UNAPPROVED, ``rejected`` -> BLOCKED, ``disabled`` ->
INACTIVE, any other value than ``valid`` -> UNCONFIRMED. XenForo itself lets banned and unconfirmed users sign
in with reduced rights; the migration refuses them. The XenForo 2.2+ ``security_lock`` column is not read
(not in the install data read here). ``email_verified`` is False unless ``activation_confirms_email``
(``LEGACY_ACTIVATION_CONFIRMS_EMAIL``): then ``user_state = 'valid'`` counts as confirmed.

Password (``Core``/``Core12::authenticate``): the typed password goes through the same ``str`` filter, an
empty result is refused; ``scheme_class`` chooses the check: ``XF:Core12`` / ``XenForo_Authentication_Core12``
= ``password_verify`` of ``data['hash']`` (bcrypt; the phpass-format hashes of PHP < 5.5 installs and the
argon2 of a ``config['auth']`` override are refused), ``XF:Core`` / ``XenForo_Authentication_Core`` =
``hash(f, hash(f, pw) . salt)`` (``sha256``/``sha1``). The classes of XenForo's importers (``XF:vBulletin``,
``XF:PhpBb3`` …) are refused as unknown. Boards without ``fullUnicode`` (older utf8 installs) remove
characters outside the BMP from every input: set ``LEGACY_XENFORO_BMP_ONLY=true`` for them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar

from legacy_auth.apps.app import App, HashOption, Importability
from legacy_auth.errors import CorruptRowError, UnknownHashSchemeError
from legacy_auth.hashing import forum_schemes as fs
from legacy_auth.hashing.base import Scheme
from legacy_auth.hashing.rules import AppRules
from legacy_auth.model import AccountState, LegacyUser
from legacy_auth.presets.base import Dialect, Query
from legacy_auth.presets.sql import (
    Column,
    Index,
    Lookup,
    check_dialect,
    create_table,
    quote,
    validate_identifier,
    validate_prefix,
)
from legacy_auth.presets.table import OptionValue, TablePreset
from legacy_auth.presets.values import RowReader

_CLEAN = {chr(c): "" for c in (*range(0x09), 0x0B, 0x0C, *range(0x0D, 0x20), 0x7F, *range(0x80, 0xA0))}
_CLEAN.update({"\u00a0": " ", "\u00ad": "", "\u200b": "", "\ufeff": ""})
_TABLE = str.maketrans(_CLEAN)
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_PHP_TRIM = " \t\n\r\x00\x0b"

CORE12 = frozenset({"XF:Core12", "XenForo_Authentication_Core12"})
CORE = frozenset({"XF:Core", "XenForo_Authentication_Core"})
NO_PASSWORD = frozenset({"XF:NoPassword", "XenForo_Authentication_NoPassword"})
STATES = {
    "email_confirm": AccountState.UNCONFIRMED, "email_confirm_edit": AccountState.UNCONFIRMED,
    "email_bounce": AccountState.UNCONFIRMED, "moderated": AccountState.UNAPPROVED,
    "rejected": AccountState.BLOCKED, "disabled": AccountState.INACTIVE,
}


def xenforo_str(value: str, *, bmp_only: bool = False) -> str:
    """XenForo's ``str`` input filter: CRLF -> LF, (without ``fullUnicode``) characters outside the BMP removed,
    C0/C1 controls but tab and LF removed, NBSP -> space, soft hyphen / zero-width space / BOM removed, PHP trim."""
    value = value.replace("\r\n", "\n")
    if bmp_only:
        value = _ASTRAL.sub("", value)
    return value.translate(_TABLE).strip(_PHP_TRIM)


def xenforo_input(password: str) -> list[str]:
    """The typed password as ``Core``/``Core12`` receive it; nothing when it is empty after filtering."""
    cleaned = xenforo_str(password)
    return [cleaned] if cleaned else []


def xenforo_input_bmp(password: str) -> list[str]:
    """:func:`xenforo_input` for boards without ``fullUnicode``."""
    cleaned = xenforo_str(password, bmp_only=True)
    return [cleaned] if cleaned else []


USER_COLUMNS = (
    Column("user_id", "int unsigned", null=False, auto=True),
    Column("username", "varchar(50)", null=False),
    Column("email", "varchar(120)", null=False),
    Column("user_group_id", "int unsigned", null=False),
    Column("secondary_group_ids", "varbinary(255)", null=False),
    Column("register_date", "int unsigned", null=False, default=0),
    Column("last_activity", "int unsigned", null=False, default=0),
    Column("user_state", "varchar(20)", null=False, default="valid"),
    Column("is_moderator", "tinyint unsigned", null=False, default=0),
    Column("is_admin", "tinyint unsigned", null=False, default=0),
    Column("is_banned", "tinyint unsigned", null=False, default=0),
)
AUTH_COLUMNS = (
    Column("user_id", "int unsigned", null=False),
    Column("scheme_class", "varchar(100)", null=False),
    Column("data", "mediumblob", null=False),
)
AUTH_TABLE = "user_authenticate"


class XenforoPreset(TablePreset):
    """XenForo ``xf_user`` + ``xf_user_authenticate``."""

    name = "xenforo"
    default_prefix = "xf_"
    base_table = "user"
    primary_key = "user_id"
    mysql_collation = "utf8mb4_general_ci"
    columns = USER_COLUMNS
    indexes = (
        Index("username", ("username",), unique=True),
        Index("email", ("email",)),
        Index("user_state", ("user_state",)),
        Index("last_activity", ("last_activity",)),
        Index("register_date", ("register_date",)),
    )
    read_columns = ("user_id", "username", "email", "user_group_id", "secondary_group_ids", "user_state",
                    "is_admin", "is_banned")
    auth_columns: ClassVar[tuple[str, ...]] = ("scheme_class", "data")
    OPTIONS: ClassVar[dict[str, tuple[type, OptionValue]]] = {
        "activation_confirms_email": (bool, False),  # user_state 'valid' = email confirmed
    }

    def auth_table(self, prefix: str) -> str:
        """The ``xf_user_authenticate`` table name for ``prefix`` (validated, unquoted)."""
        return validate_identifier(validate_prefix(prefix) + AUTH_TABLE, "LEGACY_TABLE_PREFIX")

    def side_tables(self, prefix: str) -> dict[str, tuple[Column, ...]]:
        """Tables besides :meth:`table` that hold a user's columns (for test fixtures filling both)."""
        return {self.auth_table(prefix): AUTH_COLUMNS}

    def ddl(self, *, prefix: str, dialect: Dialect) -> list[str]:
        dialect = check_dialect(dialect)
        users = super().ddl(prefix=prefix, dialect=dialect)
        auth = create_table(self.auth_table(prefix), AUTH_COLUMNS, primary_key=("user_id",), indexes=(),
                            dialect=dialect, mysql_collation=self.mysql_collation)
        return [*users, *auth]

    def lower_index_columns(self) -> tuple[str, ...]:
        return ("username", "email")

    def select_list(self, dialect: Dialect) -> str:
        user = [f"u.{quote(c, dialect)}" for c in self.read_columns]
        auth = [f"a.{quote(c, dialect)}" for c in self.auth_columns]
        return ", ".join(user + auth)

    def _source(self, prefix: str, dialect: Dialect) -> str:
        user, auth = quote(self.table(prefix), dialect), quote(self.auth_table(prefix), dialect)
        key = quote("user_id", dialect)
        return f"{user} u LEFT JOIN {auth} a ON a.{key} = u.{key}"

    def build_statement(self, lookup: Lookup, prefix: str, dialect: Dialect) -> tuple[str, tuple[Any, ...]]:
        dialect = check_dialect(dialect)
        condition = lookup.condition(dialect).replace(quote(lookup.column, dialect),
                                                      f"u.{quote(lookup.column, dialect)}", 1)
        # identifiers are validated and quoted; the login is a %s parameter
        sql = f"SELECT {self.select_list(dialect)} FROM {self._source(prefix, dialect)} WHERE {condition} LIMIT 2"  # noqa: S608
        return sql, ()

    def scan_query(self, *, prefix: str, dialect: Dialect, between: tuple[int, int] | None = None) -> Query:
        dialect = check_dialect(dialect)
        order = f"u.{quote(self.primary_key, dialect)}"
        where = f" WHERE {order} BETWEEN %s AND %s" if between is not None else ""
        sql = f"SELECT {self.select_list(dialect)} FROM {self._source(prefix, dialect)}{where} ORDER BY {order}"  # noqa: S608
        return Query(sql, between or ())

    def lookups(self, login: str) -> list[tuple[Lookup, str]]:
        value = xenforo_str(login)
        out = [(Lookup("email", 120), value)] if "@" in value else []
        return [*out, (Lookup("username", 50), value)]

    def read(self, row: RowReader) -> LegacyUser:
        state = row.text("user_state") or "valid"
        states: list[AccountState] = []
        if row.flag("is_banned"):
            states.append(AccountState.BLOCKED)
        if state != "valid":
            states.append(STATES.get(state, AccountState.UNCONFIRMED))
        group = row.integer("user_group_id", 0)
        secondary = row.binary("secondary_group_ids") or b""
        others = [g.strip() for g in secondary.decode("ascii", "replace").split(",") if g.strip()]
        if not all(g.isdigit() for g in others):
            raise CorruptRowError(self.name, "secondary_group_ids", "is not a list of group ids")
        roles = [f"group:{group}", *(f"group:{g}" for g in others)]
        if row.flag("is_admin"):
            roles.append("admin")
        scheme_class = row.text("scheme_class") or ""
        data = row.binary("data")
        password: str | None = None
        if data and scheme_class not in NO_PASSWORD:
            try:
                password = data.decode("ascii")
            except UnicodeDecodeError:
                raise CorruptRowError(self.name, "data", "is not ASCII") from None
        return LegacyUser(
            legacy_id=row.required_text("user_id"),
            username=row.blank_is_none("username"),
            email=row.blank_is_none("email"),
            email_verified=self.opt_bool("activation_confirms_email") and state == "valid",
            state=self.finish_state(states, password is not None),
            roles=tuple(dict.fromkeys(roles)),
            password_hash=password,
            hash_fields={"scheme_class": scheme_class} if password is not None else {},
        )


# ---------------------------------------------------------------- password check


def dispatch(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """``xf_user_authenticate.scheme_class`` names the handler; without the field (only the dummy hash: every
    row with a password carries it) a serialised bcrypt ``{hash}`` is ``Core12``."""
    scheme_class = fields.get("scheme_class")
    if scheme_class is None:
        if fs.XENFORO_CORE12.identify(stored):
            return fs.XENFORO_CORE12
        raise UnknownHashSchemeError("xenforo")
    name = scheme_class.decode("ascii", "replace") if isinstance(scheme_class, bytes) else str(scheme_class)
    if name in CORE12:
        return fs.XENFORO_CORE12
    if name in CORE:
        return fs.XENFORO_CORE
    raise UnknownHashSchemeError("xenforo")


def configure(rules: AppRules, options: Mapping[str, Any]) -> tuple[AppRules, Mapping[str, Any]]:
    """``xenforo_bmp_only``: the board runs without ``fullUnicode`` (characters outside the BMP removed)."""
    if options.get("xenforo_bmp_only"):
        return replace(rules, transform=xenforo_input_bmp), {}
    return rules, {}


RULES = AppRules(xenforo_input, dispatch, None, ("",),
                 'a:1:{s:4:"hash";s:60:"$2y$10$pnnxQuO/JxoIqFDebyxEiujWg.WyJk6zDrUElHrEP4vhZBSJLT1FK";}')

APP = App(
    name="xenforo", title="XenForo 1.x/2.x", preset=XenforoPreset, rules=RULES, login_columns=("username",),
    hash_options=(HashOption("xenforo_bmp_only", "LEGACY_XENFORO_BMP_ONLY", bool),),
    configure=configure,
    importability=Importability(transform="XenForo's input filter (control and invisible characters removed, "
                                          "NBSP to space, trim) runs before hashing; the hash sits in "
                                          "PHP-serialised data"),
)

"""Discourse: ``users`` with its ``user_emails`` and (current releases) ``user_passwords`` tables. Discourse runs on
PostgreSQL only; its tables are created by ActiveRecord migrations, and the columns here follow the schema
annotations of ``app/models/user.rb``, ``app/models/user_email.rb`` and ``app/models/user_password.rb``.

Layouts (``LEGACY_VARIANT``):

* ``current`` (default): passwords in ``user_passwords`` (``user_id`` UNIQUE, ``password_hash varchar(64)``,
  ``password_salt varchar(32)``, ``password_algorithm varchar(64)``, ``password_expired_at``);
* ``users``: earlier releases kept ``password_hash``, ``salt`` and ``password_algorithm`` on ``users``;
* ``legacy``: before the ``password_algorithm`` column (every hash is 64,000 iterations).

In all three, emails live in ``user_emails`` (``email varchar(513)``, stored stripped and lower-cased, unique on
``lower(email)``; one ``primary`` row per user).

Login rule (``SessionController#create``, ``normalized_login_param``, ``User.find_by_username_or_email``): one
leading ``@`` is removed, the login stripped, Unicode-normalised (NFC) and lower-cased, cut to 101 characters;
with an ``@`` it is looked up among **all** of a user's emails (``lower(user_emails.email)``), otherwise by
``users.username_lower``. The user's primary email is the one returned.

States (checked after the password, as ``SessionController#create`` does): ``suspended_till`` in the future is
BLOCKED; ``password_expired_at`` set is LOCKED (Discourse answers "expired": reset required); ``active`` false is
UNCONFIRMED (Discourse: ``not_activated``; its ``email_confirmed?`` check on ``email_tokens`` is not read);
``staged`` users (made from incoming email) are INACTIVE; ids below 1 (``system``, bots) are SYSTEM; with
``LEGACY_MUST_APPROVE_USERS`` (Discourse's ``must_approve_users``) ``approved`` false is UNAPPROVED unless ``admin``.
No password row (or empty hash) is SSO_ONLY. ``email_verified`` = ``active``.

Passwords (``lib/pbkdf2.rb``, ``lib/password_hasher.rb``, ``UserPassword#confirm_password?``): PBKDF2-HMAC-SHA256
over the password, salted with the salt's **hex text**, 64-byte hex; iterations from ``password_algorithm``
(``$pbkdf2-sha256$i=N,l=32$``) or 64,000 without it; a blank password or one over 200 characters is refused
(:data:`legacy_auth.hashing.forum_schemes.DISCOURSE_PBKDF2`). The row's salt and algorithm are hash fields.
The dummy hash (and ``LEGACY_DUMMY_HASH``) is written ``<password_algorithm><salt>$<hash>``: one string holding
what a row holds in three columns.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from legacy_auth.apps.app import App, Importability
from legacy_auth.errors import ConfigurationError, CorruptHashError, UnknownHashSchemeError
from legacy_auth.hashing import cost, transforms
from legacy_auth.hashing import forum_schemes as fs
from legacy_auth.hashing.base import Scheme
from legacy_auth.hashing.rules import AppRules
from legacy_auth.model import AccountState, LegacyUser
from legacy_auth.presets.base import Dialect, Query
from legacy_auth.presets.sql import Column, Index, Lookup, check_dialect, create_table, quote, validate_identifier
from legacy_auth.presets.table import OptionValue, TablePreset
from legacy_auth.presets.values import RowReader

VARIANTS = ("current", "users", "legacy")
MAX_LOGIN = 101  # normalized_login_param: [0..100]
_RUBY_STRIP = " \t\n\v\f\r\0"

USERS_COLUMNS = (
    Column("id", "int", null=False, auto=True),
    Column("username", "varchar(60)", null=False),
    Column("created_at", "datetime", null=False),
    Column("updated_at", "datetime", null=False),
    Column("name", "varchar(255)"),
    Column("active", "bool", null=False, default=False),
    Column("username_lower", "varchar(60)", null=False),
    Column("last_seen_at", "datetime"),
    Column("admin", "bool", null=False, default=False),
    Column("trust_level", "int", null=False, default=0),
    Column("approved", "bool", null=False, default=False),
    Column("approved_at", "datetime"),
    Column("suspended_at", "datetime"),
    Column("suspended_till", "datetime"),
    Column("moderator", "bool", default=False),
    Column("locale", "varchar(10)"),
    Column("staged", "bool", null=False, default=False),
    Column("silenced_till", "datetime"),
)
USERS_PASSWORD_COLUMNS = (Column("password_hash", "varchar(64)"), Column("salt", "varchar(32)"))
USERS_INDEXES = (
    Index("index_users_on_username", ("username",), unique=True),
    Index("index_users_on_username_lower", ("username_lower",), unique=True),
)
EMAIL_COLUMNS = (
    Column("id", "int", null=False, auto=True),
    Column("user_id", "int", null=False),
    Column("email", "varchar(513)", null=False),
    Column("primary", "bool", null=False, default=False),
    Column("created_at", "datetime", null=False),
    Column("updated_at", "datetime", null=False),
    Column("normalized_email", "varchar(513)"),
)
EMAIL_INDEXES = (  # Discourse: UNIQUE (lower(email)); its emails are stored lower-cased
    Index("index_user_emails_on_email", ("email",), unique=True),
    Index("index_user_emails_on_user_id", ("user_id",)),
)
PASSWORD_COLUMNS = (
    Column("id", "int", null=False, auto=True),
    Column("user_id", "int", null=False),
    Column("password_hash", "varchar(64)", null=False),
    Column("password_salt", "varchar(32)", null=False),
    Column("password_algorithm", "varchar(64)", null=False),
    Column("password_expired_at", "datetime"),
    Column("created_at", "datetime", null=False),
    Column("updated_at", "datetime", null=False),
)
PASSWORD_INDEXES = (Index("index_user_passwords_on_user_id", ("user_id",), unique=True),)
_USER_FIELDS = ("id", "username", "name", "active", "approved", "admin", "moderator", "staged", "suspended_till",
                "trust_level")


class DiscoursePreset(TablePreset):
    """Discourse ``users`` + ``user_emails`` (+ ``user_passwords``)."""

    name = "discourse"
    default_prefix = ""
    base_table = "users"
    primary_key = "id"
    mysql_collation = "utf8mb4_bin"
    partitionable = False  # the scan joins user_emails (and user_passwords): one stream
    OPTIONS: ClassVar[dict[str, tuple[type, OptionValue]]] = {
        "variant": (str, "current"),  # "current" (user_passwords), "users", "legacy" (no password_algorithm)
        "must_approve_users": (bool, False),  # Discourse's site setting of that name
    }

    def __init__(self, **options: object) -> None:
        super().__init__(**options)
        if self.options["variant"] not in VARIANTS:
            raise ConfigurationError("LEGACY_VARIANT",
                                     "must be 'current', 'users' or 'legacy' for LEGACY_APP=discourse")

    @property
    def variant(self) -> str:
        """The table layout (see the module docstring)."""
        return str(self.options["variant"])

    # ------------------------------------------------------------ schema

    def all_columns(self) -> tuple[Column, ...]:
        if self.variant == "current":
            return USERS_COLUMNS
        extra = () if self.variant == "legacy" else (Column("password_algorithm", "varchar(64)"),)
        return (*USERS_COLUMNS, *USERS_PASSWORD_COLUMNS, *extra)

    def index_list(self) -> tuple[Index, ...]:
        return USERS_INDEXES

    def side_table(self, prefix: str, name: str) -> str:
        """``user_emails`` / ``user_passwords`` with the deployment's prefix (validated, unquoted)."""
        return validate_identifier(f"{prefix}{name}", "LEGACY_TABLE_PREFIX")

    def ddl(self, *, prefix: str, dialect: Dialect) -> list[str]:
        statements = super().ddl(prefix=prefix, dialect=dialect)
        statements += create_table(self.side_table(prefix, "user_emails"), EMAIL_COLUMNS, primary_key=("id",),
                                   indexes=EMAIL_INDEXES, dialect=check_dialect(dialect),
                                   mysql_collation=self.mysql_collation, lower_indexes=("email",))
        if self.variant == "current":
            statements += create_table(self.side_table(prefix, "user_passwords"), PASSWORD_COLUMNS,
                                       primary_key=("id",), indexes=PASSWORD_INDEXES, dialect=dialect,
                                       mysql_collation=self.mysql_collation)
        return statements

    def selected_columns(self) -> tuple[str, ...]:
        """The ``users`` columns read (the admin CLI checks them on SQLite); the joined tables add ``email`` and
        the password columns to each row."""
        if self.variant == "current":
            return _USER_FIELDS
        return (*_USER_FIELDS, "password_hash", "salt", *(("password_algorithm",) if self.variant == "users" else ()))

    # ------------------------------------------------------------ queries

    def _from(self, prefix: str, dialect: Dialect) -> tuple[str, str]:
        """(select list, FROM clause) joining the primary email and, in ``current``, the password row."""
        q = lambda n: quote(n, dialect)  # noqa: E731
        users, emails = q(self.table(prefix)), q(self.side_table(prefix, "user_emails"))
        cols = [f"u.{q(c)}" for c in _USER_FIELDS] + [f"e.{q('email')}"]
        joins = f"{users} u JOIN {emails} e ON e.{q('user_id')} = u.{q('id')} AND e.{q('primary')} = TRUE"
        if self.variant == "current":
            passwords = q(self.side_table(prefix, "user_passwords"))
            joins += f" LEFT JOIN {passwords} p ON p.{q('user_id')} = u.{q('id')}"
            cols += [f"p.{q('password_hash')}", f"p.{q('password_salt')}", f"p.{q('password_algorithm')}",
                     f"p.{q('password_expired_at')}"]
        else:
            algorithm = f"u.{q('password_algorithm')}" if self.variant == "users" else "NULL"
            cols += [f"u.{q('password_hash')}", f"u.{q('salt')} AS {q('password_salt')}",
                     f"{algorithm} AS {q('password_algorithm')}",
                     f"NULL AS {q('password_expired_at')}"]
        return ", ".join(cols), joins

    def lookups(self, login: str) -> list[tuple[Lookup, str]]:
        value = normalize_login(login)
        if not value:
            return []
        if "@" in value:
            return [(Lookup("email", 513, match="exact"), value)]
        return [(Lookup("username_lower", 60, match="exact"), value)]

    def build_statement(self, lookup: Lookup, prefix: str, dialect: Dialect) -> tuple[str, tuple[Any, ...]]:
        dialect = check_dialect(dialect)
        select, joins = self._from(prefix, dialect)
        q = lambda n: quote(n, dialect)  # noqa: E731
        if lookup.column == "email":  # any of the user's emails (find_by_email: with_email, primary or not)
            emails = q(self.side_table(prefix, "user_emails"))
            where = f"u.{q('id')} IN (SELECT {q('user_id')} FROM {emails} WHERE lower({q('email')}) = %s)"  # noqa: S608
        else:
            where = f"u.{q(lookup.column)} = %s"
        sql = f"SELECT {select} FROM {joins} WHERE {where} LIMIT 2"  # noqa: S608 - identifiers validated, quoted
        return sql, ()

    def scan_query(self, *, prefix: str, dialect: Dialect, between: tuple[int, int] | None = None) -> Query:
        dialect = check_dialect(dialect)
        select, joins = self._from(prefix, dialect)
        key = f"u.{quote('id', dialect)}"
        where, params = (f" WHERE {key} BETWEEN %s AND %s", between) if between is not None else ("", ())
        return Query(f"SELECT {select} FROM {joins}{where} ORDER BY {key}", params)  # noqa: S608

    # ------------------------------------------------------------ rows

    def read(self, row: RowReader) -> LegacyUser:
        user_id = row.integer("id")
        if user_id is None:
            raise ValueError("id")
        states: list[AccountState] = []
        if user_id < 1:
            states.append(AccountState.SYSTEM)
        suspended = row.timestamp("suspended_till")
        if suspended is not None and suspended > datetime.now(UTC):
            states.append(AccountState.BLOCKED)
        if row.timestamp("password_expired_at") is not None:
            states.append(AccountState.LOCKED)
        if row.flag("staged"):
            states.append(AccountState.INACTIVE)
        active = row.flag("active")
        if not active:
            states.append(AccountState.UNCONFIRMED)
        admin = row.flag("admin")
        if self.opt_bool("must_approve_users") and not row.flag("approved") and not admin:
            states.append(AccountState.UNAPPROVED)
        password = row.blank_is_none("password_hash")
        roles = [f"trust_level:{row.integer('trust_level', 0)}"]
        roles += [name for name in ("admin", "moderator") if row.flag(name)]
        return LegacyUser(
            legacy_id=str(user_id),
            username=row.blank_is_none("username"),
            email=row.blank_is_none("email"),
            email_verified=active,
            state=self.finish_state(states, password is not None),
            display_name=row.blank_is_none("name"),
            roles=tuple(roles),
            password_hash=password,
            hash_fields={"salt": row.text("password_salt"), "algorithm": row.text("password_algorithm")},
        )


def normalize_login(login: str) -> str:
    """``normalized_login_param``: one leading ``@`` dropped, then strip, NFC, lower-case, first 101 characters.

    Ruby's ``String#strip`` removes ASCII whitespace and NUL; ``unicode_normalize`` is NFC; ``downcase`` is
    full Unicode lower-casing (Python's ``str.lower``). A blank login finds nobody (``present?``).
    """
    text = login[1:] if login.startswith("@") else login
    return unicodedata.normalize("NFC", text.strip(_RUBY_STRIP)).lower()[:MAX_LOGIN]


# ---------------------------------------------------------------- password check

_COMBINED = re.compile(r"(\$pbkdf2-sha256\$i=\d{1,10},l=\d{1,4}\$)([0-9a-f]{1,32})\$([0-9a-f]{64})")


def _split(stored: str) -> tuple[str, dict[str, str]]:
    m = _COMBINED.fullmatch(stored)
    if m is None:
        raise CorruptHashError(fs.DISCOURSE_PBKDF2.name, "not <algorithm><salt>$<hash>")
    return m.group(3), {"algorithm": m.group(1), "salt": m.group(2)}


def _check_combined(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    digest, row = _split(stored)
    return fs.DISCOURSE_PBKDF2.check(pw, digest, row)


def _grade_combined(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
    digest, row = _split(stored)
    grade = fs.DISCOURSE_PBKDF2.grade
    if grade is None:  # declared with one; never reached
        raise CorruptHashError(fs.DISCOURSE_PBKDF2.name, "no grade")
    return grade(digest, row)


#: one string holding a row's algorithm, salt and hash (the dummy hash; :data:`legacy_auth.hashing.forum_schemes`
#: keeps them in three columns): the same check, the same name
DISCOURSE_COMBINED = Scheme(fs.DISCOURSE_PBKDF2.name, fs.DISCOURSE_PBKDF2.strength, fs.DISCOURSE_PBKDF2.needs_upgrade,
                            _check_combined, ("$pbkdf2-sha256$",), _COMBINED, _grade_combined)


def dispatch(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """``UserPassword#confirm_password?``: the 64-hex PBKDF2 hash with the row's salt and algorithm."""
    if stored.startswith("$pbkdf2-sha256$"):
        return DISCOURSE_COMBINED
    if len(stored) == 64:
        return fs.DISCOURSE_PBKDF2
    raise UnknownHashSchemeError("discourse")


#: PBKDF2-SHA256 at Discourse's current 600,000 iterations over a throw-away secret, salt and algorithm inline
RULES = AppRules(
    transforms.raw, dispatch, None, (),
    "$pbkdf2-sha256$i=600000,l=32$cbd71da941f788813ddc518910010f44$"
    "7724af57ada5a3fa1d09baa43ebe424166a76b73f185a4489e77456d54399be4",
)

APP = App(
    name="discourse", title="Discourse", preset=DiscoursePreset, rules=RULES, login_columns=("username",),
    importability=Importability(refused={
        fs.DISCOURSE_PBKDF2.name: "PBKDF2-SHA256, but its salt and iteration count are in other columns "
                                  "(the importer reads the stored hash alone); Discourse also refuses blank "
                                  "and over-200-character passwords"}),
)

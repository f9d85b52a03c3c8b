"""Ghost staff users: table ``users`` (``ghost/core/core/server/data/schema/schema.js``, Ghost 5.x; Ghost runs on
MySQL 8 in production and SQLite in development).

Table: ``id varchar(24)`` (an ObjectId string) primary key, ``email varchar(191)`` UNIQUE, ``password
varchar(60)`` NOT NULL, ``status varchar(50)`` default ``active`` (one of ``active``, ``inactive``, ``locked``,
``warn-1`` .. ``warn-4``). Roles live in ``roles_users`` (not read). Ghost *members* (the ``members`` table) sign
in by magic link and have no password: they are not this preset's users.

Login rule (``core/server/models/user.js`` ``check`` / ``getByEmail``): Ghost fetches every user and keeps the
first whose ``email.toLowerCase()`` equals the typed email's ``toLowerCase()`` (no trim). We compare through
the column's case-insensitive collation on MySQL (the UNIQUE index then refuses case variants, as on Ghost's
MySQL 8); on PostgreSQL/SQLite the exact spelling first, then ``lower(email) = lower(%s)`` (SQLite's
``lower()`` folds ASCII only). Two rows whose emails differ only in case and neither spelled as typed are
ambiguous and refused (Ghost would take whichever it fetched first).

States (``check``): ``status = 'locked'`` is LOCKED (Ghost: ``PasswordResetRequiredError``), ``status =
'inactive'`` is INACTIVE ("account suspended"); every other status (``active``, ``warn-*``) signs in. An empty
``password`` is SSO_ONLY. Ghost does not record email verification for staff.

Passwords (``@tryghost/security`` ``lib/password.js``, ``isPasswordCorrect``): ``bcryptjs.compare`` over the
UTF-8 password (NUL bytes included, first 72 bytes); an empty password is refused before comparing. Ghost hashes
with ``bcryptjs.genSalt(10)`` (``$2a$10$``, ``$2b$`` with bcryptjs 3).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from legacy_auth.apps.app import App, Importability
from legacy_auth.errors import UnknownHashSchemeError
from legacy_auth.hashing import cms_schemes as cms
from legacy_auth.hashing import transforms
from legacy_auth.hashing.base import Scheme
from legacy_auth.hashing.rules import AppRules
from legacy_auth.model import AccountState, LegacyUser
from legacy_auth.presets.sql import Column, Index, Lookup
from legacy_auth.presets.table import OptionValue, TablePreset
from legacy_auth.presets.values import RowReader

STATUSES = ("active", "inactive", "locked", "warn-1", "warn-2", "warn-3", "warn-4")


class GhostPreset(TablePreset):
    """Ghost ``users`` (staff)."""

    name = "ghost"
    default_prefix = ""
    base_table = "users"
    primary_key = "id"
    mysql_collation = "utf8mb4_general_ci"
    columns = (
        Column("id", "varchar(24)", null=False),
        Column("name", "varchar(191)", null=False),
        Column("slug", "varchar(191)", null=False),
        Column("password", "varchar(60)", null=False),
        Column("email", "varchar(191)", null=False),
        Column("profile_image", "varchar(2000)"),
        Column("cover_image", "varchar(2000)"),
        Column("bio", "text"),
        Column("website", "varchar(2000)"),
        Column("location", "text"),
        Column("facebook", "varchar(2000)"),
        Column("twitter", "varchar(2000)"),
        Column("accessibility", "text"),
        Column("status", "varchar(50)", null=False, default="active"),
        Column("locale", "varchar(6)"),
        Column("visibility", "varchar(50)", null=False, default="public"),
        Column("meta_title", "varchar(2000)"),
        Column("meta_description", "varchar(2000)"),
        Column("tour", "text"),
        Column("last_seen", "datetime"),
        Column("comment_notifications", "bool", null=False, default=True),
        Column("created_at", "datetime", null=False),
        Column("updated_at", "datetime"),
    )
    indexes = (
        Index("users_slug_unique", ("slug",), unique=True),
        Index("users_email_unique", ("email",), unique=True),
    )
    read_columns = ("id", "name", "email", "password", "status")
    OPTIONS: ClassVar[dict[str, tuple[type, OptionValue]]] = {}

    def lookups(self, login: str) -> list[tuple[Lookup, str]]:
        # getByEmail: user.get('email').toLowerCase() === email.toLowerCase(), the input as typed
        return [(Lookup("email", 191), login)]

    def lower_index_columns(self) -> tuple[str, ...]:
        return ("email",)

    def read(self, row: RowReader) -> LegacyUser:
        status = row.required_text("status")
        states: list[AccountState] = []
        if status == "locked":
            states.append(AccountState.LOCKED)
        elif status == "inactive":
            states.append(AccountState.INACTIVE)
        password = row.blank_is_none("password")
        return LegacyUser(
            legacy_id=row.required_text("id"),
            username=None,
            email=row.blank_is_none("email"),
            email_verified=False,
            state=self.finish_state(states, password is not None),
            display_name=row.blank_is_none("name"),
            password_hash=password,
        )


# ---------------------------------------------------------------- password check


def dispatch(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """``bcryptjs.compare``: bcrypt hashes only."""
    if stored.startswith(cms.GHOST_BCRYPT.prefixes):
        return cms.GHOST_BCRYPT
    raise UnknownHashSchemeError("ghost")


#: a cost-10 ``$2a$`` bcrypt of a throw-away secret, as Ghost's ``bcryptjs.genSalt(10)`` writes it (made with
#: python ``bcrypt``: the same algorithm for an ASCII secret)
RULES = AppRules(transforms.raw, dispatch, None, ("",), "$2a$10$e6p4dOBqWEIp/8OjGwS.uuimaz7hAPfCkE8qK5zh67GmjTkDql6bu")

APP = App(
    name="ghost", title="Ghost (staff users)", preset=GhostPreset, rules=RULES, login_columns=(),
    importability=Importability(refused={"ghost_bcryptjs": "bcryptjs hashes NUL bytes where C bcrypt stops at the "
                                                           "first one (Cognito's rule is unknown)"}),
)

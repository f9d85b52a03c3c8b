"""Simple Machines Forum 2.0/2.1: table ``smf_members`` (``other/install_2-1_mysql.sql``, git tag ``v2.1.4``).

Only the columns this service reads plus the install SQL's indexes on them are created by :meth:`ddl`, with the
install SQL's types and defaults; SMF's installer creates its tables ``DEFAULT CHARSET=utf8
COLLATE=utf8_general_ci`` (``other/install.php``): case-insensitive.

Login rule (``Sources/LogInOut.php`` ``Login2``, 2.1.4): the typed name is used as sent (not trimmed); an empty
name, or one holding ``< > & " ' = \\`` outside numeric entities, is refused before any query; a name longer
than 80 characters is cut to 79. ``member_name`` is compared under the column's collation on MySQL
(``LOWER(member_name) = LOWER(…)`` on PostgreSQL); only when no member has that name and the input contains
``@``, ``email_address`` is compared. Both use :class:`~legacy_auth.presets.sql.Lookup` ``ci`` (on PostgreSQL
SMF compares the email exactly; here the exact spelling is tried first, then ``lower()``).

Account states (``checkActivation``): ``is_activated`` above 10 is a banned member (SMF adds 10 on a ban) ->
BLOCKED; the status (``is_activated`` minus 10 when above 10) 1 = active, 3 awaiting admin approval and 5
COPPA consent missing -> UNAPPROVED, 4 awaiting deletion -> DELETED (SMF offers to undelete on sign-in; the
migration refuses), anything else (0 not activated, 2 email change pending) -> UNCONFIRMED. ``email_verified``
is False unless ``activation_confirms_email`` (``LEGACY_ACTIVATION_CONFIRMS_EMAIL``): then an activated member
counts as confirmed (boards with email activation).

Password check (:mod:`legacy_auth.hashing.forum_schemes`, SMF section): the typed password is
``un_htmlspecialchars``-decoded and an empty one refused (:func:`~legacy_auth.hashing.forum_schemes.smf_input`);
a 60-character ``passwd`` is ``password_verify(strtolower(member_name) . password)`` (2.1), a 40-character one
``sha1(strtolower(member_name) . password)`` (2.0). The conversions behind ``enable_password_conversion``
(other forums' hashes, off by default) are not reproduced: such rows are refused as unknown. The row field
``username`` is ``member_name`` as stored.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any, ClassVar

from legacy_auth.apps.app import App, Importability
from legacy_auth.errors import CorruptRowError, UnknownHashSchemeError
from legacy_auth.hashing import bcrypt_schemes as bc
from legacy_auth.hashing import forum_schemes as fs
from legacy_auth.hashing.base import Scheme
from legacy_auth.hashing.rules import AppRules
from legacy_auth.model import AccountState, LegacyUser
from legacy_auth.presets.sql import Column, Index, Lookup
from legacy_auth.presets.table import OptionValue, TablePreset
from legacy_auth.presets.values import RowReader

ACTIVE, AWAITING_APPROVAL, AWAITING_DELETION, COPPA = 1, 3, 4, 5
BANNED_OFFSET = 10
_ENTITIES = re.compile(r"&#(\d{1,7}|x[0-9a-fA-F]{1,6});")
_FORBIDDEN = re.compile("[<>&\"'=\\\\]")


def login_name(login: str) -> str | None:
    """``Login2``'s checks on the typed name: ``None`` when SMF refuses it, else the name it looks up."""
    if login == "" or _FORBIDDEN.search(_ENTITIES.sub("", login)):
        return None
    return login[:79] if len(login) > 80 else login


class SmfPreset(TablePreset):
    """SMF ``smf_members``."""

    name = "smf"
    default_prefix = "smf_"
    base_table = "members"
    primary_key = "id_member"
    mysql_collation = "utf8_general_ci"
    columns = (
        Column("id_member", "mediumint unsigned", null=False, auto=True),
        Column("member_name", "varchar(80)", null=False, default=""),
        Column("date_registered", "int unsigned", null=False, default=0),
        Column("id_group", "smallint unsigned", null=False, default=0),
        Column("real_name", "varchar(255)", null=False, default=""),
        Column("passwd", "varchar(64)", null=False, default=""),
        Column("email_address", "varchar(255)", null=False, default=""),
        Column("is_activated", "tinyint unsigned", null=False, default=1),
        Column("validation_code", "varchar(10)", null=False, default=""),
        Column("additional_groups", "varchar(255)", null=False, default=""),
        Column("password_salt", "varchar(255)", null=False, default=""),
    )
    indexes = (
        Index("idx_member_name", ("member_name",)),
        Index("idx_real_name", ("real_name",)),
        Index("idx_email_address", ("email_address",)),
        Index("idx_date_registered", ("date_registered",)),
        Index("idx_id_group", ("id_group",)),
        Index("idx_active_real_name", ("is_activated", "real_name")),
    )
    read_columns = ("id_member", "member_name", "real_name", "passwd", "email_address", "is_activated", "id_group",
                    "additional_groups")
    OPTIONS: ClassVar[dict[str, tuple[type, OptionValue]]] = {
        "activation_confirms_email": (bool, False),  # an activated member's email counts as confirmed
    }

    def lower_index_columns(self) -> tuple[str, ...]:
        return ("member_name", "email_address")

    def lookups(self, login: str) -> list[tuple[Lookup, str]]:
        name = login_name(login)
        if name is None:
            return []
        out = [(Lookup("member_name", 80), name)]
        if "@" in name:
            out.append((Lookup("email_address", 255), name))
        return out

    def read(self, row: RowReader) -> LegacyUser:
        activated = row.integer("is_activated", ACTIVE) or 0
        status = activated - BANNED_OFFSET if activated > BANNED_OFFSET else activated
        states: list[AccountState] = []
        if activated > BANNED_OFFSET:
            states.append(AccountState.BLOCKED)
        if status in (AWAITING_APPROVAL, COPPA):
            states.append(AccountState.UNAPPROVED)
        elif status == AWAITING_DELETION:
            states.append(AccountState.DELETED)
        elif status != ACTIVE:
            states.append(AccountState.UNCONFIRMED)
        group = row.integer("id_group", 0)
        others = [g.strip() for g in (row.text("additional_groups") or "").split(",") if g.strip()]
        if not all(g.isdigit() for g in others):
            raise CorruptRowError(self.name, "additional_groups", "is not a list of group ids")
        member_name = row.blank_is_none("member_name")
        password = row.blank_is_none("passwd")
        real_name = row.blank_is_none("real_name")
        return LegacyUser(
            legacy_id=row.required_text("id_member"),
            username=html.unescape(member_name) if member_name else None,
            email=row.blank_is_none("email_address"),
            email_verified=self.opt_bool("activation_confirms_email") and status == ACTIVE,
            state=self.finish_state(states, password is not None),
            display_name=html.unescape(real_name) if real_name else None,
            roles=tuple(dict.fromkeys((f"group:{group}", *(f"group:{g}" for g in others)))),
            password_hash=password,
            hash_fields={"username": member_name or ""} if password is not None else {},
        )


# ---------------------------------------------------------------- password check


def dispatch(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """SMF 2.1.4 ``Login2``: ``hash_verify_password`` (bcrypt), then the 40-character SMF 2.0 sha1.

    Without the ``username`` row field a bcrypt value is the dummy hash (SMF's cost 10 over a throw-away name
    and secret), checked as plain bcrypt: every row with a password carries its ``member_name``.
    """
    if "username" not in fields and bc.BCRYPT.identify(stored):
        return bc.BCRYPT
    if fs.SMF_BCRYPT.identify(stored):
        return fs.SMF_BCRYPT
    if fs.SMF_SHA1.identify(stored):
        return fs.SMF_SHA1
    raise UnknownHashSchemeError("smf")


RULES = AppRules(fs.smf_input, dispatch, None, ("",),
                 "$2y$10$isuUoVEbaOvjpVu8widn9O5fYQ2RN2UOFqWUEGkDBx4hxza3k9Ayq")

APP = App(
    name="smf", title="Simple Machines Forum 2.0/2.1", preset=SmfPreset, rules=RULES, login_columns=("member_name",),
    importability=Importability(transform="SMF hashes the lower-cased member name followed by the "
                                          "entity-decoded password, not the password alone"),
)

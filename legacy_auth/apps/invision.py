"""Invision Community (IPS 4, boards upgraded from IP.Board 3): table ``core_members``.

Invision is closed source; what follows was read from public copies of IPS 4 ``system/Member/Member.php``
(``$bitOptions``, ``save``, ``flagAsSpammer``), ``system/Login/Handler/Standard.php`` and a public
``core_members`` dump of an IPS 4.7 site (``utf8mb4_unicode_ci``, ``members_pass_hash`` VARCHAR(255),
``members_pass_salt`` VARCHAR(22), ``temp_ban``, ``members_bitoptions``); the columns below are the ones that
dump and IPS's own code use, not IPS's full install schema (which is not public).

Password (``Member::encryptedPassword`` / ``verifyPassword``; the schemes are in
:mod:`legacy_auth.hashing.forum_schemes`): IPB 3 rows (carried over by the upgrader) hold
``md5(md5(salt) . md5(legacyEscape(password)))`` with a 5-character ``members_pass_salt``; IPS 4.0-4.4 rows
``crypt(password, '$2a$13$' . salt)`` with a 22-character salt; IPS 4.5+ rows ``password_hash()`` bcrypt with a
NULL salt. The typed password is not trimmed.

Login rule (``Login\\Handler\\Standard``): the administrator chooses display name, email address or both; this
preset looks up ``name`` and, for email-shaped input, ``email`` (``email_login``, default true; set it false on a
board that signs in by name only). Both compare case-insensitively under the table's ``utf8mb4_unicode_ci``
collation. The login is not trimmed (IPS's form keeps it as typed: a login with surrounding spaces finds no one).

Account states: ``temp_ban = -1`` (permanent, also what "flag as spammer" + ban sets) or a ``temp_ban`` Unix time
still in the future is BLOCKED; ``members_bitoptions & 1`` (``bw_is_spammer``) is SPAM;
``members_bitoptions & 1073741824`` (``validating``: a ``core_validating`` row exists, email or admin approval
pending) is UNCONFIRMED. Roles: ``group:<member_group_id>`` plus ``group:<id>`` of each ``mgroup_others`` id.

``email_verified``: a member without the validating bit was confirmed by email only on boards whose registration
required it, so it counts as a confirmation only with ``activation_confirms_email``
(``LEGACY_ACTIVATION_CONFIRMS_EMAIL``, default false).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import Any, ClassVar

from legacy_auth.apps.app import App, Importability
from legacy_auth.errors import UnknownHashSchemeError
from legacy_auth.hashing import forum_schemes as fs
from legacy_auth.hashing import transforms
from legacy_auth.hashing.base import Scheme
from legacy_auth.hashing.dispatch import BCRYPT10
from legacy_auth.hashing.rules import AppRules
from legacy_auth.model import AccountState, LegacyUser
from legacy_auth.presets.sql import Column, Index, Lookup, looks_like_email
from legacy_auth.presets.table import OptionValue, TablePreset
from legacy_auth.presets.values import RowReader

BW_IS_SPAMMER = 1
VALIDATING = 1073741824
PERMANENT_BAN = -1
_GROUP_IDS = re.compile(r"\d{1,10}")


class InvisionPreset(TablePreset):
    """IPS 4 ``core_members``."""

    name = "invision"
    default_prefix = ""
    base_table = "core_members"
    primary_key = "member_id"
    mysql_collation = "utf8mb4_unicode_ci"
    columns = (
        Column("member_id", "bigint unsigned", null=False, auto=True),
        Column("name", "varchar(255)", null=False, default=""),
        Column("member_group_id", "smallint", null=False, default=0),
        Column("email", "varchar(150)", null=False, default=""),
        Column("joined", "int", null=False, default=0),
        Column("ip_address", "varchar(46)", null=False, default=""),
        Column("temp_ban", "int", default=0),
        Column("mgroup_others", "varchar(245)", null=False, default=""),
        Column("members_seo_name", "varchar(255)", null=False, default=""),
        Column("failed_login_count", "smallint", null=False, default=0),
        Column("members_pass_hash", "varchar(255)"),
        Column("members_pass_salt", "varchar(22)"),
        Column("members_bitoptions", "int unsigned", null=False, default=0),
        Column("members_bitoptions2", "int unsigned", null=False, default=0),
        Column("conv_password", "varchar(255)"),
    )
    indexes = (
        Index("email", ("email",)),
        Index("name_index", ("name",)),
        Index("joined", ("joined",)),
        Index("members_bitoptions", ("members_bitoptions",)),
    )
    read_columns = (
        "member_id", "name", "member_group_id", "email", "temp_ban", "mgroup_others", "members_pass_hash",
        "members_pass_salt", "members_bitoptions",
    )
    OPTIONS: ClassVar[dict[str, tuple[type, OptionValue]]] = {
        "email_login": (bool, True),  # also look up `email` for email-shaped input (the board's "both" setting)
        "activation_confirms_email": (bool, False),  # registration required email validation (module docstring)
    }

    def lookups(self, login: str) -> list[tuple[Lookup, str]]:
        out = [(Lookup("name", 255), login)]
        if self.opt_bool("email_login") and looks_like_email(login):
            out.append((Lookup("email", 150), login))
        return out

    def lower_index_columns(self) -> tuple[str, ...]:
        return ("name", "email")

    def read(self, row: RowReader) -> LegacyUser:
        states: list[AccountState] = []
        ban = row.integer("temp_ban", 0) or 0
        if ban == PERMANENT_BAN or ban > time.time():
            states.append(AccountState.BLOCKED)
        bits = row.integer("members_bitoptions", 0) or 0
        if bits & BW_IS_SPAMMER:
            states.append(AccountState.SPAM)
        validating = bool(bits & VALIDATING)
        if validating:
            states.append(AccountState.UNCONFIRMED)
        others = [g for g in (row.blank_is_none("mgroup_others") or "").split(",") if _GROUP_IDS.fullmatch(g)]
        password = row.blank_is_none("members_pass_hash")
        salt = row.blank_is_none("members_pass_salt")
        return LegacyUser(
            legacy_id=row.required_text("member_id"),
            username=row.blank_is_none("name"),
            email=row.blank_is_none("email"),
            email_verified=self.opt_bool("activation_confirms_email") and not validating,
            state=self.finish_state(states, password is not None),
            roles=tuple(f"group:{g}" for g in (str(row.integer("member_group_id", 0)), *others)),
            password_hash=password,
            hash_fields={"salt": salt} if salt is not None and password else {},  # a salt alone is no password
        )


# ---------------------------------------------------------------- password check

_MD5_HEX = re.compile(r"[0-9a-f]{32}")


def dispatch(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """IPS 4 ``Member::verifyPassword``: bcrypt (``crypt`` with the stored 22-character salt, or
    ``password_verify``), else the IPB 3 salted md5 of the escaped password."""
    if stored.startswith(("$2a$", "$2y$", "$2b$")):
        return fs.INVISION_BCRYPT
    if _MD5_HEX.fullmatch(stored):
        return fs.INVISION_MD5
    raise UnknownHashSchemeError("invision")


RULES = AppRules(transforms.raw, dispatch, None, ("",), BCRYPT10)

APP = App(
    name="invision", title="Invision Community (IPS 4 / IP.Board 3)", preset=InvisionPreset, rules=RULES,
    login_columns=("name",),
    importability=Importability(
        candidates={"invision_bcrypt": "BCRYPT"},
        refused={"invision_md5": "md5(md5(salt) . md5(password)) over IPB 3's HTML-escaped password, "
                                 + "not one of BCRYPT, SCRYPT, ARGON2ID, PBKDF2_SHA256"},
    ),
)

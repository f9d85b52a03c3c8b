"""MediaWiki 1.35+: table ``user`` (``sql/tables.json``, generated as ``sql/mysql/tables-generated.sql``).

The table (MySQL): ``user_id INT UNSIGNED AUTO_INCREMENT``, ``user_name VARBINARY(255)`` UNIQUE,
``user_real_name VARBINARY(255)``, ``user_password TINYBLOB``, ``user_newpassword TINYBLOB``,
``user_email TINYTEXT``, ``user_touched BINARY(14)``, ``user_token BINARY(32)``,
``user_email_authenticated BINARY(14)`` (a ``YYYYMMDDHHMMSS`` timestamp, NULL until confirmed),
``user_registration BINARY(14)``, ``user_editcount INT UNSIGNED``, ``user_is_temp TINYINT(1)`` (1.42+), ....
Our DDL writes the binary text columns as ``VARCHAR``/``TEXT`` with a binary collation on MySQL (MediaWiki's
PostgreSQL schema uses ``TEXT``): the comparison stays byte-exact, and PostgreSQL gets a text column as
MediaWiki's own PostgreSQL schema has. The table prefix is ``$wgDBprefix`` (empty by default).

Login rule (``LocalPasswordPrimaryAuthenticationProvider::beginPrimaryAuthentication``): ``user_name =
UserNameUtils::getCanonical(name)``, an exact (binary) comparison. :func:`canonical_username` follows it:
``WebRequest`` NFC normalisation, ``MediaWikiTitleCodec::splitTitleString`` (bidi marks U+200E/U+200F/
U+202A-U+202E removed, runs of space, ``_`` and the Unicode spaces it lists collapsed to one space, trimmed)
and ``Language::ucfirst`` (``$wgCapitalLinks``, default true; option ``capital_links``). Names MediaWiki
would refuse as invalid (``#``, ``<>[]|{}``, namespace prefixes) are not rejected here: no such row exists.
MediaWiki core has no email login (``LEGACY_EMAIL_LOGIN`` adds a ``user_email`` lookup for extensions that
provide one; off by default).

Password (``includes/password``; the schemes are in :mod:`legacy_auth.hashing.cms_schemes`): ``user_password``
is ``:<type>:…``; a bare 32-hex value (pre-1.24 rows) is read as ``:B:<user_id>:<hex>``, exactly as the
provider rewrites it. The password is NFC-normalised by ``WebRequest`` at sign-up and sign-in alike (our input
transform), then the login checks ``$wgPasswordPolicy``: ``MinimumPasswordLengthToLogin`` (1: an empty
password is refused) and ``MaximalPasswordLength`` (4096 bytes, ``strlen``) are fatal. ``$wgLegacyEncoding``
(Windows-1252 retry, off by default) is not reproduced.

Account states: ``user_is_temp = 1`` (temporary accounts, no password sign-in) is SYSTEM; a NULL/empty
``user_password`` is SSO_ONLY. Blocks live in other tables and, by default (``$wgBlockDisablesLogin = false``), a
blocked MediaWiki user still signs in, so by default they are not read. With ``block_disables_login``
(``LEGACY_BLOCK_DISABLES_LOGIN``, the wiki's ``$wgBlockDisablesLogin = true``) every lookup also reads the latest
expiry of the user's sitewide blocks from the 1.42+ ``block``/``block_target`` tables (same prefix;
``bl_expiry`` is ``infinity`` or a ``YYYYMMDDHHMMSS`` UTC time) and a block not yet expired is BLOCKED (1.41 and
older keep blocks in ``ipblocks``: not supported). ``email_verified`` = ``user_email_authenticated`` is set.
Roles (``user_groups``) live in another table and are not read.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from legacy_auth.apps.app import App, Importability
from legacy_auth.errors import UnknownHashSchemeError
from legacy_auth.hashing import cms_schemes as cms
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
    looks_like_email,
    quote,
    validate_identifier,
    validate_prefix,
)
from legacy_auth.presets.table import OptionValue, TablePreset
from legacy_auth.presets.values import RowReader

BIN = "utf8mb4_bin"
MAX_PASSWORD_BYTES = 4096  # $wgPasswordPolicy MaximalPasswordLength (fatal at login)
_BIDI = re.compile("[\u200e\u200f\u202a-\u202e]+")
_SPACES = re.compile("[ _\u00a0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
_UNTYPED_MD5 = re.compile(r"[0-9a-f]{32}")


def canonical_username(login: str, *, capital_links: bool = True) -> str:
    """Approximate ``UserNameUtils::getCanonical`` (see the module docstring): NFC, title whitespace, ucfirst."""
    text = unicodedata.normalize("NFC", login.replace("\r\n", "\n"))
    text = _SPACES.sub(" ", _BIDI.sub("", text)).strip(" ")
    if capital_links and text:
        first = text[0].upper()
        text = first + text[1:]
    return text


def _blocks(expiry: str | None) -> bool:
    """A sitewide block whose ``bl_expiry`` (``infinity`` or ``YYYYMMDDHHMMSS`` UTC) has not passed."""
    if not expiry:
        return False
    if expiry == "infinity":
        return True
    return expiry > datetime.now(UTC).strftime("%Y%m%d%H%M%S")  # fixed-width digits: text order is time order


def mediawiki_input(password: str) -> list[str]:
    """``WebRequest::getText``: Unicode NFC and CRLF -> LF, before hashing (sign-up and sign-in alike)."""
    return [unicodedata.normalize("NFC", password.replace("\r\n", "\n"))]


class MediaWikiPreset(TablePreset):
    """MediaWiki ``user``."""

    name = "mediawiki"
    default_prefix = ""
    base_table = "user"
    primary_key = "user_id"
    mysql_collation = BIN
    columns = (
        Column("user_id", "int unsigned", null=False, auto=True),
        Column("user_name", "varchar(255)", null=False, default="", collation=BIN),
        Column("user_real_name", "varchar(255)", null=False, default="", collation=BIN),
        Column("user_password", "text", null=False),
        Column("user_newpassword", "text", null=False),
        Column("user_newpass_time", "varchar(14)"),
        Column("user_email", "text", null=False),
        Column("user_touched", "varchar(14)", null=False),
        Column("user_token", "varchar(32)", null=False, default=""),
        Column("user_email_authenticated", "varchar(14)"),
        Column("user_email_token", "varchar(32)"),
        Column("user_email_token_expires", "varchar(14)"),
        Column("user_registration", "varchar(14)"),
        Column("user_editcount", "int unsigned"),
        Column("user_password_expires", "varchar(14)"),
        Column("user_is_temp", "bool", null=False, default=False),
    )
    indexes = (
        Index("user_name", ("user_name",), unique=True),
        Index("user_email_token", ("user_email_token",)),
    )
    read_columns = (
        "user_id", "user_name", "user_real_name", "user_password", "user_email", "user_email_authenticated",
        "user_is_temp",
    )
    OPTIONS: ClassVar[dict[str, tuple[type, OptionValue]]] = {
        "capital_links": (bool, True),  # $wgCapitalLinks: the first letter of a user name is upper-cased
        "email_login": (bool, False),  # also look up user_email for email-shaped input (an extension, not core)
        "block_disables_login": (bool, False),  # $wgBlockDisablesLogin: sitewide blocks refuse the sign-in
    }

    # ------------------------------------------------------------ blocks (block_disables_login)

    BLOCK_TABLES: ClassVar[tuple[tuple[str, tuple[Column, ...], tuple[Index, ...], str], ...]] = (
        ("block_target", (
            Column("bt_id", "int unsigned", null=False, auto=True),
            Column("bt_user", "int unsigned"),
            Column("bt_user_text", "varchar(255)", collation=BIN),
            Column("bt_auto", "bool", null=False, default=False),
            Column("bt_count", "int", null=False, default=0),
        ), (Index("bt_user", ("bt_user",)),), "bt_id"),
        ("block", (
            Column("bl_id", "int unsigned", null=False, auto=True),
            Column("bl_target", "int unsigned", null=False),
            Column("bl_by_actor", "bigint unsigned", null=False),
            Column("bl_reason_id", "bigint unsigned", null=False),
            Column("bl_timestamp", "varchar(14)", null=False),
            Column("bl_expiry", "varchar(14)", null=False),
            Column("bl_deleted", "bool", null=False, default=False),
            Column("bl_sitewide", "bool", null=False, default=True),
        ), (Index("bl_target", ("bl_target",)), Index("bl_expiry", ("bl_expiry",))), "bl_id"),
    )

    def _block_column(self, prefix: str, dialect: Dialect) -> str:
        """``(SELECT MAX(bl_expiry) …) AS block_expiry``: the latest expiry of the user's sitewide blocks."""
        def table(name: str) -> str:
            return quote(validate_identifier(validate_prefix(prefix) + name, "LEGACY_TABLE_PREFIX"), dialect)

        def col(alias: str, name: str) -> str:
            return f"{alias}.{quote(name, dialect)}"

        sitewide = "TRUE" if dialect == "postgresql" else "1"
        joined = f"{table('block')} b JOIN {table('block_target')} t ON {col('t', 'bt_id')} = {col('b', 'bl_target')}"
        user = f"{table(self.base_table)}.{quote('user_id', dialect)}"
        where = f"{col('t', 'bt_user')} = {user} AND {col('b', 'bl_sitewide')} = {sitewide}"
        select = f"SELECT MAX({col('b', 'bl_expiry')}) FROM {joined} WHERE {where}"  # noqa: S608 - quoted identifiers
        return f"({select}) AS {quote('block_expiry', dialect)}"

    def build_statement(self, lookup: Lookup, prefix: str, dialect: Dialect) -> tuple[str, tuple[Any, ...]]:
        sql, params = super().build_statement(lookup, prefix, dialect)
        if not self.opt_bool("block_disables_login"):
            return sql, params
        return sql.replace(" FROM ", f", {self._block_column(prefix, check_dialect(dialect))} FROM ", 1), params

    def scan_query(self, *, prefix: str, dialect: Dialect, between: tuple[int, int] | None = None) -> Query:
        query = super().scan_query(prefix=prefix, dialect=dialect, between=between)
        if not self.opt_bool("block_disables_login"):
            return query
        column = self._block_column(prefix, check_dialect(dialect))
        return Query(query.sql.replace(" FROM ", f", {column} FROM ", 1), query.params)

    def ddl(self, *, prefix: str, dialect: Dialect) -> list[str]:
        statements = super().ddl(prefix=prefix, dialect=dialect)
        if self.opt_bool("block_disables_login"):  # MediaWiki 1.42+ block tables (the columns read)
            for name, columns, indexes, key in self.BLOCK_TABLES:
                statements += create_table(validate_prefix(prefix) + name, columns, primary_key=(key,),
                                           indexes=indexes, dialect=check_dialect(dialect), mysql_collation=BIN)
        return statements

    def lookups(self, login: str) -> list[tuple[Lookup, str]]:
        out = [(Lookup("user_name", 255, match="exact"),
                canonical_username(login, capital_links=self.opt_bool("capital_links")))]
        value = login.strip()
        if self.opt_bool("email_login") and looks_like_email(value):
            out.append((Lookup("user_email", 255, match="lower"), value))
        return out

    def read(self, row: RowReader) -> LegacyUser:
        states: list[AccountState] = []
        if row.flag("user_is_temp"):
            states.append(AccountState.SYSTEM)
        if row.has("block_expiry") and _blocks(row.text("block_expiry")):
            states.append(AccountState.BLOCKED)
        user_id = row.required_text("user_id")
        password = row.blank_is_none("user_password")
        if password is not None and _UNTYPED_MD5.fullmatch(password):
            password = f":B:{user_id}:{password}"  # the provider's rewrite of pre-1.24 rows
        return LegacyUser(
            legacy_id=user_id,
            username=row.blank_is_none("user_name"),
            email=row.blank_is_none("user_email"),
            email_verified=row.blank_is_none("user_email_authenticated") is not None,
            state=self.finish_state(states, password is not None),
            display_name=row.blank_is_none("user_real_name"),
            password_hash=password,
        )


# ---------------------------------------------------------------- password check

_TYPES: dict[str, Scheme] = {
    "A": cms.MEDIAWIKI_MD5,
    "B": cms.MEDIAWIKI_SALTED_MD5,
    "pbkdf2": cms.MEDIAWIKI_PBKDF2,
    "pbkdf2-legacyA": cms.MEDIAWIKI_PBKDF2_LEGACY,
    "pbkdf2-legacyB": cms.MEDIAWIKI_PBKDF2_LEGACY,
    "bcrypt": cms.MEDIAWIKI_BCRYPT,
    "argon2": cms.MEDIAWIKI_ARGON2,
}


def dispatch(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """``PasswordFactory::newFromCiphertext``: ``:<type>:`` of the default ``$wgPasswordConfig`` types; any other
    value (no leading ``:``, an unregistered type) is a ``PasswordError`` in MediaWiki: the sign-in fails."""
    end = stored.find(":", 1)
    if not stored.startswith(":") or end < 0:
        raise UnknownHashSchemeError("mediawiki")
    scheme = _TYPES.get(stored[1:end])
    if scheme is None:
        raise UnknownHashSchemeError("mediawiki")
    return scheme


RULES = AppRules(
    mediawiki_input, dispatch, MAX_PASSWORD_BYTES, ("",),
    ":pbkdf2:sha512:30000:64:eumw4GAuNluFIvXilcIrUg==:3n9WF4RWDl2nRQ/FGJoVs5xrJCMenWwcZNeItFhadPpg3I0IcjYcqo422wzQzxl"
    "HtNyIQsJZmLJLXAEgSmcreg==",
)

APP = App(
    name="mediawiki", title="MediaWiki", preset=MediaWikiPreset, rules=RULES, login_columns=("user_name",),
    importability=Importability(transform="WebRequest NFC-normalises the password before hashing; :pbkdf2: is "
                                          "PBKDF2-HMAC-SHA512 by default, :bcrypt:/:argon2: are MediaWiki's own "
                                          "serialisations"),
)

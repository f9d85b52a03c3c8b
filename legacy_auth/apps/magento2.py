"""Magento 2: table ``customer_entity`` (``Magento/Customer/etc/db_schema.xml``).

Login rule (``AccountManagement::authenticate``): by ``email`` within a website; ``(email, website_id)`` is
UNIQUE, so with account sharing per website set the ``website_id`` option, otherwise an email registered on
two websites is ambiguous and refused. States: ``is_active = 0`` INACTIVE, ``lock_expires`` in the future
LOCKED, ``confirmation`` not NULL UNCONFIRMED (Magento refuses sign-in until confirmed).

``email_verified``: ``confirmation IS NULL`` also holds for every customer of a store that never required
confirmation ("Require Emails Confirmation" = No, Magento's default), so it counts as a confirmation only
with the ``activation_confirms_email`` option (``LEGACY_ACTIVATION_CONFIRMS_EMAIL``, default false);
otherwise ``email_verified`` is False (``LEGACY_TRUST_EMAILS`` still applies).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar

from legacy_auth.apps.app import App, HashOption, Importability
from legacy_auth.errors import UnknownHashSchemeError
from legacy_auth.hashing import kdf_schemes as kdf
from legacy_auth.hashing import transforms
from legacy_auth.hashing.base import Scheme
from legacy_auth.hashing.rules import AppRules
from legacy_auth.model import AccountState, LegacyUser
from legacy_auth.presets.base import Dialect
from legacy_auth.presets.sql import Column, Index, Lookup, quote
from legacy_auth.presets.table import OptionValue, TablePreset
from legacy_auth.presets.values import RowReader, in_future

NOW = "CURRENT_TIMESTAMP"


class Magento2Preset(TablePreset):
    """Magento 2 ``customer_entity``."""

    name = "magento2"
    default_prefix = ""
    base_table = "customer_entity"
    primary_key = "entity_id"
    columns = (
        Column("entity_id", "int unsigned", null=False, auto=True),
        Column("website_id", "smallint unsigned"),
        Column("email", "varchar(255)"),
        Column("group_id", "smallint unsigned", null=False, default=0),
        Column("increment_id", "varchar(50)"),
        Column("store_id", "smallint unsigned", default=0),
        Column("created_at", "timestamp", null=False, default_expr=NOW),
        Column("updated_at", "timestamp", null=False, default_expr=NOW),
        Column("is_active", "smallint unsigned", null=False, default=1),
        Column("disable_auto_group_change", "smallint unsigned", null=False, default=0),
        Column("created_in", "varchar(255)"),
        Column("prefix", "varchar(40)"),
        Column("firstname", "varchar(255)"),
        Column("middlename", "varchar(255)"),
        Column("lastname", "varchar(255)"),
        Column("suffix", "varchar(40)"),
        Column("dob", "date"),
        Column("password_hash", "varchar(128)"),
        Column("rp_token", "varchar(128)"),
        Column("rp_token_created_at", "datetime"),
        Column("default_billing", "int unsigned"),
        Column("default_shipping", "int unsigned"),
        Column("taxvat", "varchar(50)"),
        Column("confirmation", "varchar(64)"),
        Column("gender", "smallint unsigned"),
        Column("failures_num", "smallint", default=0),
        Column("first_failure", "timestamp"),
        Column("lock_expires", "timestamp"),
        Column("session_cutoff", "timestamp"),
    )
    indexes = (
        Index("CUSTOMER_ENTITY_EMAIL_WEBSITE_ID", ("email", "website_id"), unique=True),
        Index("CUSTOMER_ENTITY_WEBSITE_ID", ("website_id",)),
        Index("CUSTOMER_ENTITY_FIRSTNAME", ("firstname",)),
        Index("CUSTOMER_ENTITY_LASTNAME", ("lastname",)),
    )
    read_columns = (
        "entity_id", "website_id", "email", "group_id", "is_active", "firstname", "lastname", "password_hash",
        "confirmation", "lock_expires",
    )
    OPTIONS: ClassVar[dict[str, tuple[type, OptionValue]]] = {
        "website_id": (int, None),  # only customers of this website (account sharing scope "per website")
        "activation_confirms_email": (bool, False),  # the store required email confirmation (module docstring)
    }

    def lookups(self, login: str) -> list[tuple[Lookup, str]]:
        return [(Lookup("email", 255), login.strip())]

    def lower_index_columns(self) -> tuple[str, ...]:
        return ("email",)

    def filters(self, dialect: Dialect) -> tuple[list[str], tuple[Any, ...]]:
        website = self.options.get("website_id")
        if website is None:
            return [], ()
        return [f"{quote('website_id', dialect)} = %s"], (website,)

    def read(self, row: RowReader) -> LegacyUser:
        states: list[AccountState] = []
        if not row.flag("is_active", default=True):
            states.append(AccountState.INACTIVE)
        if in_future(row.timestamp("lock_expires")):
            states.append(AccountState.LOCKED)
        unconfirmed = row.is_set("confirmation")
        if unconfirmed:
            states.append(AccountState.UNCONFIRMED)
        names = [n for n in (row.blank_is_none("firstname"), row.blank_is_none("lastname")) if n]
        password = row.blank_is_none("password_hash")
        return LegacyUser(
            legacy_id=row.required_text("entity_id"),
            username=None,
            email=row.blank_is_none("email"),
            email_verified=self.opt_bool("activation_confirms_email") and not unconfirmed,
            state=self.finish_state(states, password is not None),
            display_name=" ".join(names) or None,
            roles=(f"group:{row.integer('group_id', 0)}", f"website:{row.integer('website_id', 0)}"),
            password_hash=password,
        )


# ---------------------------------------------------------------- password check


def dispatch(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """Magento 2.4 ``Encryptor::isValidHash``: ``hash:salt:version[:version...]``, named after the last version.

    Like Magento, a row without a version (two parts) or with a bare ``3`` version is not a password hash it
    can verify (see :mod:`legacy_auth.hashing.kdf_schemes`; :func:`dispatch_legacy_rows` accepts them).
    """
    if stored.count(":") < 2 or "3" in stored.split(":")[2:]:
        raise UnknownHashSchemeError("magento2")
    return _by_last_version(stored)


def dispatch_legacy_rows(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """:func:`dispatch` plus the opt-in rows (``LEGACY_MAGENTO_LEGACY_ROWS``): ``hash:salt`` and a bare ``3``."""
    colons = stored.count(":")
    if colons == 1:
        return kdf.MAGENTO_V1
    if colons < 1:
        raise UnknownHashSchemeError("magento2")
    return _by_last_version(stored)


def _by_last_version(stored: str) -> Scheme:
    last = stored[stored.rindex(":") + 1 :]
    if last == "0":
        return kdf.MAGENTO_MD5
    if last == "1":
        return kdf.MAGENTO_SHA256
    return kdf.MAGENTO_ARGON2


def configure(rules: AppRules, options: Mapping[str, Any]) -> tuple[AppRules, Mapping[str, Any]]:
    """``magento_legacy_rows``: also accept the rows Magento 2.4's ``isValidHash`` refuses (off by default)."""
    if options.get("magento_legacy_rows"):
        return replace(rules, dispatch=dispatch_legacy_rows), {kdf.MAGENTO_LEGACY_ROWS: True}
    return rules, {}


RULES = AppRules(transforms.raw, dispatch, None, (),
                 "37eed4413790772648d50c7443f059320867fd2caca911e8339dc98178a946c2:epyiiBprrxaijsvEBbkCcupstBaEulEc"
                 ":3_32_2_67108864")

APP = App(
    name="magento2", title="Magento 2 customers", preset=Magento2Preset, rules=RULES, login_columns=(),
    hash_options=(HashOption("magento_legacy_rows", "LEGACY_MAGENTO_LEGACY_ROWS", bool),),
    configure=configure,
    importability=Importability(refused={"magento2_argon2id13": (
        "argon2id over Magento's own input (hex output of earlier versions, salt padded to 16 bytes, raw digest in "
        "hex): not a PHC hash of the password")}),
)

"""OpenCart 3.0 / 4.0 customers: table ``oc_customer``.

The table: OpenCart 3.0.3.9 ``upload/install/opencart.sql`` (``password`` VARCHAR(40), ``salt`` VARCHAR(9),
``email`` VARCHAR(96), ``status`` TINYINT(1), no index on ``email``; ``utf8`` / ``utf8_general_ci``) and
OpenCart 4.0.2.3 ``upload/system/helper/db_schema.php`` (``password`` VARCHAR(255), no ``salt`` column,
``utf8mb4_general_ci``). ``opencart_version`` (``LEGACY_OPENCART_VERSION``, 3 or 4, default 4) picks the table
and the password rules below; our DDL uses ``utf8mb4_general_ci`` for both (the same comparison as
``utf8_general_ci`` for every character ``utf8`` can hold).

Login rule (``catalog/controller/account/login.php`` + ``system/library/cart/customer.php`` ``login``): by email,
``LOWER(email) = utf8_strtolower(email)``, where the POSTed email went through ``Request::clean``
(3.0: ``htmlspecialchars(ENT_COMPAT)``; 4.0: ``trim(htmlspecialchars(…))``) like the stored one did at
registration (the preset returns the email and names unescaped). Two customers with one address are possible
(no UNIQUE index): OpenCart takes the first row, we refuse the sign-in as ambiguous (fail closed).

Password: 3.0 compares in SQL ``password = SHA1(CONCAT(salt, SHA1(CONCAT(salt, SHA1(pw))))) OR password = md5(pw)``
(:data:`~legacy_auth.hashing.shop_schemes.OPENCART_SHA1`; the 1.5 md5 rows), over the ``htmlspecialchars``-escaped
password (:func:`~legacy_auth.hashing.shop_schemes.opencart3_input`); it cannot verify ``password_hash`` rows.
4.0 tries ``password_verify`` (bcrypt, argon2), then the salted sha1 when the row has a ``salt``, then md5, over the
trimmed, entity-decoded password (:func:`~legacy_auth.hashing.shop_schemes.opencart4_input`); 4.0.2.3's upgrade
(``install/controller/upgrade/upgrade_8.php``) drops ``salt``, so 3.0 salted rows no longer verify there (nor
here with version 4: the preset does not read a salt). OpenCart 3's SQL
comparison follows the column collation (case-insensitive hex); OpenCart writes lower-case hex, which is what we
accept.

Account states: ``status = 0`` (disabled, or awaiting approval) is INACTIVE: the login page answers
``error_approved``. ``email_verified`` is always False: OpenCart does not confirm addresses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar

from legacy_auth.apps.app import App, HashOption, Importability
from legacy_auth.errors import ConfigurationError, UnknownHashSchemeError
from legacy_auth.hashing import digest_schemes as dg
from legacy_auth.hashing import shop_schemes as shop
from legacy_auth.hashing.base import Scheme
from legacy_auth.hashing.dispatch import BCRYPT10, php_password_verify
from legacy_auth.hashing.rules import AppRules
from legacy_auth.model import AccountState, LegacyUser
from legacy_auth.presets.sql import Column, Lookup, php_trim
from legacy_auth.presets.table import OptionValue, TablePreset
from legacy_auth.presets.values import RowReader

_HEX = frozenset("0123456789abcdef")
_ESCAPE = str.maketrans({"&": "&amp;", '"': "&quot;", "<": "&lt;", ">": "&gt;"})  # htmlspecialchars ENT_COMPAT


def _unescape(value: str | None) -> str | None:
    """The inverse of ``htmlspecialchars(ENT_COMPAT)``: OpenCart stores the POSTed email and names escaped."""
    if not value:
        return value
    return value.replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _is_hex(stored: str, size: int) -> bool:
    return len(stored) == size and set(stored) <= _HEX


class OpenCartPreset(TablePreset):
    """OpenCart ``oc_customer``."""

    name = "opencart"
    default_prefix = "oc_"
    base_table = "customer"
    primary_key = "customer_id"
    columns = (
        Column("customer_id", "int", null=False, auto=True),
        Column("customer_group_id", "int", null=False),
        Column("store_id", "int", null=False, default=0),
        Column("language_id", "int", null=False),
        Column("firstname", "varchar(32)", null=False),
        Column("lastname", "varchar(32)", null=False),
        Column("email", "varchar(96)", null=False),
        Column("telephone", "varchar(32)", null=False),
        Column("fax", "varchar(32)", null=False),
        Column("password", "varchar(40)", null=False),
        Column("salt", "varchar(9)", null=False),
        Column("cart", "text"),
        Column("wishlist", "text"),
        Column("newsletter", "tinyint", null=False, default=0),
        Column("address_id", "int", null=False, default=0),
        Column("custom_field", "text", null=False),
        Column("ip", "varchar(40)", null=False),
        Column("status", "tinyint", null=False),
        Column("safe", "tinyint", null=False),
        Column("token", "text", null=False),
        Column("code", "varchar(40)", null=False),
        Column("date_added", "datetime", null=False),
    )
    read_columns = ("customer_id", "customer_group_id", "firstname", "lastname", "email", "password", "salt",
                    "status")
    OPTIONS: ClassVar[dict[str, tuple[type, OptionValue]]] = {
        "opencart_version": (int, 4),  # 4 (4.0, the current release) or 3 (1.5-3.0 tables and rules)
    }

    def __init__(self, **options: object) -> None:
        super().__init__(**options)
        if self.options["opencart_version"] not in (3, 4):
            raise ConfigurationError("LEGACY_OPENCART_VERSION", "must be 3 or 4")

    @property
    def version(self) -> int:
        """The OpenCart major version whose table and login this preset follows."""
        return int(self.options["opencart_version"] or 4)

    def all_columns(self) -> tuple[Column, ...]:
        if self.version == 3:
            return self.columns
        by_name = {c.name: c for c in self.columns}
        kept = [c for c in self.columns if c.name not in ("fax", "salt", "cart", "wishlist", "address_id")]
        return tuple(replace(by_name["password"], kind="varchar(255)") if c.name == "password" else c for c in kept)

    def selected_columns(self) -> tuple[str, ...]:
        return self.read_columns if self.version == 3 else tuple(c for c in self.read_columns if c != "salt")

    def lookups(self, login: str) -> list[tuple[Lookup, str]]:
        value = login.translate(_ESCAPE)
        if self.version == 4:
            value = php_trim(value)
        return [(Lookup("email", 96, match="lower"), value)]

    def lower_index_columns(self) -> tuple[str, ...]:
        return ("email",)

    def read(self, row: RowReader) -> LegacyUser:
        states = [] if row.flag("status") else [AccountState.INACTIVE]
        password = row.blank_is_none("password")
        salt = row.text("salt") if row.has("salt") else None
        names = [_unescape(n) or "" for n in (row.blank_is_none("firstname"), row.blank_is_none("lastname")) if n]
        return LegacyUser(
            legacy_id=row.required_text("customer_id"),
            username=None,
            email=_unescape(row.blank_is_none("email")),
            email_verified=False,
            state=self.finish_state(states, password is not None),
            display_name=" ".join(names) or None,
            roles=(f"customer_group:{row.integer('customer_group_id', 0)}",),
            password_hash=password,
            hash_fields={"salt": salt} if salt and password else {},  # a salt alone is no password
        )


# ---------------------------------------------------------------- password check


def dispatch(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """OpenCart 3.0 ``Customer::login`` SQL: the salted sha1 (40 hex) or md5 (32 hex); nothing else verifies."""
    if _is_hex(stored, 40):
        return shop.OPENCART_SHA1
    if _is_hex(stored, 32):
        return dg.HEX["md5"]
    raise UnknownHashSchemeError("opencart")


def dispatch_v4(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """OpenCart 4.0 ``Customer::login``: ``password_verify``, then the salted sha1 (a row with a salt), then md5."""
    if stored.startswith("$"):
        return php_password_verify(stored, "opencart")
    return dispatch(stored, fields)


def configure(rules: AppRules, options: Mapping[str, Any]) -> tuple[AppRules, Mapping[str, Any]]:
    """``opencart_version = 3``: OpenCart 3's input (``htmlspecialchars``, untrimmed) and its two digest formats
    (the default rules are OpenCart 4's)."""
    if options.get("opencart_version") == 3:
        return replace(rules, transform=shop.opencart3_input, dispatch=dispatch, dummy_hash=OPENCART3_DUMMY), {}
    return rules, {}


RULES = AppRules(shop.opencart4_input, dispatch_v4, None, (), BCRYPT10)

#: OpenCart 3 verifies only its salted sha1 and md5 rows; its salted sha1 needs the row's salt, so the dummy is its
#: other format (md5 of a throw-away secret): the same microseconds of digest work as any OpenCart 3 row
OPENCART3_DUMMY = "4c9110f7ab95aa02e62a86c89993f47a"


APP = App(
    name="opencart", title="OpenCart 3/4 customers", preset=OpenCartPreset, rules=RULES, login_columns=(),
    hash_options=(HashOption("opencart_version", "LEGACY_OPENCART_VERSION", int, minimum=3, maximum=4),),
    configure=configure,
    importability=Importability(transform="Request::clean before hashing: 4.0 trims the password (also for its "
                                          "password_hash rows), 3.0 HTML-escapes it; md5 and sha1 are not in the "
                                          "families"),
)

"""PrestaShop customers: table ``ps_customer`` (``install-dev/data/db_structure.sql``, PrestaShop 1.7/8.x, commit
0024295; the columns read here are the same in 1.6, where ``passwd`` is ``varchar(32)``).

Table: ``id_customer`` key; ``email varchar(128)`` with a plain (non-unique) ``KEY customer_email``, so two rows
may share an email (guests, deleted customers, several shops); ``passwd varchar(60)``; ``active``, ``is_guest``
and ``deleted`` flags; the installer's ``COLLATION`` placeholder becomes a case-insensitive ``utf8mb4`` collation.

Login rule (``classes/Customer.php`` ``getByEmail``): ``Validate::isEmail($email)`` on the value as typed (no
trim), then ``email = '<input>'`` (case-insensitive through the MySQL collation) with
``is_guest = 0`` and ``deleted = 0`` in the query itself: guest checkouts and deleted customers are never found
(unknown user, as in PrestaShop). PrestaShop adds a multi-shop restriction (``id_shop`` / ``id_shop_group`` of
the shop being visited) that we cannot know: an email registered on two shops is ambiguous and refused. We
look up the value as typed; a login that is not an email finds no row (the shop stores only valid emails), but a
trailing space, which ``isEmail`` refuses, still matches under MySQL's PAD SPACE collations.

States: ``active = 0`` is INACTIVE (``CustomerLoginForm``: "Your account isn't available at this time");
``deleted = 1`` and ``is_guest = 1`` rows are filtered out by the query (read as DELETED / INACTIVE if a row
reaches :meth:`PrestashopPreset.read` some other way). An empty ``passwd`` is SSO_ONLY. PrestaShop does not
record whether an email was verified.

Passwords (``src/Core/Crypto/Hashing.php`` ``checkHash``, ``classes/Tools.php`` ``encrypt`` in 1.6): every hash
method is tried: ``password_verify`` (1.7+ ``password_hash(PASSWORD_BCRYPT)``, cost 10; like any
``password_verify`` it also takes argon2 and, through ``crypt()``, ``$1$``/``$5$``/``$6$``) and
``md5(_COOKIE_KEY_ . password) === passwd`` (1.6 rows; ``_COOKIE_KEY_`` from ``config/settings.inc.php`` or
``app/config/parameters.php``: ``LEGACY_PRESTASHOP_COOKIE_KEY``, a secret, never logged; without it 1.6 rows
cannot be checked and are refused as corrupt). The password is used as typed (``Tools::getAllValues``).
Not reproduced: ``getByEmail``'s ``Validate::isPlaintextPassword`` length check (5-72 characters in 1.7; the
password policy in 8.x): a password outside those bounds that matches the hash signs in here (the shop could
never have stored one through its forms).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from legacy_auth.apps.app import App, HashOption, Importability
from legacy_auth.errors import UnknownHashSchemeError
from legacy_auth.hashing import crypt_schemes as cr
from legacy_auth.hashing import shop_schemes as shop
from legacy_auth.hashing import transforms
from legacy_auth.hashing.base import Scheme
from legacy_auth.hashing.dispatch import BCRYPT10, BCRYPT_ARGON_IMPORT, php_password_verify
from legacy_auth.hashing.rules import AppRules
from legacy_auth.model import AccountState, LegacyUser
from legacy_auth.presets.base import Dialect
from legacy_auth.presets.sql import Column, Index, Lookup, quote
from legacy_auth.presets.table import OptionValue, TablePreset
from legacy_auth.presets.values import RowReader


class PrestashopPreset(TablePreset):
    """PrestaShop ``ps_customer``."""

    name = "prestashop"
    default_prefix = "ps_"
    base_table = "customer"
    primary_key = "id_customer"
    mysql_collation = "utf8mb4_general_ci"
    columns = (
        Column("id_customer", "int unsigned", null=False, auto=True),
        Column("id_shop_group", "int unsigned", null=False, default=1),
        Column("id_shop", "int unsigned", null=False, default=1),
        Column("id_gender", "int unsigned", null=False),
        Column("id_default_group", "int unsigned", null=False, default=1),
        Column("id_lang", "int unsigned"),
        Column("id_risk", "int unsigned", null=False, default=1),
        Column("company", "varchar(64)"),
        Column("siret", "varchar(14)"),
        Column("ape", "varchar(5)"),
        Column("firstname", "varchar(255)", null=False),
        Column("lastname", "varchar(255)", null=False),
        Column("email", "varchar(128)", null=False),
        Column("passwd", "varchar(60)", null=False),
        Column("last_passwd_gen", "timestamp", null=False, default_expr="CURRENT_TIMESTAMP"),
        Column("birthday", "date"),
        Column("newsletter", "tinyint unsigned", null=False, default=0),
        Column("ip_registration_newsletter", "varchar(15)"),
        Column("newsletter_date_add", "datetime"),
        Column("optin", "tinyint unsigned", null=False, default=0),
        Column("website", "varchar(128)"),
        Column("outstanding_allow_amount", "decimal(20,6)", null=False, default=0),
        Column("show_public_prices", "tinyint unsigned", null=False, default=0),
        Column("max_payment_days", "int unsigned", null=False, default=60),
        Column("secure_key", "varchar(32)", null=False, default="-1"),
        Column("note", "text"),
        Column("active", "tinyint unsigned", null=False, default=0),
        Column("is_guest", "tinyint", null=False, default=0),
        Column("deleted", "tinyint", null=False, default=0),
        Column("date_add", "datetime", null=False),
        Column("date_upd", "datetime", null=False),
        Column("reset_password_token", "varchar(40)"),
        Column("reset_password_validity", "datetime"),
    )
    indexes = (
        Index("customer_email", ("email",)),
        Index("customer_login", ("email", "passwd")),
        Index("id_customer_passwd", ("id_customer", "passwd")),
        Index("id_gender", ("id_gender",)),
        Index("id_shop_group", ("id_shop_group",)),
        Index("id_shop", ("id_shop", "date_add")),
    )
    read_columns = ("id_customer", "id_default_group", "firstname", "lastname", "email", "passwd", "active",
                    "is_guest", "deleted")
    OPTIONS: ClassVar[dict[str, tuple[type, OptionValue]]] = {}

    def lookups(self, login: str) -> list[tuple[Lookup, str]]:
        # the value as typed (no trim); PrestaShop stores only Validate::isEmail values, so anything else finds
        # no row, like the isEmail refusal
        return [(Lookup("email", 128), login)]

    def filters(self, dialect: Dialect) -> tuple[list[str], tuple[Any, ...]]:
        return [f"{quote('is_guest', dialect)} = 0", f"{quote('deleted', dialect)} = 0"], ()

    def lower_index_columns(self) -> tuple[str, ...]:
        return ("email",)

    def read(self, row: RowReader) -> LegacyUser:
        states: list[AccountState] = []
        if row.flag("deleted"):
            states.append(AccountState.DELETED)
        if not row.flag("active") or row.flag("is_guest"):
            states.append(AccountState.INACTIVE)
        password = row.blank_is_none("passwd")
        name = " ".join(p for p in (row.blank_is_none("firstname"), row.blank_is_none("lastname")) if p)
        return LegacyUser(
            legacy_id=row.required_text("id_customer"),
            username=None,
            email=row.blank_is_none("email"),
            email_verified=False,
            state=self.finish_state(states, password is not None),
            display_name=name or None,
            roles=(f"group:{row.integer('id_default_group', 0)}",),
            password_hash=password,
        )


# ---------------------------------------------------------------- password check

_MD5_LENGTH = 32


_CRYPT_FALLBACK = {"$1$": cr.MD5_CRYPT, "$5$": cr.SHA256_CRYPT, "$6$": cr.SHA512_CRYPT}


def dispatch(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """``Hashing::checkHash``: ``password_verify`` hashes (its ``crypt()`` fallback included: a ``$1$``/``$5$``/
    ``$6$`` row PrestaShop never writes still verifies there), else the 1.6 ``md5(_COOKIE_KEY_ . password)``."""
    crypt = _CRYPT_FALLBACK.get(stored[:3])
    if crypt is not None:
        return crypt
    if stored.startswith("$"):
        return php_password_verify(stored, "prestashop")
    if len(stored) == _MD5_LENGTH:
        return shop.PRESTASHOP_MD5
    raise UnknownHashSchemeError("prestashop")


RULES = AppRules(transforms.raw, dispatch, None, (), BCRYPT10)

APP = App(
    name="prestashop", title="PrestaShop customers", preset=PrestashopPreset, rules=RULES, login_columns=(),
    hash_options=(HashOption("cookie_key", "LEGACY_PRESTASHOP_COOKIE_KEY", str, secret=True),),
    importability=Importability(
        candidates=BCRYPT_ARGON_IMPORT,
        refused={"prestashop_md5": "md5 keyed with the shop's _COOKIE_KEY_: not a hash of the password alone"},
    ),
)

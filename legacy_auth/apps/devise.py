"""Rails / Devise: table ``users`` (``devise`` migration template, all optional modules' columns).

Login rule (``authentication_keys = [:email]``, ``case_insensitive_keys``, ``strip_whitespace_keys``):
the input is stripped and lower-cased, then compared exactly with ``email`` (Devise stores it
lower-cased), which keeps the UNIQUE index usable on PostgreSQL. Modules: ``confirmable`` (read
``confirmed_at``: ``email_verified``, and NULL = UNCONFIRMED), ``lockable`` (read ``locked_at``: LOCKED while
``locked_at`` is younger than ``unlock_in_hours``; 0 = until unlocked by email). Empty
``encrypted_password`` (OmniAuth-only users) is SSO_ONLY.

The Devise migration template carries the Confirmable and Lockable columns commented out, so their presence
says whether the app uses the module. ``LEGACY_CONFIRMABLE`` / ``LEGACY_LOCKABLE`` set it explicitly; left
unset, the store detects it from the table (:meth:`DevisePreset.columns_probe`: one ``information_schema`` /
``pg_attribute`` / ``pragma_table_info`` query at first use, cached for the life of the runtime), so a
locked or unconfirmed Devise user is refused without configuration. Until detected (code reading the
preset without the store, e.g. the admin CLI's scan) an unset module counts as off: set the variables
explicitly there.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from legacy_auth.apps.app import App, HashOption, Importability
from legacy_auth.errors import UnknownHashSchemeError
from legacy_auth.hashing import bcrypt_schemes as bc
from legacy_auth.hashing import transforms
from legacy_auth.hashing.base import Scheme
from legacy_auth.hashing.rules import AppRules
from legacy_auth.model import AccountState, LegacyUser
from legacy_auth.presets.base import Dialect, Query
from legacy_auth.presets.sql import Column, Index, Lookup, table_columns_query
from legacy_auth.presets.table import OptionValue, TablePreset
from legacy_auth.presets.values import RowReader


class DevisePreset(TablePreset):
    """Devise ``users``."""

    name = "devise"
    default_prefix = ""
    base_table = "users"
    primary_key = "id"
    columns = (
        Column("id", "bigint", null=False, auto=True),
        Column("email", "varchar(255)", null=False, default=""),
        Column("encrypted_password", "varchar(255)", null=False, default=""),
        Column("reset_password_token", "varchar(255)"),
        Column("reset_password_sent_at", "datetime(6)"),
        Column("remember_created_at", "datetime(6)"),
        Column("sign_in_count", "int", null=False, default=0),
        Column("current_sign_in_at", "datetime(6)"),
        Column("last_sign_in_at", "datetime(6)"),
        Column("current_sign_in_ip", "varchar(255)"),
        Column("last_sign_in_ip", "varchar(255)"),
        Column("confirmation_token", "varchar(255)"),
        Column("confirmed_at", "datetime(6)"),
        Column("confirmation_sent_at", "datetime(6)"),
        Column("unconfirmed_email", "varchar(255)"),
        Column("failed_attempts", "int", null=False, default=0),
        Column("unlock_token", "varchar(255)"),
        Column("locked_at", "datetime(6)"),
        Column("created_at", "datetime(6)", null=False),
        Column("updated_at", "datetime(6)", null=False),
    )
    indexes = (
        Index("index_users_on_email", ("email",), unique=True),
        Index("index_users_on_reset_password_token", ("reset_password_token",), unique=True),
        Index("index_users_on_confirmation_token", ("confirmation_token",), unique=True),
        Index("index_users_on_unlock_token", ("unlock_token",), unique=True),
    )
    read_columns = ("id", "email", "encrypted_password")
    OPTIONS: ClassVar[dict[str, tuple[type, OptionValue]]] = {
        "confirmable": (bool, None),  # None: detected from the table (confirmed_at present)
        "lockable": (bool, None),  # None: detected from the table (locked_at present)
        "unlock_in_hours": (int, 1),  # Devise unlock_in (default 1 hour); 0 = no time-based unlock
    }
    MODULE_COLUMNS: ClassVar[dict[str, str]] = {"confirmable": "confirmed_at", "lockable": "locked_at"}

    def __init__(self, **options: object) -> None:
        super().__init__(**options)
        self.detected: dict[str, bool] | None = None

    def module_on(self, module: str) -> bool:
        """Whether ``confirmable`` / ``lockable`` is in use: the option if set, else what was detected."""
        value = self.options.get(module)
        if value is not None:
            return bool(value)
        return bool(self.detected and self.detected.get(module))

    def columns_probe(self, *, prefix: str, dialect: Dialect) -> Query | None:
        """The column-list query while a module is unset and not yet detected, else ``None``."""
        if self.detected is not None or all(self.options.get(m) is not None for m in self.MODULE_COLUMNS):
            return None
        return table_columns_query(self.table(prefix), dialect)

    def use_columns(self, names: Collection[str]) -> None:
        """Record the table's columns (from :meth:`columns_probe`); an empty answer (table not visible) is
        ignored so the next lookup asks again."""
        lowered = {n.lower() for n in names}
        if lowered:
            self.detected = {m: c in lowered for m, c in self.MODULE_COLUMNS.items()}
            self._statements.clear()  # the column list changed

    def selected_columns(self) -> tuple[str, ...]:
        extra: tuple[str, ...] = ("confirmed_at",) if self.module_on("confirmable") else ()
        extra += ("locked_at",) if self.module_on("lockable") else ()
        return (*self.read_columns, *extra)

    def lookups(self, login: str) -> list[tuple[Lookup, str]]:
        return [(Lookup("email", 255, match="exact"), login.strip().lower())]

    def _locked(self, row: RowReader) -> bool:
        locked_at = row.timestamp("locked_at")
        if locked_at is None:
            return False
        hours = int(self.options.get("unlock_in_hours") or 0)
        return hours <= 0 or locked_at > datetime.now(UTC) - timedelta(hours=hours)

    def read(self, row: RowReader) -> LegacyUser:
        states: list[AccountState] = []
        verified = False
        if self.module_on("confirmable"):
            verified = row.is_set("confirmed_at")
            if not verified:
                states.append(AccountState.UNCONFIRMED)
        if self.module_on("lockable") and self._locked(row):
            states.append(AccountState.LOCKED)
        password = row.blank_is_none("encrypted_password")
        return LegacyUser(
            legacy_id=row.required_text("id"),
            username=None,
            email=row.blank_is_none("email"),
            email_verified=verified,
            state=self.finish_state(states, password is not None),
            password_hash=password,
        )


# ---------------------------------------------------------------- password check


def dispatch(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """Devise / ``has_secure_password``: bcrypt-ruby hashes."""
    if stored.startswith("$2"):
        return bc.DEVISE_BCRYPT
    raise UnknownHashSchemeError("devise")


RULES = AppRules(transforms.raw, dispatch, None, (), "$2a$12$5Mc9REozx7LD.FhXYiMhEe3D.WybWcrqz21kP/os/YceNNFAuluWm")

APP = App(
    name="devise", title="Rails / Devise", preset=DevisePreset, rules=RULES, login_columns=(),
    hash_options=(HashOption("pepper", "LEGACY_PEPPER", str, secret=True),),  # config.pepper, appended before bcrypt
    importability=Importability(refused={"devise_bcrypt": "Devise appends the pepper before bcrypt; bcrypt-ruby "
                                                          "refuses NUL bytes, Cognito's rule is unknown"}),
)

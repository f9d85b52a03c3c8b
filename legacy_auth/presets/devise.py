"""Rails / Devise: table ``users`` (``devise`` migration template, all optional modules' columns).

Login rule (``authentication_keys = [:email]``, ``case_insensitive_keys``, ``strip_whitespace_keys``):
the input is stripped and lower-cased, then compared exactly with ``email`` (Devise stores it
lower-cased), which keeps the UNIQUE index usable on PostgreSQL. Options: ``confirmable`` (read
``confirmed_at``: ``email_verified``, and NULL = UNCONFIRMED), ``lockable`` (read ``locked_at``: LOCKED while
``locked_at`` is younger than ``unlock_in_hours``; 0 = until unlocked by email). Empty
``encrypted_password`` (OmniAuth-only users) is SSO_ONLY.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import ClassVar

from legacy_auth.model import AccountState, LegacyUser
from legacy_auth.presets.sql import Column, Index, Lookup
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
        "confirmable": (bool, False),
        "lockable": (bool, False),
        "unlock_in_hours": (int, 1),  # Devise unlock_in (default 1 hour); 0 = no time-based unlock
    }

    def selected_columns(self) -> tuple[str, ...]:
        extra: tuple[str, ...] = ("confirmed_at",) if self.opt_bool("confirmable") else ()
        extra += ("locked_at",) if self.opt_bool("lockable") else ()
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
        if self.opt_bool("confirmable"):
            verified = row.is_set("confirmed_at")
            if not verified:
                states.append(AccountState.UNCONFIRMED)
        if self.opt_bool("lockable") and self._locked(row):
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

"""WordPress: table ``wp_users`` (``wp-admin/includes/schema.php``), multisite ``spam``/``deleted``.

Login rule (``wp_authenticate_username_password`` then ``wp_authenticate_email_password``): the trimmed
input by ``user_login`` first, then by ``user_email`` when it looks like an email address. WordPress core
does not record email confirmation, so ``email_verified`` is always False.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from legacy_auth.apps.app import App, Importability
from legacy_auth.hashing import bcrypt_schemes as bc
from legacy_auth.hashing import digest_schemes as dg
from legacy_auth.hashing import phpass_schemes as ph
from legacy_auth.hashing import transforms
from legacy_auth.hashing.base import Scheme
from legacy_auth.hashing.dispatch import php_password_verify
from legacy_auth.hashing.rules import AppRules
from legacy_auth.model import AccountState, LegacyUser
from legacy_auth.presets.sql import Column, Index, Lookup, looks_like_email, php_trim
from legacy_auth.presets.table import OptionValue, TablePreset
from legacy_auth.presets.values import RowReader

CI = "utf8mb4_unicode_520_ci"  # wpdb's default collation on MySQL >= 5.6 / MariaDB


class WordPressPreset(TablePreset):
    """WordPress ``wp_users``."""

    name = "wordpress"
    default_prefix = "wp_"
    base_table = "users"
    primary_key = "ID"
    mysql_collation = CI
    columns = (
        Column("ID", "bigint unsigned", null=False, auto=True),
        Column("user_login", "varchar(60)", null=False, default=""),
        Column("user_pass", "varchar(255)", null=False, default=""),
        Column("user_nicename", "varchar(50)", null=False, default=""),
        Column("user_email", "varchar(100)", null=False, default=""),
        Column("user_url", "varchar(100)", null=False, default=""),
        Column("user_registered", "datetime", null=False, default="1970-01-01 00:00:00"),
        Column("user_activation_key", "varchar(255)", null=False, default=""),
        Column("user_status", "int", null=False, default=0),
        Column("display_name", "varchar(250)", null=False, default=""),
    )
    multisite_columns = (
        Column("spam", "tinyint(2)", null=False, default=0),
        Column("deleted", "tinyint(2)", null=False, default=0),
    )
    indexes = (
        Index("user_login_key", ("user_login",)),
        Index("user_nicename", ("user_nicename",)),
        Index("user_email", ("user_email",)),
    )
    OPTIONS: ClassVar[dict[str, tuple[type, OptionValue]]] = {
        "multisite": (bool, False),  # wp_users has spam/deleted (WordPress multisite)
        "email_login": (bool, True),  # wp_authenticate_email_password is hooked (core default)
    }

    read_columns = ("ID", "user_login", "user_pass", "user_email", "display_name", "user_nicename")

    def selected_columns(self) -> tuple[str, ...]:
        return (*self.read_columns, "spam", "deleted") if self.opt_bool("multisite") else self.read_columns

    def all_columns(self) -> tuple[Column, ...]:
        return (*self.columns, *self.multisite_columns) if self.opt_bool("multisite") else self.columns

    def lower_index_columns(self) -> tuple[str, ...]:
        return ("user_login", "user_email")

    def lookups(self, login: str) -> list[tuple[Lookup, str]]:
        value = php_trim(login)
        out = [(Lookup("user_login", 60), value)]
        if self.opt_bool("email_login") and looks_like_email(value):
            out.append((Lookup("user_email", 100), value))
        return out

    def read(self, row: RowReader) -> LegacyUser:
        states: list[AccountState] = []
        if row.has("spam") and row.flag("spam"):
            states.append(AccountState.SPAM)
        if row.has("deleted") and row.flag("deleted"):
            states.append(AccountState.DELETED)
        password = row.blank_is_none("user_pass")
        return LegacyUser(
            legacy_id=row.required_text("ID"),
            username=row.text("user_login"),
            email=row.blank_is_none("user_email"),
            email_verified=False,
            state=self.finish_state(states, password is not None),
            display_name=row.blank_is_none("display_name"),
            password_hash=password,
        )


# ---------------------------------------------------------------- password check


def dispatch(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """``wp_check_password`` (6.8+): <=32 chars md5, ``$P$`` phpass, ``$wp`` pre-hashed bcrypt, else password_verify."""
    if len(stored) <= 32:
        return dg.HEX["md5"]
    if stored.startswith("$P$"):
        return ph.PHPASS
    if stored.startswith("$wp"):
        return bc.WP_BCRYPT
    return php_password_verify(stored, "wordpress")


RULES = AppRules(transforms.php_trim, dispatch, 4096, (),
                 "$wp$2y$10$uUVfr5r7k3uv.TRNjxoBCOljc1BmLdcvkf642ISA/SKvB8D2cM86G")

APP = App(
    name="wordpress", title="WordPress", preset=WordPressPreset, rules=RULES, login_columns=("user_login",),
    importability=Importability(transform="PHP trim() of the password before hashing (wp_authenticate); 6.8+ $wp$ "
                                          "bcrypt is over base64(HMAC-SHA384(password)), a pre-hash"),
)

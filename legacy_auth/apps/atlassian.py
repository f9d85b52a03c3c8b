"""Atlassian Jira, Confluence and Crowd: the embedded-Crowd table ``cwd_user``.

Atlassian ships no install SQL (the tables are created by Jira's entity engine and by Crowd's Hibernate
mappings); the columns here are those of ``pg_dump`` output of real installations published on GitHub:
**Jira** (``variant=jira``, the default): ``id numeric(18,0)``, ``directory_id``, ``user_name``,
``lower_user_name``, ``active numeric(9,0)`` (1/0), ``created_date``, ``updated_date``, first/last/display name
and their ``lower_*`` copies, ``email_address``, ``lower_email_address``, ``credential varchar(255)``,
``deleted_externally numeric(9,0)``, ``external_id``; **Confluence and Crowd** (``variant=crowd``): the same
names with ``id bigint``, ``active char(1)`` (``T``/``F``), ``directory_id bigint NOT NULL`` and no
``deleted_externally``. Both have a unique (``lower_user_name``, ``directory_id``) index.

Login rule (Crowd ``DirectoryManager`` / ``IdentifierUtils.toLowerCase``, ``Locale.ENGLISH``): the user whose
``lower_user_name`` equals the lower-cased username, in the application's directories in their configured order.
That order (``cwd_directory`` / ``cwd_app_dir_mapping``) is not read here: with ``LEGACY_ATLASSIAN_DIRECTORY_ID``
only that directory is searched (the internal directory, usually ``1`` in Jira); without it a username present
in two directories is ambiguous and refused.

States: ``active`` false (``0`` / ``F``) is INACTIVE (Crowd refuses inactive users: ``InactiveAccountException``);
Jira's ``deleted_externally = 1`` (removed from the LDAP directory) is DELETED. Rows of LDAP/delegated directories
carry no password hash of ours (``credential`` empty, or a marker such as ``nopass``): empty is SSO_ONLY, anything
but ``{PKCS5S2}`` is an unknown hash (refused; ``legacy-auth scan`` lists them). Atlassian does not record email
verification.

Passwords (atlassian-password-encoder ``DefaultPasswordEncoder`` / ``PKCS5S2PasswordHashGenerator``):
``{PKCS5S2}`` + base64(16-byte salt + PBKDF2-HMAC-SHA1 over the UTF-8 password, 10,000 iterations, 32 bytes);
the password is used as typed (no trim: the encoder's own test refuses ``" " + password``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from legacy_auth.apps.app import App, Importability
from legacy_auth.errors import ConfigurationError, UnknownHashSchemeError
from legacy_auth.hashing import identity_schemes as ids
from legacy_auth.hashing import transforms
from legacy_auth.hashing.base import Scheme
from legacy_auth.hashing.rules import AppRules
from legacy_auth.model import AccountState, LegacyUser
from legacy_auth.presets.base import Dialect
from legacy_auth.presets.sql import Column, Index, Lookup, quote
from legacy_auth.presets.table import OptionValue, TablePreset
from legacy_auth.presets.values import RowReader

VARIANTS = ("jira", "crowd")
_NAMES = (
    "first_name", "lower_first_name", "last_name", "lower_last_name", "display_name", "lower_display_name",
    "email_address", "lower_email_address",
)
JIRA_COLUMNS = (
    Column("id", "decimal(18,0)", null=False),
    Column("directory_id", "decimal(18,0)"),
    Column("user_name", "varchar(255)"),
    Column("lower_user_name", "varchar(255)"),
    Column("active", "decimal(9,0)"),
    Column("created_date", "datetime"),
    Column("updated_date", "datetime"),
    *(Column(name, "varchar(255)") for name in _NAMES),
    Column("credential", "varchar(255)"),
    Column("deleted_externally", "decimal(9,0)"),
    Column("external_id", "varchar(255)"),
)
CROWD_COLUMNS = (
    Column("id", "bigint", null=False),
    Column("user_name", "varchar(255)", null=False),
    Column("lower_user_name", "varchar(255)", null=False),
    Column("active", "char(1)", null=False),
    Column("created_date", "datetime", null=False),
    Column("updated_date", "datetime", null=False),
    *(Column(name, "varchar(255)") for name in _NAMES),
    Column("external_id", "varchar(255)"),
    Column("directory_id", "bigint", null=False),
    Column("credential", "varchar(255)"),
)


class AtlassianPreset(TablePreset):
    """Jira / Confluence / Crowd ``cwd_user``."""

    name = "atlassian"
    default_prefix = ""
    base_table = "cwd_user"
    primary_key = "id"
    mysql_collation = "utf8mb4_bin"
    indexes = (
        Index("uk_user_name_dir_id", ("lower_user_name", "directory_id"), unique=True),
        Index("idx_email_address", ("lower_email_address",)),
    )
    OPTIONS: ClassVar[dict[str, tuple[type, OptionValue]]] = {
        "variant": (str, "jira"),  # "jira" or "crowd" (Confluence, Crowd): the table's column types
        "atlassian_directory_id": (int, None),  # search only this directory (the internal one)
    }

    def __init__(self, **options: object) -> None:
        super().__init__(**options)
        if self.options["variant"] not in VARIANTS:
            raise ConfigurationError("LEGACY_VARIANT", "must be 'jira' or 'crowd' for LEGACY_APP=atlassian")
        directory = self.options.get("atlassian_directory_id")
        if directory is not None and not 1 <= int(directory) <= 10**18:
            raise ConfigurationError("LEGACY_ATLASSIAN_DIRECTORY_ID", "must be a positive directory id")

    @property
    def jira(self) -> bool:
        """Jira's column types (``numeric``, ``active`` 1/0, ``deleted_externally``)."""
        return self.options["variant"] == "jira"

    def all_columns(self) -> tuple[Column, ...]:
        return JIRA_COLUMNS if self.jira else CROWD_COLUMNS

    def selected_columns(self) -> tuple[str, ...]:
        base = ("id", "directory_id", "user_name", "display_name", "email_address", "active", "credential")
        return (*base, "deleted_externally") if self.jira else base

    def lookups(self, login: str) -> list[tuple[Lookup, str]]:
        # IdentifierUtils.toLowerCase(name): String.toLowerCase(Locale.ENGLISH), compared with lower_user_name
        return [(Lookup("lower_user_name", 255, match="exact"), login.lower())]

    def filters(self, dialect: Dialect) -> tuple[list[str], tuple[Any, ...]]:
        directory = self.options.get("atlassian_directory_id")
        if directory is None:
            return [], ()
        return [f"{quote('directory_id', dialect)} = %s"], (int(directory),)

    def read(self, row: RowReader) -> LegacyUser:
        states: list[AccountState] = []
        if self.jira and row.flag("deleted_externally"):
            states.append(AccountState.DELETED)
        if not row.flag("active"):
            states.append(AccountState.INACTIVE)
        password = row.blank_is_none("credential")
        directory = row.integer("directory_id")
        return LegacyUser(
            legacy_id=str(row.integer("id")),
            username=row.blank_is_none("user_name"),
            email=row.blank_is_none("email_address"),
            email_verified=False,
            state=self.finish_state(states, password is not None),
            display_name=row.blank_is_none("display_name"),
            roles=(f"directory:{directory}",) if directory is not None else (),
            password_hash=password,
        )


# ---------------------------------------------------------------- password check


def dispatch(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """``DefaultPasswordEncoder``: ``{PKCS5S2}`` only (other markers are not password hashes of ours)."""
    if stored.startswith("{PKCS5S2}"):
        return ids.ATLASSIAN
    raise UnknownHashSchemeError("atlassian")


#: ``DefaultPasswordEncoder.getDefaultInstance().encodePassword`` of a throw-away secret (made with hashlib: the
#: same PBKDF2-HMAC-SHA1, 10,000 iterations, 16-byte salt)
RULES = AppRules(transforms.raw, dispatch, None, (),
                 "{PKCS5S2}qJEkHSh4/WKmrN4UzOYGYrfj3HRH7OOO2b70qyNW79WvO9tJcb1BfRFynEXqnj3o")

APP = App(
    name="atlassian", title="Atlassian Jira / Confluence / Crowd", preset=AtlassianPreset, rules=RULES,
    login_columns=("user_name",),
    importability=Importability(refused={"atlassian_pbkdf2_sha1": "PBKDF2 with HMAC-SHA1: Cognito imports "
                                                                  "PBKDF2-SHA256 only"}),
)

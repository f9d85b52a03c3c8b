"""Provision the app user row for a confirmed Cognito user: keyed by ``sub``, idempotent, retried on deadlocks.

One upsert per user (``ON CONFLICT DO NOTHING`` / ``ON DUPLICATE KEY UPDATE sub = sub``), inside
:meth:`legacy_auth.db.database.Database.transaction`, which retries the whole transaction on
deadlock / serialization failure (MySQL 1213/1205, PostgreSQL 40001/40P01, SQLite BUSY) while the
deadline allows. Three runs of the same confirmation, or three at once, leave exactly one row.

Both upserts stand down on a conflict with *any* unique key (MySQL has no conflict target; PostgreSQL and
SQLite are given none so that the dialects agree). An upsert that inserted nothing is therefore checked in the
same transaction: if no row holds this ``sub`` (another row holds a UNIQUE email, say) it is a
:class:`ProvisioningConflictError`, recorded for repair like any failure, never "already provisioned".

When provisioning fails past the retries the user is already confirmed in Cognito: the failure is
recorded in the failures table (best effort, :mod:`legacy_auth.hooks.provisioning_failures`) and
``legacy_auth.hooks.reconcile`` repairs it later. The default schema is in ``legacy_auth/sql/app_users.<dialect>.sql``
and ``legacy_auth/sql/provisioning_failures.<dialect>.sql`` (:mod:`legacy_auth.hooks.app_schema`; see
``docs/hooks.md``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from legacy_auth.db.database import Database, Transaction
from legacy_auth.deadline import Deadline
from legacy_auth.errors import LegacyAuthError
from legacy_auth.hooks.app_schema import MAX_EMAIL, MAX_LEGACY_ID, MAX_USERNAME, quote
from legacy_auth.hooks.app_schema import create_tables as create_tables  # re-exported: the DDL was public API here
from legacy_auth.hooks.app_schema import schema_ddl as schema_ddl
from legacy_auth.hooks.app_user import AppUser as AppUser  # re-exported: public API here
from legacy_auth.hooks.config import AppUsersSchema
from legacy_auth.hooks.provisioning_failures import clear_failure_sql

_SUB = re.compile(r"[0-9A-Za-z-]{1,64}")
_LEGACY_ID = re.compile(r"[A-Za-z0-9_.:@+-]{1,64}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class ProvisioningInputError(LegacyAuthError):
    """The confirmation event cannot be provisioned as is. ``field`` names the attribute, never its value."""

    def __init__(self, field: str, reason: str = "invalid") -> None:
        super().__init__(f"cannot provision: {field} {reason}")
        self.field = field
        self.reason = f"{field}_{reason}"


class ProvisioningConflictError(LegacyAuthError):
    """The insert hit another unique key (e.g. a UNIQUE email held by another sub): no row holds this sub."""

    reason = "app_row_conflict"


def app_user_from_event(username: Any, attributes: Any, *,
                        legacy_id_attribute: str | None = "custom:legacy_id") -> AppUser:
    """Validate a confirmation event's user into an :class:`AppUser`.

    Parameters
    ----------
    username : Any
        The event's ``userName``.
    attributes : Any
        The event's ``request.userAttributes``.
    legacy_id_attribute : str or None
        Where a migrated user's legacy id is; None: the event cannot be a migrated user's (``ConfirmSignUp``),
        so no legacy id is read, whatever the attributes say.

    Returns
    -------
    AppUser
        Every value a bounded, control-free string.

    Raises
    ------
    ProvisioningInputError
        Missing or malformed ``sub``; a username, email or legacy id of the wrong type or too long. Nothing
        is written for such an event (no partial row).
    """
    if not isinstance(attributes, Mapping):
        raise ProvisioningInputError("userAttributes", "missing")
    sub = attributes.get("sub")
    if not isinstance(sub, str) or not _SUB.fullmatch(sub):
        raise ProvisioningInputError("sub", "missing" if sub in (None, "") else "invalid")
    raw_legacy_id = attributes.get(legacy_id_attribute) if legacy_id_attribute else None
    legacy_id = _optional(raw_legacy_id, "legacy_id", MAX_LEGACY_ID)
    if legacy_id is not None and not _LEGACY_ID.fullmatch(legacy_id):
        raise ProvisioningInputError("legacy_id")
    return AppUser(
        sub=sub,
        username=_optional(username, "userName", MAX_USERNAME),
        email=_optional(attributes.get("email"), "email", MAX_EMAIL),
        legacy_id=legacy_id,
    )


def provision(db: Database, schema: AppUsersSchema, user: AppUser, *, deadline: Deadline,
              clear_failure: bool = True) -> bool:
    """Insert the app user row unless one already exists for ``user.sub``.

    Parameters
    ----------
    db : Database
        The app database (may be the legacy database).
    schema : AppUsersSchema
        Table and column names (validated identifiers).
    user : AppUser
        From :func:`app_user_from_event`.
    deadline : Deadline
        Retries on deadlock / serialization failure stop when it passes.
    clear_failure : bool
        Delete the user's failure row in the same transaction. Pass False when a later step (the default
        group) must succeed first; then call
        :func:`legacy_auth.hooks.provisioning_failures.clear_failure_row` after it.

    Returns
    -------
    bool
        True when this call created the row, False when it already existed.

    Raises
    ------
    ProvisioningConflictError
        Nothing was inserted and no row holds ``user.sub``: another unique key conflicted (rolled back).
    StoreError
        The database could not answer in time, even after retries (nothing was committed).
    """
    columns, params = _row(schema, user)
    dialect = db.resolve_dialect(deadline=deadline)  # a cold-start secret read is bounded by the deadline too
    insert = upsert_sql(dialect, schema.table, columns, schema.sub_column)
    table, key = quote(dialect, schema.table), quote(dialect, schema.sub_column)
    present = f"SELECT 1 AS present FROM {table} WHERE {key} = %s"  # noqa: S608 - validated identifiers
    clear = clear_failure_sql(dialect, schema) if clear_failure else None

    def work(tx: Transaction) -> bool:
        created = tx.execute(insert, params) == 1
        if not created and tx.fetch_one(present, (user.sub,)) is None:
            raise ProvisioningConflictError("another unique key holds this user's values")
        if clear is not None:
            tx.execute(clear, (user.sub,))
        return created

    return db.transaction(work, deadline=deadline)


def find_app_user_id(db: Database, schema: AppUsersSchema, sub: str, *, deadline: Deadline) -> str | None:
    """The app-users row id for ``sub`` (``HOOKS_APP_USERS_ID_COLUMN``), or None when not provisioned yet.

    Raises
    ------
    StoreError
        The app database could not answer before ``deadline``.
    """
    dialect = db.resolve_dialect(deadline=deadline)
    table, key, column = (quote(dialect, n) for n in (schema.table, schema.sub_column, schema.id_column))
    row = db.fetch_one(f"SELECT {column} AS id FROM {table} WHERE {key} = %s", (sub,), deadline=deadline)  # noqa: S608
    return None if row is None or row["id"] is None else str(row["id"])


def add_to_group(cognito: Any, user_pool_id: str, username: str, group: str) -> None:
    """Add the user to ``group`` (AdminAddUserToGroup is idempotent: a member stays a member).

    Raises
    ------
    botocore.exceptions.ClientError
        The group does not exist, throttling, permissions: the caller decides (never fatal for the user).
    """
    cognito.admin_add_user_to_group(UserPoolId=user_pool_id, Username=username, GroupName=group)


def upsert_sql(dialect: str, table: str, columns: list[str], key: str) -> str:
    """``INSERT`` that does nothing on a unique-key conflict (1 row affected only on insert).

    MySQL's ``ON DUPLICATE KEY`` fires for any unique key; PostgreSQL/SQLite get a target-less
    ``ON CONFLICT DO NOTHING`` to behave alike. :func:`provision` then checks that ``key`` holds the row.
    Identifiers must already be validated (``HookSettings``); they are quoted for the dialect here.
    """
    cols = ", ".join(quote(dialect, c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    base = f"INSERT INTO {quote(dialect, table)} ({cols}) VALUES ({marks})"  # noqa: S608 - validated identifiers
    if dialect == "mysql":
        k = quote(dialect, key)
        return f"{base} ON DUPLICATE KEY UPDATE {k} = {k}"  # no-op update: 0 rows affected when present
    return f"{base} ON CONFLICT DO NOTHING"


def _row(schema: AppUsersSchema, user: AppUser) -> tuple[list[str], tuple[Any, ...]]:
    pairs: list[tuple[str, Any]] = [(schema.sub_column, user.sub)]
    for column, value in (
        (schema.username_column, user.username),
        (schema.email_column, user.email),
        (schema.legacy_id_column, user.legacy_id),
    ):
        if column:
            pairs.append((column, value))
    return [c for c, _ in pairs], tuple(v for _, v in pairs)


def _optional(value: Any, field: str, limit: int) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ProvisioningInputError(field, "not_a_string")
    if len(value) > limit:
        raise ProvisioningInputError(field, "too_long")
    if _CONTROL.search(value):
        raise ProvisioningInputError(field, "control_characters")
    if not _utf8(value):
        raise ProvisioningInputError(field, "invalid_unicode")  # lone surrogates: no database can store them
    return value


def _utf8(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True



"""The provisioning failures table: record a failure for the repair path, clear it once every step succeeded.

When provisioning fails past the retries the user is already confirmed in Cognito: the failure is recorded
here (best effort) and ``legacy_auth.hooks.reconcile`` repairs it later. The table's default schema is
``legacy_auth/sql/provisioning_failures.<dialect>.sql`` (:func:`legacy_auth.hooks.app_schema.schema_ddl`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from legacy_auth.db.database import Database
from legacy_auth.deadline import Deadline
from legacy_auth.hooks.app_schema import MAX_REASON, quote
from legacy_auth.hooks.config import AppUsersSchema

if TYPE_CHECKING:
    from legacy_auth.hooks.app_user import AppUser


def clear_failure_row(db: Database, schema: AppUsersSchema, sub: str, *, deadline: Deadline) -> bool:
    """Delete the failure row of ``sub`` once every step succeeded; True when the table is configured.

    Raises
    ------
    StoreError
        The failures table could not be written (the row stays; a later reconcile clears it).
    """
    sql = clear_failure_sql(db.resolve_dialect(deadline=deadline), schema)
    if sql is None:
        return False
    db.execute(sql, (sub,), deadline=deadline, idempotent=True)
    return True


def clear_failure_sql(dialect: str, schema: AppUsersSchema) -> str | None:
    """The ``DELETE`` of one sub's failure row (the sub as its one ``%s``); None without a failures table."""
    if not schema.failures_table:
        return None
    return f"DELETE FROM {quote(dialect, schema.failures_table)} WHERE cognito_sub = %s"  # noqa: S608


def record_failure(db: Database, schema: AppUsersSchema, user: AppUser | None, reason: str, *,
                   deadline: Deadline, sub: str | None = None) -> bool:
    """Record (or count again) a provisioning failure for the repair path; best effort.

    Parameters
    ----------
    db, schema :
        As for :func:`legacy_auth.hooks.provisioning.provision`; nothing is recorded when
        ``schema.failures_table`` is None.
    user : AppUser or None
        The user, when the event was valid.
    reason : str
        A short machine code (``db_timeout``, ``sub_invalid`` ...), never a value from the event.
    deadline : Deadline
        Bound on the write.
    sub : str or None
        The key when ``user`` is None.

    Returns
    -------
    bool
        True when the failure row was written.

    Raises
    ------
    StoreError
        The failures table could not be written either (the caller logs it; reconcile still finds the user).
    """
    key = user.sub if user is not None else sub
    if not schema.failures_table or key is None:
        return False
    dialect = db.resolve_dialect(deadline=deadline)
    table = quote(dialect, schema.failures_table)
    values = (key, user.username if user else None, reason[:MAX_REASON])
    insert = f"INSERT INTO {table} (cognito_sub, username, reason) VALUES (%s, %s, %s) "  # noqa: S608
    if dialect == "mysql":
        again = "ON DUPLICATE KEY UPDATE attempts = attempts + 1, reason = VALUES(reason), "
    else:
        again = f"ON CONFLICT (cognito_sub) DO UPDATE SET attempts = {table}.attempts + 1, reason = excluded.reason, "
    db.execute(insert + again + "last_failed_at = CURRENT_TIMESTAMP", values, deadline=deadline, idempotent=False)
    return True

"""Repair path: provision confirmed Cognito users missing from the app database (``legacy-auth reconcile``).

PostConfirmation is the only place a new user is provisioned, and it must not block a user Cognito has
already confirmed; so a failure there (database down past the retries, a bad deploy) leaves a confirmed
user without an app row. This module finds them by comparing the pool with the app-users table, page by
page (ListUsers, 60 users a page, one ``IN (...)`` query per page), and completes them with the hook's own
workflow (:func:`legacy_auth.hooks.confirmation.complete_confirmation`: the idempotent upsert, the default group),
and retries every row of the failures table. A user's failure row is deleted only once every step (row and
group) succeeded; a group that still cannot be added keeps (or creates) the row, so the next run tries again.
Running it twice, or while the hook is live, is safe. Pure logic: the CLI passes the database, the boto3
client and the settings.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from legacy_auth.db.database import Database
from legacy_auth.deadline import Deadline
from legacy_auth.errors import LegacyAuthError
from legacy_auth.hooks.app_schema import quote
from legacy_auth.hooks.config import AppUsersSchema
from legacy_auth.hooks.confirmation import AppSide, ConfirmationObserver, StoreStep, complete_confirmation
from legacy_auth.hooks.provisioning import ProvisioningInputError

#: Cognito statuses of users who can sign in and therefore need an app row.
PROVISIONED_STATUSES = frozenset({"CONFIRMED", "EXTERNAL_PROVIDER", "RESET_REQUIRED"})
PAGE = 60  # ListUsers maximum
STEP_S = 10.0  # deadline of each database step (no Lambda limit here)


@dataclass(slots=True)
class ReconcileReport:
    """What a run found and did. ``errors`` holds ``(username, reason)`` pairs, never attribute values."""

    scanned: int = 0
    missing: int = 0
    provisioned: int = 0
    grouped: int = 0
    failures_retried: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)


def reconcile(
    db: Database,
    schema: AppUsersSchema,
    cognito: Any,
    user_pool_id: str,
    *,
    default_group: str | None = None,
    legacy_id_attribute: str = "custom:legacy_id",
    dry_run: bool = False,
    limit: int | None = None,
) -> ReconcileReport:
    """Provision every confirmed Cognito user that has no app row, then retry the recorded failures.

    Parameters
    ----------
    db : Database
        The app database.
    schema : AppUsersSchema
        App-users table, columns and failures table (``HookSettings.app_users``).
    cognito : Any
        A boto3 ``cognito-idp`` client.
    user_pool_id : str
        The pool to compare.
    default_group : str or None
        Group every provisioned user is added to (idempotent).
    legacy_id_attribute : str
        Attribute holding a migrated user's legacy id.
    dry_run : bool
        Count what is missing, write nothing.
    limit : int or None
        Stop after scanning this many users.

    Returns
    -------
    ReconcileReport
        Counts and per-user error reasons.

    Raises
    ------
    StoreError
        The app database could not be read at all (a per-user write failure is reported, not raised).
    """
    report = ReconcileReport()
    tried: set[str] = set()  # repaired by the scan: not retried again from the failures table in this run
    for page in _pages(cognito, user_pool_id, limit):
        users = [u for u in page if u.get("UserStatus") in PROVISIONED_STATUSES]
        report.scanned += len(page)
        by_sub = {sub: u for u in users if (sub := _attributes(u).get("sub"))}
        present = existing_subs(db, schema, list(by_sub))
        for sub, user in by_sub.items():
            if sub in present:
                continue
            report.missing += 1
            if not dry_run:
                tried.add(sub)
                _repair(db, schema, cognito, user_pool_id, user, default_group, legacy_id_attribute, report)
    if not dry_run and schema.failures_table:
        for sub in failed_subs(db, schema):
            if sub in tried:
                continue
            found = _user_by_sub(cognito, user_pool_id, sub)
            if found is not None and found.get("UserStatus") in PROVISIONED_STATUSES:
                report.failures_retried += 1
                _repair(db, schema, cognito, user_pool_id, found, default_group, legacy_id_attribute, report)
    return report


def existing_subs(db: Database, schema: AppUsersSchema, subs: list[str]) -> set[str]:
    """Which of ``subs`` already have an app row (one query)."""
    if not subs:
        return set()
    column = quote(db.dialect, schema.sub_column)
    marks = ", ".join(["%s"] * len(subs))
    sql = f"SELECT {column} AS sub FROM {quote(db.dialect, schema.table)} WHERE {column} IN ({marks})"  # noqa: S608
    return {str(r["sub"]) for r in db.fetch_all(sql, tuple(subs), deadline=Deadline.after(STEP_S))}


def failed_subs(db: Database, schema: AppUsersSchema, *, limit: int = 10_000) -> list[str]:
    """The subs recorded in the failures table, oldest first."""
    if not schema.failures_table:
        return []
    table = quote(db.dialect, schema.failures_table)
    sql = f"SELECT cognito_sub FROM {table} ORDER BY first_failed_at, cognito_sub"  # noqa: S608
    rows = db.fetch_all(sql, deadline=Deadline.after(STEP_S))
    return [str(r["cognito_sub"]) for r in rows[:limit]]


def _repair(db: Database, schema: AppUsersSchema, cognito: Any, pool: str, user: Mapping[str, Any],
            group: str | None, legacy_id_attribute: str, report: ReconcileReport) -> None:
    """The one confirmation workflow (:func:`~legacy_auth.hooks.confirmation.complete_confirmation`), stopping
    at a failed row (the next run finds the user again); every outcome becomes a count or an error line."""
    username = str(user.get("Username", ""))
    complete_confirmation(
        username, _attributes(user),
        legacy_id_attribute=legacy_id_attribute,  # the value stored in the pool: see complete_confirmation
        side=AppSide(db=lambda: db, schema=schema, cognito=lambda: cognito, pool=pool, group=group or None),
        on_row_failure="stop", deadline=_step, reserve=_step, observer=_Repair(username, report),
    )


def _step() -> Deadline:
    """A fresh budget per database step (no Lambda limit here)."""
    return Deadline.after(STEP_S)


class _Repair(ConfirmationObserver):
    """One user's outcomes as report counts and ``(username, reason)`` error lines (never attribute values)."""

    def __init__(self, username: str, report: ReconcileReport) -> None:
        self.username = username
        self.report = report

    def rejected(self, exc: ProvisioningInputError) -> None:
        self.row_failed(exc)

    def row_done(self, created: bool) -> None:
        self.report.provisioned += int(created)

    def row_failed(self, exc: LegacyAuthError) -> None:
        self.report.errors.append((self.username, str(getattr(exc, "reason", type(exc).__name__))))

    def grouped(self) -> None:
        self.report.grouped += 1

    def group_failed(self, exc: Exception) -> None:
        self.report.errors.append((self.username, f"group:{type(exc).__name__}"))

    def store_failed(self, step: StoreStep, exc: LegacyAuthError) -> None:
        self.report.errors.append((self.username, f"failures_table:{getattr(exc, 'reason', type(exc).__name__)}"))


def _pages(cognito: Any, pool: str, limit: int | None) -> Iterator[list[dict[str, Any]]]:
    token: str | None = None
    seen = 0
    while True:
        kwargs: dict[str, Any] = {"UserPoolId": pool, "Limit": PAGE}
        if token:
            kwargs["PaginationToken"] = token
        response = cognito.list_users(**kwargs)
        page = list(response.get("Users", []))
        if limit is not None:
            page = page[: max(0, limit - seen)]
        seen += len(page)
        if page:
            yield page
        token = response.get("PaginationToken")
        if not token or (limit is not None and seen >= limit):
            return


def _user_by_sub(cognito: Any, pool: str, sub: str) -> dict[str, Any] | None:
    if '"' in sub or "\\" in sub:
        return None
    users = cognito.list_users(UserPoolId=pool, Filter=f'sub = "{sub}"', Limit=1).get("Users", [])
    return dict(users[0]) if users else None


def _attributes(user: Mapping[str, Any]) -> dict[str, Any]:
    return {str(a.get("Name")): a.get("Value") for a in user.get("Attributes", []) if isinstance(a, Mapping)}

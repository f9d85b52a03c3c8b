"""``legacy-auth release``: forget one account's migration record, so that it may migrate again.

With ``LEGACY_TRACK_MIGRATION`` on, the migrate-user trigger refuses an account recorded as migrated
(``migrated``, ``reset_completed``, ``imported``) whatever the spelling (``account_already_migrated``;
``docs/migration.md``, "One legacy account, one Cognito user"). After an admin **deleted that account's Cognito
user** (and only then: otherwise the account could get a second Cognito user through a new spelling), this
command deletes the tracking row.

``ACCOUNT`` is a login, found by the app's own rule as the trigger finds it (username or e-mail), or a legacy id
(the ``custom:legacy_id`` value): ``--login`` / ``--id`` say which; without either, a login that finds no row is
taken as a legacy id, and an argument that is both (a login of one row, the recorded id of another) is refused.

Exit statuses: 0 released; 1 nothing released (no row for the login, several rows, no tracking record, or an
argument naming two accounts); 2 bad command line or configuration; 3 database error (a missing tracking table:
the DDL to create it is named).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from typing import Any, TextIO

from legacy_auth.cli.environment import Legacy, add_legacy_flags, open_legacy, settings_from
from legacy_auth.cli.errors import CliError
from legacy_auth.cli.output import print_json
from legacy_auth.db import Deadline
from legacy_auth.errors import AmbiguousUserError, StoreError
from legacy_auth.migration.store import SqlUserStore
from legacy_auth.migration.tracking import MigrationTracker

HELP = "let one account migrate again after its Cognito user was deleted (deletes its tracking record)"


def register(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Add the ``release`` sub-command."""
    p = sub.add_parser("release", help=HELP, description=HELP + " (LEGACY_TRACK_MIGRATION).", parents=parents)
    add_legacy_flags(p)
    p.add_argument("account", metavar="ACCOUNT", help="a legacy login (username or e-mail) or a legacy id")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--login", dest="by", action="store_const", const="login", help="ACCOUNT is a login")
    how.add_argument("--id", dest="by", action="store_const", const="id",
                     help="ACCOUNT is a legacy id (the custom:legacy_id value)")
    p.set_defaults(func=run, by="auto")


def _by_login(legacy: Legacy, login: str, deadline: Deadline) -> tuple[str | None, str | None]:
    """``(legacy id, reason)`` of the row the app's login rule finds; ``(None, why)`` when none or several."""
    store = SqlUserStore(legacy.db, legacy.preset, legacy.prefix)
    try:
        user = store.find_by_login(login, deadline=deadline)
    except AmbiguousUserError:
        return None, "several legacy rows match this login: give the legacy id with --id"
    if user is None:
        return None, "no legacy row for this login"
    return user.legacy_id, None


def resolve(legacy: Legacy, tracker: MigrationTracker, account: str, by: str, deadline: Deadline) -> str:
    """The legacy id ``account`` names (see the module docstring).

    Raises
    ------
    CliError
        Exit status 1: no row, several rows, or an argument naming two accounts.
    """
    if by == "id":
        return account
    legacy_id, why = _by_login(legacy, account, deadline)
    if by == "login":
        if legacy_id is None:
            raise CliError(str(why), exit_code=1)
        return legacy_id
    as_id = tracker.status(account, deadline=deadline) is not None
    if legacy_id is None:
        if as_id:
            return account
        raise CliError(f"{why}, and no tracking record has this legacy id", exit_code=1)
    if as_id and legacy_id != account:
        raise CliError(f"the login names legacy id {legacy_id} but a tracking record has the id itself: "
                       "say which with --login or --id", exit_code=1)
    return legacy_id


def run(args: argparse.Namespace, environ: Mapping[str, str], stdout: TextIO | None = None,
        stderr: TextIO | None = None) -> int:
    """Release the account; 0 when a record was deleted, 1 when there was none (or see :func:`resolve`)."""
    out = stdout or sys.stdout
    settings = settings_from(args, environ)
    legacy = open_legacy(settings)
    tracker = MigrationTracker(legacy.db, app=settings.app, table=settings.tracking_table)
    deadline = Deadline.after(30)
    try:
        legacy_id = resolve(legacy, tracker, args.account, args.by, deadline)
        previous = tracker.status(legacy_id, deadline=deadline)
        released = previous is not None and tracker.release(legacy_id, deadline=deadline)
    except StoreError as exc:
        if getattr(exc, "reason", None) != "db_statement":
            raise
        raise CliError(f"tracking table {settings.tracking_table!r} cannot be read: create it from "
                       "legacy_auth/sql/migration_tracking.<dialect>.sql and set LEGACY_TRACK_MIGRATION=true") from None
    finally:
        legacy.db.close()
    data = {"legacy_id": legacy_id, "tracking_table": settings.tracking_table, "previous_status": previous,
            "released": released}
    if args.json:
        print_json(data, out)
    elif released:
        out.write(f"released legacy id {legacy_id} (was {previous}): it may migrate again at its next sign-in\n")
    else:
        out.write(f"nothing to release: legacy id {legacy_id} has no tracking record\n")
    return 0 if released else 1

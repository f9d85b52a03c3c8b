"""``legacy-auth sql``: print (default) or apply (``--apply``) the DDL of the project's own tables.

The tables are listed once, in :data:`TABLES`, as ``(name, where, ddl function)``: another table (a lockout
table, say) is one line to add. Each function returns the ``CREATE TABLE IF NOT EXISTS`` statements for a
dialect under the configured names (``LEGACY_TRACKING_TABLE``, ``HOOKS_APP_USERS_TABLE``,
``HOOKS_PROVISIONING_FAILURES_TABLE`` and the ``HOOKS_APP_USERS_*`` columns), the same text as
``legacy_auth/sql/*.sql`` with the default names. ``--apply`` runs them on the database each table lives in:
the tracking table in the legacy database (``LEGACY_DB_URL``), the app tables in ``HOOKS_APP_DB_URL`` (or the
legacy database when unset). Existing tables are kept (``IF NOT EXISTS``).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable, Mapping
from typing import Any, Literal, TextIO

from legacy_auth.cli.commands.reconcile import app_database, hook_settings
from legacy_auth.cli.environment import settings_from
from legacy_auth.cli.errors import UsageError
from legacy_auth.cli.output import print_json
from legacy_auth.db import Database, Deadline
from legacy_auth.hooks.app_schema import schema_ddl
from legacy_auth.migration import config, lockout
from legacy_auth.migration.tracking import DEFAULT_TABLE, ddl

HELP = "print (or --apply) the CREATE TABLE statements of the tracking, lockout, failures and app-users tables"
DIALECTS = ("mysql", "postgresql", "sqlite")
Where = Literal["legacy", "app"]
DdlFunction = Callable[[str, argparse.Namespace, Mapping[str, str]], list[str]]


def tracking_ddl(dialect: str, args: argparse.Namespace, environ: Mapping[str, str]) -> list[str]:
    """The migration tracking table (``LEGACY_TRACKING_TABLE``)."""
    return ddl(dialect, environ.get(config.LEGACY_TRACKING_TABLE) or DEFAULT_TABLE)  # type: ignore[arg-type]


def lockout_ddl(dialect: str, args: argparse.Namespace, environ: Mapping[str, str]) -> list[str]:
    """The guessing bound's counters (``LEGACY_LOCKOUT_TABLE``), beside the tracking table."""
    return lockout.ddl(dialect, environ.get(config.LEGACY_LOCKOUT_TABLE) or lockout.DEFAULT_TABLE)  # type: ignore[arg-type]


def app_users_ddl(dialect: str, args: argparse.Namespace, environ: Mapping[str, str]) -> list[str]:
    """The app-users table of the post-confirmation hook (``HOOKS_APP_USERS_*``)."""
    schema = dataclasses.replace(hook_settings(args, environ).app_users, failures_table=None)
    return schema_ddl(dialect, schema)


def failures_ddl(dialect: str, args: argparse.Namespace, environ: Mapping[str, str]) -> list[str]:
    """The provisioning-failures table (``HOOKS_PROVISIONING_FAILURES_TABLE``; none when set empty)."""
    schema = hook_settings(args, environ).app_users
    return schema_ddl(dialect, schema)[1:] if schema.failures_table else []


#: Every table the project owns: name, the database it lives in, its DDL. Add a table here.
TABLES: tuple[tuple[str, Where, DdlFunction], ...] = (
    ("migration_tracking", "legacy", tracking_ddl),
    ("guess_lockout", "legacy", lockout_ddl),
    ("app_users", "app", app_users_ddl),
    ("provisioning_failures", "app", failures_ddl),
)


def register(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Add the ``sql`` sub-command."""
    p = sub.add_parser("sql", help=HELP, description=HELP + " for the configured database's dialect.",
                       parents=parents)
    p.add_argument("--dialect", choices=DIALECTS,
                   help="print for this dialect (default: the dialect of LEGACY_DB_URL / HOOKS_APP_DB_URL)")
    p.add_argument("--table", action="append", choices=[name for name, _, _ in TABLES], metavar="NAME",
                   help=f"only this table (repeatable): {', '.join(name for name, _, _ in TABLES)}")
    p.add_argument("--apply", action="store_true",
                   help="run the statements on the configured databases (existing tables are kept)")
    p.add_argument("--app-db-url", metavar="URL", help="HOOKS_APP_DB_URL (default: the legacy database)")
    p.add_argument("--app", metavar="APP", help="LEGACY_APP")
    p.add_argument("--db-url", metavar="URL", help="LEGACY_DB_URL (prefer the variable: flags show in ps)")
    p.add_argument("--tracking-table", metavar="TABLE", help="LEGACY_TRACKING_TABLE")
    p.set_defaults(func=run, default_group=None)


def _environ(args: argparse.Namespace, environ: Mapping[str, str]) -> dict[str, str]:
    env = dict(environ)
    if args.tracking_table:
        env[config.LEGACY_TRACKING_TABLE] = args.tracking_table
    return env


def _databases(args: argparse.Namespace, environ: Mapping[str, str]) -> dict[Where, Database]:
    """The legacy and app databases (the same object when ``HOOKS_APP_DB_URL`` is unset)."""
    settings = settings_from(args, environ)
    legacy = Database(settings.db_url, options=settings.db_options, dbname=settings.db_name)
    hooks, app = app_database(args, environ, must_exist=False)  # --apply may create a new SQLite file
    return {"legacy": legacy, "app": app if hooks.app_db_url is not None else legacy}


def run(args: argparse.Namespace, environ: Mapping[str, str], stdout: TextIO | None = None,
        stderr: TextIO | None = None) -> int:
    """Print or apply the DDL; 0 on success."""
    out = stdout or sys.stdout
    env = _environ(args, environ)
    chosen = [t for t in TABLES if not args.table or t[0] in args.table]
    dbs: dict[Where, Database] = {}
    if args.apply or not args.dialect:
        if args.apply and args.dialect:
            raise UsageError("--dialect is for printing; --apply uses the configured databases' own dialects")
        dbs = _databases(args, env)
    deadline = Deadline.after(60)
    statements: list[dict[str, str]] = []
    try:
        for name, where, fn in chosen:
            db = dbs.get(where)
            dialect = args.dialect or db.resolve_dialect(deadline=deadline)  # type: ignore[union-attr]
            for statement in fn(dialect, args, env):
                if args.apply:
                    db.execute(statement, deadline=deadline)  # type: ignore[union-attr]
                statements.append({"table": name, "database": where, "dialect": dialect, "sql": statement})
    finally:
        for db in {id(d): d for d in dbs.values()}.values():
            db.close()
    if args.json:
        print_json({"applied": args.apply, "statements": statements}, out)
    elif args.apply:
        out.write("".join(f"created (or kept) {s['table']} in the {s['database']} database ({s['dialect']})\n"
                          for s in statements))
    else:
        out.write("".join(f"-- {s['table']} ({s['database']} database, {s['dialect']})\n{s['sql']};\n\n"
                          for s in statements))
    return 0

"""``legacy-auth reconcile``: provision confirmed Cognito users missing from the app database.

The repair logic is :func:`legacy_auth.reconcile.reconcile` (ListUsers page by page, one ``IN`` query per
page, the post-confirmation hook's idempotent upsert, then the failures table). The app database and its
schema come from the hooks' ``HOOKS_*`` environment: ``HOOKS_APP_DB_URL``, or the legacy database
(``LEGACY_*``) when unset.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from typing import Any, TextIO

from legacy_auth.cli.aws import add_pool_flags, cognito_client, pool_id
from legacy_auth.cli.environment import add_legacy_flags, settings_from
from legacy_auth.cli.output import fmt_int, print_json
from legacy_auth.db import Database
from legacy_auth.hooks_config import APP_DB_URL, DEFAULT_GROUP, HookSettings
from legacy_auth.reconcile import reconcile

HELP = "provision confirmed Cognito users that are missing from the app database"


def register(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Add the ``reconcile`` sub-command."""
    p = sub.add_parser("reconcile", help=HELP, description=HELP + ". Exit status 1 when some users could "
                       "not be repaired.", parents=parents)
    add_pool_flags(p)
    p.add_argument("--app-db-url", metavar="URL", help="HOOKS_APP_DB_URL (default: the legacy database)")
    p.add_argument("--default-group", metavar="GROUP", help="HOOKS_DEFAULT_GROUP: add repaired users to it")
    p.add_argument("--dry-run", action="store_true", help="only count the missing users; write nothing")
    p.add_argument("--limit", type=int, metavar="N", help="stop after scanning N Cognito users")
    add_legacy_flags(p)
    p.set_defaults(func=run)


def app_database(args: argparse.Namespace, environ: Mapping[str, str]) -> tuple[HookSettings, Database]:
    """The hooks' settings and the app database (``HOOKS_APP_DB_URL`` or the legacy database)."""
    env = dict(environ)
    if args.app_db_url:
        env[APP_DB_URL] = args.app_db_url
    if args.default_group:
        env[DEFAULT_GROUP] = args.default_group
    hooks = HookSettings.from_env(env)
    if hooks.app_db_url is not None:
        return hooks, Database(hooks.app_db_url, idle_timeout_s=60.0)
    settings = settings_from(args, environ)
    return hooks, Database(settings.db_url, options=settings.db_options, dbname=settings.db_name)


def run(args: argparse.Namespace, environ: Mapping[str, str], stdout: TextIO | None = None,
        stderr: TextIO | None = None) -> int:
    """Run the reconciliation; 0 when every missing user was provisioned (or none was missing)."""
    out = stdout or sys.stdout
    pool = pool_id(args, environ)
    hooks, db = app_database(args, environ)
    client = cognito_client(args, environ, pool)
    try:
        result = reconcile(db, hooks.app_users, client, pool, default_group=hooks.default_group,
                           legacy_id_attribute=hooks.legacy_id_attribute, dry_run=args.dry_run, limit=args.limit)
    finally:
        db.close()
    data = {"user_pool_id": pool, "dry_run": args.dry_run, "scanned": result.scanned, "missing": result.missing,
            "provisioned": result.provisioned, "grouped": result.grouped,
            "failures_retried": result.failures_retried,
            "errors": [{"username": u, "reason": r} for u, r in result.errors]}
    if args.json:
        print_json(data, out)
    else:
        verb = "would provision" if args.dry_run else "provisioned"
        lines = [f"legacy-auth reconcile: pool {pool}{' (dry run)' if args.dry_run else ''}",
                 f"  Cognito users scanned   {fmt_int(result.scanned):>10}",
                 f"  missing from app DB     {fmt_int(result.missing):>10}",
                 f"  {verb:<24}{fmt_int(result.missing if args.dry_run else result.provisioned):>10}",
                 f"  added to group          {fmt_int(result.grouped):>10}",
                 f"  failures retried        {fmt_int(result.failures_retried):>10}",
                 f"  errors                  {fmt_int(len(result.errors)):>10}"]
        lines += [f"    {u}: {r}" for u, r in result.errors[:20]]
        out.write("\n".join(lines) + "\n")
    return 1 if result.errors else 0

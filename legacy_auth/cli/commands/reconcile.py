"""``legacy-auth reconcile``: provision confirmed Cognito users missing from the app database.

The repair logic is :func:`legacy_auth.hooks.reconcile.reconcile` (ListUsers page by page, one ``IN`` query per
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
from legacy_auth.cli.environment import add_legacy_flags, int_in_range, require_sqlite_file, settings_from
from legacy_auth.cli.output import fmt_int, print_json
from legacy_auth.db import Database
from legacy_auth.db.url import DbUrlError, parse_db_url
from legacy_auth.errors import ConfigurationError
from legacy_auth.hooks.config import APP_DB_URL, APP_USERS_TABLE, DEFAULT_GROUP, FAILURES_TABLE, HookSettings
from legacy_auth.hooks.reconcile import reconcile

HELP = "provision confirmed Cognito users that are missing from the app database"


def register(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Add the ``reconcile`` sub-command."""
    p = sub.add_parser("reconcile", help=HELP, description=HELP + ". Exit status 1 when some users could "
                       "not be repaired.", parents=parents)
    add_pool_flags(p)
    p.add_argument("--app-db-url", metavar="URL", help="HOOKS_APP_DB_URL (default: the legacy database)")
    p.add_argument("--default-group", metavar="GROUP", help="HOOKS_DEFAULT_GROUP: add repaired users to it")
    p.add_argument("--dry-run", action="store_true", help="only count the missing users; write nothing")
    p.add_argument("--limit", type=int_in_range(1), metavar="N", help="stop after scanning N Cognito users")
    add_legacy_flags(p)
    p.set_defaults(func=run)


def hook_settings(args: argparse.Namespace, environ: Mapping[str, str]) -> HookSettings:
    """The hooks' ``HOOKS_*`` settings with ``--app-db-url`` / ``--default-group`` written over them.

    Raises
    ------
    ConfigurationError
        A ``HOOKS_*`` value (or the flag standing for it) is invalid, ``HOOKS_APP_DB_URL`` included.
    """
    env = dict(environ)
    if args.app_db_url:
        env[APP_DB_URL] = args.app_db_url
    if args.default_group:
        env[DEFAULT_GROUP] = args.default_group
    return HookSettings.from_env(env)


def app_database(args: argparse.Namespace, environ: Mapping[str, str], *,
                 must_exist: bool = True) -> tuple[HookSettings, Database]:
    """The hooks' settings and the app database (``HOOKS_APP_DB_URL`` or the legacy database).

    Raises
    ------
    ConfigurationError
        Bad ``HOOKS_*`` / ``LEGACY_*`` configuration, e.g. a ``HOOKS_APP_DB_URL`` that is not a database URL
        (checked here, before anything connects, by the parser the database layer uses).
    """
    hooks = hook_settings(args, environ)
    if hooks.app_db_url is not None:
        try:
            url = parse_db_url(hooks.app_db_url)
        except DbUrlError as exc:  # the message never contains the password
            raise ConfigurationError(APP_DB_URL, str(exc)) from None
        if must_exist:
            require_sqlite_file(url)
        return hooks, Database(url, idle_timeout_s=60.0)
    settings = settings_from(args, environ)
    if must_exist:
        require_sqlite_file(settings.db_url)
    return hooks, Database(settings.db_url, options=settings.db_options, dbname=settings.db_name)


def expected_table(args: argparse.Namespace, environ: Mapping[str, str]) -> str | None:
    """The hint of a failed statement: the app tables the hooks' configuration names (``None`` if unknown)."""
    try:
        schema = hook_settings(args, environ).app_users
    except ConfigurationError:
        return None
    failures = f" and {schema.failures_table!r} ({FAILURES_TABLE})" if schema.failures_table else ""
    return (f"expected the app users table {schema.table!r} ({APP_USERS_TABLE}){failures}: "
            "create them (docs/hooks.md) or check HOOKS_APP_DB_URL")


def require_group(client: Any, pool: str, group: str) -> None:
    """Refuse up front a ``--default-group`` / ``HOOKS_DEFAULT_GROUP`` the pool does not have (Cognito
    ``GetGroup``), rather than provisioning every user and then failing each group add.

    ``GetGroup`` raises ``ResourceNotFoundException`` "when the Amazon Cognito service can't find the requested
    resource" (Cognito API, GetGroup errors; AWS SDK for .NET reference "GetGroup",
    https://docs.amazonaws.cn/sdkfornet/v3/apidocs/items/CognitoIdentityProvider/MICognitoIdentityProviderGetGroupGetGroupRequest.html).
    It needs ``cognito-idp:GetGroup`` in the admin's IAM policy.

    Raises
    ------
    ConfigurationError
        The group does not exist (``ResourceNotFoundException``), naming ``HOOKS_DEFAULT_GROUP``. Other AWS
        errors propagate (exit status 3).
    """
    try:
        client.get_group(GroupName=group, UserPoolId=pool)
    except client.exceptions.ResourceNotFoundException:
        raise ConfigurationError(DEFAULT_GROUP, f"group {group!r} does not exist in user pool {pool}: create it "
                                                "or fix the name (--default-group)") from None


def run(args: argparse.Namespace, environ: Mapping[str, str], stdout: TextIO | None = None,
        stderr: TextIO | None = None) -> int:
    """Run the reconciliation; 0 when every missing user was provisioned (or none was missing)."""
    out = stdout or sys.stdout
    pool = pool_id(args, environ)
    hooks, db = app_database(args, environ)
    client = cognito_client(args, environ, pool)
    if hooks.default_group:
        require_group(client, pool, hooks.default_group)
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

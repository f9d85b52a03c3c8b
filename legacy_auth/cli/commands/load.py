"""``legacy-auth load APP FILE``: write the users of an app's export file into the table its preset reads.

For the apps whose users come as a file rather than a SQL table (those with an ``App.loader``: a
``firebase auth:export`` JSON or CSV file, an LDIF export of a directory). The file is read as a stream, one
record at a time, and written in batches of :data:`BATCH` rows, one transaction each, so memory stays flat
whatever the file's size; a progress line (rows and rate) is drawn on stderr when it is a terminal.

The table is the preset's own (``legacy-auth load`` creates it from the preset's DDL when it is missing, under
``LEGACY_TABLE_PREFIX``/``--table-prefix``) in ``--into URL`` (default ``LEGACY_DB_URL``): MySQL/MariaDB,
PostgreSQL or a SQLite file (created if needed). A table already holding rows is refused unless ``--replace``
(its rows are deleted first), so a load is never appended twice by mistake.

Errors (exit statuses as every command, ``docs/cli.md``): an unknown app, an app without a loader, an unreadable
file or a record the loader cannot read: one line naming the file and the line or record, never its content,
exit status 2 (with how many users were written before it: run again with ``--replace`` once fixed); the
database: exit status 3.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Iterator, Mapping
from typing import IO, Any, TextIO

from legacy_auth.apps import NAMES, all_apps, get_app
from legacy_auth.cli.errors import CliError, UsageError
from legacy_auth.cli.output import Progress, fmt_int, print_json, progress_enabled
from legacy_auth.db import Database, Deadline
from legacy_auth.db.url import DbUrlError, parse_db_url
from legacy_auth.errors import ConfigurationError, StoreError
from legacy_auth.presets.base import Dialect
from legacy_auth.presets.loading import ExportFileError, Row
from legacy_auth.presets.sql import quote, table_columns_query
from legacy_auth.presets.table import TablePreset

HELP = "load an app's user export file (firebase auth:export, LDIF) into the table its preset reads"
BATCH = 1000
STATEMENT_S = 300.0
LEGACY_DB_URL = "LEGACY_DB_URL"
LEGACY_TABLE_PREFIX = "LEGACY_TABLE_PREFIX"


def loader_apps() -> list[str]:
    """The apps whose users come as an export file (``App.loader`` set), in documentation order."""
    return [app.name for app in all_apps() if app.loader is not None]


def register(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Add the ``load`` sub-command."""
    p = sub.add_parser("load", help=HELP, description=HELP + ". Streams the file (flat memory) in batches of "
                       f"{BATCH:,} rows; creates the table when missing.", parents=parents)
    p.add_argument("app", metavar="APP", help="the app whose export it is (an app with a loader, e.g. the "
                                              "Firebase or LDAP app; see docs/presets.md)")
    p.add_argument("file", metavar="FILE", help="the export file (UTF-8; '-' reads standard input)")
    p.add_argument("--into", metavar="URL", help="the database to write to (default: LEGACY_DB_URL; prefer the "
                                                  "variable: flags show in ps); a SQLite file is created if needed")
    p.add_argument("--table-prefix", metavar="PREFIX", help="LEGACY_TABLE_PREFIX")
    p.add_argument("--replace", action="store_true", help="delete the table's rows first (else a table that "
                                                           "already holds rows is refused)")
    bar = p.add_mutually_exclusive_group()
    bar.add_argument("--progress", dest="progress", action="store_true", default=None,
                     help="always draw the progress line on stderr")
    bar.add_argument("--no-progress", dest="progress", action="store_false", help="never draw it")
    p.set_defaults(func=run)


def _app(name: str) -> tuple[str, Any]:
    apps = loader_apps()
    if name not in NAMES or name not in apps:
        raise UsageError(f"load: {name!r} has no export loader; one of {', '.join(apps)}")
    return name, get_app(name).loader


def _database(args: argparse.Namespace, environ: Mapping[str, str]) -> Database:
    raw = args.into or environ.get(LEGACY_DB_URL)
    setting = "--into" if args.into else LEGACY_DB_URL
    if not raw or not raw.strip():
        raise ConfigurationError(LEGACY_DB_URL, "required (or --into URL): the database to load into")
    try:
        url = parse_db_url(raw.strip())
    except DbUrlError as exc:  # the message never contains the password
        raise ConfigurationError(setting, str(exc)) from None
    return Database(url, idle_timeout_s=STATEMENT_S)


def _open(path: str) -> IO[str]:
    if path == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", newline="")
    try:
        return open(path, encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read it ({exc.strerror or type(exc).__name__})") from None


def _prepare(db: Database, preset: TablePreset, prefix: str, *, replace: bool) -> tuple[str, Dialect]:
    """Create the table if missing; refuse (or empty, ``replace``) one holding rows. (table, dialect)."""
    deadline = Deadline.after(STATEMENT_S)
    dialect = db.resolve_dialect(deadline=deadline)
    table = preset.table(prefix)
    probe = table_columns_query(table, dialect)
    if not db.fetch_all(probe.sql, probe.params, deadline=deadline):
        for statement in preset.ddl(prefix=prefix, dialect=dialect):
            db.execute(statement, deadline=deadline)
        return table, dialect
    quoted = quote(table, dialect)
    if db.fetch_one(f"SELECT 1 AS x FROM {quoted} LIMIT 1", deadline=deadline) is not None:  # noqa: S608
        if not replace:
            raise UsageError(f"load: table {table!r} already holds users; --replace deletes them first")
        db.execute(f"DELETE FROM {quoted}", deadline=deadline)  # noqa: S608 - validated, quoted identifier
    return table, dialect


def _batches(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def run(args: argparse.Namespace, environ: Mapping[str, str], stdout: TextIO | None = None,
        stderr: TextIO | None = None) -> int:
    """Load the file; 0 once every user is written."""
    out, err = stdout or sys.stdout, stderr or sys.stderr
    name, loader = _app(args.app)
    preset = get_app(name).preset()
    prefix = args.table_prefix if args.table_prefix is not None else environ.get(LEGACY_TABLE_PREFIX, "")
    db = _database(args, environ)
    stream = _open(args.file)
    loaded = 0
    try:
        table, dialect = _prepare(db, preset, prefix, replace=args.replace)
        columns = [c.name for c in preset.all_columns() if not c.auto]
        sql = (f"INSERT INTO {quote(table, dialect)} ({', '.join(quote(c, dialect) for c in columns)}) "  # noqa: S608
               f"VALUES ({', '.join('%s' for _ in columns)})")
        bar = Progress(None, label=f"load {name}", stream=err, enabled=progress_enabled(args.progress, err))
        try:
            for batch in _batches(loader(stream), BATCH):
                values = [tuple(row.get(c) for c in columns) for row in batch]

                def insert(tx: Any, values: list[tuple[Any, ...]] = values) -> None:
                    for params in values:
                        tx.execute(sql, params)

                try:
                    db.transaction(insert, deadline=Deadline.after(STATEMENT_S))
                except StoreError as exc:
                    if getattr(exc, "cause", None) not in (None, "statement"):
                        raise  # the database itself (unreachable, timeout, ...): the usual one line
                    reason = getattr(exc, "reason", None) or type(exc).__name__
                    raise CliError(f"load: {args.file}: users {fmt_int(loaded + 1)}-{fmt_int(loaded + len(batch))} "
                                   f"were refused by the database ({reason}, {dialect}): the same user twice in "
                                   f"the file, or a value the column cannot hold? ({fmt_int(loaded)} users written "
                                   "before them)") from None
                loaded += len(batch)
                bar.update(loaded)
        except (ExportFileError, UnicodeDecodeError) as exc:
            where = str(exc) if isinstance(exc, ExportFileError) else "not UTF-8 text"
            raise UsageError(f"load: {args.file}: {where} ({fmt_int(loaded)} users written before it: fix the file "
                             "and run again with --replace)") from None
        finally:
            bar.close()
    finally:
        stream.close()
        db.close()
    if args.json:
        print_json({"app": name, "table": table, "dialect": dialect, "loaded": loaded}, out)
    else:
        out.write(f"loaded {fmt_int(loaded)} {name} users into {table} ({dialect})\n")
    return 0

"""``legacy-auth export``: users who never migrated, as Cognito user-import CSV files (``--start`` imports them).

Users already known to Cognito (any row of the tracking table, ``reset_pending`` included: the
forgot-password migration created them) are left out; ``--all`` exports without the tracking table. The
tracked ids (with their import fingerprints) are the only thing held in memory (the legacy table is streamed),
plus the case-folded usernames written when the database reports usernames (emails in an email pool) equal but
for case.

Every count of users left out is printed with the setting or route that would include them
(:data:`~legacy_auth.cli.import_csv.ROUTES`).

With ``--start`` (and the tracking table), the users of each file are recorded in the tracking table as
``imported`` with the job's id before the job starts, and finished when it succeeds
(:mod:`legacy_auth.cli.import_tracking`): a later export never writes them again, and a re-run after a failed job
or an interrupted run first follows the pending jobs to their end and exports again only the users of the jobs
that did not import everyone. Users whose legacy row changed after their import (a new hash, an account now
blocked) are reported (``changed_since_import``), by any export that reads the tracking table.

Exit status: 0 the files were written (and every ``--start`` job succeeded); 1 a job did not succeed, users the
import would reject were found and left out (``duplicate_username``), or imported users' rows changed since; 2
usage/configuration (``--with-hashes`` too, while AWS documents no CSV format for password hashes:
:mod:`legacy_auth.cli.export_hashes`; a tracking table without the import columns; a file over Cognito's limits);
3 database or AWS error.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, TextIO

from legacy_auth.cli import export_hashes
from legacy_auth.cli.aws import add_pool_flags, cognito_client, pool_id
from legacy_auth.cli.environment import (
    Legacy,
    add_legacy_flags,
    int_in_range,
    non_negative_float,
    open_legacy,
    preset_and_prefix,
    settings_from,
)
from legacy_auth.cli.errors import CliError, UsageError
from legacy_auth.cli.import_csv import (
    KNOWN_TO_FAIL,
    MAX_BYTES,
    MAX_ROWS,
    CsvSplitter,
    ExportResult,
    ExportRules,
    check_header,
    export_users,
    route,
)
from legacy_auth.cli.import_jobs import is_clean, run_jobs
from legacy_auth.cli.import_tracking import Changes, ImportTracker, fingerprint, read_ids, resume
from legacy_auth.cli.output import Progress, fmt_int, print_json, progress_enabled
from legacy_auth.cli.scan import ScanReport
from legacy_auth.cli.scan_queries import count_duplicate_emails, count_duplicate_usernames, count_rows
from legacy_auth.errors import CorruptRowError, StoreError
from legacy_auth.migration.policy import MigrationPolicy
from legacy_auth.migration.tracking import IMPORT_RESET_REQUIRED
from legacy_auth.model import LegacyUser
from legacy_auth.presets.sql import quote

HELP = "write users who never migrated as Cognito user-import CSV files; --start runs the import jobs"
_STEM = re.compile(r"^[\w.-]{1,100}$")


def file_stem(text: str) -> str:
    """An argparse ``type`` for ``--stem``: a plain file name part (no directory, no spaces)."""
    if not _STEM.fullmatch(text) or text.startswith("."):
        raise argparse.ArgumentTypeError("must be letters, digits, '_', '-' or '.' (a file name, no directory)")
    return text


def register(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Add the ``export`` sub-command."""
    p = sub.add_parser("export", help=HELP, description=HELP + ".", parents=parents)
    add_legacy_flags(p)
    add_pool_flags(p)
    p.add_argument("--header-file", type=Path, metavar="FILE",
                   help="saved `aws cognito-idp get-csv-header` JSON (or one CSV header line) instead of "
                        "calling GetCSVHeader")
    p.add_argument("--out-dir", type=Path, default=Path("."), help="where to write the files (default .)")
    p.add_argument("--stem", type=file_stem, default="legacy-auth-import", help="file name stem: STEM-001.csv ...")
    p.add_argument("--max-rows", type=int_in_range(1, MAX_ROWS), default=MAX_ROWS,
                   help=f"rows per file (1 to {MAX_ROWS:,}, Cognito's limit; default the limit)")
    p.add_argument("--max-bytes", type=int_in_range(1024, MAX_BYTES), default=MAX_BYTES,
                   help=f"bytes per file (1,024 to {MAX_BYTES:,}, Cognito's 100 MB; default the limit)")
    p.add_argument("--mfa-enabled", action="store_true", help="write cognito:mfa_enabled TRUE (pool MFA required)")
    p.add_argument("--no-aliases", action="store_true", help="the pool has no email/phone aliases")
    p.add_argument("--all", action="store_true", help="ignore the tracking table: export every active user")
    p.add_argument("--start", action="store_true", help="create, upload and start one import job per file")
    export_hashes.add_flags(p)
    p.add_argument("--role-arn", metavar="ARN", help="CloudWatchLogsRoleArn for the import jobs (with --start)")
    p.add_argument("--poll-interval", type=non_negative_float, default=10.0, help="seconds between job status polls")
    p.add_argument("--wait-timeout", type=non_negative_float, default=3600.0,
                   help="longest wait for one job (seconds)")
    bar = p.add_mutually_exclusive_group()
    bar.add_argument("--progress", dest="progress", action="store_true", default=None, help="draw the bar")
    bar.add_argument("--no-progress", dest="progress", action="store_false", help="never draw it")
    p.set_defaults(func=run)


def read_header(path: Path) -> list[str]:
    """A header from ``get-csv-header`` JSON output, a JSON list, or one CSV line."""
    try:
        text = path.read_text("utf-8").strip()
    except OSError as exc:
        raise UsageError(f"--header-file {path}: {exc.strerror or type(exc).__name__}") from None
    except UnicodeDecodeError:
        raise UsageError(f"--header-file {path}: not UTF-8 text (expected get-csv-header JSON or a CSV line)") \
            from None
    if not text:
        raise UsageError(f"--header-file {path}: empty file")
    if text.startswith(("{", "[")):
        try:
            data = json.loads(text)
        except ValueError:
            raise UsageError(f"--header-file {path}: not valid JSON") from None
        header = data.get("CSVHeader") if isinstance(data, dict) else data
        if not isinstance(header, list):
            raise UsageError(f"--header-file {path}: no CSVHeader list")
        return [str(h) for h in header]
    return [h.strip() for h in text.splitlines()[0].split(",")]


def prepare_out_dir(path: Path) -> Path:
    """Create ``--out-dir`` if needed; ``UsageError`` when it cannot hold the files (checked before the scan)."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise UsageError(f"--out-dir {path}: exists and is not a directory") from None
    except OSError as exc:
        raise UsageError(f"--out-dir {path}: cannot create it ({exc.strerror or type(exc).__name__})") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise UsageError(f"--out-dir {path}: not writable")
    return path


def tracked_rows(legacy: Legacy, table: str) -> Mapping[str, str | None]:
    """Every tracked legacy id with its import fingerprint (``None`` when the table predates that column: no
    change is detected then)."""
    try:
        return ImportTracker(legacy.db, app=legacy.settings.app, table=table).tracked()
    except StoreError as exc:
        if getattr(exc, "reason", None) != "db_statement":
            raise
    return dict.fromkeys(tracked_ids(legacy, table))


def tracked_ids(legacy: Legacy, table: str) -> set[str]:
    """Every legacy id in the tracking table (these users exist in Cognito already)."""
    sql = f"SELECT legacy_id FROM {quote(table, legacy.db.dialect)}"  # noqa: S608 - validated identifier
    try:
        return {str(r["legacy_id"]) for r in legacy.db.stream(sql, (), batch=5000)}
    except StoreError as exc:
        if getattr(exc, "reason", None) != "db_statement":
            raise
        raise CliError(f"tracking table {table!r} cannot be read; pass --all to export without it", exit_code=2) \
            from None


def legacy_users(legacy: Legacy, result: ExportResult, bar: Progress, tracked: Mapping[str, str | None] | None = None,
                 changed: Changes | None = None) -> Iterator[LegacyUser]:
    """Stream the table as users; unreadable rows are counted as skipped; a tracked user whose row changed since
    it was imported is counted in ``changed``."""
    query = legacy.preset.scan_query(prefix=legacy.prefix, dialect=legacy.db.dialect)
    for n, row in enumerate(legacy.db.stream(query.sql, query.params, batch=2000), 1):
        if not n & 1023:
            bar.update(n)
        try:
            user = legacy.preset.to_user(row)
        except CorruptRowError:
            result.skipped["unreadable"] += 1
            continue
        recorded = tracked.get(user.legacy_id) if tracked else None
        if recorded is not None and changed is not None:
            changed.note(recorded, user)
        yield user


def run(args: argparse.Namespace, environ: Mapping[str, str], stdout: TextIO | None = None,
        stderr: TextIO | None = None) -> int:
    """Write the files (and run the jobs with ``--start``); 0 on success."""
    out, err = stdout or sys.stdout, stderr or sys.stderr
    settings = settings_from(args, environ)
    preset_and_prefix(settings)  # a bad preset option is a configuration error before any other check
    export_hashes.check(args)  # --with-hashes: refused before anything is written (docs/strategy.md)
    if args.start and not args.role_arn:
        raise UsageError("--start needs --role-arn (the CloudWatch Logs role of the import jobs)")
    prepare_out_dir(args.out_dir)
    pool = pool_id(args, environ) if (args.start or args.header_file is None) else None
    client = cognito_client(args, environ, pool) if pool else None
    header = check_header(read_header(args.header_file) if args.header_file else
                          client.get_csv_header(UserPoolId=pool)["CSVHeader"])  # type: ignore[union-attr]
    legacy = open_legacy(settings)  # after the usage checks: a bad flag is reported before any query

    def log(line: str) -> None:
        if not args.json:
            err.write(f"  {line}\n")

    track = args.start and not args.all
    tracker = ImportTracker(legacy.db, app=settings.app, table=settings.tracking_table) if track else None
    resumed: list[dict[str, Any]] = []
    if tracker is not None:
        tracker.check_columns()  # an old table: one line with the ALTER TABLE statements, nothing written
        resumed = resume(tracker, client, pool or "", poll_s=args.poll_interval, timeout_s=args.wait_timeout, log=log)
    skip: Mapping[str, str | None] = {} if args.all else tracked_rows(legacy, settings.tracking_table)
    policy = MigrationPolicy.from_settings(settings, aliases=not args.no_aliases)
    rules = ExportRules(policy=policy, mfa_enabled=args.mfa_enabled, aliases=not args.no_aliases)
    splitter = CsvSplitter(args.out_dir, args.stem, header, max_rows=args.max_rows, max_bytes=args.max_bytes,
                           tags=track)
    bar = Progress(count_rows(legacy), label="export", stream=err, enabled=progress_enabled(args.progress, err))
    changed = Changes()
    result = export_users(legacy_users(legacy, splitter.result, bar, skip, changed), header, rules, splitter,
                          skip_ids=skip, check_case=has_case_twins(legacy, settings.pool_sign_in),
                          tag=(lambda u: json.dumps([u.legacy_id, fingerprint(u)])) if track else None)
    bar.close()
    jobs: list[dict[str, Any]] = []
    recorded = {"pending": 0, "finished": 0}
    if args.start and result.files:

        def created(job_id: str, path: Path) -> None:
            if tracker is not None:
                recorded["pending"] += tracker.record_pending(job_id, read_ids(path.with_suffix(".ids")))

        def final(job: dict[str, Any]) -> None:
            if tracker is not None and is_clean(job):
                recorded["finished"] += tracker.finish(str(job.get("JobId")), IMPORT_RESET_REQUIRED)

        jobs = run_jobs(client, pool or "", result.files, role_arn=args.role_arn,
                        job_prefix=f"legacy-auth-{settings.app}-{time.strftime('%Y%m%d%H%M%S')}",
                        poll_s=args.poll_interval, timeout_s=args.wait_timeout, log=log, on_created=created,
                        on_final=final)
    data = {"app": settings.app, "exported": result.exported, "renamed": result.renamed,
            "skipped": dict(result.skipped),
            "files": [{"path": str(p), "rows": n} for p, n in zip(result.files, result.rows_per_file, strict=True)],
            "header": header, "jobs": jobs, "resumed_jobs": resumed,
            "tracking": {"recorded": track, "pending_rows": recorded["pending"],
                         "finished_rows": recorded["finished"]},
            "changed_since_import": {"users": sum(changed.counts.values()), "by_change": dict(changed.counts),
                                     "examples": changed.examples},
            "left_out": [{"reason": r, "users": n, "route": route(r), "known_to_fail": r in KNOWN_TO_FAIL}
                         for r, n in sorted(result.skipped.items())]}
    if args.json:
        print_json(data, out)
    else:
        out.write(render(data))
    failed = any(j.get("Status") != "Succeeded" for j in jobs)
    return 1 if failed or result.known_to_fail or changed.counts else 0


def has_case_twins(legacy: Legacy, pool_sign_in: str) -> bool:
    """Whether the table holds Cognito usernames equal but for case (the database groups them, no value read):
    usernames in a username pool, emails in an email pool (the email is the username there)."""
    report = ScanReport()
    if pool_sign_in == "email":
        count_duplicate_emails(legacy, report)
        return report.duplicate_email_groups > 0
    count_duplicate_usernames(legacy, report)
    return report.duplicate_username_groups > 0


def render(data: dict[str, Any]) -> str:
    """The human summary."""
    lines = [f"legacy-auth export: {fmt_int(data['exported'])} users in {len(data['files'])} file(s)"]
    lines += [f"  {f['path']}  {fmt_int(f['rows'])} rows" for f in data["files"]]
    if data["renamed"]:
        lines.append(f"  {fmt_int(data['renamed'])} as legacy_<id>: Cognito refuses their username; they sign in "
                     "by email (the trigger's rule)")
    if data["left_out"]:
        left = sum(item["users"] for item in data["left_out"])
        lines.append(f"  left out: {fmt_int(left)} users; each reason with the setting or route that includes them:")
        for item in data["left_out"]:
            flag = "  (the import would reject them)" if item["known_to_fail"] else ""
            lines.append(f"    {item['reason']:<22}{fmt_int(item['users']):>10}  {item['route']}{flag}")
    if data["exported"] == 0:
        lines.append("  no user was exported" + (": see the reasons above" if data["left_out"] else
                                                 ": the users table has no row"))
    for job in data["resumed_jobs"]:
        lines.append(f"  pending job {job['JobId']} {job['Status']}: {fmt_int(job['users'])} users {job['action']}"
                     + (" (exported again)" if job["action"] == "released" else ""))
    moved = data["changed_since_import"]
    if moved["users"]:
        kinds = ", ".join(f"{k} {fmt_int(n)}" for k, n in sorted(moved["by_change"].items()))
        lines.append(f"  CHANGED since their import: {fmt_int(moved['users'])} users ({kinds}), e.g. legacy ids "
                     f"{', '.join(moved['examples'])}: update or disable them in Cognito (AdminDisableUser)")
    for job in data["jobs"]:
        lines.append(f"  job {job.get('JobId')} {job.get('Status')}: imported {job.get('ImportedUsers', 0)}, "
                     f"skipped {job.get('SkippedUsers', 0)}, failed {job.get('FailedUsers', 0)}")
    return "\n".join(lines) + "\n"

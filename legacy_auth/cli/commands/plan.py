"""``legacy-auth plan`` (alias ``routes``): every legacy user's route into Cognito, and the capacity it needs.

Every row of the legacy table is put on exactly one route by :func:`legacy_auth.importing.routes.classify`
with the trigger's own rules (the preset's row mapping and account states, :class:`MigrationPolicy` from the
``LEGACY_*`` settings, the app's hash options): ``import-with-hash`` (with the algorithm and its parameters),
``lazy`` (the trigger verifies the password at first sign-in; the reason says why), ``reset`` (no usable hash,
a verified contact) or ``never`` (the trigger refuses the account). ``hash_format_documented`` says whether AWS
documents the CSV encoding of each algorithm: while it does not, the would-be importable users are ``lazy`` /
``cognito_hash_format_unknown`` with their algorithm (``docs/strategy.md``).

The table is read as ``scan`` reads it (:mod:`legacy_auth.cli.plan`): streamed, in primary-key ranges over
``--workers`` processes from 100,000 rows, with flat memory and a progress bar on stderr when it is a terminal.
Then the lazy users' verification time is measured per ``(scheme, cost)`` group (as ``scan`` does) and the
capacity table is computed (:mod:`legacy_auth.cli.capacity`: Cognito's documented request-rate quotas, Lambda
concurrency and legacy database connections at a peak of sign-ins, bulk-import files and duration). ``--png``
saves a bar chart of the users per route (optional ``chart`` extra). No password is verified against a real
one, no hash, salt or digest is printed.

Exit status: 0 the plan was written; 2 bad flag or configuration (``--png`` without the ``chart`` extra too,
checked before the table is read); 3 database error.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from legacy_auth.cli.capacity import (
    USER_AUTHENTICATION_RPS,
    USER_CREATION_RPS,
    CapacityInputs,
    capacity,
    capacity_lines,
)
from legacy_auth.cli.chart import bar_lines, pyplot, write_bars_png
from legacy_auth.cli.commands.scan import PARALLEL_MIN_ROWS, add_read_flags, cpu_count
from legacy_auth.cli.environment import add_legacy_flags, hash_context, int_in_range, open_legacy, settings_from
from legacy_auth.cli.import_csv import MAX_ROWS
from legacy_auth.cli.output import Progress, fmt_int, print_json, progress_enabled
from legacy_auth.cli.parallel_scan import key_range, parallel_run, split
from legacy_auth.cli.plan import PlanJob, PlanReport, merge_plans, plan_rows
from legacy_auth.cli.scan_queries import count_rows
from legacy_auth.cli.timing import MAX_MEMORY_MB, MIGRATION_MEMORY_MB, MIN_MEMORY_MB, SchemeTiming, estimate
from legacy_auth.importing.algorithms import COGNITO_HASH_FORMAT, Algorithm
from legacy_auth.migration.policy import MigrationPolicy

HELP = "put every legacy user on a route into Cognito (import-with-hash, lazy, reset, never) and size the lazy route"
ALIAS_HELP = "the same as `plan` (its earlier name)"


def positive_float(text: str) -> float:
    """An argparse ``type``: a finite number > 0 (rates)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number: {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number > 0, not {text}")
    return value


def register(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Add ``plan`` and its alias ``routes`` (same flags, same output)."""
    for name, text in (("plan", HELP), ("routes", ALIAS_HELP)):
        p = sub.add_parser(name, help=text, description=HELP + " (docs/strategy.md).", parents=parents)
        _flags(p)
        p.set_defaults(func=run)


def _flags(p: argparse.ArgumentParser) -> None:
    add_legacy_flags(p)
    cap = p.add_argument_group("capacity (Cognito quotas default to AWS's documented values: docs/strategy.md)")
    cap.add_argument("--peak-sign-ins", type=positive_float, metavar="PER_S",
                     help="peak lazy sign-ins per second (default: the UserAuthentication quota, the most the pool "
                          "accepts)")
    cap.add_argument("--auth-quota", type=positive_float, default=USER_AUTHENTICATION_RPS, metavar="RPS",
                     help=f"your UserAuthentication quota (default {USER_AUTHENTICATION_RPS:.0f}, AWS's default)")
    cap.add_argument("--creation-quota", type=positive_float, default=USER_CREATION_RPS, metavar="RPS",
                     help=f"your UserCreation quota (default {USER_CREATION_RPS:.0f}, AWS's default)")
    cap.add_argument("--import-rate", type=positive_float, metavar="USERS_PER_S",
                     help="users a CSV import job imports per second (AWS documents none: measure a first job); "
                          "without it the bulk-import duration is not estimated")
    cap.add_argument("--max-rows", type=int_in_range(1, MAX_ROWS), default=MAX_ROWS,
                     help=f"rows per import file, as export --max-rows (default {MAX_ROWS:,}, Cognito's limit)")
    cap.add_argument("--lambda-memory", type=int_in_range(MIN_MEMORY_MB, MAX_MEMORY_MB), default=MIGRATION_MEMORY_MB,
                     metavar="MB", help=f"memory of the migration Lambda (default {MIGRATION_MEMORY_MB})")
    add_read_flags(p, cap)
    p.add_argument("--png", type=Path, metavar="FILE",
                   help="also save a bar chart of the users per route (needs the optional extra: pip install "
                        "'.[chart]')")
    bar = p.add_mutually_exclusive_group()
    bar.add_argument("--progress", dest="progress", action="store_true", default=None,
                     help="always draw the progress bar on stderr")
    bar.add_argument("--no-progress", dest="progress", action="store_false", help="never draw it")


def run(args: argparse.Namespace, environ: Mapping[str, str], stdout: TextIO | None = None,
        stderr: TextIO | None = None) -> int:
    """Read the table, print the plan; 0."""
    out, err = stdout or sys.stdout, stderr or sys.stderr
    settings = settings_from(args, environ)
    if args.png:
        pyplot()  # the chart extra is checked before the table is read
    legacy = open_legacy(settings)
    ctx = hash_context(settings)
    policy = MigrationPolicy.from_settings(settings)
    started = time.monotonic()
    total = count_rows(legacy)
    bar = Progress(total, label=args.command, stream=err, enabled=progress_enabled(args.progress, err))
    workers = args.workers or (cpu_count() if total >= PARALLEL_MIN_ROWS else 1)
    keys = key_range(legacy) if workers > 1 else None
    if keys is not None:
        ranges = split(keys[0], keys[1], workers)
        report = merge_plans(parallel_run(legacy, PlanJob(policy), ranges, batch=args.batch, on_rows=bar.update))
    else:
        query = legacy.preset.scan_query(prefix=legacy.prefix, dialect=legacy.db.dialect)
        report = plan_rows(legacy.db.stream(query.sql, query.params, batch=args.batch), legacy, ctx, policy,
                           on_row=bar.update)
    bar.update(report.rows, force=True)
    bar.close()
    seconds = time.monotonic() - started
    timings = estimate(ctx, report.cost_groups(), memory_mb=args.lambda_memory, budget_ms=settings.budget_ms,
                       repeats=args.repeats)
    inputs = CapacityInputs(peak_sign_ins=args.peak_sign_ins, auth_rps=args.auth_quota,
                            creation_rps=args.creation_quota, import_rate=args.import_rate, max_rows=args.max_rows,
                            lambda_memory_mb=args.lambda_memory)
    data = as_json(report, timings, inputs, {
        "app": settings.app, "table": legacy.describe(), "dialect": legacy.db.dialect, "seconds": round(seconds, 3),
        "workers": len(ranges) if keys is not None else 1})
    if args.png:
        write_bars_png([(s["route"], s["users"]) for s in data["capacity"]["shares"]], args.png,
                       title=f"{settings.app}: {data['users']:,} legacy users by route into Cognito", ylabel="users")
        data["png"] = str(args.png)
    if args.json:
        print_json(data, out)
    else:
        out.write(render(data, args.command))
    return 0


def as_json(report: PlanReport, timings: list[SchemeTiming], inputs: CapacityInputs,
            context: dict[str, Any]) -> dict[str, Any]:
    """The machine-readable plan (no hash, salt, digest or email is ever included)."""
    return {
        **context,
        "rows": report.rows,
        "users": report.users,
        "unreadable": report.unreadable,
        "hash_format_documented": {a.value: a in COGNITO_HASH_FORMAT for a in Algorithm},
        "routes": [{"route": k, "reason": r, "algorithm": a, "users": n}
                   for (k, r, a), n in sorted(report.counts.items(), key=lambda i: (i[0][0], i[0][1], i[0][2] or ""))],
        "parameters": {a: dict(sets.most_common()) for a, sets in sorted(report.parameters.items())},
        "verify_time": [{"scheme": t.scheme, "cost": t.cost, "users": t.users, "local_ms": t.local_ms,
                         "lambda_ms": t.lambda_ms, "verdict": t.verdict} for t in timings],
        "capacity": capacity(report.by_route(), timings, inputs),
    }


def render(data: dict[str, Any], command: str = "plan") -> str:
    """The human plan: routes with reasons, shares, parameters, verify times, the capacity table, notes."""
    lines = [f"legacy-auth {command}: {fmt_int(data['users'])} {data['app']} users"
             + (f" ({fmt_int(data['unreadable'])} unreadable rows apart)" if data["unreadable"] else "")]
    for item in data["routes"]:
        algorithm = f" [{item['algorithm']}]" if item["algorithm"] else ""
        lines.append(f"  {item['route']:<17}{item['reason'] + algorithm:<48}{fmt_int(item['users']):>10}")
    shares = data["capacity"]["shares"]
    lines += ["", "Users per route"]
    lines += [f"  {line}  {s['percent']:5.1f}%"
              for line, s in zip(bar_lines([(s["route"], s["users"]) for s in shares], 30), shares, strict=True)]
    if data["parameters"]:
        lines += ["", "Parameters of the hashes of the four import algorithms (users)"]
        for algorithm, sets in data["parameters"].items():
            lines.append(f"  {algorithm:<15}" + ", ".join(f"{k}: {fmt_int(n)}" for k, n in sets.items()))
    if data["verify_time"]:
        lines += ["", "Verify time of the lazy users per scheme and cost (Lambda estimate, as legacy-auth scan)"]
        for t in data["verify_time"]:
            label = f"{t['scheme']} {t['cost']}" if t["cost"] else t["scheme"]
            lines.append(f"  {label:<40}{fmt_int(t['users']):>10} users{t['lambda_ms']:>10.1f} ms  {t['verdict']}")
    lines += ["", *capacity_lines(data["capacity"])]
    if data.get("png"):
        lines.append(f"\nChart saved to {data['png']}")
    if not any(data["hash_format_documented"].values()):
        lines.append("  import-with-hash is off: AWS documents no CSV format for password hashes (docs/strategy.md)")
    return "\n".join(lines) + "\n"

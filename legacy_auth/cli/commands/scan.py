"""``legacy-auth scan``: is the legacy users table ready for migration? Exit 1 on a blocking finding."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from legacy_auth.cli import html_report
from legacy_auth.cli.environment import add_legacy_flags, hash_context, int_in_range, open_legacy, settings_from
from legacy_auth.cli.findings import Finding, exit_status, findings
from legacy_auth.cli.output import Progress, fmt_int, print_json, progress_enabled
from legacy_auth.cli.parallel_scan import key_range, parallel_scan, split
from legacy_auth.cli.scan import ScanReport, ScanRules, scan_rows
from legacy_auth.cli.scan_queries import count_duplicate_emails, count_duplicate_usernames, count_rows
from legacy_auth.cli.timing import (
    COGNITO_LIMIT_MS,
    MAX_MEMORY_MB,
    MIGRATION_MEMORY_MB,
    MIN_MEMORY_MB,
    SchemeTiming,
    estimate,
    lambda_factor,
)

PARALLEL_MIN_ROWS = 100_000


def add_read_flags(parser: argparse.ArgumentParser, timing: Any = None) -> None:
    """``--batch`` and ``--workers`` (how ``scan`` and ``plan`` read the table) and ``--repeats`` (their verify
    timings), added to ``timing`` when given (an argument group), else to ``parser``."""
    parser.add_argument("--batch", type=int_in_range(1, 1_000_000), default=2000,
                        help="rows per server-side cursor fetch (default 2000)")
    (timing or parser).add_argument("--repeats", type=int_in_range(1, 1000), default=3,
                                    help="timed verifications per scheme and cost (median; default 3)")
    parser.add_argument("--workers", type=int_in_range(1, 256), default=0, metavar="N",
                        help=f"processes reading primary-key ranges (default: one per CPU from "
                             f"{PARALLEL_MIN_ROWS:,} rows, else 1)")
HELP = "stream the whole legacy users table and report what would block or weaken the migration"


def register(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Add the ``scan`` sub-command."""
    p = sub.add_parser("scan", help=HELP, description=HELP + ". Exit status 1 when a blocking finding exists "
                       "(see docs/cli.md), 0 otherwise.", parents=parents)
    add_legacy_flags(p)
    p.add_argument("--lambda-memory", type=int_in_range(MIN_MEMORY_MB, MAX_MEMORY_MB), default=MIGRATION_MEMORY_MB,
                   metavar="MB", help="memory size of the migration Lambda, for the verify-time estimate (default "
                                      f"{MIGRATION_MEMORY_MB}, the template's MigrationMemorySize)")
    p.add_argument("--no-aliases", action="store_true",
                   help="the pool has no email/phone aliases: email- or phone-shaped usernames are fine")
    add_read_flags(p)
    p.add_argument("--html", type=Path, metavar="FILE",
                   help="also write a self-contained HTML report (tables of states, schemes, timings, findings)")
    bar = p.add_mutually_exclusive_group()
    bar.add_argument("--progress", dest="progress", action="store_true", default=None,
                     help="always draw the progress bar on stderr")
    bar.add_argument("--no-progress", dest="progress", action="store_false", help="never draw it")
    p.set_defaults(func=run)


def cpu_count() -> int:
    """CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def run(args: argparse.Namespace, environ: Mapping[str, str], stdout: TextIO | None = None,
        stderr: TextIO | None = None) -> int:
    """Run the scan; print the report; return the exit status (0 ready, 1 blocking findings)."""
    out, err = stdout or sys.stdout, stderr or sys.stderr
    settings = settings_from(args, environ)
    legacy = open_legacy(settings)
    ctx = hash_context(settings)
    rules = ScanRules(pool_sign_in=settings.pool_sign_in, aliases=not args.no_aliases,
                      trust_emails=settings.trust_emails)
    started = time.monotonic()
    total = count_rows(legacy)
    bar = Progress(total, label="scan", stream=err, enabled=progress_enabled(args.progress, err))
    workers = args.workers or (cpu_count() if total >= PARALLEL_MIN_ROWS else 1)
    keys = key_range(legacy) if workers > 1 else None
    if keys is not None:
        ranges = split(keys[0], keys[1], workers)
        report = parallel_scan(legacy, rules, ranges, batch=max(1, args.batch), on_rows=bar.update)
    else:
        query = legacy.preset.scan_query(prefix=legacy.prefix, dialect=legacy.db.dialect)
        report = scan_rows(legacy.db.stream(query.sql, query.params, batch=max(1, args.batch)), legacy, ctx, rules,
                           on_row=bar.update)
    bar.update(report.rows, force=True)
    bar.close()
    count_duplicate_emails(legacy, report)
    if rules.pool_sign_in == "username":  # email pools generate the username: legacy names never collide
        count_duplicate_usernames(legacy, report)
    scan_s = time.monotonic() - started
    timings = estimate(ctx, report.cost_groups(), memory_mb=args.lambda_memory, budget_ms=settings.budget_ms,
                       repeats=args.repeats)
    items = findings(report, timings, rules)
    status = exit_status(items)
    context = {"app": settings.app, "table": legacy.table, "dialect": legacy.db.dialect,
               "pool_sign_in": settings.pool_sign_in, "lambda_memory_mb": args.lambda_memory,
               "budget_ms": settings.budget_ms, "seconds": round(scan_s, 3),
               "workers": len(ranges) if keys is not None else 1}
    if args.html:
        html_report.write(args.html, html_page(report, timings, items, context, status))
    if args.json:
        print_json(as_json(report, timings, items, context, status), out)
    else:
        out.write(render(report, timings, items, context, status))
        if args.html:
            out.write(f"Report saved to {args.html}\n")
    return status


def html_page(report: ScanReport, timings: list[SchemeTiming], items: list[Finding], context: dict[str, Any],
              status: int) -> str:
    """The ``--html`` report: the same tables as the text (no hash, password or email is ever included)."""
    t = html_report.table
    states = t(("state", "users"), report.states.most_common(), numeric=frozenset({1}))
    schemes = t(("scheme", "cost", "users", "strength", "needs upgrade"),
                [(g.scheme, g.cost or "-", g.users, g.strength, "yes" if g.needs_upgrade else "")
                 for g in report.cost_groups()], numeric=frozenset({2}))
    verify = t(("scheme", "cost", "users", "local ms", "Lambda ms", "verdict"),
               [(v.scheme, v.cost or "-", v.users, f"{v.local_ms:.1f}", f"{v.lambda_ms:.1f}", v.verdict)
                for v in timings], numeric=frozenset({2, 3, 4}))
    rows = "".join(f'<tr><td class="{html_report.esc(f.severity)}">{html_report.esc(f.severity.upper())}</td>'
                   f'<td class="n">{f.users:,}</td><td>{html_report.esc(f.code)}</td>'
                   f"<td>{html_report.esc(f.message)}</td><td>{html_report.esc(', '.join(f.examples))}</td></tr>"
                   for f in items)
    findings_table = ("<table><tr><th>severity</th><th>users</th><th>code</th><th>finding</th><th>e.g. legacy ids"
                      f"</th></tr>{rows}</table>") if items else "<p>No finding.</p>"
    verdict = "READY: nothing blocks the migration" if status == 0 else "NOT READY: blocking findings"
    return html_report.page(
        f"legacy-auth scan: {context['app']} table {context['table']} ({context['dialect']})",
        [f"<p>{report.rows:,} rows; <strong>{html_report.esc(verdict)}</strong></p>",
         "<h2>Account states</h2>", states, "<h2>Hash schemes and costs</h2>", schemes,
         f"<h2>Verify time at {int(context['lambda_memory_mb']):,} MB (budget {int(context['budget_ms']):,} ms)</h2>",
         verify, "<h2>Findings</h2>", findings_table])


def as_json(report: ScanReport, timings: list[SchemeTiming], items: list[Finding], context: dict[str, Any],
            status: int) -> dict[str, Any]:
    """The machine-readable report (no hash, password or email is ever included)."""
    return {
        **context,
        "rows": report.rows,
        "ready": status == 0,
        "states": dict(report.states),
        "schemes": {name: _scheme_json(report, name, n) for name, n in report.schemes.most_common()},
        "unsupported_hashes": report.unsupported,
        "corrupt_hashes": dict(report.corrupt),
        "duplicate_emails": {"groups": report.duplicate_email_groups, "users": report.duplicate_email_users},
        "duplicate_usernames": {"groups": report.duplicate_username_groups,
                                "users": report.duplicate_username_users},
        "verify_time": [{"scheme": t.scheme, "cost": t.cost, "users": t.users, "local_ms": t.local_ms,
                         "lambda_ms": t.lambda_ms, "verdict": t.verdict} for t in timings],
        "findings": [f.as_dict() for f in items],
    }


def _scheme_json(report: ScanReport, name: str, users: int) -> dict[str, Any]:
    """``users``, the weakest per-hash ``strength``, and per cost group ``costs`` (+ ``cheaper_users``)."""
    groups = sorted(report.groups.get(name, {}).values(), key=lambda g: -g.work)
    data: dict[str, Any] = {"users": users, "strength": report.weakest.get(name),
                            "costs": [{"cost": g.cost, "users": g.users, "strength": g.strength,
                                       "needs_upgrade": g.needs_upgrade} for g in groups]}
    if report.cheaper.get(name):
        data["cheaper_users"] = report.cheaper[name]  # dropped groups, all cheaper than those listed
    return data


def _scheme_lines(report: ScanReport) -> list[str]:
    lines = []
    for name, n in report.schemes.most_common():
        groups = sorted(report.groups.get(name, {}).values(), key=lambda g: -g.work)
        if len(groups) == 1 and not groups[0].cost:
            g = groups[0]
            lines.append(f"  {name:<30}{fmt_int(n):>12}  {g.strength}{', needs upgrade' if g.needs_upgrade else ''}")
            continue
        lines.append(f"  {name:<30}{fmt_int(n):>12}")
        for g in groups:
            tail = ", needs upgrade" if g.needs_upgrade else ""
            lines.append(f"      {g.cost or '-':<26}{fmt_int(g.users):>12}  {g.strength}{tail}")
        if report.cheaper.get(name):
            lines.append(f"      {'(cheaper costs)':<26}{fmt_int(report.cheaper[name]):>12}  not timed")
    return lines


def render(report: ScanReport, timings: list[SchemeTiming], items: list[Finding], context: dict[str, Any],
           status: int) -> str:
    """The human report."""
    lines = [f"legacy-auth scan: {context['app']} table {context['table']} ({context['dialect']}), "
             f"{fmt_int(report.rows)} rows in {context['seconds']:.1f} s", ""]
    lines.append("Account states")
    for state, n in report.states.most_common():
        lines.append(f"  {state:<14}{fmt_int(n):>12}")
    if report.unreadable:
        lines.append(f"  {'unreadable':<14}{fmt_int(report.unreadable):>12}")
    lines += ["", "Hash schemes (rows with a password; strength of each hash at its own cost)"]
    lines += _scheme_lines(report)
    if report.unsupported:
        lines.append(f"  {'(unsupported)':<30}{fmt_int(report.unsupported):>12}")
    for name, n in report.corrupt.most_common():
        lines.append(f"  {'(corrupt ' + name + ')':<30}{fmt_int(n):>12}")
    factor = lambda_factor(context["lambda_memory_mb"])
    lines += ["", f"Verify time per scheme and cost at {context['lambda_memory_mb']} MB (x{factor:.2f} of local; "
              f"budget {context['budget_ms']} ms, Cognito limit {COGNITO_LIMIT_MS} ms)"]
    for t in timings:
        label = f"{t.scheme} {t.cost}" if t.cost else t.scheme
        lines.append(f"  {label:<40}{t.local_ms:>9.1f} ms local{t.lambda_ms:>10.1f} ms Lambda  {t.verdict}")
    lines += ["", "Findings"]
    if not items:
        lines.append("  none")
    for f in items:
        tail = f"  e.g. legacy ids {', '.join(f.examples)}" if f.examples else ""
        lines.append(f"  {f.severity.upper():<9}{fmt_int(f.users):>10}  {f.code}: {f.message}{tail}")
    verdict = "READY: nothing blocks the migration" if status == 0 else "NOT READY: blocking findings above"
    lines += ["", verdict, ""]
    return "\n".join(lines)

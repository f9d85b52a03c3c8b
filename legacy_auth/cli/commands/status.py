"""``legacy-auth status``: migrated vs remaining users (from the tracking table), over time, with a chart.

"Migrated" counts tracking rows with status ``migrated`` (signed in with the legacy password) or
``reset_completed`` (finished a forgot-password migration): *migrated lazily*; and users *imported* with their
password hash by ``legacy-auth export --start`` (status ``imported``, source ``UserImport_Hash_*``). "Resets
pending" counts ``reset_pending`` rows (a reset code was sent, the user has not set a new password yet) and users
imported without a hash (``RESET_REQUIRED``, source ``UserImport_ResetRequired``); "imports pending" the users of
import jobs whose outcome is not recorded yet (``UserImport_Pending``: the next ``export --start`` follows them).
Both are part of "remaining" (not migrated yet). The day of a migration is ``completed_at`` for
completed resets and ``first_at`` otherwise. "Remaining" counts the legacy users not migrated yet who *can*
migrate (account state ``active``, as the trigger reads it); those who cannot (SSO-only, blocked, unconfirmed,
unreadable rows...) are counted apart by state, so the remaining line can reach zero. The legacy table is
streamed once for this; the migrated ids are the only thing held in memory.

The chart groups days by week, month or year past :data:`~legacy_auth.cli.chart.MAX_BUCKETS` bars, and shows
per bucket the users migrated, the cumulative total and the users remaining (terminal and ``--png`` alike).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TextIO

from legacy_auth.cli import html_report
from legacy_auth.cli.chart import Series, aggregate, series_lines, write_png
from legacy_auth.cli.environment import Legacy, add_legacy_flags, int_in_range, open_legacy, settings_from
from legacy_auth.cli.errors import CliError
from legacy_auth.cli.output import fmt_int, print_json
from legacy_auth.cli.scan_queries import count_rows
from legacy_auth.errors import CorruptRowError, StoreError
from legacy_auth.migration.tracking import IMPORT_RESET_REQUIRED, IMPORT_WITH_HASH_PREFIX, MigrationTracker
from legacy_auth.model import AccountState
from legacy_auth.presets.sql import quote

HELP = "migrated vs remaining users, by day, from the migration tracking table"
DONE = ("migrated", "reset_completed")
#: the WHERE clause of a done migration: signed in, reset completed, or imported with the password hash
_DONE_SQL = "(status IN (%s, %s) OR (status = %s AND trigger_source LIKE %s))"
_DONE_PARAMS = (*DONE, "imported", IMPORT_WITH_HASH_PREFIX + "%")
_DAY = {
    "mysql": "DATE(COALESCE(completed_at, first_at))",
    "postgresql": "CAST(COALESCE(completed_at, first_at) AS DATE)",
    "sqlite": "date(COALESCE(completed_at, first_at))",
}


def register(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Add the ``status`` sub-command."""
    p = sub.add_parser("status", help=HELP, description=HELP + " (LEGACY_TRACK_MIGRATION).", parents=parents)
    add_legacy_flags(p)
    p.add_argument("--days", type=int_in_range(0), default=30,
                   help="days shown in the chart (default 30; 0 = all); long spans are grouped by week or month")
    p.add_argument("--png", type=Path, metavar="FILE",
                   help="also save the chart as a PNG (needs the optional extra: pip install '.[chart]')")
    p.add_argument("--html", type=Path, metavar="FILE",
                   help="also write a self-contained HTML report (inline SVG chart and tables)")
    p.set_defaults(func=run)


def by_day(legacy: Legacy, table: str) -> list[tuple[str, int]]:
    """Users migrated per day, oldest first (days without migrations are absent)."""
    dialect = legacy.db.dialect
    sql = (f"SELECT {_DAY[dialect]} AS day, COUNT(*) AS n FROM {quote(table, dialect)} "  # noqa: S608 - validated
           f"WHERE {_DONE_SQL} GROUP BY 1 ORDER BY 1")
    rows = legacy.db.fetch_all(sql, _DONE_PARAMS, deadline=None)
    return [(str(r["day"])[:10], int(r["n"])) for r in rows if r["day"] is not None]


def fill_days(rows: list[tuple[str, int]], days: int, today: date | None = None) -> list[tuple[str, int]]:
    """The last ``days`` days up to ``today`` (or the last migration day), zero-filled; all days when 0."""
    if not rows:
        return []
    counts = dict(rows)
    first = date.fromisoformat(rows[0][0])
    last = max(date.fromisoformat(rows[-1][0]), today or date.fromisoformat(rows[-1][0]))
    start = first if days <= 0 else max(first, last - timedelta(days=days - 1))
    out = []
    day = start
    while day <= last:
        key = day.isoformat()
        out.append((key, counts.get(key, 0)))
        day += timedelta(days=1)
    return out


def done_ids(legacy: Legacy, table: str) -> set[str]:
    """The legacy ids whose migration is done (``migrated`` / ``reset_completed`` / imported with the hash)."""
    dialect = legacy.db.dialect
    sql = f"SELECT legacy_id FROM {quote(table, dialect)} WHERE {_DONE_SQL}"  # noqa: S608 - validated
    return {str(r["legacy_id"]) for r in legacy.db.stream(sql, _DONE_PARAMS, batch=5000)}


def by_source(legacy: Legacy, table: str) -> dict[str, int]:
    """Tracking rows per route: ``migrated_lazily``, ``imported`` (with the hash), ``reset_pending`` (forgot-password
    flow and imports without a hash), ``import_pending`` (job outcome not recorded yet)."""
    dialect = legacy.db.dialect
    sql = (f"SELECT status, trigger_source, COUNT(*) AS n FROM {quote(table, dialect)} "  # noqa: S608 - validated
           "GROUP BY status, trigger_source")
    out = dict.fromkeys(("migrated_lazily", "imported", "reset_pending", "import_pending"), 0)
    for r in legacy.db.fetch_all(sql, (), deadline=None):
        status, source, n = str(r["status"]), str(r["trigger_source"]), int(r["n"])
        if status in DONE:
            out["migrated_lazily"] += n
        elif status == "reset_pending" or (status == "imported" and source == IMPORT_RESET_REQUIRED):
            out["reset_pending"] += n
        elif status == "imported" and source.startswith(IMPORT_WITH_HASH_PREFIX):
            out["imported"] += n
        elif status == "imported":
            out["import_pending"] += n
    return out


def population(legacy: Legacy, done: set[str]) -> tuple[int, dict[str, int]]:
    """Users not migrated yet who can migrate (active), and those who cannot, by account state."""
    query = legacy.preset.scan_query(prefix=legacy.prefix, dialect=legacy.db.dialect)
    remaining, never = 0, Counter[str]()
    for row in legacy.db.stream(query.sql, query.params, batch=2000):
        try:
            user = legacy.preset.to_user(row)
        except CorruptRowError:
            never["unreadable"] += 1
            continue
        if user.legacy_id in done:
            continue
        if user.state is AccountState.ACTIVE:
            remaining += 1
        else:
            never[user.state.value] += 1
    return remaining, dict(sorted(never.items()))


def run(args: argparse.Namespace, environ: Mapping[str, str], stdout: TextIO | None = None,
        stderr: TextIO | None = None) -> int:
    """Print the progress; 0 always (a missing tracking table is an error, exit 3)."""
    out = stdout or sys.stdout
    settings = settings_from(args, environ)
    legacy = open_legacy(settings)
    tracker = MigrationTracker(legacy.db, app=settings.app, table=settings.tracking_table)
    try:
        counts = tracker.counts()
        routes = by_source(legacy, settings.tracking_table)
        days = by_day(legacy, settings.tracking_table)
        done = done_ids(legacy, settings.tracking_table)
    except StoreError as exc:
        if getattr(exc, "reason", None) != "db_statement":
            raise
        raise CliError(f"tracking table {settings.tracking_table!r} cannot be read: create it from "
                       "legacy_auth/sql/migration_tracking.<dialect>.sql and set LEGACY_TRACK_MIGRATION=true") from None
    total = count_rows(legacy)
    migrated = routes["migrated_lazily"] + routes["imported"]
    remaining, never = population(legacy, done)
    migratable = migrated + remaining
    shown = fill_days(days, args.days, date.today())
    before = sum(n for day, n in days if shown and day < shown[0][0])
    series = aggregate(shown, before=before, migratable=migratable)
    data = {
        "app": settings.app, "table": legacy.table, "tracking_table": settings.tracking_table,
        "legacy_users": total, "migrated": migrated, "remaining": remaining, "migratable": migratable,
        "cannot_migrate": never, "percent": round(100 * migrated / migratable, 2) if migratable else 0.0,
        "by_status": counts, "migrated_lazily": routes["migrated_lazily"], "imported": routes["imported"],
        "reset_pending": routes["reset_pending"], "import_pending": routes["import_pending"],
        "by_day": [{"day": d, "migrated": n} for d, n in shown],
        "chart": {"unit": series.unit, "buckets": [{"label": b.label, "migrated": b.migrated, "total": b.cumulative,
                                                    "remaining": b.remaining} for b in series.buckets]},
    }
    if args.png:
        write_png(series, args.png, title=title(data))
        data["png"] = str(args.png)
    if args.html:
        html_report.write(args.html, html_page(data, series))
        data["html"] = str(args.html)
    if args.json:
        print_json(data, out)
    else:
        out.write(render(data, series))
    return 0


def html_page(data: dict[str, Any], series: Series) -> str:
    """The ``--html`` report: totals, the chart (inline SVG) and its buckets as a table."""
    summary = html_report.table(("", "users"), [
        ("migrated", data["migrated"]), ("  migrated lazily", data["migrated_lazily"]),
        ("  imported with hash", data["imported"]), ("remaining (active, not migrated)", data["remaining"]),
        ("resets pending", data["reset_pending"]), ("imports pending", data["import_pending"]),
        *((f"cannot migrate: {k}", v) for k, v in data["cannot_migrate"].items()),
        ("legacy rows", data["legacy_users"])], numeric=frozenset({1}))
    buckets = html_report.table((series.unit, "migrated", "total", "remaining"),
                                [(b.label, b.migrated, b.cumulative, b.remaining) for b in series.buckets],
                                numeric=frozenset({1, 2, 3}))
    return html_report.page(f"legacy-auth status: {data['app']} table {data['table']}",
                            [f"<h2>{html_report.esc(title(data))}</h2>", summary,
                             html_report.svg_chart(series, title(data)), buckets])


def title(data: dict[str, Any]) -> str:
    """The chart's title: the totals."""
    never = sum(data["cannot_migrate"].values())
    return (f"{data['app']}: {fmt_int(data['migrated'])} of {fmt_int(data['migratable'])} users migrated "
            f"({data['percent']:.1f}%), {fmt_int(data['remaining'])} remaining"
            + (f"; {fmt_int(never)} cannot migrate" if never else ""))


def render(data: dict[str, Any], series: Series) -> str:
    """The human summary and the terminal chart."""
    lines = [
        f"legacy-auth status: {data['app']} table {data['table']}, tracking {data['tracking_table']}",
        f"  migrated   {fmt_int(data['migrated']):>12}  ({data['percent']:.1f}% of the users who can migrate)",
        f"    lazily   {fmt_int(data['migrated_lazily']):>12}  (signed in through the trigger, or reset completed)",
        f"    imported {fmt_int(data['imported']):>12}  (bulk import with the password hash)",
        f"  remaining  {fmt_int(data['remaining']):>12}  (active, not migrated yet)",
        f"  resets pending {fmt_int(data['reset_pending']):>8}",
    ]
    if data["import_pending"]:
        lines.append(f"  imports pending {fmt_int(data['import_pending']):>7}  (job outcome not recorded: the next "
                     "export --start follows it)")
    for state, n in data["cannot_migrate"].items():
        lines.append(f"  cannot migrate: {state:<12}{fmt_int(n):>8}  (refused by the trigger; not in remaining)")
    lines += [f"  legacy rows {fmt_int(data['legacy_users']):>11}", ""]
    if series.buckets:
        lines.append(f"Users migrated per {series.unit}: {title(data)}")
        lines += ["  " + line for line in series_lines(series)]
    else:
        lines.append("No migrations recorded yet.")
    if data.get("png"):
        lines.append(f"\nChart saved to {data['png']}")
    if data.get("html"):
        lines.append(f"Report saved to {data['html']}")
    return "\n".join(lines) + "\n"

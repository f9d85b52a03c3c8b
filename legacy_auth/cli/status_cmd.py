"""``legacy-auth status``: migrated vs remaining users (from the tracking table), by day, with a chart.

"Migrated" counts tracking rows with status ``migrated`` (signed in with the legacy password) or
``reset_completed`` (finished a forgot-password migration); ``reset_pending`` rows are shown apart (a reset
code was sent, the user has not set a new password yet). The day of a migration is ``completed_at`` for
completed resets and ``first_at`` otherwise. "Remaining" is the legacy table's row count minus migrated.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TextIO

from legacy_auth.cli.chart import bar_lines, write_png
from legacy_auth.cli.environment import Legacy, add_legacy_flags, int_in_range, open_legacy, settings_from
from legacy_auth.cli.errors import CliError
from legacy_auth.cli.output import fmt_int, print_json
from legacy_auth.cli.scan_queries import count_rows
from legacy_auth.errors import StoreError
from legacy_auth.presets.sql import quote
from legacy_auth.tracking import MigrationTracker

HELP = "migrated vs remaining users, by day, from the migration tracking table"
DONE = ("migrated", "reset_completed")
_DAY = {
    "mysql": "DATE(COALESCE(completed_at, first_at))",
    "postgresql": "CAST(COALESCE(completed_at, first_at) AS DATE)",
    "sqlite": "date(COALESCE(completed_at, first_at))",
}


def register(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Add the ``status`` sub-command."""
    p = sub.add_parser("status", help=HELP, description=HELP + " (LEGACY_TRACK_MIGRATION).", parents=parents)
    add_legacy_flags(p)
    p.add_argument("--days", type=int_in_range(0), default=30, help="days shown in the chart (default 30; 0 = all)")
    p.add_argument("--png", type=Path, metavar="FILE",
                   help="also save the chart as a PNG (needs the optional extra: pip install '.[chart]')")
    p.set_defaults(func=run)


def by_day(legacy: Legacy, table: str) -> list[tuple[str, int]]:
    """Users migrated per day, oldest first (days without migrations are absent)."""
    dialect = legacy.db.dialect
    sql = (f"SELECT {_DAY[dialect]} AS day, COUNT(*) AS n FROM {quote(table, dialect)} "  # noqa: S608 - validated
           "WHERE status IN (%s, %s) GROUP BY 1 ORDER BY 1")
    rows = legacy.db.fetch_all(sql, DONE, deadline=None)
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


def run(args: argparse.Namespace, environ: Mapping[str, str], stdout: TextIO | None = None,
        stderr: TextIO | None = None) -> int:
    """Print the progress; 0 always (a missing tracking table is an error, exit 3)."""
    out = stdout or sys.stdout
    settings = settings_from(args, environ)
    legacy = open_legacy(settings)
    tracker = MigrationTracker(legacy.db, app=settings.app, table=settings.tracking_table)
    try:
        counts = tracker.counts()
        days = by_day(legacy, settings.tracking_table)
    except StoreError as exc:
        if getattr(exc, "reason", None) != "db_statement":
            raise
        raise CliError(f"tracking table {settings.tracking_table!r} cannot be read: create it from "
                       "legacy_auth/sql/migration_tracking.<dialect>.sql and set LEGACY_TRACK_MIGRATION=true") from None
    total = count_rows(legacy)
    migrated = sum(counts.get(s, 0) for s in DONE)
    shown = fill_days(days, args.days, date.today())
    data = {
        "app": settings.app, "table": legacy.table, "tracking_table": settings.tracking_table,
        "legacy_users": total, "migrated": migrated, "remaining": max(0, total - migrated),
        "percent": round(100 * migrated / total, 2) if total else 0.0,
        "by_status": counts, "reset_pending": counts.get("reset_pending", 0),
        "by_day": [{"day": d, "migrated": n} for d, n in shown],
    }
    if args.png:
        write_png(shown, args.png, title=f"{settings.app}: users migrated per day")
        data["png"] = str(args.png)
    if args.json:
        print_json(data, out)
    else:
        out.write(render(data, shown))
    return 0


def render(data: dict[str, Any], shown: list[tuple[str, int]]) -> str:
    """The human summary and the terminal bar chart."""
    lines = [
        f"legacy-auth status: {data['app']} table {data['table']}, tracking {data['tracking_table']}",
        f"  migrated   {fmt_int(data['migrated']):>12}  ({data['percent']:.1f}%)",
        f"  remaining  {fmt_int(data['remaining']):>12}",
        f"  resets pending {fmt_int(data['reset_pending']):>8}",
        f"  legacy rows {fmt_int(data['legacy_users']):>11}",
        "",
    ]
    if shown:
        lines.append("Migrated per day")
        lines += ["  " + line for line in bar_lines(shown)]
    else:
        lines.append("No migrations recorded yet.")
    if data.get("png"):
        lines.append(f"\nChart saved to {data['png']}")
    return "\n".join(lines) + "\n"

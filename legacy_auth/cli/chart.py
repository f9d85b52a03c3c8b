"""Charts for ``legacy-auth status`` (a terminal chart and a PNG of one series) and ``legacy-auth plan`` (a PNG of
the users per route); the PNGs need matplotlib, the optional ``chart`` extra.

Readable at any history length: days are grouped by week, then by month, so that at most
:data:`MAX_BUCKETS` bars are drawn (400 days of history are 58 weekly bars, not 400 daily ones). Each bucket
carries the users migrated in it, the cumulative total at its end and the users remaining then; the terminal
and the PNG draw the same buckets, and the PNG's title carries the totals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from legacy_auth.cli.errors import UsageError

BAR = "#"
#: The most bars a chart draws; longer histories are grouped by week, then by month.
MAX_BUCKETS = 60
#: The PNG's size in inches (at 100 dpi: 1,100 x 550 pixels), whatever the history length.
PNG_SIZE = (11.0, 5.5)
_MAX_TICKS = 15


@dataclass(frozen=True, slots=True)
class Bucket:
    """One bar: ``label`` (a day, a week's Monday ``2026-W45 (11-02)`` or a month ``2026-11``) and its counts."""

    label: str
    migrated: int
    cumulative: int
    remaining: int


@dataclass(frozen=True, slots=True)
class Series:
    """The buckets of a chart and their unit (``day``, ``week`` or ``month``)."""

    unit: str
    buckets: tuple[Bucket, ...]


UNITS = ("day", "week", "month", "year")


def _key(day: date, unit: str) -> str:
    if unit == "day":
        return day.isoformat()
    if unit == "week":
        monday = day - timedelta(days=day.weekday())
        year, week, _ = monday.isocalendar()
        return f"{year}-W{week:02d} ({monday.month:02d}-{monday.day:02d})"
    return f"{day.year}-{day.month:02d}" if unit == "month" else str(day.year)


def _group(days: Sequence[tuple[str, int]], unit: str) -> dict[str, int]:
    grouped: dict[str, int] = {}
    for day, n in days:
        key = _key(date.fromisoformat(day), unit)
        grouped[key] = grouped.get(key, 0) + n
    return grouped


def aggregate(days: Sequence[tuple[str, int]], *, before: int, migratable: int,
              max_buckets: int = MAX_BUCKETS) -> Series:
    """Group zero-filled ``(ISO day, migrated)`` rows by the finest unit (day, week, month, year) that gives at
    most ``max_buckets`` buckets.

    Parameters
    ----------
    days : Sequence[tuple[str, int]]
        Consecutive days, oldest first (:func:`legacy_auth.cli.commands.status.fill_days`).
    before : int
        Users migrated before the first day shown (the cumulative line starts there).
    migratable : int
        Users who can migrate at all (migrated + remaining); ``remaining`` is this minus the cumulative total.
    max_buckets : int
        The most buckets wanted.
    """
    unit, grouped = "day", _group(days, "day")
    for unit in UNITS:
        grouped = _group(days, unit)
        if len(grouped) <= max_buckets:
            break
    total = before
    out = []
    for label, n in grouped.items():
        total += n
        out.append(Bucket(label, n, total, max(0, migratable - total)))
    return Series(unit, tuple(out))


def bar_lines(rows: Sequence[tuple[str, int]], width: int = 40) -> list[str]:
    """One line per ``(label, value)``: label, a bar scaled to the largest value, the value.

    A non-zero value always gets at least one mark, so a small day is never invisible.
    """
    if not rows:
        return []
    peak = max(v for _, v in rows) or 1
    label_w = max(len(label) for label, _ in rows)
    value_w = max(len(f"{v:,}") for _, v in rows)
    out = []
    for label, value in rows:
        n = round(value / peak * width)
        n = max(n, 1) if value else 0
        out.append(f"{label:<{label_w}} {BAR * n:<{width}} {value:>{value_w},}")
    return out


def series_lines(series: Series, width: int = 40) -> list[str]:
    """The terminal chart: a header, then per bucket its bar, count, cumulative total and users remaining."""
    buckets = series.buckets
    if not buckets:
        return []
    bars = bar_lines([(b.label, b.migrated) for b in buckets], width)
    cum_w = max(len("total"), *(len(f"{b.cumulative:,}") for b in buckets))
    rem_w = max(len("remaining"), *(len(f"{b.remaining:,}") for b in buckets))
    head = " " * (len(bars[0]) - len("migrated")) + "migrated"
    lines = [f"{head}  {'total':>{cum_w}}  {'remaining':>{rem_w}}"]
    lines += [f"{bar}  {b.cumulative:>{cum_w},}  {b.remaining:>{rem_w},}" for bar, b in zip(bars, buckets, strict=True)]
    return lines


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the display-less Agg backend (the optional ``chart`` extra).

    Raises
    ------
    UsageError
        matplotlib is not installed: one line naming the extra.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display needed
        import matplotlib.pyplot as plt
    except ImportError:
        raise UsageError("--png needs matplotlib: pip install 'cognito-legacy-auth[chart]'") from None
    return plt


def write_png(series: Series, path: Path, *, title: str) -> None:
    """Save ``series`` to ``path``: bars of users migrated per bucket, lines of the cumulative total and of
    the users remaining (right axis), at a fixed size whatever the history length.

    Raises
    ------
    UsageError
        matplotlib is not installed (it is the optional ``chart`` extra), or ``path`` cannot be written
        (missing directory, no permission).
    """
    plt = pyplot()
    buckets = series.buckets
    xs = list(range(len(buckets)))
    fig, ax = plt.subplots(figsize=PNG_SIZE, dpi=100)
    try:
        ax.bar(xs, [b.migrated for b in buckets], color="#2f6db5", label=f"migrated per {series.unit}")
        ax.set_ylabel(f"users migrated per {series.unit}")
        step = max(1, -(-len(buckets) // _MAX_TICKS))
        ax.set_xticks(xs[::step], [b.label for b in buckets][::step], rotation=45, ha="right", fontsize=8)
        lines = ax.twinx()
        lines.plot(xs, [b.cumulative for b in buckets], color="#2a9d3c", linewidth=2, label="migrated (total)")
        lines.plot(xs, [b.remaining for b in buckets], color="#d1495b", linewidth=2, label="remaining")
        lines.set_ylabel("users")
        lines.set_ylim(bottom=0)
        handles = ax.get_legend_handles_labels()[0] + lines.get_legend_handles_labels()[0]
        ax.legend(handles, [str(h.get_label()) for h in handles], loc="upper left", fontsize=8)
        ax.set_title(title, fontsize=10)
        fig.tight_layout()
        fig.savefig(path, format="png")
    except OSError as exc:
        raise UsageError(f"--png {path}: cannot write it ({exc.strerror or type(exc).__name__})") from None
    finally:
        plt.close(fig)


def write_bars_png(rows: Sequence[tuple[str, int]], path: Path, *, title: str, ylabel: str) -> None:
    """Save one bar per ``(label, value)`` to ``path`` (``legacy-auth plan --png``: users per route), each bar
    labelled with its value, at :data:`PNG_SIZE`.

    Raises
    ------
    UsageError
        matplotlib is not installed (the optional ``chart`` extra), or ``path`` cannot be written.
    """
    plt = pyplot()
    fig, ax = plt.subplots(figsize=PNG_SIZE, dpi=100)
    try:
        xs = list(range(len(rows)))
        bars = ax.bar(xs, [v for _, v in rows], color="#2f6db5")
        ax.bar_label(bars, labels=[f"{v:,}" for _, v in rows], fontsize=9)
        ax.set_xticks(xs, [label for label, _ in rows], fontsize=9)
        ax.set_ylabel(ylabel)
        ax.set_ylim(bottom=0)
        ax.set_title(title, fontsize=10)
        fig.tight_layout()
        fig.savefig(path, format="png")
    except OSError as exc:
        raise UsageError(f"--png {path}: cannot write it ({exc.strerror or type(exc).__name__})") from None
    finally:
        plt.close(fig)

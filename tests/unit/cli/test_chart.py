"""The status chart stays readable at any history length and carries the cumulative and remaining lines."""

from __future__ import annotations

import struct
from datetime import date, timedelta
from pathlib import Path

from legacy_auth.cli.chart import MAX_BUCKETS, PNG_SIZE, aggregate, series_lines, write_png


def _days(n: int, per_day: int = 1, start: date = date(2025, 1, 1)) -> list[tuple[str, int]]:
    return [((start + timedelta(days=i)).isoformat(), per_day) for i in range(n)]


def test_a_month_of_days_stays_daily_with_cumulative_and_remaining() -> None:
    series = aggregate(_days(30, 2), before=10, migratable=100)
    assert series.unit == "day"
    assert len(series.buckets) == 30
    first, last = series.buckets[0], series.buckets[-1]
    assert (first.label, first.migrated, first.cumulative, first.remaining) == ("2025-01-01", 2, 12, 88)
    assert (last.cumulative, last.remaining) == (70, 30)


def test_400_days_are_grouped_by_week_within_the_bar_limit() -> None:
    series = aggregate(_days(400), before=0, migratable=1_000)
    assert series.unit == "week"
    assert len(series.buckets) <= MAX_BUCKETS
    assert sum(b.migrated for b in series.buckets) == 400
    assert series.buckets[-1].cumulative == 400
    assert series.buckets[-1].remaining == 600
    assert series.buckets[0].label == "2025-W01 (12-30)"  # the Monday of 2025-01-01's ISO week


def test_ten_years_are_grouped_by_month_then_year() -> None:
    assert aggregate(_days(1_500), before=0, migratable=0).unit == "month"
    decade = aggregate(_days(3_700), before=0, migratable=0)
    assert decade.unit == "year"
    assert [b.label for b in decade.buckets][:2] == ["2025", "2026"]


def test_remaining_never_goes_below_zero() -> None:
    series = aggregate(_days(3, 5), before=0, migratable=7)
    assert [b.remaining for b in series.buckets] == [2, 0, 0]


def test_terminal_chart_has_a_header_and_the_three_figures_per_bar() -> None:
    lines = series_lines(aggregate(_days(2, 3), before=1, migratable=10), width=6)
    assert lines[0].split() == ["migrated", "total", "remaining"]
    assert lines[1].split() == ["2025-01-01", "######", "3", "4", "6"]
    assert lines[2].split() == ["2025-01-02", "######", "3", "7", "3"]


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    return int(width), int(height)


def test_png_width_does_not_grow_with_the_history(tmp_path: Path) -> None:
    short, long = tmp_path / "short.png", tmp_path / "long.png"
    write_png(aggregate(_days(10), before=0, migratable=50), short, title="short")
    write_png(aggregate(_days(400), before=0, migratable=500), long, title="long")
    expected = (round(PNG_SIZE[0] * 100), round(PNG_SIZE[1] * 100))
    assert _png_size(short) == expected
    assert _png_size(long) == expected

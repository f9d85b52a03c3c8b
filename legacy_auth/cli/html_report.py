"""``--html FILE`` of ``scan`` and ``status``: one self-contained HTML file (no script, no external resource).

Every value is escaped (:func:`html.escape`): labels and codes come from the database (legacy ids, states,
scheme names) and must not become markup. The status chart is an inline SVG of the same buckets as the
terminal chart and the PNG (bars per bucket, cumulative and remaining lines), so it needs no matplotlib.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from pathlib import Path

from legacy_auth.cli.chart import Series
from legacy_auth.cli.errors import UsageError

_STYLE = ("body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}"
          "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}td.n{text-align:right}"
          ".blocking{color:#b00020;font-weight:bold}.warning{color:#9a6700}")
_W, _H, _PAD = 1000, 360, 50


def esc(value: object) -> str:
    """``value`` as HTML text (quotes escaped too)."""
    return html.escape(str(value), quote=True)


def table(headers: Sequence[str], rows: Iterable[Sequence[object]], numeric: frozenset[int] = frozenset()) -> str:
    """An HTML table; columns whose index is in ``numeric`` are right-aligned (integers with separators)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            text = f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else value
            cells.append(f'<td class="n">{esc(text)}</td>' if i in numeric else f"<td>{esc(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def svg_chart(series: Series, title: str) -> str:
    """The status chart as inline SVG: bars (left scale) and the cumulative and remaining lines (right scale)."""
    buckets = series.buckets
    if not buckets:
        return "<p>No migrations recorded yet.</p>"
    n = len(buckets)
    step = (_W - 2 * _PAD) / n
    bar_peak = max(b.migrated for b in buckets) or 1
    line_peak = max(max(b.cumulative, b.remaining) for b in buckets) or 1
    plot_h = _H - 2 * _PAD

    def y(value: int, peak: int) -> float:
        return _H - _PAD - value / peak * plot_h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" role="img" '
             f'aria-label="{esc(title)}"><title>{esc(title)}</title>']
    for i, b in enumerate(buckets):
        top = y(b.migrated, bar_peak)
        parts.append(f'<rect x="{_PAD + i * step + step * 0.1:.1f}" y="{top:.1f}" width="{step * 0.8:.1f}" '
                     f'height="{_H - _PAD - top:.1f}" fill="#2f6db5"><title>{esc(b.label)}: {b.migrated:,} migrated, '
                     f'{b.cumulative:,} total, {b.remaining:,} remaining</title></rect>')
    for attr, color in (("cumulative", "#2a9d3c"), ("remaining", "#d1495b")):
        points = " ".join(f"{_PAD + (i + 0.5) * step:.1f},{y(getattr(b, attr), line_peak):.1f}"
                          for i, b in enumerate(buckets))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2"/>')
    every = max(1, -(-n // 12))
    for i in range(0, n, every):
        parts.append(f'<text x="{_PAD + (i + 0.5) * step:.1f}" y="{_H - _PAD + 16}" font-size="10" '
                     f'text-anchor="middle">{esc(buckets[i].label)}</text>')
    parts.append(f'<text x="{_PAD}" y="20" font-size="12">bars: migrated per {esc(series.unit)} (peak '
                 f'{bar_peak:,}); green: migrated in total; red: remaining (peak {line_peak:,})</text></svg>')
    return "".join(parts)


def page(title: str, sections: Iterable[str]) -> str:
    """A whole HTML document."""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>'
            f"<style>{_STYLE}</style></head><body><h1>{esc(title)}</h1>{''.join(sections)}</body></html>\n")


def write(path: Path, document: str) -> None:
    """Write ``document``; ``UsageError`` (exit 2) when ``path`` cannot be written."""
    try:
        path.write_text(document, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--html {path}: cannot write it ({exc.strerror or type(exc).__name__})") from None

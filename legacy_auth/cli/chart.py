"""Charts for ``legacy-auth status``: a terminal bar chart, and a PNG through matplotlib (optional extra)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from legacy_auth.cli.errors import UsageError

BAR = "#"


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


def write_png(rows: Sequence[tuple[str, int]], path: Path, *, title: str) -> None:
    """Save a bar chart of ``rows`` (day, migrated users) to ``path``.

    Raises
    ------
    UsageError
        matplotlib is not installed (it is the optional ``chart`` extra), or ``path`` cannot be written
        (missing directory, no permission).
    """
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display needed
        import matplotlib.pyplot as plt
    except ImportError:
        raise UsageError("--png needs matplotlib: pip install 'cognito-legacy-auth[chart]'") from None
    labels = [label for label, _ in rows]
    values = [value for _, value in rows]
    fig, ax = plt.subplots(figsize=(max(6.0, 0.35 * len(rows) + 2), 4.0))
    try:
        ax.bar(labels, values, color="#2f6db5")
        ax.set_title(title)
        ax.set_ylabel("users migrated")
        ax.tick_params(axis="x", labelrotation=60, labelsize=8)
        fig.tight_layout()
        fig.savefig(path, format="png")
    except OSError as exc:
        raise UsageError(f"--png {path}: cannot write it ({exc.strerror or type(exc).__name__})") from None
    finally:
        plt.close(fig)

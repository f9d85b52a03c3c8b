"""Small helpers shared by the ``bench_*.py`` scripts (import as ``from benchutil import ...``)."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / ".bench"


def sample_ns(fn: Callable[[], object], n: int, warmup: int = 3) -> list[int]:
    """Call ``fn`` ``n`` times after ``warmup`` calls; return per-call durations in ns."""
    for _ in range(warmup):
        fn()
    out = []
    pc = time.perf_counter_ns
    for _ in range(n):
        t0 = pc()
        fn()
        out.append(pc() - t0)
    return out


def interleaved(
    fns: dict[str, Callable[[], object]], rounds: int, warmup: int = 2, clock: Callable[[], int] = time.perf_counter_ns
) -> dict[str, list[int]]:
    """Time several functions in alternation (ABAB...) so machine noise hits them equally.

    ``clock=time.thread_time_ns`` measures CPU time instead of wall time (robust when the shared machine is
    busy and the process is preempted).
    """
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    out: dict[str, list[int]] = {k: [] for k in fns}
    pc = clock
    for _ in range(rounds):
        for name, fn in fns.items():
            t0 = pc()
            fn()
            out[name].append(pc() - t0)
    return out


def pct(samples: Sequence[int], q: float) -> float:
    s = sorted(samples)
    return float(s[min(len(s) - 1, int(q * len(s)))])


def median(samples: Sequence[int]) -> float:
    return float(statistics.median(samples))


def cold_import_ms(code: str, runs: int = 7) -> float:
    """Median wall time of a fresh interpreter running ``code`` (``-S``-less, same venv), in ms."""
    times = []
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="0")
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=ROOT)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print an aligned text table."""
    cells = [[str(h) for h in headers]] + [[_fmt(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    print(f"\n{title}")
    for i, r in enumerate(cells):
        print("  " + "  ".join(c.rjust(w) if j else c.ljust(w) for j, (c, w) in enumerate(zip(r, widths, strict=True))))
        if i == 0:
            print("  " + "  ".join("-" * w for w in widths))


def _fmt(c: Any) -> str:
    if isinstance(c, float):
        return f"{c:.3f}" if abs(c) < 10 else f"{c:.1f}"
    return str(c)


def save(area: str, data: dict[str, Any]) -> Path:
    OUT.mkdir(exist_ok=True)
    path = OUT / f"{area}.json"
    path.write_text(json.dumps(data, indent=2, default=str))
    return path

"""Run benchmarks: ``python tests/bench/run.py [area ...]`` (areas = ``bench_<area>.py`` files here).

Each area runs in its own process (import isolation, honest cold-start figures) and prints its own
table of figures as ratios against a baseline measured in the same run. JSON results land in ``.bench/``.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent


def main(argv: list[str]) -> int:
    available = {p.stem.removeprefix("bench_"): p for p in sorted(HERE.glob("bench_*.py"))}
    wanted = argv or list(available)
    unknown = [a for a in wanted if a not in available]
    if unknown:
        print(f"unknown benchmark area(s): {', '.join(unknown)}; available: {', '.join(available)}")
        return 2
    failed = []
    for area in wanted:
        print(f"\n=== bench: {area} ===", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.call([sys.executable, str(available[area])])
        print(f"=== {area}: {'ok' if rc == 0 else f'FAILED (exit {rc})'} in {time.perf_counter() - t0:.1f}s ===")
        if rc:
            failed.append(area)
    if failed:
        print(f"\nbenchmark targets missed or errors in: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

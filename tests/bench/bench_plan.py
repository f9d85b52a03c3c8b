"""Benchmark ``legacy-auth plan``: 1,000,000 generated q2a users in MariaDB in < 60 s with flat memory.

Run: ``make bench-plan`` (or ``python tests/bench/bench_plan.py [--rows N]``). The data and the baseline are
``scan``'s (:mod:`bench_scan`: the real ``qa_users`` table filled server-side with bcrypt ``$2y$10$``, q2a SHA-1
pairs, blocked, SSO-only and corrupt rows; the baseline streams the same query with a raw pymysql
``SSDictCursor``), in the same run:

1. two per-run databases, N and N/10 rows;
2. the baseline on the N-row database, in a child process;
3. the console script's entry point (``legacy_auth.cli.main:main``: ``plan --json --no-progress --workers 2
   --repeats 1``) on both databases, in a child process, plus the N-row plan with ``--workers 1`` (one stream).

Each child reports its wall time and peak RSS (the plan also the largest range worker's). The benchmark fails
(exit 1) if the N-row plan takes 60 s or more, or if the peak RSS of the main process or of a worker grows by more
than 25 % (and 20 MB) from the N/10-row plan. It also checks that every row was put on exactly one route.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

import bench_scan  # noqa: E402
from benchutil import save, table  # noqa: E402

TARGET_S = 60.0
WORKERS = 2


def run_child(kind: str, database: str, workers: int = WORKERS) -> dict[str, Any]:
    """The baseline (``bench_scan``'s raw stream) or the real CLI's ``plan`` in a fresh process."""
    if kind == "baseline":
        cmd = [sys.executable, bench_scan.__file__, "--child-baseline", database]
    else:
        cmd = [sys.executable, "-c", bench_scan._CLI_CHILD, "plan", "--json", "--no-progress", "--repeats", "1",
               "--lambda-memory", "1024", "--peak-sign-ins", "50", "--workers", str(workers)]
    env = dict(os.environ, LEGACY_APP="q2a", LEGACY_DB_URL=bench_scan._url(database))
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False, timeout=600, cwd=ROOT)
    wall = time.perf_counter() - t0
    if kind == "baseline":
        data = json.loads(proc.stdout)
    else:
        if proc.returncode != 0:
            raise SystemExit(f"legacy-auth plan failed ({proc.returncode}): {proc.stderr.strip()[-300:]}")
        report = json.loads(proc.stdout)
        own, worker = (int(v) / 1024 for v in proc.stderr.strip().splitlines()[-1].split())
        data = {"rows": report["rows"], "report": report, "peak_rss_mb": own, "worker_rss_mb": worker,
                "workers": report["workers"]}
    data["wall"] = wall
    return data


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the generated databases")
    args = parser.parse_args(argv)
    run = secrets.token_hex(3)
    big, small = f"la_bench_plan_{run}_big", f"la_bench_plan_{run}_small"
    hashes = bench_scan._bcrypt_hashes()
    try:
        gen_small = bench_scan.generate(small, max(1, args.rows // 10), hashes)
        gen_big = bench_scan.generate(big, args.rows, hashes)
        print(f"generated {args.rows // 10:,} rows in {gen_small:.1f} s and {args.rows:,} rows in {gen_big:.1f} s")
        plan_small = run_child("cli", small)
        baseline = run_child("baseline", big)
        plan_big = run_child("cli", big)
        plan_one = run_child("cli", big, workers=1)
    finally:
        if not args.keep:
            bench_scan.drop(big)
            bench_scan.drop(small)
    n = plan_big["rows"]
    rss_small, rss_big = plan_small["peak_rss_mb"], plan_big["peak_rss_mb"]
    rows_out = [
        ("baseline: raw SSDictCursor stream", n, baseline["seconds"], baseline["peak_rss_mb"], 1.0),
        (f"legacy-auth plan (whole CLI, {WORKERS} workers)", n, plan_big["wall"], rss_big,
         plan_big["wall"] / baseline["seconds"]),
        ("legacy-auth plan --workers 1 (one stream)", n, plan_one["wall"], plan_one["peak_rss_mb"],
         plan_one["wall"] / baseline["seconds"]),
        (f"legacy-auth plan, {plan_small['rows']:,} rows", plan_small["rows"], plan_small["wall"], rss_small, None),
    ]
    table("plan of generated q2a users (MariaDB)", ["run", "rows", "wall s", "rows/s", "peak RSS MB", "x baseline"],
          [[r[0], f"{r[1]:,}", r[2], f"{r[1] / r[2]:,.0f}", f"{r[3]:.1f}", "-" if r[4] is None else f"{r[4]:.2f}"]
           for r in rows_out])
    print(f"\nplan processes: {plan_big['workers']} worker(s); peak RSS of the largest worker "
          f"{plan_big['worker_rss_mb']:.1f} MB at {n:,} rows vs {plan_small['worker_rss_mb']:.1f} MB at "
          f"{plan_small['rows']:,} rows (main process {rss_big:.1f} / {rss_small:.1f} MB)")
    report = plan_big["report"]
    routes = {s["route"]: s["users"] for s in report["capacity"]["shares"]}
    print(f"\nplan found: routes {routes}, unreadable {report['unreadable']}, lambda concurrency at 50 sign-ins/s "
          f"{report['capacity']['lambda_concurrency']}")
    whole = report["users"] + report["unreadable"] == n and sum(routes.values()) == report["users"]
    growth = max(rss_big - rss_small, plan_big["worker_rss_mb"] - plan_small["worker_rss_mb"])
    flat = growth <= max(20.0, 0.25 * (rss_small or 0))
    fast = plan_big["wall"] < TARGET_S
    print(f"\ntarget: {args.rows:,} rows < {TARGET_S:.0f} s -> {plan_big['wall']:.1f} s {'OK' if fast else 'MISSED'}; "
          f"memory flat (10x rows, +{growth:.1f} MB) -> {'OK' if flat else 'MISSED'}; every row on one route -> "
          f"{'OK' if whole else 'MISSED'}")
    save("plan", {"rows": n, "baseline_s": baseline["seconds"], "plan_s": plan_big["wall"],
                  "plan_rows_per_s": n / plan_big["wall"], "plan_one_stream_s": plan_one["wall"],
                  "baseline_rss_mb": baseline["peak_rss_mb"], "plan_rss_mb": rss_big, "plan_small_rss_mb": rss_small,
                  "workers": plan_big["workers"], "worker_rss_mb": plan_big["worker_rss_mb"],
                  "worker_small_rss_mb": plan_small["worker_rss_mb"], "generate_s": gen_big,
                  "ratio_vs_baseline": plan_big["wall"] / baseline["seconds"], "target_s": TARGET_S})
    return 0 if fast and flat and whole else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

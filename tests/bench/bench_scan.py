"""Benchmark ``legacy-auth scan``: 1,000,000 generated q2a users in MariaDB in < 60 s with flat memory.

Run: ``make bench-scan`` (or ``python tests/bench/bench_scan.py [--rows N]``). Steps, all in one run:

1. Two per-run databases on the MariaDB of the test suite (``TEST_MYSQL_URL``, default root@127.0.0.1:3306)
   get the real ``qa_users`` table (the preset's DDL) and realistic rows generated server-side with
   ``INSERT ... SELECT`` from MariaDB's ``seq_1_to_N`` sequence table: about 70 % PHP ``password_hash``
   bcrypt ``$2y$10$`` hashes (16 real hashes cycled: identify cost is per row, not per distinct hash),
   20 % q2a <= 1.7 ``passsalt``/``passcheck`` pairs (SHA1, 16-char salt, 20 raw bytes), 5 % blocked
   (``flags & 2``), 3 % SSO-only (no password), 2 % corrupt hashes, 10 % unconfirmed emails and one
   duplicated email every 10,000 users. One database has N rows, the other N/10 (the memory-flatness check).
2. Baseline, in a child process: the scan query itself streamed with a raw pymysql ``SSDictCursor``
   (``fetchmany(2000)``, rows only counted): the floor of any Python scan through this driver.
3. The console script's entry point (``legacy_auth.cli.main:main``: ``scan --json --no-progress --workers 2``)
   in a child process, on both databases; it scans primary-key ranges in 2 worker processes. For comparison
   the N-row scan also runs with ``--workers 1`` (one stream, in the main process).

Each child reports its own wall time and peak RSS (``resource.getrusage(RUSAGE_SELF).ru_maxrss``; for the scan
also ``RUSAGE_CHILDREN``: the largest range worker). The benchmark fails (exit 1) if the N-row scan takes 60 s
or more, or if the peak RSS of the main process or of a worker grows by more than 25 % (and 20 MB) from the
N/10-row scan. Figures depend on the machine's load: the baseline, measured in the same run, shows it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from benchutil import save, table  # noqa: E402

MYSQL_URL = os.environ.get("TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test")
TARGET_S = 60.0


def _connect(database: str | None = None) -> Any:
    import pymysql

    u = urlsplit(MYSQL_URL)
    return pymysql.connect(host=u.hostname or "127.0.0.1", port=u.port or 3306, user=u.username or "root",
                           password=u.password or "", database=database, charset="utf8mb4", autocommit=True,
                           connect_timeout=5, read_timeout=600, write_timeout=600)


def _url(database: str) -> str:
    return urlsplit(MYSQL_URL)._replace(path=f"/{database}").geturl()


def _bcrypt_hashes(n: int = 16) -> list[str]:
    import bcrypt

    return [bcrypt.hashpw(f"password-{i}".encode(), bcrypt.gensalt(10)).decode().replace("$2b$", "$2y$", 1)
            for i in range(n)]


def generate(database: str, rows: int, hashes: list[str]) -> float:
    """Create ``qa_users`` in a new database and fill it with ``rows`` users; return the seconds it took."""
    from legacy_auth.apps import get_preset

    t0 = time.perf_counter()
    conn = _connect()
    with conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci")
        cur.execute(f"USE `{database}`")
        for stmt in get_preset("q2a").ddl(prefix="qa_", dialect="mysql"):
            cur.execute(stmt)
        cur.execute("CREATE TEMPORARY TABLE bench_hashes (i INT PRIMARY KEY, h VARCHAR(255))")
        cur.executemany("INSERT INTO bench_hashes VALUES (%s, %s)", list(enumerate(hashes)))
        # bucket = seq % 100: 0-69 bcrypt, 70-89 q2a sha1 pair, 90-94 blocked bcrypt, 95-97 SSO-only, 98-99 corrupt
        cur.execute(
            f"""
            INSERT INTO qa_users (userid, created, createip, email, handle, passsalt, passcheck, passhash,
                                  level, loggedin, loginip, flags)
            SELECT s.seq, NOW(), UNHEX('7F000001'),
                   CONCAT('user', IF(s.seq % 10000 = 0, s.seq - 1, s.seq), '@example.org'),
                   CONCAT('user', s.seq),
                   IF(s.seq % 100 BETWEEN 70 AND 89, LEFT(SHA1(s.seq), 16), NULL),
                   IF(s.seq % 100 BETWEEN 70 AND 89, UNHEX(SHA1(CONCAT(LEFT(SHA1(s.seq), 8), 'pw', s.seq,
                      SUBSTRING(SHA1(s.seq), 9, 8)))), NULL),
                   CASE WHEN s.seq % 100 < 70 OR s.seq % 100 BETWEEN 90 AND 94 THEN h.h
                        WHEN s.seq % 100 >= 98 THEN '$2y$10$truncated' ELSE NULL END,
                   0, NOW(), UNHEX('7F000001'),
                   IF(s.seq % 10 = 3, 0, 1) | IF(s.seq % 100 BETWEEN 90 AND 94, 2, 0)
            FROM seq_1_to_{int(rows)} s JOIN bench_hashes h ON h.i = s.seq % 16
            """
        )
    conn.close()
    return time.perf_counter() - t0


def drop(database: str) -> None:
    conn = _connect()
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS `{database}`")
    conn.close()


# ---------------------------------------------------------------- children (own process: own peak RSS)


def child_baseline(database: str) -> dict[str, Any]:
    """Stream the scan query with a raw ``SSDictCursor``; count rows."""
    import pymysql

    from legacy_auth.apps import get_preset

    query = get_preset("q2a").scan_query(prefix="qa_", dialect="mysql")
    t0 = time.perf_counter()
    conn = _connect(database)
    n = 0
    with conn.cursor(pymysql.cursors.SSDictCursor) as cur:
        cur.execute(query.sql, query.params)
        while batch := cur.fetchmany(2000):
            n += len(batch)
    conn.close()
    return {"rows": n, "seconds": time.perf_counter() - t0}


def _peak_rss_mb(usage: Any) -> float:
    return usage.ru_maxrss / 1024  # Linux: kilobytes


_CLI_CHILD = ("import resource, sys; from legacy_auth.cli.main import main; rc = main(sys.argv[1:]); "
              "usage = resource.getrusage; print(usage(resource.RUSAGE_SELF).ru_maxrss, "
              "usage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(rc)")
WORKERS = 2  # both runs use the same number of range workers, so their memory is comparable


def run_child(kind: str, database: str, workers: int = WORKERS) -> dict[str, Any]:
    """Run the baseline or the real CLI (``legacy_auth.cli.main:main``, the console script's target) in a fresh
    process; return wall time, the child's own peak RSS and (CLI) its JSON report."""
    if kind == "baseline":
        cmd = [sys.executable, __file__, "--child-baseline", database]
    else:
        cmd = [sys.executable, "-c", _CLI_CHILD, "scan", "--json", "--no-progress", "--lambda-memory", "1024",
               "--workers", str(workers)]
    env = dict(os.environ, LEGACY_APP="q2a", LEGACY_DB_URL=_url(database))
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False, timeout=600, cwd=ROOT)
    wall = time.perf_counter() - t0
    if kind == "baseline":
        data = json.loads(proc.stdout)
    else:
        if proc.returncode not in (0, 1):
            raise SystemExit(f"legacy-auth scan failed ({proc.returncode}): {proc.stderr.strip()[-300:]}")
        report = json.loads(proc.stdout)
        own, workers = (int(v) / 1024 for v in proc.stderr.strip().splitlines()[-1].split())
        data = {"rows": report["rows"], "report": report, "exit": proc.returncode, "peak_rss_mb": own,
                "worker_rss_mb": workers, "workers": report["workers"]}
    data["wall"] = wall
    return data


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--child-baseline", metavar="DB")
    parser.add_argument("--keep", action="store_true", help="keep the generated databases")
    args = parser.parse_args(argv)
    if args.child_baseline:
        result = child_baseline(args.child_baseline)
        result["peak_rss_mb"] = _peak_rss_mb(resource.getrusage(resource.RUSAGE_SELF))
        print(json.dumps(result))
        return 0
    run = secrets.token_hex(3)
    big, small = f"la_bench_scan_{run}_big", f"la_bench_scan_{run}_small"
    hashes = _bcrypt_hashes()
    try:
        gen_small = generate(small, max(1, args.rows // 10), hashes)
        gen_big = generate(big, args.rows, hashes)
        print(f"generated {args.rows // 10:,} rows in {gen_small:.1f} s and {args.rows:,} rows in {gen_big:.1f} s")
        scan_small = run_child("cli", small)
        baseline = run_child("baseline", big)
        scan_big = run_child("cli", big)
        scan_one = run_child("cli", big, workers=1)
    finally:
        if not args.keep:
            drop(big)
            drop(small)
    n = scan_big["rows"]
    rss_small = scan_small["peak_rss_mb"]
    rss_big = scan_big["peak_rss_mb"]
    rows_out = [
        ("baseline: raw SSDictCursor stream", n, baseline["seconds"], n / baseline["seconds"],
         baseline["peak_rss_mb"], 1.0),
        (f"legacy-auth scan (whole CLI, {WORKERS} workers)", n, scan_big["wall"], n / scan_big["wall"], rss_big,
         scan_big["wall"] / baseline["seconds"]),
        ("legacy-auth scan --workers 1 (one stream)", n, scan_one["wall"], n / scan_one["wall"],
         scan_one["peak_rss_mb"], scan_one["wall"] / baseline["seconds"]),
        (f"legacy-auth scan, {scan_small['rows']:,} rows", scan_small["rows"], scan_small["wall"],
         scan_small["rows"] / scan_small["wall"], rss_small, None),
    ]
    table("scan of generated q2a users (MariaDB)", ["run", "rows", "wall s", "rows/s", "peak RSS MB", "x baseline"],
          [[r[0], f"{r[1]:,}", r[2], f"{r[3]:,.0f}", "-" if r[4] is None else f"{r[4]:.1f}",
            "-" if r[5] is None else f"{r[5]:.2f}"] for r in rows_out])
    print(f"\nscan processes: {scan_big['workers']} worker(s); peak RSS of the largest worker "
          f"{scan_big['worker_rss_mb']:.1f} MB at {n:,} rows vs {scan_small['worker_rss_mb']:.1f} MB at "
          f"{scan_small['rows']:,} rows (main process {rss_big:.1f} / {rss_small:.1f} MB)")
    report = scan_big["report"]
    print(f"\nscan found: states {report['states']}, schemes "
          f"{ {k: v['users'] for k, v in report['schemes'].items()} }, duplicate emails {report['duplicate_emails']}")
    growth = max(rss_big - rss_small, scan_big["worker_rss_mb"] - scan_small["worker_rss_mb"])
    flat = growth <= max(20.0, 0.25 * (rss_small or 0))
    fast = scan_big["wall"] < TARGET_S
    print(f"\ntarget: {args.rows:,} rows < {TARGET_S:.0f} s -> {scan_big['wall']:.1f} s {'OK' if fast else 'MISSED'}; "
          f"memory flat (10x rows, +{growth:.1f} MB) -> {'OK' if flat else 'MISSED'}")
    save("scan", {"rows": n, "baseline_s": baseline["seconds"], "scan_s": scan_big["wall"],
                  "scan_rows_per_s": n / scan_big["wall"],
                  "scan_one_stream_s": scan_one["wall"], "baseline_rss_mb": baseline["peak_rss_mb"],
                  "scan_rss_mb": rss_big, "scan_small_rss_mb": rss_small, "workers": scan_big["workers"],
                  "worker_rss_mb": scan_big["worker_rss_mb"],
                  "worker_small_rss_mb": scan_small["worker_rss_mb"], "generate_s": gen_big,
                  "ratio_vs_baseline": scan_big["wall"] / baseline["seconds"], "target_s": TARGET_S})
    return 0 if fast and flat else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

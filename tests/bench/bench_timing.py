"""Benchmark: equal timing *distributions* of every refusal of the migrate-user trigger (issue 12 section 4).

Run: ``make bench-timing`` (``.venv/bin/python tests/bench/run.py timing``). Exits 1 when a class is outside
the tolerance.

Through the real handler (``triggers.user_migration.handler``, real-shaped Cognito events, the guessing bound
on: ``LEGACY_LOCKOUT_MAX_FAILURES=5``) on MariaDB and on SQLite, a q2a users table whose passwords are bcrypt
cost 10 and ``LEGACY_DUMMY_HASH`` a bcrypt cost-10 hash: the documented way to give unknown users the known
users' cost. Classes, sampled **interleaved** (one of each per round, the order rotated every round) so machine
load hits all alike:

- ``unknown``: a login no row has;
- ``wrong``: a known user, wrong password;
- ``blocked``: a blocked user (q2a flag 2), wrong password;
- ``sso_only``: a row without a password;
- ``locked_out``: a known user over the guessing bound (refused without verifying);
- ``cheap_hash``: a known user whose only hash is q2a's legacy sha1 pair (was padded with a *sleep* before;
  now followed by one real dummy verification), wrong password.

Before each timed call the lockout row of the user about to be used is reset outside the timing (so ``wrong``,
``blocked``, ``sso_only`` and ``cheap_hash`` stay under the bound; ``locked_out`` stays over it). Figures: min, p5,
p50, p90 per class (ms), and each as a ratio to ``unknown`` (what the attacker compares with). Target: for
every statistic, the largest class over the smallest <= 1.10. The baseline column is one raw
``bcrypt.checkpw`` of the dummy, measured in the same rounds.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(HERE)]

import bcrypt  # noqa: E402
import pymysql  # noqa: E402
from benchutil import median, pct, save, table  # noqa: E402

from devstack.context import LocalLambdaContext  # noqa: E402
from tests.conftest import load_event  # noqa: E402
from tests.support.legacy_db import create_schema, insert_users, run_query  # noqa: E402

SAMPLES = int(os.environ.get("BENCH_TIMING_SAMPLES", "200"))
TOLERANCE = 1.10
COST = 10
PASSWORD = "correct horse battery staple"
TABLE = "bench_lockouts"
CLASSES = ("unknown", "wrong", "blocked", "sso_only", "locked_out", "cheap_hash")
STATS = (("min", 0.0), ("p5", 0.05), ("p50", 0.5), ("p90", 0.9))
failures: list[str] = []


class FreshContext(LocalLambdaContext):
    """A context as the Lambda runtime hands it to a warm invocation: ~5 s left, built outside the timing."""

    def get_remaining_time_in_millis(self) -> int:
        return 4990


CONTEXT = FreshContext(timeout_ms=5000)


@contextlib.contextmanager
def mysql_database() -> Iterator[str]:
    name = f"la_timing_{secrets.token_hex(4)}"
    admin = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="", autocommit=True)
    admin.cursor().execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci")
    try:
        yield f"mysql://root@127.0.0.1:3306/{name}"
    finally:
        admin.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
        admin.close()


@contextlib.contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as tmp:
        yield f"sqlite:///{tmp}/timing.sqlite3"


def populate(url: str) -> None:
    from legacy_auth.db import Database, Deadline
    from legacy_auth.migration.lockout import ddl

    salt = "abcdefghijklmnop"
    check = hashlib.sha1((salt[:8] + PASSWORD + salt[8:]).encode()).digest()  # noqa: S324 - q2a's legacy scheme
    stored = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(COST)).decode()
    create_schema(url, "q2a")
    insert_users(url, "q2a", [
        {"userid": 1, "handle": "wrong", "email": "wrong@example.org", "flags": 1, "passhash": stored},
        {"userid": 2, "handle": "blocked", "email": "blocked@example.org", "flags": 3, "passhash": stored},
        {"userid": 3, "handle": "ssoonly", "email": "sso@example.org", "flags": 1, "passhash": None},
        {"userid": 4, "handle": "locked", "email": "locked@example.org", "flags": 1, "passhash": stored},
        {"userid": 5, "handle": "cheap", "email": "cheap@example.org", "flags": 1, "passhash": None,
         "passsalt": salt.encode(), "passcheck": check},
    ])
    db = Database(url)
    for statement in ddl(db.dialect, TABLE):
        db.execute(statement, deadline=Deadline.after(5))
    db.close()


def configure(url: str) -> Any:
    os.environ.update(LEGACY_APP="q2a", LEGACY_DB_URL=url, LEGACY_TABLE_PREFIX="qa_",
                      LEGACY_DUMMY_HASH=bcrypt.hashpw(b"dummy", bcrypt.gensalt(COST)).decode(),
                      LEGACY_LOCKOUT_MAX_FAILURES="5", LEGACY_LOCKOUT_TABLE=TABLE,
                      LEGACY_LOCKOUT_KEY=secrets.token_hex(32), POWERTOOLS_LOG_LEVEL="WARNING")
    from triggers import user_migration as um

    um.reset_runtime()
    return um


def attempt(um: Any, login: str, password: str) -> None:
    event = load_event("cognito_user_migration_authentication")
    event["userName"] = login
    event["request"]["password"] = password
    with contextlib.suppress(um.MigrationRefusedError):
        um.handler(event, CONTEXT)


def reasons_of(um: Any, login: str, password: str) -> str:
    """The refusal reason of one attempt (checks that each class is what it says)."""
    import logging

    seen: list[str] = []

    class Grab(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(str(getattr(record, "reason", "")))

    grab = Grab(logging.DEBUG)
    log = logging.getLogger(um.logger.name)
    level = log.level
    log.setLevel(logging.DEBUG)
    log.addHandler(grab)
    try:
        attempt(um, login, password)
    finally:
        log.removeHandler(grab)
        log.setLevel(level)
    return seen[-1] if seen else "none"


def sample(url: str) -> tuple[dict[str, list[int]], list[int]]:
    um = configure(url)
    logins = {"unknown": "nobody", "wrong": "wrong", "blocked": "blocked", "sso_only": "ssoonly",
              "locked_out": "locked", "cheap_hash": "cheap"}
    for i in range(7):
        attempt(um, "locked", f"guess-{i}")  # over the bound of 5: locked for the window (15 min)
    expected = {"unknown": "unknown_user", "wrong": "wrong_password", "blocked": "account_blocked",
                "sso_only": "account_sso_only", "locked_out": "account_locked_out", "cheap_hash": "wrong_password"}
    for name, login in logins.items():
        run_query(url, f"DELETE FROM {TABLE} WHERE account <> %s", ("u:4",))
        got = reasons_of(um, login, f"check-{name}")
        if got != expected[name]:
            failures.append(f"{url.split(':')[0]} {name}: refused as {got}, expected {expected[name]}")
    dummy = os.environ["LEGACY_DUMMY_HASH"].encode()
    out: dict[str, list[int]] = {name: [] for name in CLASSES}
    base: list[int] = []
    order = [*CLASSES, "baseline"]
    pc = time.perf_counter_ns
    for i in range(3):  # warm-up: connection, caches
        for name in CLASSES:
            attempt(um, logins[name], f"warm-{i}")
    for r in range(SAMPLES):
        shift = r % len(order)
        for name in order[shift:] + order[:shift]:
            if name == "baseline":
                t0 = pc()
                bcrypt.checkpw(b"wrong", dummy)
                base.append(pc() - t0)
                continue
            if name != "locked_out":  # keep the other users under the bound (outside the timing)
                run_query(url, f"DELETE FROM {TABLE} WHERE account <> %s", ("u:4",))
            password = f"guess-{r}-{name}"
            t0 = pc()
            attempt(um, logins[name], password)
            out[name].append(pc() - t0)
    um.reset_runtime()
    return out, base


def report(dialect: str, samples: dict[str, list[int]], base: list[int]) -> dict[str, Any]:
    stats = {name: {label: (pct(s, q) if q else float(min(s))) / 1e6 for label, q in STATS}
             for name, s in samples.items()}
    baseline = {label: (pct(base, q) if q else float(min(base))) / 1e6 for label, q in STATS}
    rows = []
    for name in CLASSES:
        row: list[Any] = [name, len(samples[name])]
        for label, _ in STATS:
            row += [stats[name][label], stats[name][label] / stats["unknown"][label]]
        rows.append(row)
    rows.append(["raw bcrypt.checkpw (baseline)", len(base)]
                + [v for label, _ in STATS for v in (baseline[label], baseline[label] / stats["unknown"][label])])
    headers = ["class", "n"] + [h for label, _ in STATS for h in (f"{label} ms", f"{label}/unknown")]
    table(f"{dialect}: handler answer time per class (bcrypt cost {COST}, dummy cost {COST}, lockout on)",
          headers, rows)
    spread = {}
    for label, _ in STATS:
        values = [stats[name][label] for name in CLASSES]
        spread[label] = max(values) / min(values)
        if spread[label] > TOLERANCE:
            failures.append(f"{dialect} {label}: max/min {spread[label]:.3f} > {TOLERANCE}")
    print("  max/min across classes: " + ", ".join(f"{k} {v:.3f}" for k, v in spread.items())
          + f" (target <= {TOLERANCE}); unknown p50 / raw bcrypt p50 = "
          + f"{stats['unknown']['p50'] / baseline['p50']:.3f}")
    return {"stats_ms": stats, "baseline_ms": baseline, "spread": spread,
            "p50_unknown_over_raw": median(samples["unknown"]) / median(base)}


def main() -> int:
    results = {}
    with mysql_database() as url:
        populate(url)
        results["mariadb"] = report("MariaDB", *sample(url))
    with sqlite_database() as url:
        populate(url)
        results["sqlite"] = report("SQLite", *sample(url))
    save("timing", {"samples": SAMPLES, "tolerance": TOLERANCE, "results": results, "failures": failures})
    if failures:
        print("\nMISSED: " + "; ".join(failures))
        return 1
    print(f"\nall classes within {TOLERANCE:.2f}x of each other at min, p5, p50 and p90 on MariaDB and SQLite")
    return 0


if __name__ == "__main__":
    sys.exit(main())

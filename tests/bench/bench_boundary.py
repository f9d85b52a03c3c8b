"""Benchmark: what the migration boundary (``legacy_auth.migration.canonical``) adds to a warm migrate-user sign-in.

Run: ``.venv/bin/python tests/bench/run.py boundary``. Real MariaDB (``TEST_MYSQL_URL`` or
``mysql://root@127.0.0.1:3306``): a throw-away database with a q2a users table (2,000 rows, bcrypt cost 4) and the
tracking table (1,000 rows). Every pair is measured in this run, interleaved round by round
(``benchutil.interleaved``):

- the spelling check (``admit`` without tracking) vs building the answer's attributes (``user_attributes``), both
  pure Python on the same row;
- the tracking read (``MigrationTracker.state`` through ``legacy_auth.db``) vs the same ``SELECT`` on a raw pymysql
  connection;
- a whole warm ``migrate_user`` with tracking on (one extra read) vs off, same user and password.

Figures are medians in microseconds and ratios; nothing is asserted (figures are noisy on a shared box).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(HERE)]

import bcrypt  # noqa: E402
import pymysql  # noqa: E402
from benchutil import interleaved, median, save, table  # noqa: E402

from legacy_auth.apps import get_context, get_preset  # noqa: E402
from legacy_auth.db import Database, Deadline  # noqa: E402
from legacy_auth.migration.attributes import user_attributes  # noqa: E402
from legacy_auth.migration.canonical import admit  # noqa: E402
from legacy_auth.migration.policy import MigrationPolicy, migrate_user  # noqa: E402
from legacy_auth.migration.store import SqlUserStore  # noqa: E402
from legacy_auth.migration.tracking import MigrationTracker, ddl  # noqa: E402
from tests.support.legacy_db import create_schema, insert_users  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "300"))
SERVER = os.environ.get("TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test")
DB_NAME = f"la_bench_boundary_{os.getpid()}"
PASSWORD = "correct horse battery staple"


def _admin() -> Any:
    u = urlsplit(SERVER)
    return pymysql.connect(host=u.hostname or "127.0.0.1", port=u.port or 3306, user=u.username or "root",
                           password=u.password or "", autocommit=True, charset="utf8mb4")


def main() -> int:
    admin = _admin()
    admin.cursor().execute(f"CREATE DATABASE `{DB_NAME}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci")
    url = urlsplit(SERVER)._replace(path=f"/{DB_NAME}").geturl()
    try:
        stored = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode().replace("$2b$", "$2y$", 1)
        create_schema(url, "q2a")
        insert_users(url, "q2a", [{"userid": i, "handle": f"user{i}", "email": f"user{i}@example.org", "flags": 1,
                                   "level": 0, "passhash": stored} for i in range(1, 2001)])
        db = Database(url)
        for statement in ddl("mysql"):
            db.execute(statement, deadline=Deadline.after(5))
        for i in range(1000, 2000):
            db.execute("INSERT INTO legacy_auth_migrations (legacy_id, app, status, trigger_source) "
                       "VALUES (%s, 'q2a', 'migrated', 'bench')", (str(i),), deadline=Deadline.after(5))
        store = SqlUserStore(db, get_preset("q2a"), "qa_")
        tracker = MigrationTracker(db, app="q2a")
        hashes = get_context("q2a", dummy_hash=stored, pad_weak=False)
        policy = MigrationPolicy()
        user = store.find_by_login("user7", deadline=Deadline.after(5))
        assert user is not None
        raw = _admin()
        raw.select_db(DB_NAME)
        cur = raw.cursor()
        sql = tracker._stmt("state", None)  # the very statement the tracker sends

        def raw_read() -> None:
            cur.execute(sql, ("7",))
            cur.fetchall()

        def sign_in(with_tracker: MigrationTracker | None) -> Any:
            return lambda: migrate_user("user7", PASSWORD, store=store, hashes=hashes, policy=policy,
                                        deadline=Deadline.after(5), tracker=with_tracker)

        pure = interleaved({"admit": lambda: admit(user, "USER7", policy, None),
                            "user_attributes": lambda: user_attributes(user, "USER7", policy)}, ROUNDS)
        reads = interleaved({"tracker.state": lambda: tracker.state("7", deadline=Deadline.after(5)),
                             "raw SELECT": raw_read}, ROUNDS)
        whole = interleaved({"tracking on": sign_in(tracker), "tracking off": sign_in(None)}, ROUNDS // 3)
        us = {k: median(v) / 1000 for part in (pure, reads, whole) for k, v in part.items()}
        pairs = [("spelling check vs user_attributes", "admit", "user_attributes"),
                 ("tracking read vs raw SELECT", "tracker.state", "raw SELECT"),
                 ("migrate_user tracking on vs off", "tracking on", "tracking off")]
        table("migration boundary (median us)", ["pair", "ours", "baseline", "ratio"],
              [(name, f"{us[a]:.1f}", f"{us[b]:.1f}", f"{us[a] / us[b]:.2f}x") for name, a, b in pairs])
        save("boundary", {"rounds": ROUNDS, "median_us": us})
        raw.close()
        db.close()
    finally:
        admin.cursor().execute(f"DROP DATABASE IF EXISTS `{DB_NAME}`")
        admin.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

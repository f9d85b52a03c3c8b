"""Benchmark: warm latency of the three hooks against their raw DB statements, and cold init against their deps.

Run: ``.venv/bin/python tests/bench/run.py hooks``. Uses the real MariaDB (``TEST_MYSQL_URL`` or
``mysql://root@127.0.0.1:3306``): a throw-away database with a q2a users table of 2,000 rows, the tracking
table and the default app-users schema. Every comparison is measured in this run, interleaved round by round
(``benchutil.interleaved``) so machine noise hits both sides alike; each baseline is the very statements the
hook sends, on a raw pymysql connection:

- pre-signup (guard on, new user: username + email lookups) vs the same two preset SELECTs;
- post-confirmation, new sub (one transaction: upsert + failure-row delete) vs the same two statements in one
  transaction; and the retry path (same sub again: upsert affecting 0 rows + the sub check + the delete) vs
  those three statements in one transaction;
- pre-token generation V2 (claims + groups, no DB) vs writing the same claims into the dict by hand, with
  and without the Powertools logger/metrics decorators (which dominate this hook's time); and with
  ``HOOKS_TOKEN_APP_USER_LOOKUP=on`` vs the raw ``SELECT id FROM app_users WHERE cognito_sub = %s``;
- cold init: a fresh interpreter importing each hook module vs a fresh interpreter importing exactly the
  third-party modules that hook loads (found by importing it once in a subprocess and listing
  ``sys.modules`` minus the standard library and our own packages), so the difference is our own code.

Figures are medians in microseconds and ratios; nothing is asserted (figures are noisy on a shared box).
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import statistics
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(HERE)]

import pymysql  # noqa: E402
from benchutil import cold_import_ms, interleaved, median, pct, save, table  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "300"))
COLD_RUNS = int(os.environ.get("BENCH_COLD_RUNS", "11"))
SERVER = os.environ.get("TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test")
DB_NAME = f"la_bench_hooks_{os.getpid()}"
EVENTS = ROOT / "tests" / "events"
OURS = frozenset({"triggers", "legacy_auth", "devstack", "tests", "benchutil"})
LIST_DEPS = (  # modules the import adds to a fresh interpreter, minus the standard library and our own packages
    "import importlib, json, sys; before = set(sys.modules); importlib.import_module(sys.argv[1]); "
    "skip = set(sys.argv[2].split(',')) | set(sys.stdlib_module_names); "
    "print(json.dumps([m for m in list(sys.modules) if m not in before and m.split('.')[0] not in skip]))"
)


def _admin() -> Any:
    u = urlsplit(SERVER)
    return pymysql.connect(host=u.hostname or "127.0.0.1", port=u.port or 3306, user=u.username or "root",
                           password=u.password or "", autocommit=True)


def _raw(url: str) -> Any:
    u = urlsplit(url)
    return pymysql.connect(host=u.hostname or "127.0.0.1", port=u.port or 3306, user=u.username or "root",
                           password=u.password or "", database=u.path.lstrip("/"), autocommit=True,
                           charset="utf8mb4")


class FixedContext:
    """A Lambda context that always has 5 s left (events and contexts are built outside the timed calls)."""

    function_name = "bench-hooks"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:eu-west-1:000000000000:function:bench-hooks"
    memory_limit_in_mb = 512
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    log_group_name = "/aws/lambda/bench-hooks"
    log_stream_name = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 5000


def _event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))


def setup(url: str) -> None:
    from legacy_auth.db import Database, Deadline
    from legacy_auth.hooks.app_schema import create_tables
    from legacy_auth.hooks.config import AppUsersSchema
    from legacy_auth.hooks.provisioning import AppUser, provision
    from legacy_auth.migration.tracking import ddl
    from tests.support.legacy_db import create_schema, insert_users

    create_schema(url, "q2a")
    insert_users(url, "q2a", [
        {"userid": i, "handle": f"user{i}", "email": f"user{i}@example.com", "passhash": "$2y$10$" + "a" * 53,
         "level": 0, "flags": 0} for i in range(1, 2001)
    ])
    db = Database(url)
    create_tables(db, AppUsersSchema(), deadline=Deadline.after(10))
    for statement in ddl("mysql"):
        db.execute(statement, deadline=Deadline.after(10))
    token_sub = _event("cognito_pre_token_generation_v2_authentication")["request"]["userAttributes"]["sub"]
    provision(db, AppUsersSchema(), AppUser(sub=token_sub, username="erin"), deadline=Deadline.after(10))
    db.close()


def warm(url: str) -> list[list[Any]]:
    os.environ.update({"LEGACY_APP": "q2a", "LEGACY_DB_URL": url, "POWERTOOLS_LOG_LEVEL": "WARNING",
                       "HOOKS_TOKEN_ROLE_GROUPS": "level:50=editor,level:80=moderator,level:100=admin"})
    from legacy_auth.apps import get_preset
    from legacy_auth.hooks.config import HookSettings
    from triggers import post_confirmation, pre_signup, pre_token_generation

    raw = _raw(url)
    preset = get_preset("q2a")
    n = ROUNDS + 10  # interleaved() warm-up calls included
    context = FixedContext()
    plain = HookSettings.from_env(os.environ)
    lookup = HookSettings.from_env({**os.environ, "HOOKS_TOKEN_APP_USER_LOOKUP": "on"})

    # every event is built before timing starts: the timed calls do only the hook's (or the baseline's) work
    signups = []
    for i in range(n):
        event = _event("cognito_pre_signup_sign_up")
        event["userName"] = f"fresh{i}"
        event["request"]["userAttributes"]["email"] = f"fresh{i}@example.net"
        signups.append(event)
    signup_logins = iter([(e["userName"], e["request"]["userAttributes"]["email"]) for e in copy.deepcopy(signups)])
    signups_it = iter(signups)
    confirms = []
    for _ in range(n):
        event = _event("cognito_post_confirmation_confirm_sign_up")
        event["request"]["userAttributes"]["sub"] = str(uuid.uuid4())
        confirms.append(event)
    confirms_it = iter(confirms)
    raw_subs = iter([str(uuid.uuid4()) for _ in range(n)])
    again_it = iter([_event("cognito_post_confirmation_confirm_sign_up") for _ in range(n)])
    again_sub = _event("cognito_post_confirmation_confirm_sign_up")["request"]["userAttributes"]["sub"]
    token_events = {k: iter([_event("cognito_pre_token_generation_v2_authentication") for _ in range(n)])
                    for k in ("hook", "raw", "bare", "lookup")}
    token_sub = _event("cognito_pre_token_generation_v2_authentication")["request"]["userAttributes"]["sub"]
    bare_token_handler = pre_token_generation.handler.__wrapped__  # without the Powertools decorators

    def hook_signup() -> None:
        pre_signup.handler(next(signups_it), context)

    def raw_signup() -> None:
        with raw.cursor() as cur:
            for login in next(signup_logins):
                for q in preset.find_queries(login, prefix="qa_", dialect="mysql"):
                    cur.execute(q.sql, q.params)
                    cur.fetchall()

    def hook_confirm() -> None:
        post_confirmation.handler(next(confirms_it), context)

    upsert = ("INSERT INTO `app_users` (`cognito_sub`, `username`, `email`, `legacy_id`) VALUES (%s, %s, %s, %s) "
              "ON DUPLICATE KEY UPDATE `cognito_sub` = `cognito_sub`")
    present = "SELECT 1 AS present FROM `app_users` WHERE `cognito_sub` = %s"
    clear = "DELETE FROM `provisioning_failures` WHERE cognito_sub = %s"

    def raw_confirm() -> None:
        sub = next(raw_subs)
        raw.begin()
        with raw.cursor() as cur:
            cur.execute(upsert, (sub, "dave", "dave@example.com", None))
            cur.execute(clear, (sub,))
        raw.commit()

    def hook_confirm_again() -> None:
        post_confirmation.handler(next(again_it), context)

    def raw_confirm_again() -> None:
        raw.begin()
        with raw.cursor() as cur:
            cur.execute(upsert, (again_sub, "dave", "dave@example.com", None))
            cur.execute(present, (again_sub,))
            cur.fetchall()
            cur.execute(clear, (again_sub,))
        raw.commit()

    def hook_token() -> None:
        pre_token_generation.handler(next(token_events["hook"]), context)

    def bare_token() -> None:
        bare_token_handler(next(token_events["bare"]), context)

    def raw_token() -> None:
        event = next(token_events["raw"])
        attrs = event["request"]["userAttributes"]
        claims = {"legacy_id": attrs["custom:legacy_id"]}
        event["response"]["claimsAndScopeOverrideDetails"] = {
            "idTokenGeneration": {"claimsToAddOrOverride": claims},
            "accessTokenGeneration": {"claimsToAddOrOverride": claims},
            "groupOverrideDetails": {"groupsToOverride": [*event["request"]["groupConfiguration"]["groupsToOverride"],
                                                          "moderator"]},
        }

    def hook_token_lookup() -> None:
        pre_token_generation.settings.value = lookup  # one attribute store: the module reads settings() per call
        try:
            pre_token_generation.handler(next(token_events["lookup"]), context)
        finally:
            pre_token_generation.settings.value = plain

    def raw_lookup() -> None:
        with raw.cursor() as cur:
            cur.execute("SELECT `id` AS id FROM `app_users` WHERE `cognito_sub` = %s", (token_sub,))
            cur.fetchall()

    pre_token_generation.settings.value = plain
    rows = []
    with contextlib.redirect_stdout(io.StringIO()):  # EMF metric lines
        hook_token_lookup()  # the first lookup opens the app DB connection (a cold-start cost, not a warm one)
        token_events["lookup"] = iter([_event("cognito_pre_token_generation_v2_authentication") for _ in range(n)])
        results = interleaved({
            "pre_signup": hook_signup, "raw_signup": raw_signup,
            "post_confirmation": hook_confirm, "raw_confirm": raw_confirm,
            "post_confirmation_retry": hook_confirm_again, "raw_confirm_again": raw_confirm_again,
            "pre_token": hook_token, "bare_token": bare_token, "raw_token": raw_token,
            "pre_token_lookup": hook_token_lookup, "raw_lookup": raw_lookup,
        }, rounds=ROUNDS, warmup=5)
    raw.close()
    for hook, base, label in (
        ("pre_signup", "raw_signup", "pre-signup (guard, new user) vs 2 raw preset SELECTs"),
        ("post_confirmation", "raw_confirm", "post-confirmation (new sub) vs raw upsert+delete txn"),
        ("post_confirmation_retry", "raw_confirm_again", "post-confirmation (same sub) vs raw upsert+check+delete"),
        ("pre_token", "raw_token", "pre-token V2 (no DB) vs hand-written dict update"),
        ("bare_token", "raw_token", "pre-token V2 logic without Powertools decorators vs same"),
        ("pre_token_lookup", "raw_lookup", "pre-token V2 + app-user lookup vs raw indexed SELECT"),
    ):
        h, b = median(results[hook]) / 1000, median(results[base]) / 1000
        rows.append([label, h, pct(results[hook], 0.99) / 1000, b, h / b, h - b])
    return rows


def third_party_imports(module: str) -> list[str]:
    """The non-stdlib, non-project modules a fresh interpreter holds after importing ``module`` (in load order)."""
    done = subprocess.run([sys.executable, "-c", LIST_DEPS, module, ",".join(sorted(OURS))], cwd=ROOT,
                          capture_output=True, text=True, check=True, timeout=120)
    return list(json.loads(done.stdout))


def _alternating(first: str, second: str) -> tuple[float, float]:
    """Median fresh-interpreter times of two snippets run in alternation (ABAB...: noise hits both alike)."""
    a, b = [], []
    for _ in range(COLD_RUNS):
        a.append(cold_import_ms(first, runs=1))
        b.append(cold_import_ms(second, runs=1))
    return statistics.median(a), statistics.median(b)


def cold() -> list[list[Any]]:
    rows = []
    for module in ("pre_token_generation", "pre_signup", "post_confirmation"):
        deps = third_party_imports(f"triggers.{module}")
        assert not [d for d in deps if d.split(".")[0] in OURS]
        # import exactly those modules, in the order the hook loaded them
        base_code = f"import importlib\nfor name in {deps!r}:\n    importlib.import_module(name)"
        code = f"import triggers.{module}; import sys; assert 'boto3' not in sys.modules"
        base, hook = _alternating(base_code, code)
        tops = sorted({d.split(".")[0] for d in deps})
        rows.append([module, hook, base, hook / base, hook - base, ",".join(tops)])
    empty = statistics.median(cold_import_ms("pass", runs=1) for _ in range(COLD_RUNS))
    rows.append(["(bare interpreter)", empty, empty, 1.0, 0.0, "-"])
    return rows


def main() -> int:
    admin = _admin()
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{DB_NAME}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci")
    url = urlsplit(SERVER)._replace(path=f"/{DB_NAME}").geturl()
    try:
        setup(url)
        warm_rows = warm(url)
        table(f"Warm latency, median of {ROUNDS} interleaved rounds (MariaDB on loopback)",
              ["hook", "median µs", "p99 µs", "baseline median µs", "ratio", "overhead µs"],
              warm_rows)
        cold_rows = cold()
        table(f"Cold init, median of {COLD_RUNS} fresh interpreters each, alternating (boto3 never imported)",
              ["module", "import hook ms", "import its 3rd-party deps alone ms", "ratio", "ours ms", "deps"],
              cold_rows)
        save("hooks", {"warm": warm_rows, "cold": cold_rows, "rounds": ROUNDS})
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{DB_NAME}`")
        admin.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

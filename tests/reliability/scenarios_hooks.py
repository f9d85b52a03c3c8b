"""App database faults during provisioning (PostConfirmation) on the real MariaDB.

- a competing transaction holds the user's row lock past the budget (lock wait): the hook answers in time
  without raising, records the failure, and Cognito's retry provisions the user and clears the record;
- a real InnoDB deadlock between the hook's transaction and a competing one: retried, one row;
- the app database refuses connections: the hook answers in time, and the repair path
  (``legacy_auth.hooks.reconcile`` against a moto Cognito pool) provisions the user afterwards.
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

from tests.reliability.containers import BUDGET_S, Invocation
from tests.reliability.hooks_rig import HooksRig
from tests.reliability.legacy import confirmation_event
from tests.reliability.scenario import Outcome, RunContext, Scenario
from tests.reliability.secrets_check import harness_aws_calls
from tests.support.legacy_db import connect, run_query


def _status(name: str) -> int:
    rows = run_query("mysql://root@127.0.0.1:3306/mysql", "SHOW GLOBAL STATUS LIKE %s", (name,))
    return int(rows[0]["Value"]) if rows else 0


def _wait_for_blocked_delete(url: str, seconds: float = 3.0) -> bool:
    """Wait until the hook's ``DELETE`` of the failure row is running (it can only be blocked on the lock).

    PROCESSLIST rather than ``INNODB_TRX``: MariaDB's cached InnoDB transaction table did not show the wait.
    """
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        rows = run_query(url, "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = DATABASE() "
                              "AND INFO LIKE 'DELETE FROM `provisioning_failures`%%'")
        if int(rows[0]["n"]):
            return True
        time.sleep(0.02)
    return False


def _in_thread(fn: Any) -> tuple[threading.Thread, list[Invocation]]:
    box: list[Invocation] = []
    thread = threading.Thread(target=lambda: box.append(fn()), daemon=True)
    thread.start()
    return thread, box


def lock_wait(ctx: RunContext) -> Outcome:
    """A competitor inserts the same sub and keeps its transaction open past the budget."""
    out = Outcome()
    with HooksRig(ctx) as rig:
        c = rig.container()
        warm = confirmation_event("warmup")
        out.check("warm-up provisioned", rig.returned_event(rig.confirm(c, warm), warm)
                  and rig.app_rows(warm["request"]["userAttributes"]["sub"]) == 1)
        times, reasons = [], []
        for i in range(ctx.n(1, 3)):
            event = confirmation_event(f"lockwait{i}")
            sub = event["request"]["userAttributes"]["sub"]
            competitor = connect(rig.url)
            try:
                cur = competitor.cursor()
                cur.execute("BEGIN")
                cur.execute("INSERT INTO app_users (cognito_sub, username) VALUES (%s, %s)", (sub, "competitor"))
                inv = rig.confirm(c, event)
            finally:
                competitor.rollback()
                competitor.close()
            out.timed(inv.seconds)
            times.append(inv.seconds)
            out.check(f"#{i + 1}: answered with the event (no raise)", rig.returned_event(inv, event), inv.error_type)
            out.check(f"#{i + 1}: within {BUDGET_S}s", inv.seconds < BUDGET_S, f"{inv.seconds:.2f}s")
            failures = rig.failure_rows(sub)
            out.check(f"#{i + 1}: failure recorded for the repair path", len(failures) == 1, str(failures))
            out.check(f"#{i + 1}: no row while locked", rig.app_rows(sub) == 0)
            reasons.append(str(failures[0]["reason"]) if failures else "-")
            retry = rig.confirm(c, event)
            out.check(f"#{i + 1}: Cognito retry provisions", rig.returned_event(retry, event)
                      and rig.app_rows(sub) == 1, f"{rig.app_rows(sub)} rows")
            out.check(f"#{i + 1}: failure record cleared", rig.failure_rows(sub) == [], str(rig.failure_rows(sub)))
        out.note(f"lock held by a competitor: answered in {', '.join(f'{t:.2f}s' for t in times)}, failure recorded "
                 f"({', '.join(sorted(set(reasons)))}); each retry provisioned 1 row and cleared the record")
    return out


def deadlock(ctx: RunContext) -> Outcome:
    """Force a real deadlock: competitor locks the failure row, hook inserts, competitor inserts the same sub."""
    out = Outcome()
    rounds = ctx.n(1, 3)
    with HooksRig(ctx) as rig:
        c = rig.container()
        setup = connect(rig.url)
        cur = setup.cursor()
        cur.execute("CREATE TABLE ballast (id INT PRIMARY KEY, n INT NOT NULL) ENGINE=InnoDB")
        cur.executemany("INSERT INTO ballast VALUES (%s, 0)", [(i,) for i in range(200)])
        setup.close()
        before = _status("Innodb_deadlocks")
        worst = 0.0
        for i in range(rounds):
            event = confirmation_event(f"deadlock{i}")
            sub = event["request"]["userAttributes"]["sub"]
            run_query(rig.url, "INSERT INTO provisioning_failures (cognito_sub, reason) VALUES (%s, 'db_timeout')",
                      (sub,))
            competitor = connect(rig.url)
            try:
                cur = competitor.cursor()
                cur.execute("BEGIN")
                cur.execute("UPDATE ballast SET n = n + 1")  # heavier transaction: InnoDB picks the hook as victim
                cur.execute("UPDATE provisioning_failures SET attempts = attempts + 1 WHERE cognito_sub = %s", (sub,))
                thread, box = _in_thread(lambda ev=event: rig.confirm(c, ev))
                waiting = _wait_for_blocked_delete(rig.url)
                victim = "hook"
                try:
                    cur.execute("INSERT INTO app_users (cognito_sub, username) VALUES (%s, %s)", (sub, "competitor"))
                    competitor.commit()
                except Exception as exc:
                    victim = f"competitor ({type(exc).__name__})"
                    competitor.rollback()
            finally:
                competitor.close()
            thread.join(timeout=6)
            inv = box[0] if box else None
            out.check(f"round {i + 1}: hook was waiting on the competitor", waiting)
            out.check(f"round {i + 1}: hook answered", inv is not None and rig.returned_event(inv, event),
                      "no answer" if inv is None else inv.error_type)
            if inv is not None:
                worst = max(worst, inv.seconds)
                out.check(f"round {i + 1}: within {BUDGET_S}s", inv.seconds < BUDGET_S, f"{inv.seconds:.2f}s")
            out.check(f"round {i + 1}: exactly one app row", rig.app_rows(sub) == 1, f"{rig.app_rows(sub)} rows")
            out.check(f"round {i + 1}: failure record cleared", rig.failure_rows(sub) == [], str(rig.failure_rows(sub)))
            out.note(f"round {i + 1}: deadlock victim {victim}")
        deadlocks = _status("Innodb_deadlocks") - before
        out.timed(worst)
        out.check("InnoDB really detected deadlocks", deadlocks >= rounds, f"{deadlocks} detected")
        out.note(f"{deadlocks} real InnoDB deadlock(s) in {rounds} round(s); hook retried, worst {worst:.2f}s, "
                 "one row each, failure records cleared")
    return out


def _wait_for_pg_lock_wait(url: str, seconds: float = 3.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        rows = run_query(url, "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() "
                              "AND wait_event_type = 'Lock' AND query LIKE 'DELETE FROM \"provisioning_failures\"%%'")
        if int(rows[0]["n"]):
            return True
        time.sleep(0.02)
    return False


def _pg_deadlocks(url: str) -> int:
    rows = run_query(url, "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
    return int(rows[0]["deadlocks"] or 0)


def deadlock_postgres(ctx: RunContext) -> Outcome:
    """The same forced deadlock on PostgreSQL (40P01 after deadlock_timeout, 1 s by default)."""
    out = Outcome()
    rounds = ctx.n(1, 3)
    with HooksRig(ctx, dialect="postgresql") as rig:
        c = rig.container()
        before = _pg_deadlocks(rig.url)
        victims = []
        worst = 0.0
        for i in range(rounds):
            event = confirmation_event(f"pgdeadlock{i}")
            sub = event["request"]["userAttributes"]["sub"]
            run_query(rig.url, "INSERT INTO provisioning_failures (cognito_sub, reason) VALUES (%s, 'db_timeout')",
                      (sub,))
            competitor = connect(rig.url)
            try:
                competitor.autocommit = False
                competitor.execute("UPDATE provisioning_failures SET attempts = attempts + 1 WHERE cognito_sub = %s",
                                   (sub,))
                thread, box = _in_thread(lambda ev=event: rig.confirm(c, ev))
                waiting = _wait_for_pg_lock_wait(rig.url)
                try:
                    competitor.execute("INSERT INTO app_users (cognito_sub, username) VALUES (%s, %s)",
                                       (sub, "competitor"))
                    competitor.commit()
                    victims.append("hook")
                except Exception as exc:
                    victims.append(f"competitor ({type(exc).__name__})")
                    competitor.rollback()
            finally:
                competitor.close()
            thread.join(timeout=6)
            inv = box[0] if box else None
            out.check(f"round {i + 1}: hook was waiting on the competitor", waiting)
            out.check(f"round {i + 1}: hook answered", inv is not None and rig.returned_event(inv, event),
                      "no answer" if inv is None else inv.error_type)
            if inv is not None:
                worst = max(worst, inv.seconds)
                out.check(f"round {i + 1}: within {BUDGET_S}s", inv.seconds < BUDGET_S, f"{inv.seconds:.2f}s")
            out.check(f"round {i + 1}: exactly one app row", rig.app_rows(sub) == 1, f"{rig.app_rows(sub)} rows")
            out.check(f"round {i + 1}: failure record cleared", rig.failure_rows(sub) == [], str(rig.failure_rows(sub)))
        out.timed(worst)
        end = time.monotonic() + 3.0
        while _pg_deadlocks(rig.url) - before < rounds and time.monotonic() < end:  # statistics lag a little
            time.sleep(0.1)
        detected = _pg_deadlocks(rig.url) - before
        out.check("PostgreSQL really detected deadlocks", detected >= rounds, f"{detected} detected")
        out.note(f"{detected} real deadlock(s) (40P01) in {rounds} round(s), victims: {', '.join(victims)}; "
                 f"worst {worst:.2f}s (deadlock_timeout 1 s); one row each, failure records cleared")
    return out


def app_db_down_then_reconcile(ctx: RunContext) -> Outcome:
    """App DB refuses connections at confirmation; after recovery ``reconcile`` provisions the user."""
    import boto3
    from moto import mock_aws

    from legacy_auth.db import Database
    from legacy_auth.hooks.config import AppUsersSchema
    from legacy_auth.hooks.reconcile import reconcile

    out = Outcome()
    with HooksRig(ctx) as rig, mock_aws():
        with harness_aws_calls():  # moto set-up by the harness, not product code
            cognito = boto3.client("cognito-idp", region_name="eu-west-1")
            pool = cognito.create_user_pool(PoolName="reliability")["UserPool"]["Id"]
            created = cognito.admin_create_user(UserPoolId=pool, Username="downuser", MessageAction="SUPPRESS",
                                                UserAttributes=[{"Name": "email", "Value": "downuser@example.org"}])
            cognito.admin_set_user_password(UserPoolId=pool, Username="downuser", Password="Pw-" + uuid.uuid4().hex,
                                            Permanent=True)
        attrs = {a["Name"]: a["Value"] for a in created["User"]["Attributes"]}
        event = confirmation_event("downuser", sub=attrs["sub"])
        c = rig.container()
        rig.proxy.refuse()
        inv = rig.confirm(c, event)
        out.timed(inv.seconds)
        out.check("answered with the event (no raise)", rig.returned_event(inv, event), inv.error_type)
        out.check(f"within {BUDGET_S}s", inv.seconds < BUDGET_S, f"{inv.seconds:.2f}s")
        out.check("no row while down", rig.app_rows(attrs["sub"]) == 0)
        rig.proxy.pass_through()
        report = reconcile(Database(rig.url), AppUsersSchema(), cognito, pool)
        out.check("reconcile provisioned the user", report.provisioned == 1 and rig.app_rows(attrs["sub"]) == 1,
                  f"provisioned={report.provisioned}, errors={report.errors}")
        again = reconcile(Database(rig.url), AppUsersSchema(), cognito, pool)
        out.check("reconcile again: nothing to do, still one row", again.provisioned == 0
                  and rig.app_rows(attrs["sub"]) == 1, f"provisioned={again.provisioned}")
        out.note(f"app DB refused: answered in {inv.seconds:.2f}s without raising; reconcile provisioned "
                 f"{report.provisioned}, rerun {again.provisioned}; 1 row")
    return out


SCENARIOS = [
    Scenario("app DB lock wait past budget during provisioning",
             "event returned < 4.5 s (no raise); failure recorded; retry provisions 1 row, record cleared", lock_wait),
    Scenario("app DB real deadlock during provisioning",
             "hook retries the transaction; event returned < 4.5 s; exactly 1 row; failure record cleared", deadlock),
    Scenario("app DB (PostgreSQL) real deadlock during provisioning",
             "40P01 retried; event returned < 4.5 s; exactly 1 row; failure record cleared", deadlock_postgres),
    Scenario("app DB refused during provisioning, then reconcile",
             "event returned < 4.5 s (no raise); reconcile provisions exactly 1 row (idempotent)",
             app_db_down_then_reconcile),
]

"""End to end: the local stack (npm cognito-local + our handlers behind the loopback Invoke server) with its
legacy database (real MariaDB) behind the fault proxy. What the *user* gets from Cognito while the legacy DB is
black-holed, and that the next sign-in works once it is back."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from devstack.flows import invocations, sign_in
from tests.e2e.stackproc import cognito_client, running_stack
from tests.reliability.containers import BUDGET_S
from tests.reliability.migration_rig import MigrationRig, expect_tracking
from tests.reliability.scenario import Outcome, RunContext, Scenario
from tests.reliability.secrets_check import harness_aws_calls


def stack_with_blackholed_legacy_db(ctx: RunContext) -> Outcome:
    """Sign in, black-hole the legacy DB, sign in (refused in time), lift the fault, sign in again."""
    out = Outcome()
    with MigrationRig(ctx, accounts=3) as rig:
        env = {"LEGACY_APP": "q2a", "LEGACY_DB_URL": rig.proxy.rewrite(rig.url), "LEGACY_TRACK_MIGRATION": "true"}
        if not ctx.full:
            env["LEGACY_BUDGET_MS"] = "1500"  # fast runs; the full run uses the production default (3500 ms)
        for name in ("POWERTOOLS_LOG_LEVEL", "POWERTOOLS_LOGGER_LOG_EVENT"):  # the secrets run's DEBUG settings
            if name in os.environ:
                env[name] = os.environ[name]
        try:
            stack_cm = running_stack(env)
            info = stack_cm.__enter__()
        except BaseException as exc:  # pytest.fail raises a BaseException outside pytest too
            out.check("local stack started", False, type(exc).__name__)
            return out
        try:
            idp = cognito_client(info["cognito_url"])
            client = info["client_id"]
            a0, a1 = rig.accounts[0], rig.accounts[1]
            with harness_aws_calls():  # our test client, not product code (the handlers run in the stack process)
                first = sign_in(idp, client, a0.handle, a0.password)
            out.check("sign-in with the legacy DB up", first.ok, str(first.error_code))
            rig.proxy.blackhole()
            start = time.monotonic()
            with harness_aws_calls():
                down = sign_in(idp, client, a1.handle, a1.password)
            user_wait = time.monotonic() - start
            rig.proxy.pass_through()
            out.check("DB black-holed: the user gets NotAuthorizedException (generic)",
                      down.error_code == "NotAuthorizedException", str(down.error_code))
            with harness_aws_calls():
                again = sign_in(idp, client, a1.handle, a1.password)
            out.check("same user signs in once the DB is back", again.ok, str(again.error_code))
            runs = [r for r in invocations(info["invoke_url"]) if r["function"] == "user-migration"]
            durations = [float(r["duration_ms"]) / 1000 for r in runs]
            seen = [r["ok"] for r in runs]
            out.check("three UserMigration invocations: ok, refused, ok", seen == [True, False, True], str(seen))
            out.check(f"every invocation within {BUDGET_S}s", all(d < BUDGET_S for d in durations),
                      ", ".join(f"{d:.2f}s" for d in durations))
            out.timed(max(durations, default=0.0))
            expect_tracking(out, rig, {str(a0.userid): 1, str(a1.userid): 1})
            log = Path(info["state_dir"]) / "functions.log"
            if log.exists():  # into our captured output, so the secrets scan covers the stack's handlers too
                sys.stdout.write(log.read_text(encoding="utf-8", errors="replace"))
            out.note(f"user saw {down.error_code} after {user_wait:.2f}s (handler {durations[1]:.2f}s); "
                     f"sign-ins before/after: {'ok' if first.ok else first.error_code}/"
                     f"{'ok' if again.ok else again.error_code}")
        finally:
            stack_cm.__exit__(None, None, None)
    return out


SCENARIOS = [
    Scenario("end to end (cognito-local + handlers): legacy DB black-holed during a sign-in",
             "user gets NotAuthorizedException, handler < 4.5 s; the same user signs in once the DB is back",
             stack_with_blackholed_legacy_db, "e2e"),
]

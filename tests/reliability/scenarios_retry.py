"""Cognito retries each trigger up to three times: the same event, in the same or in other containers.

Expected: the same answer every time, one tracking row (``events`` counts the invocations), one app row,
no refusal turned into an acceptance (PreSignUp guard).
"""

from __future__ import annotations

import copy
import json
from concurrent.futures import ThreadPoolExecutor

from tests.conftest import load_event
from tests.reliability.containers import BUDGET_S, cold_start, environment, invoke
from tests.reliability.hooks_rig import LEGACY_VARS, HooksRig, isolated_hook_wiring
from tests.reliability.legacy import confirmation_event
from tests.reliability.migration_rig import MigrationRig, expect_migrated, expect_tracking
from tests.reliability.scenario import Outcome, RunContext, Scenario
from tests.support.legacy_db import run_query

RETRIES = 3


def migration_retries(ctx: RunContext) -> Outcome:
    """Same UserMigration event 3x in one warm container, then 3x at once in three cold containers."""
    out = Outcome()
    with MigrationRig(ctx, accounts=2) as rig:
        c = rig.container()
        seq = [rig.sign_in(c, rig.accounts[0]) for _ in range(RETRIES)]
        for i, inv in enumerate(seq):
            expect_migrated(out, inv, rig.accounts[0], f"sequential #{i + 1}")
        containers = [rig.container() for _ in range(RETRIES)]
        with ThreadPoolExecutor(RETRIES) as pool:
            par = list(pool.map(lambda m: rig.sign_in(m, rig.accounts[1]), containers))
        for i, inv in enumerate(par):
            expect_migrated(out, inv, rig.accounts[1], f"concurrent #{i + 1}")
        same = len({json.dumps(i.result, sort_keys=True) for i in seq}) == 1
        out.check("identical answers to identical events", same)
        expect_tracking(out, rig, {str(rig.accounts[0].userid): RETRIES, str(rig.accounts[1].userid): RETRIES})
        out.timed(max(i.seconds for i in seq + par))
        out.note(f"3 sequential + 3 concurrent retries: 6 identical migrations; 2 tracking rows, events={RETRIES} each")
    return out


def confirmation_retries(ctx: RunContext) -> Outcome:
    """Same PostConfirmation event 3x in one container, then 3x at once in three containers."""
    out = Outcome()
    with HooksRig(ctx, via_proxy=False) as rig:
        c = rig.container()
        event = confirmation_event("retry1", legacy_id="41")
        sub = event["request"]["userAttributes"]["sub"]
        seq = [rig.confirm(c, copy.deepcopy(event)) for _ in range(RETRIES)]
        out.check("sequential: event returned each time", all(i.error is None for i in seq),
                  ", ".join(i.error_type for i in seq))
        out.check("sequential: one app row", rig.app_rows(sub) == 1, f"{rig.app_rows(sub)} rows")
        event2 = confirmation_event("retry2")
        sub2 = event2["request"]["userAttributes"]["sub"]
        containers = [rig.container() for _ in range(RETRIES)]
        with ThreadPoolExecutor(RETRIES) as pool:
            par = list(pool.map(lambda m: rig.confirm(m, copy.deepcopy(event2)), containers))
        out.check("concurrent: event returned each time", all(i.error is None for i in par),
                  ", ".join(i.error_type for i in par))
        out.check("concurrent: one app row", rig.app_rows(sub2) == 1, f"{rig.app_rows(sub2)} rows")
        out.check("no failure recorded", rig.failure_rows(sub) == [] and rig.failure_rows(sub2) == [])
        worst = max(i.seconds for i in seq + par)
        out.timed(worst)
        out.check(f"within {BUDGET_S}s", worst < BUDGET_S, f"{worst:.2f}s")
        out.note("3 sequential + 3 concurrent confirmations: 1 app row each, no failure rows")
    return out


def signup_retries(ctx: RunContext) -> Outcome:
    """PreSignUp 3x for a name that collides with an unmigrated legacy user (refused 3x) and for a new one."""
    out = Outcome()
    with MigrationRig(ctx, accounts=1) as rig:
        env = {**rig.env, "HOOKS_SIGNUP_GUARD": "refuse"}
        with isolated_hook_wiring(), environment(env):
            c = cold_start("pre_signup")
            clash = load_event("cognito_pre_signup_sign_up")
            clash["userName"] = rig.accounts[0].handle
            clash["request"]["userAttributes"]["email"] = "someone.else@example.com"
            refused = [invoke(c, copy.deepcopy(clash)) for _ in range(RETRIES)]
            fresh = load_event("cognito_pre_signup_sign_up")
            accepted = [invoke(c, copy.deepcopy(fresh)) for _ in range(RETRIES)]
        kinds = {(i.error_type, i.message) for i in refused}
        out.check("legacy clash refused 3x with the same message", len(kinds) == 1
                  and next(iter(kinds))[0] == "SignUpRefusedError", str(sorted(k[0] for k in kinds)))
        out.check("new user accepted 3x identically", all(i.error is None for i in accepted)
                  and len({json.dumps(i.result, sort_keys=True) for i in accepted}) == 1,
                  ", ".join(i.error_type for i in accepted))
        out.check("nothing written to tracking", rig.tracking_count() == 0)
        worst = max(i.seconds for i in refused + accepted)
        out.timed(worst)
        out.check(f"within {BUDGET_S}s", worst < BUDGET_S, f"{worst:.2f}s")
        out.note("legacy clash: 3 identical refusals; new user: 3 identical accepts; no rows written")
    return out


def token_retries(ctx: RunContext) -> Outcome:
    """PreTokenGeneration (V2, app-user lookup on against the real MariaDB app DB) 3x in one container, then 3x at
    once in three containers: identical claims every time, role groups merged once, never duplicated."""
    out = Outcome()
    with HooksRig(ctx, via_proxy=False) as rig:
        confirm = confirmation_event("tokenretry", legacy_id="1042")
        sub = confirm["request"]["userAttributes"]["sub"]
        provisioned = rig.confirm(rig.container(), copy.deepcopy(confirm))
        out.check("user provisioned first", provisioned.error is None and rig.app_rows(sub) == 1)
        row_id = str(run_query(rig.url, "SELECT id FROM app_users WHERE cognito_sub = %s", (sub,))[0]["id"])
        env = {**rig.env, "HOOKS_TOKEN_APP_USER_LOOKUP": "on", "HOOKS_TOKEN_ROLE_GROUPS": "level:80=moderator"}
        event = load_event("cognito_pre_token_generation_v2_authentication")
        event["request"]["userAttributes"]["sub"] = sub
        with environment(env, remove=LEGACY_VARS):
            warm = cold_start("pre_token_generation")
            seq = [invoke(warm, copy.deepcopy(event)) for _ in range(RETRIES)]
            containers = [cold_start("pre_token_generation") for _ in range(RETRIES)]
            with ThreadPoolExecutor(RETRIES) as pool:
                par = list(pool.map(lambda m: invoke(m, copy.deepcopy(event)), containers))
        answers = seq + par
        out.check("every retry answered with the event", all(i.error is None for i in answers),
                  ", ".join(i.error_type for i in answers))
        bodies = {json.dumps(i.result, sort_keys=True) for i in answers if i.error is None}
        out.check("identical answers to identical events", len(bodies) == 1, f"{len(bodies)} distinct answers")
        first = answers[0].result if answers[0].error is None else {}
        details = (first.get("response") or {}).get("claimsAndScopeOverrideDetails") or {}
        claims = (details.get("idTokenGeneration") or {}).get("claimsToAddOrOverride") or {}
        groups = (details.get("groupOverrideDetails") or {}).get("groupsToOverride") or []
        out.check("legacy_id and the looked-up app_user_id claimed",
                  claims.get("legacy_id") == "1042" and claims.get("app_user_id") == row_id, json.dumps(claims))
        out.check("role group added once, request groups kept", sorted(groups) == ["members", "moderator"],
                  json.dumps(groups))
        worst = max(i.seconds for i in answers)
        out.timed(worst)
        out.check(f"within {BUDGET_S}s", worst < BUDGET_S, f"{worst:.2f}s")
        out.note(f"3 sequential + 3 concurrent token generations: {len(bodies)} distinct answer(s); claims "
                 f"{sorted(claims)}; groups {sorted(groups)}; worst {worst:.2f}s")
    return out


SCENARIOS = [
    Scenario("Cognito retries UserMigration 3x (sequential and concurrent)",
             "6 identical migrations; 1 tracking row per user with events=3", migration_retries, "retries"),
    Scenario("Cognito retries PostConfirmation 3x (sequential and concurrent)",
             "event returned each time; exactly 1 app row per user; no failure rows", confirmation_retries, "retries"),
    Scenario("Cognito retries PreSignUp 3x", "same refusal 3x for a legacy clash, same accept 3x for a new user",
             signup_retries, "retries"),
    Scenario("Cognito retries PreTokenGeneration 3x (V2, app-user lookup on; sequential and concurrent)",
             "identical answers; legacy_id + looked-up app_user_id claims; role group added once", token_retries,
             "retries"),
]

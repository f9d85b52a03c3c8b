"""Hypothesis over every handler's event: only documented outcomes, never another exception, never a hang.

Documented outcomes:

- UserMigration: the migrated event, or ``MigrationRefusedError("Incorrect username or password.")``;
- PreSignUp: the event (accepted), or ``SignUpRefusedError`` with one of the documented messages;
- PostConfirmation: the event itself (a bad event is a no-op: the user is already confirmed);
- PreTokenGeneration: the event (claims added, or unchanged);
- authorizer: 401 (``Exception("Unauthorized")``), 403 (Deny document) or Allow.

Violations are recorded as "<mutated paths> -> <outcome>" (never the event, which may hold a password).
"""

from __future__ import annotations

import collections
import copy
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legacy_auth.hooks import signup_policy
from tests.conftest import load_event
from tests.reliability.authz import PoolKeys, authorizer_container, authorizer_env, classify
from tests.reliability.containers import BUDGET_S, ROOT, Invocation, cold_start, environment, invoke
from tests.reliability.fuzz import mutated
from tests.reliability.hooks_rig import LEGACY_VARS, HooksRig, isolated_hook_wiring
from tests.reliability.jwks_server import FaultyJwksServer
from tests.reliability.legacy import confirmation_event, migration_event
from tests.reliability.migration_rig import GENERIC, MigrationRig
from tests.reliability.scenario import Outcome, RunContext, Scenario

SIGNUP_MESSAGES = {signup_policy.MSG_LEGACY_ACCOUNT, signup_policy.MSG_DOMAIN, signup_policy.MSG_INVALID,
                   signup_policy.MSG_UNAVAILABLE}
Verdict = Callable[[Invocation, Any], str | None]  # None: documented; else the violation


def _migration_verdict(inv: Invocation, event: Any) -> str | None:
    if inv.error is None:
        ok = isinstance(inv.result, dict) and (inv.result.get("response") or {}).get("finalUserStatus") in (
            "CONFIRMED", "RESET_REQUIRED")
        return None if ok else "returned without a migration answer"
    if type(inv.error).__name__ == "MigrationRefusedError" and str(inv.error) == GENERIC:
        return None
    return f"raised {type(inv.error).__name__}"


def _signup_verdict(inv: Invocation, event: Any) -> str | None:
    if inv.error is None:
        return None if inv.result is event else "returned something other than the event"
    if type(inv.error).__name__ == "SignUpRefusedError" and str(inv.error) in SIGNUP_MESSAGES:
        return None
    return f"raised {type(inv.error).__name__}"


def _same_event(inv: Invocation, event: Any) -> str | None:
    if inv.error is not None:
        return f"raised {type(inv.error).__name__}"
    return None if inv.result is event else "returned something other than the event"


def _authorizer_verdict(inv: Invocation, event: Any) -> str | None:
    verdict = classify(inv.result, inv.error)
    return None if verdict in ("allow", "401", "403") else verdict


def _outcome_key(inv: Invocation) -> str:
    if inv.error is not None:
        return type(inv.error).__name__ if type(inv.error) is not Exception else str(inv.error)[:20]
    return "returned"


def _fuzz(module: ModuleType, env: dict[str, str], bases: list[dict[str, Any]], verdict: Verdict,
          examples: int) -> tuple[collections.Counter[str], list[str], float]:
    """Run ``examples`` mutated events per base through ``module``; return outcomes, violations, worst time."""
    outcomes: collections.Counter[str] = collections.Counter()
    violations: list[str] = []
    worst = [0.0]

    def runner(base: dict[str, Any]) -> Callable[[], None]:
        @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(st.data())
        def run(data: st.DataObject) -> None:
            what, event = data.draw(mutated(base))
            with environment(env):
                inv = invoke(module, event)
            worst[0] = max(worst[0], inv.seconds)
            outcomes[_outcome_key(inv)] += 1
            problem = verdict(inv, event)
            if problem is None and inv.seconds >= BUDGET_S:
                problem = f"took {inv.seconds:.2f}s"
            if problem is not None:
                violations.append(f"{what} -> {problem}")

        return run

    for base in bases:
        runner(base)()
    return outcomes, violations, worst[0]


def _summarise(violations: list[str]) -> str:
    """``"raised TypeError x45 (e.g. ~response); ..."``: each distinct problem, its count and a smallest example."""
    by_problem: dict[str, list[str]] = collections.defaultdict(list)
    for item in violations:
        what, _, problem = item.rpartition(" -> ")
        by_problem[problem].append(what)
    return "; ".join(f"{problem} x{len(whats)} (e.g. {min(whats, key=len)})"
                     for problem, whats in sorted(by_problem.items(), key=lambda kv: -len(kv[1])))


def _record(out: Outcome, name: str, result: tuple[collections.Counter[str], list[str], float]) -> None:
    outcomes, violations, worst = result
    out.timed(worst)
    out.check(f"{name}: only documented outcomes, none past {BUDGET_S}s", not violations, _summarise(violations))
    out.note(f"{name}: {sum(outcomes.values())} events -> {dict(sorted(outcomes.items()))}, worst {worst:.2f}s")


def fuzz_handlers(ctx: RunContext) -> Outcome:
    """Every handler, ``n`` mutated events per real-shaped base event."""
    out = Outcome()
    n = ctx.n(15, 300)
    with MigrationRig(ctx, accounts=2) as rig:
        rig.env["LEGACY_DB_URL"] = rig.url
        account = rig.accounts[0]
        migration = rig.container()
        bases = [migration_event(account.handle, account.password),
                 migration_event(account.email, "x" * 12, "UserMigration_ForgotPassword")]
        _record(out, "UserMigration", _fuzz(migration, rig.env, bases, _migration_verdict, n))
        signup_env = {**rig.env, "HOOKS_SIGNUP_GUARD": "refuse"}
        with isolated_hook_wiring():
            with environment(signup_env):
                signup = cold_start("pre_signup")
            bases = [load_event(name) for name in ("cognito_pre_signup_sign_up",
                                                   "cognito_pre_signup_admin_create_user",
                                                   "cognito_pre_signup_external_provider")]
            _record(out, "PreSignUp", _fuzz(signup, signup_env, bases, _signup_verdict, n))
    with HooksRig(ctx, via_proxy=False) as hooks:
        confirm = hooks.container()
        bases = [confirmation_event("fuzzuser", legacy_id="7"),
                 load_event("cognito_post_confirmation_confirm_forgot_password")]
        env = {**hooks.env}
        with environment(env, remove=LEGACY_VARS):
            _record(out, "PostConfirmation", _fuzz(confirm, env, bases, _same_event, n))
    token_env = {"POWERTOOLS_SERVICE_NAME": "reliability"}
    with environment(token_env):
        pre_token = cold_start("pre_token_generation")
    bases = [load_event("cognito_pre_token_generation_v1_authentication"),
             load_event("cognito_pre_token_generation_v2_authentication")]
    _record(out, "PreTokenGeneration", _fuzz(pre_token, token_env, bases, _same_event, n))
    keys = PoolKeys()
    with FaultyJwksServer(keys.document()) as server:
        env = authorizer_env(server.url)
        authorizer = authorizer_container(env)
        bases = []
        for name in ("apigw_token_authorizer", "apigw_request_authorizer", "apigw_http_v2_authorizer"):
            text = json.dumps(load_event(name)).replace("REPLACED_BY_TEST", keys.token())
            bases.append(json.loads(text))
        _record(out, "authorizer", _fuzz(authorizer, env, [copy.deepcopy(b) for b in bases], _authorizer_verdict, n))
    return out


def atheris_jwt(ctx: RunContext) -> Outcome:
    """libFuzzer (atheris) over the authorizer's JWT parser/verifier, in a bounded subprocess."""
    out = Outcome()
    runs, seconds = ctx.n(3000, 100_000), ctx.n(20, 180)
    dictionary = ctx.tmp / "jwt.dict"  # libFuzzer dictionary: JSON/JWT tokens help it past the strict parser
    words = ['"alg"', '"RS256"', '"kid"', '"fuzz-kid"', '"sub"', '"exp"', '"iat"', '"iss"', '"token_use"',
             '"access"', '"client_id"', '"fuzzclient"', '"crit"', '"jku"', '"none"', "{", "}", "[", "]", ":", ",",
             "null", "true", "1e999", "NaN", "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Fuzz1"]
    dictionary.write_text("\n".join(f"kw{i}={w if w.startswith(chr(34)) else chr(34) + w + chr(34)}"
                                    for i, w in enumerate(words)) + "\n", encoding="utf-8")
    cmd = [sys.executable, "-m", "tests.reliability.atheris_jws", f"-runs={runs}", f"-max_total_time={seconds}",
           "-max_len=4096", "-print_final_stats=1", f"-dict={dictionary}"]
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=seconds + 60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    wall = time.monotonic() - start
    done = re.search(r"Done (\d+) runs", proc.stderr)
    cov = re.findall(r"cov: (\d+)", proc.stderr)
    out.check("no crash (only Principal / TokenRejectedError)", proc.returncode == 0,
              f"exit {proc.returncode}: " + " | ".join(proc.stderr.splitlines()[-3:]))
    out.check("ran to its bound", done is not None, "no 'Done' line")
    executed = int(done.group(1)) if done else 0
    out.figures.update({"atheris_runs": executed, "atheris_cov": int(cov[-1]) if cov else 0})
    out.note(f"atheris {executed} inputs in {wall:.0f}s, coverage {cov[-1] if cov else '?'} edges, "
             f"exit {proc.returncode}")
    return out


SCENARIOS = [
    Scenario("hypothesis: hostile events into every handler",
             "only documented outcomes (generic error / refusal / no-op event / 401-403-Allow), none past 4.5 s",
             fuzz_handlers, "fuzz"),
    Scenario("atheris: libFuzzer over the JWT parser/verifier (raw, structured, genuinely signed payloads)",
             "no crash: only a Principal or TokenRejectedError", atheris_jwt, "fuzz"),
]

"""``python -m devstack demo``: start the local stack, walk the migration flow, stop. Exit 1 if a step misbehaves.

Steps (each checked, not just shown):

1. a legacy q2a user (bcrypt hash) signs in with the old password: UserMigration runs, the user is created;
2. a legacy user with the older q2a SHA-1 ``passsalt``/``passcheck`` pair is migrated the same way;
3. the first user signs in again: native Cognito sign-in, no trigger call to the legacy DB;
4. a wrong password and a blocked legacy account are refused (the same generic error);
5. a new user signs up (PreSignUp), confirms (PostConfirmation provisions the app DB row) and signs in;
6. ``GET /me`` through the Lambda authorizer shows the identity; no token -> 401, a tampered token -> 401; the
   ID token carries the ``legacy_id`` claim PreTokenGeneration added (cognito-local applies V1 claims only).

Trigger timings are shown against Cognito's hard 5 s limit.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from devstack.cognito_local import CognitoLocalError
from devstack.flows import SignIn, app_user_rows, claims_of, get_me, sign_in, sign_up, tamper
from devstack.legacy_seed import sample_user
from devstack.stack import LocalStack, StackInfo, describe, missing_handlers

LIMIT_MS = 5000.0
NEW_USER_EMAIL = "newcomer@example.org"
NEW_USER_PASSWORD = "a-brand-new-passphrase"  # noqa: S105 - demo account


@dataclass
class Report:
    """Collects step outcomes and prints them as they happen."""

    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def step(self, title: str) -> None:
        """Print a step heading."""
        print(f"\n▶ {title}")

    def check(self, ok: bool, what: str, detail: str = "") -> bool:
        """Record and print one expectation."""
        (self.passed if ok else self.failed).append(what)
        mark = "  ✔" if ok else "  ✘ FAILED:"
        print(f"{mark} {what}{f'  ({detail})' if detail else ''}")
        return ok


def _timings(records: list[dict[str, Any]]) -> str:
    if not records:
        return "no Lambda trigger ran"
    parts = []
    for r in records:
        outcome = ("ok" if r["ok"] else f"error: {r['error_type']}") + (" (cold start)" if r.get("cold") else "")
        if r["trigger_source"]:  # a Cognito trigger: show it against Cognito's hard limit
            bar = "█" * max(1, round(20 * r["duration_ms"] / LIMIT_MS))
            budget = f"of {LIMIT_MS:.0f} ms  {bar:<20}"
        else:
            budget = " " * 32
        parts.append(f"      {r['function']:<22} {r['duration_ms']:8.1f} ms {budget} {outcome}")
    return "\n" + "\n".join(parts)


TIME_KEYS = frozenset({"auth_time", "exp", "iat", "nbf"})


def display_value(key: str, value: object) -> str:
    """One identity or claim value as a person reads it.

    Epoch seconds (``auth_time``, ``exp``, ``iat``, ``nbf``) become ISO 8601 UTC; an empty value (no groups,
    no scopes) is ``(none)``.
    """
    text = str(value).strip() if value is not None else ""
    if key in TIME_KEYS and text.isdigit():
        return datetime.fromtimestamp(int(text), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return text or "(none)"


def key_value_lines(values: Mapping[str, object], indent: str = "      ") -> str:
    """``key: value`` lines, keys sorted and aligned (never a dict repr)."""
    width = max((len(k) for k in values), default=0) + 1
    return "\n".join(f"{indent}{k + ':':<{width}} {display_value(k, values[k])}" for k in sorted(values))


class Demo:
    """The demo's steps against one running stack."""

    def __init__(self, stack: LocalStack, info: StackInfo, report: Report) -> None:
        self.stack, self.info, self.report = stack, info, report
        assert stack.cognito is not None
        self.idp = stack.cognito.client()

    def _calls(self, action: Callable[[], Any]) -> tuple[Any, list[dict[str, Any]]]:
        before = len(self.stack.invocations())
        result = action()
        return result, self.stack.invocations()[before:]

    def _exists(self, username: str) -> bool:
        try:
            self.idp.admin_get_user(UserPoolId=self.info.user_pool_id, Username=username)
        except self.idp.exceptions.UserNotFoundException:
            return False
        return True

    def migrate(self, handle: str, scheme: str) -> SignIn:
        """Steps 1-2: first sign-in of a legacy user; returns the sign-in (tokens, or the error)."""
        user = sample_user(handle)
        r = self.report
        r.step(f"Legacy user '{handle}' ({scheme}) signs in with the old password")
        result, calls = self._calls(lambda: sign_in(self.idp, self.info.client_id, handle, user.password))
        print(f"    sign-in took {result.seconds * 1000:.0f} ms; triggers:{_timings(calls)}")
        migration = [c for c in calls if c["function"] == "user-migration"]
        r.check(result.ok, "tokens issued", result.error_code or "")
        r.check(bool(migration) and migration[0]["ok"], "UserMigration ran and succeeded")
        r.check(all(c["duration_ms"] < LIMIT_MS for c in calls), "every trigger answered within 5 s")
        r.check(self._exists(handle), f"'{handle}' now exists in the user pool")
        return result

    def native(self, handle: str) -> None:
        """Step 3: the migrated user signs in again without the legacy DB."""
        r = self.report
        r.step(f"'{handle}' signs in again")
        user = sample_user(handle)
        result, calls = self._calls(lambda: sign_in(self.idp, self.info.client_id, handle, user.password))
        print(f"    sign-in took {result.seconds * 1000:.0f} ms; triggers:{_timings(calls)}")
        r.check(result.ok, "tokens issued", result.error_code or "")
        r.check(not any(c["function"] == "user-migration" for c in calls), "native sign-in: UserMigration not called")

    def refused(self) -> None:
        """Step 4: wrong password and blocked account."""
        r = self.report
        r.step("A wrong password and a blocked legacy account are refused")
        carol = sample_user("carol")
        wrong, calls = self._calls(lambda: sign_in(self.idp, self.info.client_id, "carol", carol.password + "x"))
        print(f"    wrong password:{_timings(calls)}")
        r.check(not wrong.ok and wrong.error_code == "NotAuthorizedException",
                "wrong password -> NotAuthorizedException", wrong.error_code or "tokens issued!")
        r.check(not self._exists("carol"), "'carol' was not created")
        mallory = sample_user("mallory")
        blocked, calls = self._calls(lambda: sign_in(self.idp, self.info.client_id, "mallory", mallory.password))
        print(f"    blocked account (right password):{_timings(calls)}")
        r.check(not blocked.ok and blocked.error_code == "NotAuthorizedException",
                "blocked user -> NotAuthorizedException (same generic error)", blocked.error_code or "tokens issued!")
        r.check(not self._exists("mallory"), "'mallory' was not created")

    def new_user(self) -> None:
        """Step 5: sign-up, confirmation, provisioning."""
        r = self.report
        r.step(f"A new user signs up as {NEW_USER_EMAIL} and is provisioned")
        (code, message), calls = self._calls(
            lambda: sign_up(self.idp, self.info.client_id, NEW_USER_EMAIL, NEW_USER_PASSWORD))
        print(f"    sign-up:{_timings(calls)}")
        r.check(code is None, "SignUp accepted by PreSignUp", f"{code}: {message}" if code else "")
        confirm, calls = self._calls(lambda: self._confirm(NEW_USER_EMAIL))
        print(f"    confirm:{_timings(calls)}")
        r.check(confirm is None, "ConfirmSignUp accepted", confirm or "")
        r.check(any(c["function"] == "post-confirmation" and c["ok"] for c in calls), "PostConfirmation succeeded")
        rows = app_user_rows(self.info.app_db_url, NEW_USER_EMAIL)
        r.check(len(rows) == 1 and bool(rows[0].get("cognito_sub")), "app_users row provisioned with the Cognito sub",
                f"{len(rows)} row(s)")
        result = sign_in(self.idp, self.info.client_id, NEW_USER_EMAIL, NEW_USER_PASSWORD)
        r.check(result.ok, "the new user signs in", result.error_code or "")

    def _confirm(self, email: str) -> str | None:
        from devstack.flows import confirm_sign_up

        return confirm_sign_up(self.idp, self.info.client_id, email, self.info.confirmation_code)

    def api(self, handle: str, signed_in: SignIn) -> None:
        """Step 6: GET /me through the authorizer; the legacy id PreTokenGeneration put in the ID token."""
        r = self.report
        token = signed_in.access_token
        r.step(f"GET {self.info.api_url}/me through the Lambda authorizer")
        answer, calls = self._calls(lambda: get_me(self.info.api_url, f"Bearer {token}"))
        print(f"    with '{handle}' access token -> HTTP {answer.status}:{_timings(calls)}")
        identity = answer.body.get("identity", {}) if isinstance(answer.body, dict) else {}
        if identity:
            print("    identity the backend received from the authorizer:")
            print(key_value_lines(identity))
        r.check(answer.status == 200, "200 OK with the identity", f"HTTP {answer.status}")
        r.check(handle in {str(v) for v in identity.values()}, f"identity names '{handle}'")
        missing = get_me(self.info.api_url, None)
        r.check(missing.status == 401, "no token -> 401", f"HTTP {missing.status}")
        tampered = get_me(self.info.api_url, f"Bearer {tamper(token)}" if token.count(".") == 2 else "Bearer x.y.z")
        r.check(tampered.status == 401, "tampered token -> 401", f"HTTP {tampered.status}")
        id_claims = claims_of(signed_in.tokens.get("IdToken", ""))
        shown = {k: id_claims[k] for k in ("legacy_id", "custom:legacy_id", "custom:legacy_roles") if k in id_claims}
        print(f"    '{handle}' ID token, claims from the migration and PreTokenGeneration:")
        print(key_value_lines(shown) if shown else "      (none)")
        legacy_id = str(sample_user(handle).userid)
        r.check(id_claims.get("legacy_id") == legacy_id, f"ID token carries legacy_id {legacy_id} (PreTokenGeneration)",
                str(id_claims.get("legacy_id")))


def run_demo(verbose: bool = False) -> int:
    """Run the whole demo; return the process exit status (0 = every step behaved)."""
    print("cognito-legacy-auth local demo: cognito-local + our real Lambda handlers, no AWS account\n")
    missing = missing_handlers()
    if missing:
        print(f"WARNING: handler modules missing from this checkout: {', '.join(missing)} (their steps will fail)\n")
    stack = LocalStack(quiet=not verbose)
    started = time.monotonic()
    try:
        info = stack.start()
    except CognitoLocalError as exc:
        print(f"ERROR: {exc}")
        return 2
    report = Report()
    try:
        print(f"Stack up in {time.monotonic() - started:.1f} s:")
        print(describe(info, os.environ))
        demo = Demo(stack, info, report)
        alice = demo.migrate("alice", "q2a bcrypt $2y$")
        demo.migrate("bob", "q2a SHA-1 passsalt/passcheck")
        demo.native("alice")
        demo.refused()
        demo.new_user()
        demo.api("alice", alice)
    except Exception as exc:  # noqa: BLE001 - report any crash as a failed step, then stop the stack
        report.check(False, "demo step crashed", f"{type(exc).__name__}: {exc}")
    finally:
        stack.stop()
    total = len(report.passed) + len(report.failed)
    print(f"\n{len(report.passed)}/{total} checks passed.")
    if report.failed:
        print("FAILED:\n" + "\n".join(f"  - {f}" for f in report.failed))
        return 1
    print("Every step behaved.")
    return 0

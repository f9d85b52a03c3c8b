"""``legacy-auth check USERNAME``: what the migrate-user trigger would do for one sign-in, step by step.

The password is read without echo (``getpass``) when standard input is a terminal, or from one line of stdin
with the explicit ``--password-stdin`` flag; with neither (CI, a support script, ``< /dev/null``) the command
says so in one line with the usage exit status 2, before anything connects. The
steps run the trigger's own code (:func:`legacy_auth.migration.policy.migrate_user` over the same
:class:`~legacy_auth.migration.store.SqlUserStore` and hashing context), observed through thin recording wrappers, so
the answer is the trigger's answer. Neither the password nor the stored hash is ever printed.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TextIO

from legacy_auth.cli.environment import add_legacy_flags, hash_context, open_legacy, settings_from
from legacy_auth.cli.errors import UsageError
from legacy_auth.cli.output import print_json
from legacy_auth.cli.timing import COGNITO_LIMIT_MS
from legacy_auth.db import Deadline
from legacy_auth.errors import (
    BudgetExceededError,
    CorruptRowError,
    CredentialError,
    HashError,
    LegacyAuthError,
    reason_of,
)
from legacy_auth.hashing import HashContext, Verification
from legacy_auth.migration.policy import MigrationPolicy, MigrationResult, migrate_user
from legacy_auth.migration.store import SqlUserStore
from legacy_auth.migration.tracking import MigrationTracker
from legacy_auth.model import LegacyUser

HELP = "show, step by step, what the migration trigger would do for one username and password"


def register(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Add the ``check`` sub-command."""
    p = sub.add_parser("check", help=HELP, description=HELP + ". Exit status 0 when the user would migrate, "
                       "1 when the trigger would refuse.", parents=parents)
    p.add_argument("username", help="the login as the user would type it (username or email)")
    p.add_argument("--password-stdin", action="store_true",
                   help="read the password from the first line of stdin instead of prompting (needed when stdin "
                        "is not a terminal)")
    add_legacy_flags(p)
    p.set_defaults(func=run)


@dataclass(slots=True)
class Steps:
    """What the recording wrappers saw (no secret: the hash and password are never stored here)."""

    lookup_ms: float | None = None
    user: LegacyUser | None = None
    lookup_error: str | None = None
    verify_ms: float | None = None
    verified: bool | None = None
    scheme: str | None = None
    dummy_verify: bool = False
    notes: list[str] = field(default_factory=list)


class RecordingStore:
    """A :class:`~legacy_auth.migration.store.LegacyUserStore` that records the lookup it delegates."""

    def __init__(self, inner: SqlUserStore, steps: Steps) -> None:
        self.inner, self.steps = inner, steps

    def find_by_login(self, login: str, *, deadline: Deadline) -> LegacyUser | None:
        """Delegate, timing the lookup and keeping the user found."""
        t0 = time.perf_counter()
        try:
            user = self.inner.find_by_login(login, deadline=deadline)
        except LegacyAuthError as exc:
            self.steps.lookup_error = reason_of(exc)
            raise
        finally:
            self.steps.lookup_ms = (time.perf_counter() - t0) * 1000
        self.steps.user = user
        return user


class RecordingVerifier:
    """The hashing context, recording the verification's answer and time (not its inputs)."""

    def __init__(self, inner: HashContext, steps: Steps) -> None:
        self.inner, self.steps = inner, steps

    def verify(self, password: str | bytes, stored: str | bytes | None, **fields: object) -> Verification:
        """Delegate and record ``ok``, ``scheme`` and the time."""
        t0 = time.perf_counter()
        try:
            result = self.inner.verify(password, stored, **fields)
        finally:
            self.steps.verify_ms = (time.perf_counter() - t0) * 1000
        self.steps.verified, self.steps.scheme = bool(result.ok), result.scheme
        return result

    def dummy_verify(self) -> None:
        """Delegate (the trigger's constant-time refusal path)."""
        t0 = time.perf_counter()
        self.inner.dummy_verify()
        self.steps.dummy_verify = True
        self.steps.verify_ms = (time.perf_counter() - t0) * 1000


#: Human text for what a lookup or a stored hash can report (never a class name, never a value).
PROBLEMS: dict[str, str] = {
    "ambiguous_user": "several rows match this login (e.g. a shared email); the trigger refuses it",
    "unknown_user": "no row matches this login",
    "corrupt_hash": "the stored hash is malformed (truncated or badly encoded)",
    "unknown_hash_scheme": "no supported scheme recognises the stored hash",
    "corrupt_row": "the row cannot be read (a column is missing or of the wrong type)",
    "budget_exceeded": "the time budget ran out",
}


def password_source(from_stdin: bool, stdin: TextIO | None = None) -> None:
    """Check, before anything connects, that a password can be read.

    Raises
    ------
    UsageError
        Neither ``--password-stdin`` nor a terminal on stdin: ``getpass`` would fail (``EOFError``) or read
        from a pipe without saying so (exit status 2).
    """
    stream = stdin or sys.stdin
    if from_stdin:
        return
    isatty = getattr(stream, "isatty", None)
    if stream is None or not callable(isatty) or not isatty():
        raise UsageError("check: standard input is not a terminal, so the password cannot be prompted for; "
                         "pass --password-stdin and write it on stdin")


def read_password(from_stdin: bool, stdin: TextIO | None = None) -> str:
    """The password from a no-echo prompt, or the first line of stdin (without its line ending).

    Raises
    ------
    UsageError
        ``--password-stdin`` with nothing on stdin, or the prompt got end-of-file (exit status 2).
    """
    if from_stdin:
        line = (stdin or sys.stdin).readline()
        if not line:
            raise UsageError("--password-stdin: nothing on stdin")
        return line.rstrip("\r\n")
    try:
        return getpass.getpass("Password (not echoed): ")
    except EOFError:
        raise UsageError("check: no password typed (end of input); pass --password-stdin to read it from stdin") \
            from None


def run(args: argparse.Namespace, environ: Mapping[str, str], stdout: TextIO | None = None,
        stderr: TextIO | None = None) -> int:
    """Run the check; print the steps; 0 would migrate, 1 would be refused."""
    out = stdout or sys.stdout
    settings = settings_from(args, environ)
    password_source(args.password_stdin)  # before anything connects
    legacy = open_legacy(settings)
    ctx = hash_context(settings)
    password = read_password(args.password_stdin)
    steps = Steps()
    policy = MigrationPolicy.from_settings(settings)
    budget_ms = min(settings.budget_ms, COGNITO_LIMIT_MS - settings.margin_ms)
    deadline = Deadline.after(budget_ms / 1000)
    store = RecordingStore(SqlUserStore(legacy.db, legacy.preset, legacy.prefix), steps)
    tracker = MigrationTracker(legacy.db, app=settings.app, table=settings.tracking_table) \
        if settings.track_migration else None  # the trigger's migrated-account refusal, as the trigger reads it
    t0 = time.perf_counter()
    result: MigrationResult | None = None
    refusal: LegacyAuthError | None = None
    try:
        result = migrate_user(args.username, password, store=store, hashes=RecordingVerifier(ctx, steps),
                              policy=policy, deadline=deadline, tracker=tracker)
    except (CredentialError, HashError, BudgetExceededError, CorruptRowError) as exc:
        refusal = exc  # a database failure (StoreError) is not an answer: it propagates (exit 3, one line)
    finally:
        del password
    total_ms = (time.perf_counter() - t0) * 1000
    data = report(args.username, legacy.describe(), steps, result, refusal, ctx, total_ms, budget_ms)
    if args.json:
        print_json(data, out)
    else:
        out.write(render(data))
    return 0 if result is not None else 1


def _scheme_of(ctx: HashContext, user: LegacyUser) -> dict[str, Any]:
    if not user.has_password:
        return {"scheme": None, "problem": "no password (SSO-only)"}
    try:
        graded = ctx.assess(user.password_hash, **dict(user.hash_fields))
    except HashError as exc:
        return {"scheme": getattr(exc, "scheme", None), "problem": PROBLEMS[reason_of(exc)]}
    # strength of this hash at its own cost (a cost-4 bcrypt is "acceptable"), not the scheme's usual one
    return {"scheme": graded.scheme, "strength": graded.strength.value, "needs_upgrade": graded.needs_upgrade,
            "cost": graded.cost}


def report(login: str, table: str, steps: Steps, result: MigrationResult | None, refusal: LegacyAuthError | None,
           ctx: HashContext, total_ms: float, budget_ms: int) -> dict[str, Any]:
    """The steps as data (shared by the JSON and human outputs)."""
    user = steps.user
    data: dict[str, Any] = {"login": login, "table": table, "lookup": {
        "found": user is not None, "ms": _ms(steps.lookup_ms), "error": steps.lookup_error}}
    if user is not None:
        data["lookup"].update(legacy_id=user.legacy_id, state=user.state.value, has_password=user.has_password)
        data["hash"] = _scheme_of(ctx, user)
    data["verify"] = {"ran": steps.verified is not None, "ok": steps.verified, "scheme": steps.scheme,
                      "dummy": steps.dummy_verify, "ms": _ms(steps.verify_ms)}
    if result is not None:
        data["outcome"] = {"migrate": True, "final_user_status": result.final_user_status,
                           "message_action": result.message_action, "user_attributes": result.user_attributes}
    else:
        data["outcome"] = {"migrate": False, "reason": reason_of(refusal),
                           "cognito_message": "Incorrect username or password."}
    data["time"] = {"total_ms": _ms(total_ms), "budget_ms": budget_ms, "cognito_limit_ms": COGNITO_LIMIT_MS}
    data["notes"] = steps.notes
    return data


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def render(data: dict[str, Any]) -> str:
    """The human, numbered steps."""
    lookup, verify, outcome = data["lookup"], data["verify"], data["outcome"]
    lines = [f"legacy-auth check {data['login']!r} against {data['table']}"]
    if lookup["found"]:
        lines.append(f"1. lookup      row found: legacy id {lookup['legacy_id']}, state {lookup['state']} "
                     f"({lookup['ms']} ms)")
    else:
        problem = PROBLEMS.get(lookup["error"] or "unknown_user", lookup["error"])
        lines.append(f"1. lookup      no row used: {problem} ({lookup['ms']} ms)")
    hashed = data.get("hash")
    if hashed is None:
        lines.append("2. scheme      -")
    elif hashed.get("problem"):
        lines.append(f"2. scheme      {hashed.get('scheme') or '-'}: {hashed['problem']}")
    else:
        cost = f"{hashed['cost']}, " if hashed.get("cost") else ""
        upgrade = ", needs upgrade" if hashed.get("needs_upgrade") else ""
        lines.append(f"2. scheme      {hashed['scheme']} ({cost}strength {hashed['strength']}{upgrade})")
    if verify["ran"]:
        lines.append(f"3. verify      {'password matches' if verify['ok'] else 'password does NOT match'} "
                     f"({verify['ms']} ms)")
    elif verify["dummy"]:
        lines.append(f"3. verify      dummy verification only, to keep timing uniform ({verify['ms']} ms)")
    elif outcome.get("reason") in ("corrupt_hash", "unknown_hash_scheme"):
        lines.append(f"3. verify      impossible: {outcome['reason']} ({verify['ms']} ms)")
    else:
        lines.append("3. verify      not reached")
    if outcome["migrate"]:
        lines.append(f"4. result      MIGRATE as {outcome['final_user_status']}, messageAction "
                     f"{outcome['message_action']}; attributes sent to Cognito:")
        lines += [f"                 {k} = {v}" for k, v in outcome["user_attributes"].items()]
    else:
        lines.append(f"4. result      REFUSED ({outcome['reason']}); the user sees "
                     f"\"{outcome['cognito_message']}\"")
    t = data["time"]
    lines.append(f"5. time        {t['total_ms']} ms of the {t['budget_ms']} ms budget "
                 f"(Cognito limit {t['cognito_limit_ms']} ms)")
    lines += [f"   note: {n}" for n in data["notes"]]
    return "\n".join(lines) + "\n"

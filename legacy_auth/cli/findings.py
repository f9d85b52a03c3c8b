"""Turn a :class:`~legacy_auth.cli.scan.ScanReport` into findings, and decide the scan's exit status.

A finding is **blocking** when the users it counts could not migrate at all, or the migration itself would
fail: unreadable rows, unsupported or corrupt hashes of active users, emails shared by several rows (the
login is ambiguous and the Cognito email alias can belong to one user only), usernames or emails Cognito
refuses, active users without an email in an email-as-username pool, and schemes whose estimated verify
time exceeds the trigger's budget. Everything else is a **warning** (weak schemes, no verified email so
no forgot-password, a slow scheme) or **info** (blocked/inactive/SSO-only users are refused by design).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from legacy_auth.cli.scan import ScanReport, ScanRules
from legacy_auth.cli.timing import SchemeTiming

BLOCKING, WARNING, INFO = "blocking", "warning", "info"


@dataclass(frozen=True, slots=True)
class Finding:
    """One line of the verdict. ``code`` is stable (for ``--json`` consumers)."""

    code: str
    severity: str
    users: int
    message: str
    examples: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        data = asdict(self)
        data["examples"] = list(self.examples)
        return data


def findings(report: ScanReport, timings: list[SchemeTiming], rules: ScanRules) -> list[Finding]:
    """Every non-empty finding, blocking first."""
    ex = report.examples
    out: list[Finding] = []

    def add(code: str, severity: str, users: int, message: str, example_key: str | None = None) -> None:
        if users:
            out.append(Finding(code, severity, users, message, tuple(ex.get(example_key or code, ()))))

    add("unreadable_rows", BLOCKING, report.unreadable, "rows the preset cannot read (wrong column types?)")
    add("unsupported_hash", BLOCKING, report.unsupported_active, "active users whose hash no scheme recognises")
    add("corrupt_hash", BLOCKING, report.corrupt_active, "active users whose hash is malformed")
    add("duplicate_email", BLOCKING, report.duplicate_email_users,
        f"users sharing an email case-insensitively ({report.duplicate_email_groups} groups)")
    for reason, n in sorted(report.bad_usernames.items()):
        add(f"username_{reason}", BLOCKING, n,
            f"active users whose username Cognito refuses ({reason}): they cannot sign in by username")
    for reason, n in sorted(report.bad_emails.items()):
        add(f"email_{reason}", BLOCKING, n, f"active users whose email Cognito refuses: {reason}")
    if rules.pool_sign_in == "email":
        add("no_email", BLOCKING, report.no_email_active, "active users without an email (email-as-username pool)")
    for t in timings:
        if t.verdict == "over":
            add(f"slow_{t.scheme}", BLOCKING, t.users,
                f"{t.scheme}: ~{t.lambda_ms:.0f} ms per verify exceeds the budget")
    add("weak_scheme", WARNING, report.weak_active, "active users on a weak or broken scheme (Cognito re-hashes)")
    add("no_verified_email", WARNING, report.unverified_email_active,
        "active users whose email is not verified: no forgot-password migration")
    if rules.pool_sign_in != "email":
        add("no_email", WARNING, report.no_email_active, "active users without an email: no forgot-password")
    for t in timings:
        if t.verdict == "tight":
            add(f"slow_{t.scheme}", WARNING, t.users,
                f"{t.scheme}: ~{t.lambda_ms:.0f} ms per verify, over half the budget")
    for state, n in sorted(report.states.items()):
        if state != "active":
            add(f"state_{state}", INFO, n, f"users refused by design ({state})")
    order = {BLOCKING: 0, WARNING: 1, INFO: 2}
    return sorted(out, key=lambda f: order[f.severity])


def exit_status(items: list[Finding]) -> int:
    """1 when any finding is blocking, else 0."""
    return 1 if any(f.severity == BLOCKING for f in items) else 0

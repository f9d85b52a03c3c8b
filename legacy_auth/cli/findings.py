"""Turn a :class:`~legacy_auth.cli.scan.ScanReport` into findings, and decide the scan's exit status.

A finding is **blocking** when the users it counts could not migrate at all, or the migration itself would
fail: unreadable rows, unsupported or corrupt hashes of active users, emails shared by several rows (the
login is ambiguous and the Cognito email alias can belong to one user only), usernames that differ only by
case (the pool's usernames are case-insensitive: only one of each group can ever migrate, and a user-import
CSV holding both fails), usernames or emails Cognito refuses, active users without an email in an
email-as-username pool, and any ``(scheme, cost)`` group whose estimated verify time exceeds the trigger's
budget. Everything else is a **warning** (weak hashes, no verified email so no forgot-password, a cost group
over half the budget) or **info** (blocked/inactive/SSO-only users are refused by design).
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
        f"users sharing an email case-insensitively ({plural(report.duplicate_email_groups, 'group')})")
    if rules.pool_sign_in == "username":
        add("duplicate_username", BLOCKING, report.duplicate_username_users,
            f"users whose usernames differ only by case ({plural(report.duplicate_username_groups, 'group')}): Cognito "
            "usernames are case-insensitive, so only one of each group can migrate (the CSV import fails)")
    for reason, n in sorted(report.bad_usernames.items()):
        add(f"username_{reason}", BLOCKING, n,
            f"active users whose username Cognito refuses ({reason}): they cannot sign in by username")
    for reason, n in sorted(report.bad_emails.items()):
        add(f"email_{reason}", BLOCKING, n, f"active users whose email Cognito refuses: {reason}")
    if rules.pool_sign_in == "email":
        add("no_email", BLOCKING, report.no_email_active, "active users without an email (email-as-username pool)")
    slow = _slow_by_scheme(timings)
    for scheme, (verdict, users, worst, others) in slow.items():
        if verdict == "over":
            add(f"slow_{scheme}", BLOCKING, users, f"{_group_label(worst)}: ~{worst.lambda_ms:.0f} ms per verify "
                f"exceeds the budget{others}")
    add("weak_scheme", WARNING, report.weak_active,
        "active users whose hash is weak or broken at its own cost (Cognito re-hashes)")
    add("no_verified_email", WARNING, report.unverified_email_active,
        "active users whose email is not verified: no forgot-password migration, and export leaves them out; "
        "LEGACY_TRUST_EMAILS=true counts the legacy app's emails as verified (only if it confirmed them)")
    if rules.pool_sign_in != "email":
        add("no_email", WARNING, report.no_email_active,
            "active users without an email: no forgot-password; export leaves them out (they can still migrate "
            "at sign-in)")
    for scheme, (verdict, users, worst, others) in slow.items():
        if verdict == "tight":
            add(f"slow_{scheme}", WARNING, users,
                f"{_group_label(worst)}: ~{worst.lambda_ms:.0f} ms per verify, over half the budget{others}")
    for state, n in sorted(report.states.items()):
        if state != "active":
            add(f"state_{state}", INFO, n, f"users refused by design ({state})")
    order = {BLOCKING: 0, WARNING: 1, INFO: 2}
    return sorted(out, key=lambda f: order[f.severity])


def plural(n: int, noun: str) -> str:
    """``1 group``, ``2 groups``, ``1,234 groups`` (English plural by ``s``)."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _group_label(t: SchemeTiming) -> str:
    return f"{t.scheme} {t.cost}" if t.cost else t.scheme


def _slow_by_scheme(timings: list[SchemeTiming]) -> dict[str, tuple[str, int, SchemeTiming, str]]:
    """Per scheme: the worst verdict, the users in groups with that verdict, the slowest such group, and a note
    on further groups (one finding per scheme keeps the codes stable, whatever the number of costs)."""
    out: dict[str, tuple[str, int, SchemeTiming, str]] = {}
    for verdict in ("over", "tight"):
        by_scheme: dict[str, list[SchemeTiming]] = {}
        for t in timings:
            if t.verdict == verdict and t.scheme not in out:
                by_scheme.setdefault(t.scheme, []).append(t)
        for scheme, hits in by_scheme.items():
            worst = max(hits, key=lambda t: t.lambda_ms)
            more = f" ({plural(len(hits), 'cost group')})" if len(hits) > 1 else ""
            tight = sum(t.users for t in timings if t.scheme == scheme and t.verdict == "tight")
            if verdict == "over" and tight:
                more += f"; {tight} more users in groups over half the budget"
            out[scheme] = (verdict, sum(t.users for t in hits), worst, more)
    return out


def exit_status(items: list[Finding]) -> int:
    """1 when any finding is blocking, else 0."""
    return 1 if any(f.severity == BLOCKING for f in items) else 0

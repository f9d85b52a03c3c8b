"""The readiness scan: stream every legacy row once and count what would happen to it (``legacy-auth scan``).

Memory stays flat whatever the table size: rows come from a server-side cursor
(:meth:`legacy_auth.db.Database.stream`), only counters and one sample hash per ``(scheme, cost)`` group (at
most :data:`~legacy_auth.cli.timing.MAX_COST_GROUPS` per scheme, for the timing estimate, never printed) are
kept, and duplicate emails and usernames are found by the database (``GROUP BY lower(...) HAVING COUNT(*) >
1``, :mod:`legacy_auth.cli.scan_queries`) rather than by holding every value in memory. Each hash is graded at
its own cost (:meth:`~legacy_auth.hashing.HashContext.assess`): a cost-4 bcrypt is ``acceptable``, not
``strong``. Only ``ACTIVE`` rows could ever migrate, so username, email and hash problems block only for them;
the scheme distribution covers every row with a password.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from legacy_auth.cli.cognito_rules import email_problem, username_problem
from legacy_auth.cli.environment import Legacy
from legacy_auth.cli.timing import CostGroup, add_group, group_of
from legacy_auth.errors import CorruptHashError, CorruptRowError, UnknownHashSchemeError
from legacy_auth.hashing import HashContext, Strength
from legacy_auth.model import AccountState

WEAK = frozenset({Strength.WEAK.value, Strength.BROKEN.value})
_RANK = {s.value: i for i, s in enumerate((Strength.UNUSABLE, Strength.BROKEN, Strength.WEAK, Strength.ACCEPTABLE,
                                          Strength.STRONG))}
EXAMPLES = 5  # legacy ids kept per finding (ids are not secret; values such as emails are never kept)


@dataclass(slots=True)
class ScanReport:
    """Counters of one scan (see ``docs/cli.md`` for what each means and which ones block)."""

    rows: int = 0
    unreadable: int = 0
    states: Counter[str] = field(default_factory=Counter)
    schemes: Counter[str] = field(default_factory=Counter)
    weakest: dict[str, str] = field(default_factory=dict)  # scheme -> weakest per-hash strength seen
    groups: dict[str, dict[str, CostGroup]] = field(default_factory=dict, repr=False)  # scheme -> cost -> group
    cheaper: dict[str, int] = field(default_factory=dict)  # scheme -> users in dropped (cheapest) cost groups
    unsupported: int = 0
    unsupported_active: int = 0
    corrupt: Counter[str] = field(default_factory=Counter)
    corrupt_active: int = 0
    weak_active: int = 0
    no_email_active: int = 0
    unverified_email_active: int = 0
    bad_usernames: Counter[str] = field(default_factory=Counter)
    bad_emails: Counter[str] = field(default_factory=Counter)
    duplicate_email_groups: int = 0
    duplicate_email_users: int = 0
    duplicate_username_groups: int = 0
    duplicate_username_users: int = 0
    examples: dict[str, list[str]] = field(default_factory=dict)

    def example(self, finding: str, legacy_id: str) -> None:
        """Remember up to ``EXAMPLES`` legacy ids for ``finding``."""
        ids = self.examples.setdefault(finding, [])
        if len(ids) < EXAMPLES:
            ids.append(legacy_id)

    def add_cost_group(self, group: CostGroup) -> None:
        """Count ``group`` (a new row, or a worker's group when merging) and track the weakest strength."""
        add_group(self.groups, self.cheaper, group)
        self.note_strength(group.scheme, group.strength)

    def note_strength(self, scheme: str, strength: str) -> None:
        """Remember ``strength`` if it is the weakest seen for ``scheme``."""
        seen = self.weakest.get(scheme)
        if seen is None or _RANK[strength] < _RANK[seen]:
            self.weakest[scheme] = strength

    def cost_groups(self) -> list[CostGroup]:
        """Every kept group, by scheme then most expensive first."""
        return [g for name in sorted(self.groups) for g in sorted(self.groups[name].values(), key=lambda g: -g.work)]


@dataclass(frozen=True, slots=True)
class ScanRules:
    """What the pool accepts: ``pool_sign_in`` (``username``/``email``), aliases, trusted emails."""

    pool_sign_in: str = "username"
    aliases: bool = True
    trust_emails: bool = False


def scan_rows(rows: Iterable[Mapping[str, Any]], legacy: Legacy, ctx: HashContext, rules: ScanRules,
              *, report: ScanReport | None = None, on_row: Callable[[int], None] | None = None) -> ScanReport:
    """Classify every row of ``rows`` into ``report``.

    Parameters
    ----------
    rows : Iterable[Mapping[str, Any]]
        Driver rows of the preset's scan query (streamed).
    legacy : Legacy
        Preset and prefix.
    ctx : HashContext
        The app's hashing context (``identify`` only: nothing is verified here).
    rules : ScanRules
        The pool's username/email rules.
    report : ScanReport or None
        Counters to add to (a new one by default).
    on_row : Callable[[int], None] or None
        Called with the running row count every 1024 rows (progress bar).

    Returns
    -------
    ScanReport
        The counters.
    """
    report = report or ScanReport()
    to_user, assess = legacy.preset.to_user, ctx.assess
    states, schemes, groups = report.states, report.schemes, report.groups
    check_username = rules.pool_sign_in == "username"
    active = AccountState.ACTIVE
    count = report.rows
    for row in rows:
        count += 1
        if on_row is not None and not count & 1023:
            on_row(count)
        try:
            user = to_user(row)
        except CorruptRowError:
            report.unreadable += 1
            continue
        state = user.state
        states[state.value] += 1
        is_active = state is active
        if user.has_password:
            try:
                graded = assess(user.password_hash, **user.hash_fields)
            except UnknownHashSchemeError:
                report.unsupported += 1
                if is_active:
                    report.unsupported_active += 1
                    report.example("unsupported_hash", user.legacy_id)
            except CorruptHashError as exc:
                report.corrupt[exc.scheme] += 1
                if is_active:
                    report.corrupt_active += 1
                    report.example("corrupt_hash", user.legacy_id)
            else:
                name = graded.scheme
                schemes[name] += 1
                group = groups.get(name, {}).get(graded.cost)
                if group is not None:
                    group.users += 1
                else:
                    report.add_cost_group(group_of(graded, user.password_hash, user.hash_fields))
                if is_active and graded.strength.value in WEAK:
                    report.weak_active += 1
        if not is_active:
            continue
        if check_username:
            problem = username_problem(user.username, aliases=rules.aliases)
            if problem is not None:
                report.bad_usernames[problem] += 1
                report.example(f"username_{problem}", user.legacy_id)
        email = (user.email or "").strip()
        if not email:
            report.no_email_active += 1
            continue
        problem = email_problem(email)
        if problem is not None:
            report.bad_emails[problem] += 1
            report.example(f"email_{problem}", user.legacy_id)
        if not (user.email_verified or rules.trust_emails):
            report.unverified_email_active += 1
    report.rows = count
    return report

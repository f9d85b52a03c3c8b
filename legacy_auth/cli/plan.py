"""The migration plan: stream every legacy row once and put each user on one route (``legacy-auth plan``).

Each row goes through the preset's own row mapping (:meth:`AppPreset.to_user`: the trigger's account states and
login columns) and :func:`legacy_auth.importing.routes.classify` with the trigger's :class:`MigrationPolicy`,
so the plan can only disagree with the trigger where the trigger itself would. Memory stays flat as in
``scan`` (:mod:`legacy_auth.cli.scan`): the rows come from a server-side cursor (or one per primary-key range,
:mod:`legacy_auth.cli.parallel_scan`), and only counters are kept, plus, for the ``lazy`` users, one sample
hash per ``(scheme, cost)`` group (:mod:`legacy_auth.cli.timing`, at most ``MAX_COST_GROUPS`` per scheme) so
the capacity estimate can time the verifications the trigger will run. No hash, salt or digest is printed.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from legacy_auth.cli.environment import Legacy, hash_context
from legacy_auth.cli.timing import CostGroup, add_group, group_of
from legacy_auth.errors import CorruptRowError, HashError
from legacy_auth.hashing import HashContext
from legacy_auth.importing.routes import RouteKind, classify
from legacy_auth.migration.policy import MigrationPolicy

#: distinct parameter sets counted per algorithm; hostile data could carry a new one on every row
MAX_PARAMETER_SETS = 16
RouteKey = tuple[str, str, str | None]  # (route, reason, algorithm)


@dataclass(slots=True)
class PlanReport:
    """Counters of one plan (one stream or one primary-key range).

    Attributes
    ----------
    counts : Counter[RouteKey]
        Users per ``(route, reason, algorithm)``.
    parameters : dict[str, Counter[str]]
        Per candidate algorithm, users per parameter set (``cost=10``; at most :data:`MAX_PARAMETER_SETS`, the
        rest under ``other``).
    groups, cheaper
        The ``lazy`` users' cost groups (:func:`legacy_auth.cli.timing.add_group`) for the verify-time estimate.
    """

    rows: int = 0
    unreadable: int = 0
    counts: Counter[RouteKey] = field(default_factory=Counter)
    parameters: dict[str, Counter[str]] = field(default_factory=dict)
    groups: dict[str, dict[str, CostGroup]] = field(default_factory=dict, repr=False)
    cheaper: dict[str, int] = field(default_factory=dict)

    @property
    def users(self) -> int:
        """Users put on a route (every readable row)."""
        return sum(self.counts.values())

    def by_route(self) -> dict[str, int]:
        """Users per route, every route present (``0`` when empty), in :class:`RouteKind` order."""
        out = {kind.value: 0 for kind in RouteKind}
        for (kind, _, _), n in self.counts.items():
            out[kind] += n
        return out

    def note_parameters(self, algorithm: str, params: Mapping[str, int], n: int = 1) -> None:
        """Count ``n`` users of ``algorithm`` with ``params``."""
        key = ",".join(f"{k}={v}" for k, v in params.items()) if params else "-"
        seen = self.parameters.setdefault(algorithm, Counter())
        if key not in seen and len(seen) >= MAX_PARAMETER_SETS:
            key = "other"
        seen[key] += n

    def cost_groups(self) -> list[CostGroup]:
        """The lazy users' groups, by scheme then most expensive first."""
        return [g for name in sorted(self.groups) for g in sorted(self.groups[name].values(), key=lambda g: -g.work)]


def plan_rows(rows: Iterable[Mapping[str, Any]], legacy: Legacy, ctx: HashContext, policy: MigrationPolicy, *,
              report: PlanReport | None = None, on_row: Callable[[int], None] | None = None) -> PlanReport:
    """Put every row of ``rows`` on its route, into ``report``.

    Parameters
    ----------
    rows : Iterable[Mapping[str, Any]]
        Driver rows of the preset's scan query (streamed).
    legacy : Legacy
        Preset, prefix and settings (``LEGACY_APP``).
    ctx : HashContext
        The app's hash context, configured as the trigger's.
    policy : MigrationPolicy
        The trigger's policy (``LEGACY_TRUST_EMAILS``, pool sign-in and aliases).
    report : PlanReport or None
        Counters to add to (a new one by default).
    on_row : Callable[[int], None] or None
        Called with the running row count every 1024 rows (progress bar).
    """
    report = report or PlanReport()
    app, to_user, counts, lazy = legacy.settings.app, legacy.preset.to_user, report.counts, RouteKind.LAZY
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
        route = classify(app, user, policy, context=ctx)
        algorithm = route.algorithm.value if route.algorithm is not None else None
        counts[(route.kind.value, route.reason, algorithm)] += 1
        if algorithm is not None:
            report.note_parameters(algorithm, route.params)
        if route.kind is not lazy:
            continue
        try:
            graded = ctx.assess(user.password_hash, **user.hash_fields)
        except HashError:
            continue
        group = report.groups.get(graded.scheme, {}).get(graded.cost)
        if group is not None:
            group.users += 1
        else:
            add_group(report.groups, report.cheaper, group_of(graded, user.password_hash, user.hash_fields))
    report.rows = count
    return report


def merge_plans(reports: Iterable[PlanReport]) -> PlanReport:
    """One report from several ranges (counters added; cost groups merged under the same cap)."""
    total = PlanReport()
    for r in reports:
        total.rows += r.rows
        total.unreadable += r.unreadable
        total.counts.update(r.counts)
        for algorithm, sets in r.parameters.items():
            for key, n in sets.items():
                seen = total.parameters.setdefault(algorithm, Counter())
                seen[key if key in seen or len(seen) < MAX_PARAMETER_SETS else "other"] += n
        for group in r.cost_groups():
            add_group(total.groups, total.cheaper, dataclasses.replace(group))
        for name, n in r.cheaper.items():
            total.cheaper[name] = total.cheaper.get(name, 0) + n
    return total


@dataclass(frozen=True, slots=True)
class PlanJob:
    """The ``plan`` command's range job (:class:`legacy_auth.cli.parallel_scan.RangeJob`)."""

    policy: MigrationPolicy

    def run(self, legacy: Legacy, rows: Iterable[Mapping[str, Any]], on_row: Callable[[int], None]) -> PlanReport:
        """Plan ``rows``."""
        return plan_rows(rows, legacy, hash_context(legacy.settings), self.policy, on_row=on_row)

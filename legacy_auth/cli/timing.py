"""Estimated verification time per hash scheme **and cost** on Lambda, against Cognito's 5 s limit (``scan``).

The cost of a verification depends on the stored hash, not only on its scheme: a table holding bcrypt cost 4
and cost 13 hashes has two very different timings under one scheme name. The scan therefore groups hashes by
``(scheme, cost key)`` (:meth:`legacy_auth.hashing.HashContext.assess`: bcrypt cost, PBKDF2 iterations, argon2
m/t/p ...), keeps one sample hash per group, and times each group. At most :data:`MAX_COST_GROUPS` groups are
kept per scheme (hostile data could carry a different cost on every row): when more turn up, the cheapest
group is dropped (its users are counted as "cheaper costs, not timed"), so the most expensive groups, the ones
that can break the budget, are always timed.

One verification of each sampled hash is timed locally (with a wrong password: the cost is the same and no
secret is involved), and scaled to the Lambda memory size: Lambda allocates CPU in proportion to memory, one
full vCPU at 1,769 MB (AWS Lambda developer guide, "Configure Lambda function memory"). A verification is
single-threaded, so more than 1,769 MB does not make it faster. The estimate assumes one local core is about
one Lambda vCPU; measure on the target when it is close.
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from legacy_auth.errors import HashError
from legacy_auth.hashing import Assessment, HashContext

FULL_VCPU_MB = 1769
#: ``scan --lambda-memory`` default: the template's ``MigrationMemorySize`` default (a unit test keeps them equal).
MIGRATION_MEMORY_MB = 1769
COGNITO_LIMIT_MS = 5000
MIN_MEMORY_MB = 128
MAX_MEMORY_MB = 10240
MAX_COST_GROUPS = 8
_PROBE = "legacy-auth timing probe (not a password)"  # a deliberately wrong password


@dataclass(slots=True)
class Sample:
    """One stored hash of a cost group, kept to time a verification. Never printed or serialised."""

    stored: Any = field(repr=False)
    fields: Mapping[str, Any] = field(repr=False)


@dataclass(slots=True)
class CostGroup:
    """The rows of one ``(scheme, cost)``: how many, how strong, and one sample to time."""

    scheme: str
    cost: str
    strength: str
    needs_upgrade: bool
    work: float
    users: int = 0
    sample: Sample | None = field(default=None, repr=False)


def add_group(groups: dict[str, dict[str, CostGroup]], cheaper: dict[str, int], group: CostGroup) -> None:
    """Add ``group`` (users and, if new, its sample) to ``groups``; keep :data:`MAX_COST_GROUPS` per scheme.

    ``cheaper[scheme]`` receives the users of a dropped group (always the cheapest of the scheme).
    """
    by_cost = groups.setdefault(group.scheme, {})
    mine = by_cost.get(group.cost)
    if mine is not None:
        mine.users += group.users
        return
    by_cost[group.cost] = group
    if len(by_cost) > MAX_COST_GROUPS:
        cheapest = min(by_cost.values(), key=lambda g: g.work)
        del by_cost[cheapest.cost]
        cheaper[group.scheme] = cheaper.get(group.scheme, 0) + cheapest.users


def group_of(assessment: Assessment, stored: Any, fields: Mapping[str, Any]) -> CostGroup:
    """A one-user group for a freshly assessed row (the sample copies the row's hash fields)."""
    return CostGroup(assessment.scheme, assessment.cost, assessment.strength.value, assessment.needs_upgrade,
                     assessment.work, 1, Sample(stored, dict(fields)))


def lambda_factor(memory_mb: int) -> float:
    """How much slower than one full vCPU a single-threaded task runs at ``memory_mb``."""
    return FULL_VCPU_MB / min(max(memory_mb, MIN_MEMORY_MB), FULL_VCPU_MB)


@dataclass(frozen=True, slots=True)
class SchemeTiming:
    """The estimate for one cost group. ``verdict``: ``ok``, ``tight`` (over half the budget) or ``over``."""

    scheme: str
    users: int
    local_ms: float
    lambda_ms: float
    verdict: str
    cost: str = ""


def time_verify(ctx: HashContext, sample: Sample, repeats: int = 3) -> float:
    """Median wall time (ms) of ``repeats`` verifications of ``sample`` with a wrong password."""
    times = []
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        with contextlib.suppress(HashError):  # identified earlier; the time spent is what the trigger spends
            ctx.verify(_PROBE, sample.stored, **dict(sample.fields))
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def estimate(ctx: HashContext, groups: Iterable[CostGroup], *, memory_mb: int, budget_ms: int,
             repeats: int = 3) -> list[SchemeTiming]:
    """Time one sample of each cost group and scale it to ``memory_mb``.

    Parameters
    ----------
    ctx : HashContext
        The app's context (verification exactly as the trigger does it).
    groups : Iterable[CostGroup]
        The scan's cost groups (each with its sample and user count).
    memory_mb : int
        The trigger's Lambda memory size.
    budget_ms : int
        The trigger's own budget (``LEGACY_BUDGET_MS``, inside Cognito's 5 s).
    repeats : int
        Verifications per group (median).

    Returns
    -------
    list[SchemeTiming]
        One per group, slowest first.
    """
    factor = lambda_factor(memory_mb)
    out = []
    for group in groups:
        if group.sample is None:
            continue
        local = time_verify(ctx, group.sample, repeats)
        scaled = local * factor
        verdict = "over" if scaled > budget_ms else "tight" if scaled > budget_ms / 2 else "ok"
        out.append(SchemeTiming(group.scheme, group.users, round(local, 2), round(scaled, 1), verdict, group.cost))
    return sorted(out, key=lambda t: t.lambda_ms, reverse=True)

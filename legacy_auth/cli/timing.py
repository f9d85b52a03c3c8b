"""Estimated verification time per hash scheme on Lambda, against Cognito's 5 s limit (``scan``).

One verification of a real stored hash of each scheme found is timed locally (with a wrong password: the
cost is the same and no secret is involved), and scaled to the Lambda memory size: Lambda allocates CPU in
proportion to memory, one full vCPU at 1,769 MB (AWS Lambda developer guide, "Configure Lambda function
memory"). A verification is single-threaded, so more than 1,769 MB does not make it faster. The estimate
assumes one local core is about one Lambda vCPU; measure on the target when it is close.
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Mapping
from dataclasses import dataclass

from legacy_auth.cli.scan import Sample
from legacy_auth.errors import HashError
from legacy_auth.hashing import HashContext

FULL_VCPU_MB = 1769
COGNITO_LIMIT_MS = 5000
MIN_MEMORY_MB = 128
MAX_MEMORY_MB = 10240
_PROBE = "legacy-auth timing probe (not a password)"  # a deliberately wrong password


def lambda_factor(memory_mb: int) -> float:
    """How much slower than one full vCPU a single-threaded task runs at ``memory_mb``."""
    return FULL_VCPU_MB / min(max(memory_mb, MIN_MEMORY_MB), FULL_VCPU_MB)


@dataclass(frozen=True, slots=True)
class SchemeTiming:
    """The estimate for one scheme. ``verdict``: ``ok``, ``tight`` (over half the budget) or ``over``."""

    scheme: str
    users: int
    local_ms: float
    lambda_ms: float
    verdict: str


def time_verify(ctx: HashContext, sample: Sample, repeats: int = 3) -> float:
    """Median wall time (ms) of ``repeats`` verifications of ``sample`` with a wrong password."""
    times = []
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        with contextlib.suppress(HashError):  # identified earlier; the time spent is what the trigger spends
            ctx.verify(_PROBE, sample.stored, **dict(sample.fields))
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def estimate(ctx: HashContext, samples: Mapping[str, Sample], users: Mapping[str, int], *, memory_mb: int,
             budget_ms: int, repeats: int = 3) -> list[SchemeTiming]:
    """Time each sampled scheme and scale it to ``memory_mb``.

    Parameters
    ----------
    ctx : HashContext
        The app's context (verification exactly as the trigger does it).
    samples : Mapping[str, Sample]
        One stored hash per scheme name.
    users : Mapping[str, int]
        Users per scheme (reported alongside).
    memory_mb : int
        The trigger's Lambda memory size.
    budget_ms : int
        The trigger's own budget (``LEGACY_BUDGET_MS``, inside Cognito's 5 s).
    repeats : int
        Verifications per scheme (median).

    Returns
    -------
    list[SchemeTiming]
        Slowest first.
    """
    factor = lambda_factor(memory_mb)
    out = []
    for name, sample in samples.items():
        local = time_verify(ctx, sample, repeats)
        scaled = local * factor
        verdict = "over" if scaled > budget_ms else "tight" if scaled > budget_ms / 2 else "ok"
        out.append(SchemeTiming(name, int(users.get(name, 0)), round(local, 2), round(scaled, 1), verdict))
    return sorted(out, key=lambda t: t.lambda_ms, reverse=True)

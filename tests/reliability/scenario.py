"""Scenario records: what was expected, what was observed, how long the worst faulted call took.

A scenario is a function ``run(ctx) -> Outcome``. It never raises for a failed expectation: it records a
:class:`Check` per expectation, so the report can show every observation and pytest can fail with all of
them. ``ctx.full`` selects the full counts (``make reliability``) or the fast ones (``make test``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Check:
    """One expectation and whether it held (``detail`` says what was seen)."""

    what: str
    ok: bool
    detail: str = ""


@dataclass
class Outcome:
    """The observations of one scenario run."""

    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    worst_s: float = 0.0
    figures: dict[str, Any] = field(default_factory=dict)

    def check(self, what: str, ok: bool, detail: str = "") -> bool:
        """Record one expectation; return ``ok``."""
        self.checks.append(Check(what, bool(ok), detail))
        return bool(ok)

    def note(self, text: str) -> None:
        """An observation for the report (not an expectation)."""
        self.notes.append(text)

    def timed(self, seconds: float) -> None:
        """Track the slowest faulted call."""
        self.worst_s = max(self.worst_s, seconds)

    @property
    def passed(self) -> bool:
        """Every check held (and there was at least one)."""
        return bool(self.checks) and all(c.ok for c in self.checks)

    def failures(self) -> list[str]:
        """Human-readable failed checks."""
        return [f"{c.what}: {c.detail}" for c in self.checks if not c.ok]

    def observed(self) -> str:
        """One line for the report: notes, then failed checks (if any)."""
        parts = list(self.notes)
        bad = self.failures()
        if bad:
            parts.append("FAILED: " + "; ".join(bad))
        return "; ".join(parts) if parts else ("all checks held" if self.passed else "no checks recorded")


@dataclass
class RunContext:
    """What a scenario gets: the database factory, a scratch directory, and the scale."""

    databases: Any  # tests.conftest.DatabaseFactory
    tmp: Path
    full: bool = False

    def n(self, fast: int, full: int) -> int:
        """A count for this scale."""
        return full if self.full else fast


@dataclass(frozen=True, slots=True)
class Scenario:
    """A named scenario with its expectation (the report's "expected" column)."""

    name: str
    expected: str
    run: Callable[[RunContext], Outcome]
    group: str = "faults"


@dataclass(frozen=True, slots=True)
class Result:
    """A scenario's outcome plus its total wall time (or the error that broke the harness)."""

    scenario: Scenario
    outcome: Outcome
    total_s: float
    crashed: str | None = None

    @property
    def passed(self) -> bool:
        """Held every check and did not crash."""
        return self.crashed is None and self.outcome.passed


def execute(scenario: Scenario, ctx: RunContext) -> Result:
    """Run ``scenario``; a harness crash is recorded as a failed result (with its type, never secrets)."""
    start = time.monotonic()
    try:
        outcome = scenario.run(ctx)
    except Exception as exc:
        outcome = Outcome()
        outcome.check("scenario ran to completion", False, f"{type(exc).__name__}: {str(exc)[:200]}")
        return Result(scenario, outcome, time.monotonic() - start, crashed=type(exc).__name__)
    return Result(scenario, outcome, time.monotonic() - start)

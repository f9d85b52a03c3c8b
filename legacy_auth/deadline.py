"""A point in time (``time.monotonic()``) by which a database call must have answered.

Every timeout the db layer sets (connect, read, write, statement waits, retries) is derived from one
:class:`Deadline`, which a handler builds from ``context.get_remaining_time_in_millis()`` minus a margin.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

from legacy_auth.errors import StoreTimeoutError

#: The smallest timeout handed to a driver: below this a call cannot succeed and is refused up front.
MIN_TIMEOUT_S = 0.01


class LambdaContextLike(Protocol):
    """The one method of the Lambda context the deadline needs."""

    def get_remaining_time_in_millis(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Deadline:
    """An absolute ``time.monotonic()`` instant.

    Attributes
    ----------
    at:
        Monotonic time (seconds) after which work must stop.
    """

    at: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        """A deadline ``seconds`` from now."""
        return cls(time.monotonic() + seconds)

    @classmethod
    def from_context(cls, context: LambdaContextLike, *, margin_ms: int, budget_ms: int | None = None) -> Deadline:
        """The earlier of "remaining Lambda time minus ``margin_ms``" and "now plus ``budget_ms``".

        Parameters
        ----------
        context:
            The Lambda context (``get_remaining_time_in_millis``).
        margin_ms:
            Time kept back to build and return the answer (and, for Cognito, to stay under its 5 s limit).
        budget_ms:
            Optional cap on the whole operation regardless of the Lambda timeout.
        """
        now = time.monotonic()
        remaining = max(0, context.get_remaining_time_in_millis() - margin_ms) / 1000.0
        if budget_ms is not None:
            remaining = min(remaining, budget_ms / 1000.0)
        return cls(now + remaining)

    def remaining(self) -> float:
        """Seconds left (may be negative)."""
        return self.at - time.monotonic()

    @property
    def expired(self) -> bool:
        """True once the deadline has passed (or fewer than ``MIN_TIMEOUT_S`` seconds remain)."""
        return self.remaining() < MIN_TIMEOUT_S

    def timeout(self, cap: float | None = None) -> float:
        """Seconds a driver may wait now, optionally capped; raises if the deadline has passed.

        Raises
        ------
        StoreTimeoutError
            When less than ``MIN_TIMEOUT_S`` is left.
        """
        left = self.remaining()
        if left < MIN_TIMEOUT_S:
            raise StoreTimeoutError("time budget exhausted before the database call")
        return left if cap is None else min(left, cap)

    def shortened(self, seconds: float) -> Deadline:
        """A deadline ``seconds`` earlier (e.g. to keep time for a hash verification after the query)."""
        return Deadline(self.at - seconds)

    def earliest(self, other: Deadline | None) -> Deadline:
        """The earlier of this deadline and ``other``."""
        return self if other is None or self.at <= other.at else other

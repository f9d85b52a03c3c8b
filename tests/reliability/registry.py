"""Every reliability scenario, in report order (faults, retries, authorizer, end to end, load, fuzz)."""

from __future__ import annotations

from tests.reliability import (
    scenarios_hooks,
    scenarios_jwks,
    scenarios_legacy,
    scenarios_retry,
    scenarios_rotation,
)
from tests.reliability.scenario import Scenario


def all_scenarios() -> list[Scenario]:
    """The scenarios ``make reliability`` runs and ``pytest tests/reliability`` runs at small counts."""
    from tests.reliability import scenarios_e2e, scenarios_fuzz, scenarios_load

    return [
        *scenarios_legacy.SCENARIOS,
        *scenarios_rotation.SCENARIOS,
        *scenarios_hooks.SCENARIOS,
        *scenarios_retry.SCENARIOS,
        *scenarios_jwks.SCENARIOS,
        *scenarios_e2e.SCENARIOS,
        *scenarios_load.SCENARIOS,
        *scenarios_fuzz.SCENARIOS,
    ]

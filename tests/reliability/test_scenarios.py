"""Fast subset of ``make reliability``: every scenario at small counts, with DEBUG logs and event logging on,
all output captured and searched for every password, token, hash and DB password the scenario used."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.reliability.registry import all_scenarios
from tests.reliability.scenario import RunContext, Scenario, execute
from tests.reliability.secrets_check import capture_all, debug_logging, remembered, scan

SCENARIOS = all_scenarios()


def _slug(scenario: Scenario) -> str:
    return re.sub(r"[^a-z0-9]+", "-", scenario.name.lower()).strip("-")[:60]


@pytest.fixture(scope="module")
def run_ctx(databases: object, tmp_path_factory: pytest.TempPathFactory) -> RunContext:
    return RunContext(databases, Path(tmp_path_factory.mktemp("reliability")), full=False)


@pytest.mark.reliability
@pytest.mark.integration
@pytest.mark.parametrize("scenario", SCENARIOS, ids=_slug)
def test_scenario_meets_expectation_and_leaks_no_secret(scenario: Scenario, run_ctx: RunContext) -> None:
    with debug_logging(), capture_all() as cap:
        result = execute(scenario, run_ctx)
    output = cap.text()
    assert result.passed, f"{scenario.name}: {result.outcome.failures()}"
    assert remembered() > 0
    assert output, "nothing was captured: the capture is not working"
    assert scan(output) == [], f"{scenario.name}: secrets in output (kind + tag): {scan(output)}"

"""The plan's counters: every readable row on one route, unreadable rows apart, ranges merge to the single
stream, and the parameter sets per algorithm stay bounded whatever the data."""

from __future__ import annotations

from legacy_auth.apps import get_preset
from legacy_auth.cli.environment import Legacy, hash_context
from legacy_auth.cli.plan import MAX_PARAMETER_SETS, PlanReport, merge_plans, plan_rows
from legacy_auth.migration.config import Settings
from legacy_auth.migration.policy import MigrationPolicy
from tests.unit.cli.q2a_rows import driver_rows

SETTINGS = Settings.from_env({"LEGACY_APP": "q2a", "LEGACY_DB_URL": "sqlite:///unused.db"})
LEGACY = Legacy(settings=SETTINGS, db=None, preset=get_preset("q2a"), prefix="qa_")  # type: ignore[arg-type]


def _plan(rows: list[dict[str, object]]) -> PlanReport:
    return plan_rows(rows, LEGACY, hash_context(SETTINGS), MigrationPolicy.from_settings(SETTINGS))


def test_every_row_is_on_one_route_and_ranges_merge_to_the_whole() -> None:
    rows = driver_rows()
    whole = _plan(rows)
    assert whole.rows == len(rows)
    assert whole.users + whole.unreadable == len(rows)
    assert sum(whole.by_route().values()) == whole.users
    parts = merge_plans([_plan(rows[:5]), _plan(rows[5:])])
    assert (parts.rows, parts.unreadable, parts.counts) == (whole.rows, whole.unreadable, whole.counts)
    assert [(g.scheme, g.cost, g.users) for g in parts.cost_groups()] == \
        [(g.scheme, g.cost, g.users) for g in whole.cost_groups()]
    assert sum(g.users for g in whole.cost_groups()) == whole.by_route()["lazy"]


def test_parameter_sets_are_capped() -> None:
    report = PlanReport()
    for cost in range(MAX_PARAMETER_SETS + 5):
        report.note_parameters("BCRYPT", {"cost": cost})
    sets = report.parameters["BCRYPT"]
    assert len(sets) == MAX_PARAMETER_SETS + 1
    assert sets["other"] == 5
    assert sum(sets.values()) == MAX_PARAMETER_SETS + 5

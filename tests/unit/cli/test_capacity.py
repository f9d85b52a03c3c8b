"""The capacity estimate of ``legacy-auth plan``: Little's law on the measured verify times, AWS's documented
quotas (cited), bulk-import files within Cognito's limits, and no duration without a measured import rate."""

from __future__ import annotations

import pytest

from legacy_auth.cli import capacity as cap
from legacy_auth.cli.capacity import CapacityInputs, capacity, capacity_lines, concurrency, mean_verify_ms
from legacy_auth.cli.timing import SchemeTiming

ROUTES = {"import-with-hash": 0, "lazy": 900, "reset": 1_000_001, "never": 99}


def timing(users: int, lambda_ms: float) -> SchemeTiming:
    return SchemeTiming("bcrypt", users, lambda_ms, lambda_ms, "ok", "cost=10")


def test_littles_law_rounds_up_executions_in_flight() -> None:
    assert concurrency(120, 250.0) == 30  # 120/s x 0.25 s
    assert concurrency(10, 101.0) == 2  # 1.01 in flight needs 2 executions
    assert concurrency(50, 0.0) == 0


def test_mean_verify_time_is_weighted_by_users() -> None:
    assert mean_verify_ms([timing(3, 100.0), timing(1, 300.0)]) == pytest.approx(150.0)
    assert mean_verify_ms([]) is None


def test_capacity_uses_the_documented_quotas_and_the_verify_times() -> None:
    data = capacity(ROUTES, [timing(3, 100.0), timing(1, 300.0)], CapacityInputs(peak_sign_ins=40))
    assert (cap.USER_AUTHENTICATION_RPS, cap.USER_CREATION_RPS) == (120.0, 50.0)  # docs: quotas.html defaults
    assert data["quotas"]["UserAuthentication"] == {"rps": 120.0, "default": True, "source": cap.QUOTAS_URL}
    assert data["quota_use_percent"] == {"UserAuthentication": round(100 * 40 / 120, 2), "UserCreation": 80.0}
    assert data["lambda_concurrency"] == {"mean": concurrency(40, 150.0), "slowest": concurrency(40, 300.0)}
    assert data["legacy_db_connections"]["mean"] == data["lambda_concurrency"]["mean"]
    assert [s["users"] for s in data["shares"]] == list(ROUTES.values())


def test_without_a_peak_the_quota_is_the_peak() -> None:
    data = capacity(ROUTES, [timing(1, 200.0)], CapacityInputs(auth_rps=500))
    assert (data["peak_sign_ins_per_s"], data["peak_from"]) == (500, "UserAuthentication quota")
    assert data["quotas"]["UserAuthentication"]["default"] is False
    assert data["lambda_concurrency"] == {"mean": 100, "slowest": 100}


def test_bulk_import_files_respect_the_row_limit_and_duration_needs_a_measured_rate() -> None:
    unknown = capacity(ROUTES, [], CapacityInputs())["bulk_import"]
    assert (unknown["users"], unknown["files"], unknown["duration_s"]) == (1_000_001, 3, None)
    assert unknown["note"] == cap.IMPORT_RATE_NOTE
    measured = capacity(ROUTES, [], CapacityInputs(import_rate=250.0, max_rows=100_000))["bulk_import"]
    assert (measured["files"], measured["duration_s"], measured["note"]) == (11, round(1_000_001 / 250, 1), None)


def test_text_says_what_aws_does_not_document() -> None:
    text = "\n".join(capacity_lines(capacity(ROUTES, [], CapacityInputs())))
    assert cap.CREATION_NOTE in text
    assert cap.IMPORT_RATE_NOTE in text
    assert "no lazy user to verify" in text

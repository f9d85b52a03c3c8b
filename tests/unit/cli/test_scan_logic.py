"""Pure parts of the scan: Cognito username/email rules, row classification, findings, timing, progress, chart."""

from __future__ import annotations

import dataclasses
import io
from datetime import date

import pytest

from legacy_auth.apps import get_context, get_preset
from legacy_auth.cli.chart import bar_lines
from legacy_auth.cli.cognito_rules import email_problem, username_problem
from legacy_auth.cli.commands.status import fill_days
from legacy_auth.cli.environment import Legacy
from legacy_auth.cli.findings import exit_status, findings
from legacy_auth.cli.output import Progress, fmt_duration
from legacy_auth.cli.scan import ScanReport, ScanRules, scan_rows
from legacy_auth.cli.timing import CostGroup, SchemeTiming, estimate, group_of, lambda_factor
from legacy_auth.db import Database
from legacy_auth.migration.config import Settings
from tests.unit.cli.q2a_rows import bcrypt_hash, driver_rows


@pytest.mark.parametrize(("name", "problem"), [
    ("alice", None), ("Zoë_ü-1.2", None), ("名前", None), ("a" * 128, None),
    ("", "empty"), (None, "empty"), ("a" * 129, "too_long"), ("two words", "invalid_characters"),
    ("tab\there", "invalid_characters"), ("nul\x00", "invalid_characters"), ("nbsp\u00a0x", "invalid_characters"),
    ("me@example.org", "email_format"), ("+4915112345678", "phone_format"),
])
def test_cognito_username_rules(name: str | None, problem: str | None) -> None:
    assert username_problem(name) == problem


def test_email_and_phone_shaped_usernames_are_fine_without_aliases() -> None:
    assert username_problem("me@example.org", aliases=False) is None
    assert username_problem("0123456789", aliases=False) is None


@pytest.mark.parametrize(("email", "problem"), [
    ("a@example.org", None), ("first.last+tag@sub.example.co.uk", None), ("user@xn--bcher-kva.example", None),
    ("a@@example.org", "format"), ("no-at.example.org", "format"), ("a@localhost", "format"),
    ("a@example..org", "format"), (".a@example.org", "format"), ("a..b@example.org", "format"),
    ("a b@example.org", "invalid_characters"), ("x" * 65 + "@example.org", "too_long"),
    ("a@" + "d" * 250 + ".org", "too_long"), ("jörg@example.org", "non_ascii_local_part"),
    ("joerg@bücher.example", None),
])
def test_email_rules(email: str, problem: str | None) -> None:
    assert email_problem(email) == problem


def _legacy() -> Legacy:
    settings = Settings.from_env({"LEGACY_APP": "q2a", "LEGACY_DB_URL": "sqlite:///unused.db"})
    return Legacy(settings=settings, db=Database("sqlite:///unused.db"), preset=get_preset("q2a"), prefix="qa_")


def test_scan_rows_counts_each_problem_once() -> None:
    seen: list[int] = []
    report = scan_rows(driver_rows(), _legacy(), get_context("q2a"), ScanRules(), on_row=seen.append)
    assert report.rows == 12
    assert dict(report.states) == {"active": 10, "blocked": 1, "sso_only": 1}
    assert dict(report.schemes) == {"bcrypt": 8, "q2a_sha1": 1}
    assert (report.unsupported_active, report.corrupt_active, report.weak_active) == (1, 1, 1)
    assert dict(report.bad_usernames) == {"invalid_characters": 1}
    assert dict(report.bad_emails) == {"format": 1}
    assert report.unverified_email_active == 1
    assert {(g.scheme, g.cost, g.users) for g in report.cost_groups()} == {("bcrypt", "cost=4", 8), ("q2a_sha1", "", 1)}
    assert report.weakest == {"bcrypt": "acceptable", "q2a_sha1": "weak"}  # cost 4: adaptive, below cost 10
    assert bcrypt_hash()[:7] not in repr(report.groups)  # samples are never in a repr
    assert seen == []  # fewer than 1024 rows: no progress callback


def test_unreadable_rows_are_counted_not_raised() -> None:
    broken = [{"userid": 1}]  # the scan query's columns are missing
    report = scan_rows(broken, _legacy(), get_context("q2a"), ScanRules())
    assert report.unreadable == 1
    items = findings(report, [], ScanRules())
    assert items[0].code == "unreadable_rows"
    assert exit_status(items) == 1


def test_django_unusable_passwords_count_as_sso_only() -> None:
    settings = Settings.from_env({"LEGACY_APP": "django", "LEGACY_DB_URL": "sqlite:///unused.db"})
    legacy = Legacy(settings=settings, db=Database("sqlite:///unused.db"), preset=get_preset("django"), prefix="")
    row = {c.name: None for c in get_preset("django").all_columns()}
    row.update(id=1, username="sso", email="s@example.org", password="!unusablemarker0123456789", is_active=1)
    report = scan_rows([row], legacy, get_context("django"), ScanRules())
    assert dict(report.states) == {"sso_only": 1}
    assert report.unsupported == 0
    assert [f.code for f in findings(report, [], ScanRules())] == ["state_sso_only"]


def test_trusted_emails_are_not_reported_unverified() -> None:
    report = scan_rows(driver_rows(), _legacy(), get_context("q2a"), ScanRules(trust_emails=True))
    assert report.unverified_email_active == 0


def test_only_warnings_exit_zero() -> None:
    report = ScanReport(weak_active=3, unverified_email_active=2)
    report.states["blocked"] = 4
    items = findings(report, [SchemeTiming("bcrypt", 5, 400.0, 2000.0, "tight")], ScanRules())
    assert {f.severity for f in items} == {"warning", "info"}
    assert exit_status(items) == 0


def test_a_scheme_over_budget_blocks() -> None:
    items = findings(ScanReport(), [SchemeTiming("django_pbkdf2_sha256", 9, 600.0, 8300.0, "over",
                                                 "iterations=1000000")], ScanRules())
    assert [(f.code, f.severity, f.users) for f in items] == [("slow_django_pbkdf2_sha256", "blocking", 9)]


def test_lambda_scaling_is_one_vcpu_at_1769_mb() -> None:
    assert lambda_factor(1769) == 1.0
    assert lambda_factor(3008) == 1.0  # single-threaded: more vCPUs do not help
    assert lambda_factor(128) == pytest.approx(1769 / 128)


def _group(stored: str, users: int = 1, app: str = "q2a") -> CostGroup:
    return dataclasses.replace(group_of(get_context(app).assess(stored), stored, {}), users=users)


def test_estimate_times_a_real_verify_and_scales_it() -> None:
    ctx = get_context("q2a", pad_weak=False)
    groups = [_group(bcrypt_hash(rounds=8), users=2)]
    fast, slow = (estimate(ctx, groups, memory_mb=m, budget_ms=3500, repeats=1)[0] for m in (1769, 128))
    assert fast.local_ms > 1.0  # cost 8 bcrypt is milliseconds, not microseconds
    assert slow.lambda_ms == pytest.approx(slow.local_ms * 1769 / 128, rel=0.01)
    assert (fast.users, fast.cost) == (2, "cost=8")
    assert estimate(ctx, groups, memory_mb=128, budget_ms=1, repeats=1)[0].verdict == "over"
    assert estimate(ctx, groups, memory_mb=1769, budget_ms=1_000_000, repeats=1)[0].verdict == "ok"


def test_each_cost_of_a_scheme_is_timed_and_the_dearest_one_blocks() -> None:
    # one bcrypt cost-4 and one cost-10 user: timing the first sample only (cost 4) would say "ready"
    dear = dict(driver_rows()[0], userid=99, handle="zed", email="zed@example.org", passhash=bcrypt_hash(rounds=10))
    rows = [driver_rows()[0], dear]
    report = scan_rows(rows, _legacy(), get_context("q2a"), ScanRules())
    assert {(g.cost, g.users) for g in report.cost_groups()} == {("cost=4", 1), ("cost=10", 1)}
    ctx = get_context("q2a", pad_weak=False)
    cheap_ms = estimate(ctx, [g for g in report.cost_groups() if g.cost == "cost=4"], memory_mb=1769,
                        budget_ms=1, repeats=3)[0].lambda_ms
    # cost 10 is 64x the work of cost 4. The budget sits 16x above cost 4 ("ok" holds up to 8x: a median of 5
    # shrugs off a scheduler spike on a loaded machine) and 4x below cost 10 ("over").
    budget = max(1, int(cheap_ms * 16))
    timings = estimate(ctx, report.cost_groups(), memory_mb=1769, budget_ms=budget, repeats=5)
    assert [(t.cost, t.verdict) for t in timings] == [("cost=10", "over"), ("cost=4", "ok")]
    items = findings(report, timings, ScanRules())
    slow = [f for f in items if f.code == "slow_bcrypt"]
    assert [(f.severity, f.users) for f in slow] == [("blocking", 1)]
    assert "cost=10" in slow[0].message
    assert exit_status(items) == 1


def test_cost_groups_per_scheme_are_capped_keeping_the_most_expensive() -> None:
    report = ScanReport()
    for cost in range(4, 18):  # 14 distinct costs, 2 users each (well formed, never verified here)
        for _ in range(2):
            stored = f"$2y${cost:02d}$" + "a" * 53
            graded = get_context("laravel").assess(stored)
            group = report.groups.get("bcrypt", {}).get(graded.cost)
            if group is None:
                report.add_cost_group(group_of(graded, stored, {}))
            else:
                group.users += 1
    kept = sorted(int(g.cost.removeprefix("cost=")) for g in report.cost_groups())
    assert kept == list(range(10, 18))  # MAX_COST_GROUPS = 8, the dearest ones
    assert report.cheaper == {"bcrypt": 12}  # costs 4..9 were dropped, their users still counted
    assert report.weakest == {"bcrypt": "acceptable"}  # the dropped groups' strength is kept


def test_tight_groups_of_a_blocking_scheme_are_mentioned_not_duplicated() -> None:
    timings = [SchemeTiming("bcrypt", 3, 1.0, 9000.0, "over", "cost=14"),
               SchemeTiming("bcrypt", 5, 1.0, 2000.0, "tight", "cost=12"),
               SchemeTiming("bcrypt", 7, 1.0, 10.0, "ok", "cost=4")]
    items = findings(ScanReport(), timings, ScanRules())
    assert [(f.code, f.severity, f.users) for f in items] == [("slow_bcrypt", "blocking", 3)]
    assert "5 more users" in items[0].message


def test_progress_line_has_rate_and_eta() -> None:
    stream = io.StringIO()
    bar = Progress(1000, label="scan", stream=stream, enabled=True)
    bar.started -= 2.0  # pretend two seconds passed
    bar.update(500, force=True)
    line = stream.getvalue()
    assert "[##############..............]" in line
    assert "50.0%" in line
    assert "500/1,000" in line
    assert "rows/s" in line
    assert "ETA 0:02" in line


def test_disabled_progress_writes_nothing() -> None:
    stream = io.StringIO()
    bar = Progress(10, stream=stream, enabled=False)
    bar.update(5, force=True)
    bar.close()
    assert stream.getvalue() == ""


def test_durations() -> None:
    assert (fmt_duration(75.2), fmt_duration(3725)) == ("1:15", "1:02:05")


def test_bar_chart_scales_to_the_peak_and_keeps_small_days_visible() -> None:
    lines = bar_lines([("2026-11-01", 1000), ("2026-11-02", 1), ("2026-11-03", 0)], width=10)
    assert lines == ["2026-11-01 ########## 1,000", "2026-11-02 #              1",
                     "2026-11-03                0"]


def test_fill_days_zero_fills_and_limits() -> None:
    rows = [("2026-11-01", 2), ("2026-11-04", 1)]
    assert fill_days(rows, 0) == [("2026-11-01", 2), ("2026-11-02", 0), ("2026-11-03", 0), ("2026-11-04", 1)]
    assert fill_days(rows, 2, today=date(2026, 11, 5)) == [("2026-11-04", 1), ("2026-11-05", 0)]
    assert fill_days([], 30) == []


def test_key_ranges_cover_every_id_once() -> None:
    from legacy_auth.cli.parallel_scan import split

    assert split(1, 10, 3) == [(1, 4), (5, 8), (9, 10)]
    assert split(5, 5, 4) == [(5, 5)]
    covered = [i for lo, hi in split(-3, 1000, 7) for i in range(lo, hi + 1)]
    assert covered == list(range(-3, 1001))


def test_merged_reports_add_up_to_the_single_scan() -> None:
    from legacy_auth.cli.parallel_scan import merge

    rows, legacy, ctx = driver_rows(), _legacy(), get_context("q2a")
    whole = scan_rows(rows, legacy, ctx, ScanRules())
    parts = merge([scan_rows(rows[:5], legacy, ctx, ScanRules()), scan_rows(rows[5:], legacy, ctx, ScanRules())])
    for name in ("rows", "states", "schemes", "corrupt", "bad_usernames", "bad_emails", "examples", "weakest",
                 "cheaper", "unsupported_active", "corrupt_active", "weak_active", "unverified_email_active"):
        assert getattr(parts, name) == getattr(whole, name), name
    assert [(g.scheme, g.cost, g.users) for g in parts.cost_groups()] == \
        [(g.scheme, g.cost, g.users) for g in whole.cost_groups()]

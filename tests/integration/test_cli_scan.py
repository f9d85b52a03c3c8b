"""``legacy-auth scan`` against real MariaDB, PostgreSQL and SQLite q2a tables."""

from __future__ import annotations

import io
import json
from argparse import Namespace
from pathlib import Path
from typing import Any

import pytest

from legacy_auth.cli import scan_queries
from legacy_auth.cli.environment import open_legacy, settings_from
from legacy_auth.cli.main import main
from tests.support.legacy_db import create_schema, insert_users, run_query
from tests.unit.cli.q2a_rows import bcrypt_hash, rows

pytestmark = pytest.mark.integration


def _url(databases: Any, dialect: str, tmp_path: Path, label: str) -> str:
    if dialect == "mysql":
        return databases.mysql(label)
    if dialect == "postgresql":
        return databases.postgres(label)
    return databases.sqlite(tmp_path, label)


def _run(argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, environ=env, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(params=["mysql", "postgresql", "sqlite"])
def q2a_env(request: pytest.FixtureRequest, databases: Any, tmp_path: Path) -> dict[str, str]:
    url = _url(databases, request.param, tmp_path, "cliscan")
    create_schema(url, "q2a")
    insert_users(url, "q2a", rows())
    return {"LEGACY_APP": "q2a", "LEGACY_DB_URL": url}


def test_scan_reports_every_finding_and_exits_1(q2a_env: dict[str, str]) -> None:
    code, out, err = _run(["scan", "--json", "--repeats", "1"], q2a_env)
    assert code == 1, err
    report = json.loads(out)
    assert report["rows"] == 12
    assert report["ready"] is False
    assert report["states"] == {"active": 10, "blocked": 1, "sso_only": 1}
    # graded per hash: the fixture's cost-4 bcrypt is adaptive but below cost 10
    assert report["schemes"]["bcrypt"] == {"users": 8, "strength": "acceptable", "costs": [
        {"cost": "cost=4", "users": 8, "strength": "acceptable", "needs_upgrade": True}]}
    assert report["schemes"]["q2a_sha1"]["users"] == 1
    assert report["schemes"]["q2a_sha1"]["strength"] == "weak"
    assert report["duplicate_usernames"] == {"groups": 0, "users": 0}
    assert report["unsupported_hashes"] == 1
    assert sum(report["corrupt_hashes"].values()) == 1
    assert report["duplicate_emails"] == {"groups": 1, "users": 2}
    codes = {f["code"]: f for f in report["findings"]}
    assert codes["unsupported_hash"]["users"] == 1
    assert codes["unsupported_hash"]["examples"] == ["6"]
    assert codes["corrupt_hash"]["examples"] == ["5"]
    assert codes["duplicate_email"]["severity"] == "blocking"
    assert codes["username_invalid_characters"]["examples"] == ["9"]
    assert codes["email_format"]["examples"] == ["10"]
    assert codes["weak_scheme"] == {"code": "weak_scheme", "severity": "warning", "users": 1,
                                    "message": codes["weak_scheme"]["message"], "examples": []}
    assert codes["no_verified_email"]["users"] == 1
    assert codes["state_blocked"]["severity"] == "info"
    assert codes["state_sso_only"]["users"] == 1
    timed = {(t["scheme"], t["cost"]) for t in report["verify_time"]}
    assert timed == {("bcrypt", "cost=4"), ("q2a_sha1", "")}


def test_scan_output_never_contains_hashes_or_emails(q2a_env: dict[str, str]) -> None:
    code, out, err = _run(["scan", "--progress", "--repeats", "1"], q2a_env)
    assert code == 1
    text = out + err
    for row in rows():
        if row.get("passhash"):
            assert row["passhash"] not in text
        assert row["email"] not in text
    assert "NOT READY" in out
    assert "duplicate_email" in out


def test_progress_bar_shows_total_rate_and_eta_on_stderr(q2a_env: dict[str, str]) -> None:
    code, out, err = _run(["scan", "--progress", "--repeats", "1"], q2a_env)
    assert code == 1
    assert "12/12" in err
    assert "rows/s" in err
    assert "ETA" in err
    assert "100.0%" in err
    assert "rows/s" not in out


def test_clean_table_is_ready(databases: Any, tmp_path: Path) -> None:
    url = databases.sqlite(tmp_path, "clean")
    create_schema(url, "q2a")
    insert_users(url, "q2a", [r for r in rows() if r["userid"] in (1, 2, 3, 4)])
    code, out, err = _run(["scan", "--app", "q2a", "--db-url", url, "--repeats", "1"], {})
    assert code == 0, out + err
    assert "READY: nothing blocks" in out
    assert "weak_scheme" in out  # a warning, not a blocker


def test_email_pool_makes_missing_email_blocking(databases: Any, tmp_path: Path) -> None:
    url = databases.sqlite(tmp_path, "nomail")
    create_schema(url, "q2a")
    row = dict(rows()[0], email="")
    insert_users(url, "q2a", [row])
    env = {"LEGACY_APP": "q2a", "LEGACY_DB_URL": url}
    code_user, out_user, _ = _run(["scan", "--json", "--repeats", "1"], env)
    code_mail, out_mail, _ = _run(["scan", "--json", "--repeats", "1", "--pool-sign-in", "email"], env)
    assert code_user == 0
    assert code_mail == 1
    sev = {f["code"]: f["severity"] for f in json.loads(out_mail)["findings"]}
    assert sev["no_email"] == "blocking"
    assert {f["code"]: f["severity"] for f in json.loads(out_user)["findings"]}["no_email"] == "warning"


def test_unreachable_database_is_one_line_exit_3() -> None:
    env = {"LEGACY_APP": "q2a", "LEGACY_DB_URL": "mysql://root@127.0.0.1:1/nothing"}
    code, _out, err = _run(["scan"], env)
    assert code == 3
    assert err.count("\n") == 1
    assert "database error" in err
    assert "Traceback" not in err


def test_parallel_range_scan_matches_the_single_stream(q2a_env: dict[str, str]) -> None:
    single = json.loads(_run(["scan", "--json", "--repeats", "1", "--workers", "1"], q2a_env)[1])
    code, out, err = _run(["scan", "--json", "--repeats", "1", "--workers", "3", "--progress"], q2a_env)
    assert code == 1, err
    parallel = json.loads(out)
    assert parallel["workers"] == 3
    assert single["workers"] == 1
    for key in ("rows", "states", "schemes", "unsupported_hashes", "corrupt_hashes", "duplicate_emails",
                "duplicate_usernames"):
        assert parallel[key] == single[key], key
    strip = [{k: v for k, v in f.items() if k != "message"} for f in single["findings"]]
    assert [{k: v for k, v in f.items() if k != "message"} for f in parallel["findings"]] == strip
    assert "12/12" in err


def test_empty_table_is_ready_and_has_nothing_to_time(databases: Any) -> None:
    url = databases.postgres("empty")
    create_schema(url, "q2a")
    code, out, err = _run(["scan", "--json", "--progress"], {"LEGACY_APP": "q2a", "LEGACY_DB_URL": url})
    assert code == 0, err
    report = json.loads(out)
    assert (report["rows"], report["findings"], report["verify_time"]) == (0, [], [])
    assert "0 rows" in err


@pytest.fixture(params=["mysql", "postgresql", "sqlite"])
def dialect_url(request: pytest.FixtureRequest, databases: Any, tmp_path: Path) -> str:
    return _url(databases, request.param, tmp_path, "cliscan2")


def _user(userid: int, handle: str, passhash: str) -> dict[str, Any]:
    return {"userid": userid, "handle": handle, "email": f"u{userid}@example.org", "passhash": passhash,
            "flags": 1, "level": 0}


@pytest.mark.slow
def test_mixed_bcrypt_costs_time_each_cost_and_the_dear_one_blocks(dialect_url: str) -> None:
    # the first bcrypt row is cost 4: timing only the first sample per scheme would report READY
    create_schema(dialect_url, "q2a")
    insert_users(dialect_url, "q2a", [_user(1, "cheap", bcrypt_hash(rounds=4)),
                                      _user(2, "dear", bcrypt_hash(rounds=13))])
    env = {"LEGACY_APP": "q2a", "LEGACY_DB_URL": dialect_url}
    code, out, err = _run(["scan", "--json", "--repeats", "1", "--lambda-memory", "128"], env)
    assert code == 1, err
    report = json.loads(out)
    timed = {t["cost"]: t for t in report["verify_time"] if t["scheme"] == "bcrypt"}
    assert set(timed) == {"cost=4", "cost=13"}
    assert timed["cost=13"]["verdict"] == "over"  # ~0.45 s locally, x13.8 at 128 MB: past the 3.5 s budget
    assert timed["cost=13"]["users"] == 1
    assert timed["cost=4"]["verdict"] != "over"
    slow = {f["code"]: f for f in report["findings"]}["slow_bcrypt"]
    assert (slow["severity"], slow["users"]) == ("blocking", 1)
    assert "cost=13" in slow["message"]
    assert {c["cost"]: c["strength"] for c in report["schemes"]["bcrypt"]["costs"]} == {
        "cost=13": "strong", "cost=4": "acceptable"}
    code_text, text, _ = _run(["scan", "--repeats", "1", "--lambda-memory", "128"], env)
    assert code_text == 1
    assert "bcrypt cost=13" in text
    assert "NOT READY" in text


CASE_ROWS = [  # handles that collide in a case-insensitive pool, and near misses that do not
    ("Bob", 1), ("bob", 2), ("BOB", 3),  # one group of 3
    ("\u00c9ric", 4), ("\u00e9RIC", 5),  # Éric / éRIC: one group of 2 (non-ASCII: SQLite's lower() cannot fold it)
    ("Jos\u00e9", 6), ("Jose", 7),  # an accent is not a case: two users (MariaDB's general_ci would merge them)
    ("carol", 8),
]


def _case_table(url: str) -> dict[str, str]:
    create_schema(url, "q2a")
    hashed = bcrypt_hash()
    insert_users(url, "q2a", [_user(uid, handle, hashed) for handle, uid in CASE_ROWS])
    return {"LEGACY_APP": "q2a", "LEGACY_DB_URL": url}


def test_usernames_differing_only_by_case_are_a_blocking_finding(dialect_url: str) -> None:
    env = _case_table(dialect_url)
    code, out, err = _run(["scan", "--json", "--repeats", "1"], env)
    assert code == 1, err
    report = json.loads(out)
    assert report["duplicate_usernames"] == {"groups": 2, "users": 5}
    finding = {f["code"]: f for f in report["findings"]}["duplicate_username"]
    assert (finding["severity"], finding["users"]) == ("blocking", 5)
    assert sorted(finding["examples"]) == ["1", "4"]  # the lowest legacy id of each group
    _, text, _ = _run(["scan", "--repeats", "1"], env)
    assert "duplicate_username" in text
    for handle, _uid in CASE_ROWS:
        assert handle not in text  # usernames are never printed


def test_ascii_only_lower_path_groups_non_ascii_names_in_python(dialect_url: str,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # SQLite's lower() folds ASCII only (and PostgreSQL's under the C ctype): force that path on every dialect
    monkeypatch.setattr(scan_queries, "lower_folds_unicode", lambda legacy: False)
    env = _case_table(dialect_url)
    report = json.loads(_run(["scan", "--json", "--repeats", "1"], env)[1])
    assert report["duplicate_usernames"] == {"groups": 2, "users": 5}


def test_non_ascii_name_lowering_onto_an_ascii_name_is_a_duplicate(databases: Any, tmp_path: Path) -> None:
    url = databases.sqlite(tmp_path, "kelvin")
    create_schema(url, "q2a")
    hashed = bcrypt_hash()
    kelvin = "\u212a"  # KELVIN SIGN: str.lower() gives an ASCII "k"
    insert_users(url, "q2a", [_user(1, "kate", hashed), _user(2, kelvin + "ATE", hashed),  # a new group of 2
                              _user(3, "kim", hashed), _user(4, "Kim", hashed),  # a group the database finds...
                              _user(5, kelvin + "im", hashed), _user(6, kelvin + "en", hashed)])  # ...joined; alone
    report = json.loads(_run(["scan", "--json", "--repeats", "1"], {"LEGACY_APP": "q2a", "LEGACY_DB_URL": url})[1])
    assert report["duplicate_usernames"] == {"groups": 2, "users": 5}


def test_mariadb_case_sensitive_collation_is_grouped_exactly_too(databases: Any) -> None:
    # a utf8mb4_bin column: its index cannot group by case, so the scan groups lower(CONVERT(..)) over the table
    url = databases.mysql("casebin")
    create_schema(url, "q2a")
    run_query(url, "ALTER TABLE qa_users MODIFY handle VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL")
    hashed = bcrypt_hash()
    insert_users(url, "q2a", [_user(uid, handle, hashed) for handle, uid in CASE_ROWS])
    env = {"LEGACY_APP": "q2a", "LEGACY_DB_URL": url}
    assert scan_queries.mysql_case_insensitive(open_legacy(settings_from(Namespace(), env)), "handle") is False
    report = json.loads(_run(["scan", "--json", "--repeats", "1"], env)[1])
    assert report["duplicate_usernames"] == {"groups": 2, "users": 5}


def test_email_pools_do_not_report_duplicate_usernames(databases: Any, tmp_path: Path) -> None:
    env = _case_table(databases.sqlite(tmp_path, "casemail"))
    report = json.loads(_run(["scan", "--json", "--repeats", "1", "--pool-sign-in", "email"], env)[1])
    assert report["duplicate_usernames"] == {"groups": 0, "users": 0}
    assert "duplicate_username" not in {f["code"] for f in report["findings"]}


def test_scan_html_report_has_the_findings_and_no_secret(tmp_path: Path, databases: Any) -> None:
    url = databases.sqlite(tmp_path, "clihtml")
    create_schema(url, "q2a")
    insert_users(url, "q2a", rows())
    report = tmp_path / "scan.html"
    out, err = io.StringIO(), io.StringIO()
    code = main(["scan", "--html", str(report), "--no-progress"], environ={"LEGACY_APP": "q2a", "LEGACY_DB_URL": url},
                stdout=out, stderr=err)
    assert code == 1, err.getvalue()
    text = report.read_text("utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "NOT READY: blocking findings" in text
    assert '<td class="blocking">BLOCKING</td>' in text
    assert "duplicate_email" in text
    assert "<script" not in text
    for row in rows():  # no hash and no email reaches the report
        assert str(row.get("passhash") or "$2y$") not in text
        assert row["email"] not in text

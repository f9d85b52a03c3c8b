"""``legacy-auth scan`` against real MariaDB, PostgreSQL and SQLite q2a tables."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from legacy_auth.cli.main import main
from tests.helpers.legacy_db import create_schema, insert_users
from tests.unit.cli.q2a_rows import rows

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
    assert report["schemes"]["bcrypt"] == {"users": 8, "strength": "strong"}
    assert report["schemes"]["q2a_sha1"]["users"] == 1
    assert report["schemes"]["q2a_sha1"]["strength"] == "weak"
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
    timed = {t["scheme"] for t in report["verify_time"]}
    assert timed == {"bcrypt", "q2a_sha1"}


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
    for key in ("rows", "states", "schemes", "unsupported_hashes", "corrupt_hashes", "duplicate_emails"):
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

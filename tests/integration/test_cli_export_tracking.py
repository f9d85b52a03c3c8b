"""``legacy-auth export --start`` and the tracking table, on real databases and at the AWS API boundary (botocore's
Stubber with the real request shapes): imported users are recorded with their job, never exported twice, a re-run
after a failed job or an interrupted run continues without duplicates, rows changed since their import are
reported, and a tracking table from before the import columns gets one line with its upgrade."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

from legacy_auth.cli.import_tracking import upgrade_sql
from legacy_auth.migration.tracking import IMPORT_PENDING, IMPORT_RESET_REQUIRED
from tests.integration import test_cli_export as base
from tests.integration.test_cli_export import POOL, ROLE, _AnyJobName, _csv, _job, _run, _stubbed
from tests.support.legacy_db import dialect_of, run_query

pytestmark = pytest.mark.integration
env, header_file, upload_server = base.env, base.header_file, base.upload_server  # the export tests' fixtures


def _expect_job(stub: Stubber, job_id: str, url: str, *finals: dict[str, Any]) -> None:
    """CreateUserImportJob (any name), StartUserImportJob, then DescribeUserImportJob answering ``finals``."""
    any_name = {"JobName": _AnyJobName(), "UserPoolId": POOL, "CloudWatchLogsRoleArn": ROLE}
    stub.add_response("create_user_import_job", _job(job_id, url, "Created"), any_name)
    stub.add_response("start_user_import_job", _job(job_id, url, "Pending"), {"UserPoolId": POOL, "JobId": job_id})
    for final in finals:
        stub.add_response("describe_user_import_job", final, {"UserPoolId": POOL, "JobId": job_id})


def _described(stub: Stubber, job: dict[str, Any]) -> None:
    job_id = job["UserImportJob"]["JobId"]
    stub.add_response("describe_user_import_job", job, {"UserPoolId": POOL, "JobId": job_id})


def _tracked(url: str) -> dict[str, tuple[str, str, str | None]]:
    rows = run_query(url, "SELECT legacy_id, status, trigger_source, job_id FROM legacy_auth_migrations")
    return {str(r["legacy_id"]): (str(r["status"]), str(r["trigger_source"]), None if r["job_id"] is None else
                                  str(r["job_id"])) for r in rows}


def _argv(header_file: Path, out_dir: Path, *extra: str) -> list[str]:
    return ["export", "--start", "--user-pool-id", POOL, "--role-arn", ROLE, "--header-file", str(header_file),
            "--out-dir", str(out_dir), "--poll-interval", "0", "--json", *extra]


def _failed(job_id: str, url: str, failed: int) -> dict[str, Any]:
    job = _job(job_id, url, "Failed")
    job["UserImportJob"].update(FailedUsers=failed, CompletionMessage="see CloudWatch")
    return job


def test_a_rerun_after_a_failed_job_imports_the_rest_once(env: dict[str, str], header_file: Path, tmp_path: Path,
                                                          upload_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    url = env["LEGACY_DB_URL"]
    _, stub = _stubbed(monkeypatch)
    put = f"{upload_server}/bucket/f.csv?X-Amz-Signature=abc"
    _expect_job(stub, "job-1", put, _job("job-1", put, "Succeeded", imported=4))
    _expect_job(stub, "job-2", put, _failed("job-2", put, failed=3))
    stub.activate()
    code, out, err = _run(_argv(header_file, tmp_path / "run1", "--max-rows", "4"), env)
    assert code == 1, err
    stub.assert_no_pending_responses()
    first = [u["custom:legacy_id"] for u in _csv(tmp_path / "run1" / "legacy-auth-import-001.csv")]
    second = [u["custom:legacy_id"] for u in _csv(tmp_path / "run1" / "legacy-auth-import-002.csv")]
    tracked = _tracked(url)
    assert {i: tracked[i] for i in first} == dict.fromkeys(first, ("imported", IMPORT_RESET_REQUIRED, "job-1"))
    assert {i: tracked[i] for i in second} == dict.fromkeys(second, ("imported", IMPORT_PENDING, "job-2"))
    assert json.loads(out)["tracking"] == {"recorded": True, "pending_rows": len(first) + len(second),
                                           "finished_rows": len(first)}

    _, stub = _stubbed(monkeypatch)
    _described(stub, _failed("job-2", put, failed=3))  # the pending job, followed first: its users go again
    _expect_job(stub, "job-3", put, _job("job-3", put, "Succeeded", imported=len(second)))
    stub.activate()
    code, out, err = _run(_argv(header_file, tmp_path / "run2"), env)
    assert code == 0, err
    stub.assert_no_pending_responses()
    data = json.loads(out)
    assert data["resumed_jobs"] == [{"JobId": "job-2", "Status": "Failed", "users": len(second), "action": "released"}]
    again = [u["custom:legacy_id"] for u in _csv(tmp_path / "run2" / "legacy-auth-import-001.csv")]
    assert again == second
    tracked = _tracked(url)
    assert {i: tracked[i] for i in second} == dict.fromkeys(second, ("imported", IMPORT_RESET_REQUIRED, "job-3"))
    assert not (tmp_path / "run2" / "legacy-auth-import-002.csv").exists()


def test_an_interrupted_run_is_finished_by_the_next_one_without_exporting_anyone_again(
        env: dict[str, str], header_file: Path, tmp_path: Path, upload_server: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    url = env["LEGACY_DB_URL"]
    _, stub = _stubbed(monkeypatch)
    put = f"{upload_server}/bucket/f.csv?X-Amz-Signature=abc"
    _expect_job(stub, "job-1", put, _job("job-1", put, "InProgress"))
    stub.activate()
    code, _, _ = _run(_argv(header_file, tmp_path / "run1", "--wait-timeout", "0"), env)
    assert code == 3  # still running at the timeout
    exported = [u["custom:legacy_id"] for u in _csv(tmp_path / "run1" / "legacy-auth-import-001.csv")]
    assert {_tracked(url)[i] for i in exported} == {("imported", IMPORT_PENDING, "job-1")}

    _, stub = _stubbed(monkeypatch)
    _described(stub, _job("job-1", put, "Succeeded", imported=len(exported)))
    stub.activate()  # no CreateUserImportJob stubbed: a second job would fail the run
    code, out, err = _run(_argv(header_file, tmp_path / "run2"), env)
    assert code == 0, err
    stub.assert_no_pending_responses()
    data = json.loads(out)
    assert (data["exported"], data["files"], data["jobs"]) == (0, [], [])
    assert data["skipped"]["already_migrated"] == len(exported) + 1  # + the user who migrated at sign-in
    assert {_tracked(url)[i] for i in exported} == {("imported", IMPORT_RESET_REQUIRED, "job-1")}

    code, out, err = _run(["status", "--json"], env)
    assert code == 0, err
    status = json.loads(out)
    assert (status["migrated_lazily"], status["imported"], status["reset_pending"], status["import_pending"]) == (
        1, 0, len(exported), 0)


def test_rows_changed_after_their_import_are_reported(env: dict[str, str], header_file: Path, tmp_path: Path,
                                                      upload_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    url = env["LEGACY_DB_URL"]
    _, stub = _stubbed(monkeypatch)
    put = f"{upload_server}/bucket/f.csv?X-Amz-Signature=abc"
    _expect_job(stub, "job-1", put, _job("job-1", put, "Succeeded", imported=7))
    stub.activate()
    assert _run(_argv(header_file, tmp_path / "run1"), env)[0] == 0
    run_query(url, "UPDATE qa_users SET passhash = %s WHERE userid = 7", ("$2y$10$" + "a" * 53,))  # a new hash
    run_query(url, "UPDATE qa_users SET flags = 3 WHERE userid = 8")  # blocked since
    code, out, err = _run(["export", "--header-file", str(header_file), "--out-dir", str(tmp_path / "run2"),
                           "--json"], env)
    assert code == 1, err
    changed = json.loads(out)["changed_since_import"]
    assert changed == {"users": 2, "by_change": {"hash_changed": 1, "now_blocked": 1}, "examples": ["7", "8"]}
    code, out, _ = _run(["export", "--header-file", str(header_file), "--out-dir", str(tmp_path / "run3")], env)
    assert "CHANGED since their import: 2 users (hash_changed 1, now_blocked 1), e.g. legacy ids 7, 8" in out
    assert "$2y$10$" not in out


def test_a_tracking_table_without_the_import_columns_gets_its_upgrade(env: dict[str, str], header_file: Path,
                                                                      tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    url = env["LEGACY_DB_URL"]
    dialect = dialect_of(url)
    for column in ("job_id", "fingerprint"):
        run_query(url, f"ALTER TABLE legacy_auth_migrations DROP COLUMN {column}")
    _, stub = _stubbed(monkeypatch)
    stub.activate()  # nothing may reach AWS
    code, out, err = _run(_argv(header_file, tmp_path / "csv"), env)
    assert code == 2
    statements = "; ".join(upgrade_sql(dialect, "legacy_auth_migrations"))  # type: ignore[arg-type]
    assert json.loads(out)["error"].endswith(f"upgrade it with: {statements}")
    assert err.count("\n") == 1
    assert not list((tmp_path / "csv").glob("*.csv"))
    assert _run(["status"], env)[0] == 0  # the old table still serves the other commands
    assert _run(["export", "--header-file", str(header_file), "--out-dir", str(tmp_path / "plain")], env)[0] == 0
    for statement in upgrade_sql(dialect, "legacy_auth_migrations"):  # type: ignore[arg-type]
        run_query(url, statement)
    assert run_query(url, "SELECT job_id, fingerprint FROM legacy_auth_migrations WHERE legacy_id = '1'") == [
        {"job_id": None, "fingerprint": None}]


def test_upload_never_happens_for_a_file_over_cognitos_limits(tmp_path: Path) -> None:
    from legacy_auth.cli.errors import CliError
    from legacy_auth.cli.import_jobs import run_jobs

    big = tmp_path / "big.csv"
    big.write_bytes(b"cognito:username\n" + b"u\n" * 500_001)
    with pytest.raises(CliError) as caught:
        run_jobs(object(), POOL, [big], role_arn=ROLE, job_prefix="x")  # the client is never touched
    assert str(caught.value) == "big.csv: 500,001 rows, over Cognito's 500,000 per import file"
    assert caught.value.exit_code == 2

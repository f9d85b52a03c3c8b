"""``legacy-auth export``: CSV files from real databases; ``--start`` against a botocore Stubber and a loopback
HTTP server standing in for the pre-signed S3 URL (moto has neither GetCSVHeader nor user import jobs)."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import boto3
import pytest
from botocore.stub import Stubber

from legacy_auth.cli.commands import export as export_cmd
from legacy_auth.cli.main import main
from legacy_auth.migration.tracking import ddl
from tests.support.legacy_db import create_schema, dialect_of, insert_users, run_query
from tests.unit.cli.q2a_rows import rows

pytestmark = pytest.mark.integration
POOL = "eu-west-1_TestPool1"
ROLE = "arn:aws:iam::123456789012:role/CognitoImport"
HEADER = ["name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile",
          "picture", "website", "email", "email_verified", "gender", "birthdate", "zoneinfo", "locale",
          "phone_number", "phone_number_verified", "address", "updated_at", "cognito:mfa_enabled",
          "cognito:username", "custom:legacy_id"]


def _run(argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(argv, environ=env, stdout=out, stderr=err), out.getvalue(), err.getvalue()


@pytest.fixture(params=["mysql", "postgresql", "sqlite"])
def env(request: pytest.FixtureRequest, databases: Any, tmp_path: Path) -> dict[str, str]:
    if request.param == "mysql":
        url = databases.mysql("cliexport")
    elif request.param == "postgresql":
        url = databases.postgres("cliexport")
    else:
        url = databases.sqlite(tmp_path, "cliexport")
    create_schema(url, "q2a")
    insert_users(url, "q2a", rows())
    for stmt in ddl(dialect_of(url)):
        run_query(url, stmt)
    run_query(url, "INSERT INTO legacy_auth_migrations (legacy_id, app, status, trigger_source) VALUES "
              "(%s, %s, %s, %s)", ("1", "q2a", "migrated", "UserMigration_Authentication"))
    return {"LEGACY_APP": "q2a", "LEGACY_DB_URL": url}


@pytest.fixture
def header_file(tmp_path: Path) -> Path:
    path = tmp_path / "header.json"
    path.write_text(json.dumps({"CSVHeader": HEADER, "UserPoolId": POOL}), "utf-8")
    return path


def _csv(path: Path) -> list[dict[str, str]]:
    lines = path.read_text("utf-8").splitlines()
    header = lines[0].split(",")
    out = []
    for line in lines[1:]:
        values = line.replace("\\,", "\x00").split(",")
        out.append({h: v.replace("\x00", "\\,") for h, v in zip(header, values, strict=True)})
    return out


def test_export_writes_unmigrated_importable_users(env: dict[str, str], header_file: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "csv"
    code, out, err = _run(["export", "--header-file", str(header_file), "--out-dir", str(out_dir), "--json"], env)
    assert code == 0, err
    data = json.loads(out)
    assert (data["exported"], data["renamed"]) == (7, 1)
    assert data["skipped"] == {"already_migrated": 1, "state_blocked": 1, "state_sso_only": 1,
                               "email_invalid": 1, "no_verified_contact": 1}
    users = _csv(out_dir / "legacy-auth-import-001.csv")
    assert [u["cognito:username"] for u in users] == ["bob", "eve", "frank", "grace", "grace2", "legacy_9",
                                                      "mallory"]
    bob = users[0]
    assert (bob["email"], bob["email_verified"], bob["cognito:mfa_enabled"]) == ("bob@example.org", "TRUE", "FALSE")
    assert (bob["custom:legacy_id"], bob["preferred_username"], bob["phone_number"]) == ("2", "bob", "")
    assert users[-1]["email"] == "mallory\\,jr@example.org"


def test_export_names_users_with_an_unusable_username_as_the_trigger_does(env: dict[str, str], header_file: Path,
                                                                          tmp_path: Path) -> None:
    """'heidi smith' cannot be a Cognito username; signing in by email, the trigger answers legacy_9."""
    code, out, _ = _run(["export", "--header-file", str(header_file), "--out-dir", str(tmp_path)], env)
    assert code == 0
    heidi = next(u for u in _csv(tmp_path / "legacy-auth-import-001.csv") if u["custom:legacy_id"] == "9")
    assert (heidi["cognito:username"], heidi["email"], heidi["preferred_username"]) == (
        "legacy_9", "heidi@example.org", "")
    assert "  1 as legacy_<id>: Cognito refuses their username; they sign in by email (the trigger's rule)\n" in out


def test_export_fills_custom_legacy_roles_when_the_pool_has_it(env: dict[str, str], tmp_path: Path) -> None:
    header = tmp_path / "roles-header.json"
    header.write_text(json.dumps({"CSVHeader": [*HEADER, "custom:legacy_roles"]}), "utf-8")
    run_query(env["LEGACY_DB_URL"], "UPDATE qa_users SET level = %s WHERE userid = %s", (100, 2))
    code, _, err = _run(["export", "--header-file", str(header), "--out-dir", str(tmp_path)], env)
    assert code == 0, err
    roles = {u["custom:legacy_id"]: u["custom:legacy_roles"] for u in _csv(tmp_path / "legacy-auth-import-001.csv")}
    assert roles["2"] == "level:100"
    assert roles["5"] == "level:0"


def test_export_with_a_wrong_prefix_names_the_expected_table(env: dict[str, str], header_file: Path,
                                                             tmp_path: Path) -> None:
    code, out, err = _run(["export", "--all", "--table-prefix", "zz_", "--header-file", str(header_file),
                           "--out-dir", str(tmp_path), "--json"], env)
    assert code == 3
    dialect = dialect_of(env["LEGACY_DB_URL"])
    line = (f"database error: db_statement ({dialect}): expected the q2a users table 'zz_users' "
            "(LEGACY_TABLE_PREFIX='zz_'): check the prefix (--table-prefix) and that the table exists")
    assert err == f"legacy-auth: {line}\n"
    assert json.loads(out) == {"error": line, "kind": "database", "exit_status": 3, "reason": "db_statement",
                               "cause": "missing_table"}


def test_export_all_ignores_the_tracking_table(env: dict[str, str], header_file: Path, tmp_path: Path) -> None:
    run_query(env["LEGACY_DB_URL"], "DROP TABLE legacy_auth_migrations")
    code, _, err = _run(["export", "--header-file", str(header_file), "--out-dir", str(tmp_path)], env)
    assert code == 2
    assert "pass --all" in err
    code, out, _ = _run(["export", "--all", "--header-file", str(header_file), "--out-dir", str(tmp_path)], env)
    assert code == 0
    assert "legacy-auth export: 8 users in 1 file(s)" in out


class _Upload(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, dict[str, str], bytes]]] = []

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, dict(self.headers.items()), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def upload_server() -> Iterator[str]:
    _Upload.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Upload)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _job(job_id: str, url: str, status: str, imported: int = 0) -> dict[str, Any]:
    return {"UserImportJob": {"JobId": job_id, "JobName": f"n-{job_id}", "UserPoolId": POOL, "PreSignedUrl": url,
                              "Status": status, "ImportedUsers": imported, "SkippedUsers": 0, "FailedUsers": 0,
                              "CloudWatchLogsRoleArn": ROLE}}


def test_start_creates_uploads_and_starts_one_job_per_file(env: dict[str, str], tmp_path: Path, upload_server: str,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    client = boto3.client("cognito-idp", region_name="eu-west-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    stub = Stubber(client)
    stub.add_response("get_csv_header", {"UserPoolId": POOL, "CSVHeader": HEADER}, {"UserPoolId": POOL})
    any_name = {"JobName": _AnyJobName(), "UserPoolId": POOL, "CloudWatchLogsRoleArn": ROLE}
    for n in (1, 2):
        job_id = f"import-job{n}"
        url = f"{upload_server}/bucket/file{n}.csv?X-Amz-Signature=abc{n}"
        stub.add_response("create_user_import_job", _job(job_id, url, "Created"), any_name)
        stub.add_response("start_user_import_job", _job(job_id, url, "Pending"), {"UserPoolId": POOL, "JobId": job_id})
        stub.add_response("describe_user_import_job", _job(job_id, url, "InProgress"),
                          {"UserPoolId": POOL, "JobId": job_id})
        stub.add_response("describe_user_import_job", _job(job_id, url, "Succeeded", imported=4),
                          {"UserPoolId": POOL, "JobId": job_id})
    stub.activate()
    monkeypatch.setattr(export_cmd, "cognito_client", lambda *a: client)
    out_dir = tmp_path / "jobs"
    argv = ["export", "--start", "--user-pool-id", POOL, "--role-arn", ROLE, "--out-dir", str(out_dir),
            "--max-rows", "4", "--poll-interval", "0", "--json"]
    code, out, err = _run(argv, env)
    assert code == 0, err
    stub.assert_no_pending_responses()
    data = json.loads(out)
    assert [j["Status"] for j in data["jobs"]] == ["Succeeded", "Succeeded"]
    assert all("PreSignedUrl" not in j for j in data["jobs"])
    assert [path for path, _, _ in _Upload.received] == ["/bucket/file1.csv?X-Amz-Signature=abc1",
                                                        "/bucket/file2.csv?X-Amz-Signature=abc2"]
    for (_, headers, body), name in zip(_Upload.received, ("001", "002"), strict=True):
        assert headers["x-amz-server-side-encryption"] == "aws:kms"
        assert body == (out_dir / f"legacy-auth-import-{name}.csv").read_bytes()
    assert "X-Amz-Signature" not in out + err


def _stubbed(monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Stubber]:
    client = boto3.client("cognito-idp", region_name="eu-west-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    stub = Stubber(client)
    monkeypatch.setattr(export_cmd, "cognito_client", lambda *a: client)
    return client, stub


def _created_and_started(stub: Stubber, url: str) -> None:
    """Stub CreateUserImportJob (any job name) and StartUserImportJob for job ``import-job1``."""
    any_name = {"JobName": _AnyJobName(), "UserPoolId": POOL, "CloudWatchLogsRoleArn": ROLE}
    stub.add_response("create_user_import_job", _job("import-job1", url, "Created"), any_name)
    stub.add_response("start_user_import_job", _job("import-job1", url, "Pending"),
                      {"UserPoolId": POOL, "JobId": "import-job1"})


def test_start_stops_at_the_first_job_that_fails(env: dict[str, str], header_file: Path, tmp_path: Path,
                                                upload_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _, stub = _stubbed(monkeypatch)
    url = f"{upload_server}/bucket/file1.csv?X-Amz-Signature=abc1"
    _created_and_started(stub, url)
    failed = _job("import-job1", url, "Failed")
    failed["UserImportJob"].update(FailedUsers=4, CompletionMessage="see CloudWatch")
    stub.add_response("describe_user_import_job", failed, {"UserPoolId": POOL, "JobId": "import-job1"})
    stub.activate()  # no second create_user_import_job is stubbed: calling it would fail the run with exit 3
    argv = ["export", "--start", "--user-pool-id", POOL, "--role-arn", ROLE, "--header-file", str(header_file),
            "--out-dir", str(tmp_path / "jobs"), "--max-rows", "4", "--poll-interval", "0"]
    code, out, err = _run(argv, env)
    assert code == 1, err
    stub.assert_no_pending_responses()
    assert len(_Upload.received) == 1
    assert "legacy-auth export: 7 users in 2 file(s)" in out
    assert "job import-job1 Failed: imported 0, skipped 0, failed 4" in out
    assert "job import-job1 Failed" in err  # the progress log on stderr
    assert "X-Amz-Signature" not in out + err


def test_start_job_still_running_after_the_wait_timeout_is_one_line(env: dict[str, str], header_file: Path,
                                                                    tmp_path: Path, upload_server: str,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    _, stub = _stubbed(monkeypatch)
    url = f"{upload_server}/bucket/file1.csv?X-Amz-Signature=abc1"
    _created_and_started(stub, url)
    stub.add_response("describe_user_import_job", _job("import-job1", url, "InProgress"),
                      {"UserPoolId": POOL, "JobId": "import-job1"})
    stub.activate()
    argv = ["export", "--start", "--user-pool-id", POOL, "--role-arn", ROLE, "--header-file", str(header_file),
            "--out-dir", str(tmp_path / "jobs"), "--wait-timeout", "0", "--json"]
    code, out, err = _run(argv, env)
    assert code == 3
    stub.assert_no_pending_responses()
    message = ("import job import-job1 still InProgress after 0 s; it keeps running in Cognito: follow it with "
               "describe-user-import-job before another run")
    assert json.loads(out) == {"error": message, "kind": "failure", "exit_status": 3}
    assert err == f"legacy-auth: {message}\n"  # --json: no progress lines on stderr


def test_start_without_role_is_a_usage_error(env: dict[str, str], header_file: Path) -> None:
    code, _, err = _run(["export", "--start", "--header-file", str(header_file)], env)
    assert code == 2
    assert err == "legacy-auth: --start needs --role-arn (the CloudWatch Logs role of the import jobs)\n"


class _AnyJobName:
    """Matches a job name of Cognito's pattern ``[\\w\\s+=,.@-]+`` (<= 128), as the Stubber compares params."""

    def __eq__(self, other: object) -> bool:
        import re

        return isinstance(other, str) and len(other) <= 128 and re.fullmatch(r"[\w\s+=,.@-]+", other) is not None

    def __hash__(self) -> int:
        return 0


@pytest.fixture(params=["mysql", "postgresql", "sqlite"])
def keycloak_env(request: pytest.FixtureRequest, databases: Any, tmp_path: Path) -> dict[str, str]:
    url = {"mysql": lambda: databases.mysql("cliexportkc"), "postgresql": lambda: databases.postgres("cliexportkc"),
           "sqlite": lambda: databases.sqlite(tmp_path, "cliexportkc")}[request.param]()
    realm = {"keycloak_realm_id": "realm-a"}
    create_schema(url, "keycloak", "", **realm)
    users = [("u1", "ann", "ann@example.org", "realm-a", True), ("u2", "bob", "bob@example.org", "realm-a", False),
             ("u3", "sso", "sso@example.org", "realm-a", True), ("u4", "ann", "ann@example.org", "realm-b", True)]
    insert_users(url, "keycloak", [
        {"id": i, "username": u, "email": e, "email_constraint": e, "realm_id": r, "enabled": on,
         "email_verified": True} for i, u, e, r, on in users], "", **realm)
    secret = '{"value":"AAAA","salt":"AAAAAAAAAAAAAAAAAAAAAA==","additionalParameters":{}}'
    data = '{"hashIterations":1000,"algorithm":"pbkdf2-sha256","additionalParameters":{}}'
    for cid, user in (("c1", "u1"), ("c2", "u2"), ("c4", "u4")):
        run_query(url, "INSERT INTO credential (id, type, user_id, priority, secret_data, credential_data) "
                       "VALUES (%s, 'password', %s, 10, %s, %s)", (cid, user, secret, data))
    return {"LEGACY_APP": "keycloak", "LEGACY_DB_URL": url, "LEGACY_KEYCLOAK_REALM_ID": "realm-a"}


def test_export_keycloak_writes_the_realms_users_only(keycloak_env: dict[str, str], header_file: Path,
                                                      tmp_path: Path) -> None:
    out_dir = tmp_path / "csv"
    code, out, err = _run(["export", "--all", "--header-file", str(header_file), "--out-dir", str(out_dir),
                           "--json"], keycloak_env)
    assert code == 0, err
    data = json.loads(out)
    assert (data["exported"], data["skipped"]) == (1, {"state_inactive": 1, "state_sso_only": 1})  # realm-b: none
    users = _csv(out_dir / "legacy-auth-import-001.csv")
    assert [(u["cognito:username"], u["custom:legacy_id"], u["email_verified"]) for u in users] == [
        ("ann", "u1", "TRUE")]

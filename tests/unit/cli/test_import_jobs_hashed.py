"""The import-job driver sets ``PasswordHashingAlgorithm`` on ``CreateUserImportJob`` when asked (and only then),
checked at the AWS API boundary by botocore's Stubber against the installed ``cognito-idp`` model (moto has no
import-job API); the file goes to a loopback server standing in for the pre-signed S3 URL."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber

from legacy_auth.cli.import_jobs import run_jobs
from legacy_auth.importing.algorithms import Algorithm

POOL = "eu-west-1_TestPool1"
ROLE = "arn:aws:iam::123456789012:role/CognitoImport"


class _Upload(BaseHTTPRequestHandler):
    received: ClassVar[list[bytes]] = []

    def do_PUT(self) -> None:
        self.received.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def upload_url() -> Iterator[str]:
    _Upload.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Upload)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/bucket/f.csv?X-Amz-Signature=abc"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _job(url: str, status: str, algorithm: str | None) -> dict[str, Any]:
    job: dict[str, Any] = {"JobId": "import-job1", "JobName": "legacy-auth-x-1", "UserPoolId": POOL,
                           "PreSignedUrl": url, "Status": status, "CloudWatchLogsRoleArn": ROLE, "ImportedUsers": 2,
                           "SkippedUsers": 0, "FailedUsers": 0}
    if algorithm is not None:
        job["PasswordHashingAlgorithm"] = algorithm
    return {"UserImportJob": job}


@pytest.mark.parametrize("algorithm", [*(a.value for a in Algorithm), None])
def test_each_job_is_created_with_the_algorithm_asked_for(upload_url: str, tmp_path: Path,
                                                          algorithm: str | None) -> None:
    client = boto3.client("cognito-idp", region_name="eu-west-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    path = tmp_path / "f.csv"
    path.write_bytes(b"cognito:username,cognito:mfa_enabled\nalice,FALSE\n")
    expected = {"JobName": "legacy-auth-x-1", "UserPoolId": POOL, "CloudWatchLogsRoleArn": ROLE}
    if algorithm is not None:
        expected["PasswordHashingAlgorithm"] = algorithm
    with Stubber(client) as stub:
        stub.add_response("create_user_import_job", _job(upload_url, "Created", algorithm), expected)
        stub.add_response("start_user_import_job", _job(upload_url, "Pending", algorithm),
                          {"UserPoolId": POOL, "JobId": "import-job1"})
        stub.add_response("describe_user_import_job", _job(upload_url, "Succeeded", algorithm),
                          {"UserPoolId": POOL, "JobId": "import-job1"})
        jobs = run_jobs(client, POOL, [path], role_arn=ROLE, job_prefix="legacy-auth-x", poll_s=0,
                        algorithm=algorithm)
        stub.assert_no_pending_responses()
    assert _Upload.received == [path.read_bytes()]
    assert [j["Status"] for j in jobs] == ["Succeeded"]
    assert jobs[0].get("PasswordHashingAlgorithm") == algorithm
    assert "PreSignedUrl" not in jobs[0]


def test_a_failed_hashed_job_stops_the_run_before_the_next_file(upload_url: str, tmp_path: Path) -> None:
    client = boto3.client("cognito-idp", region_name="eu-west-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    files = [tmp_path / "a.csv", tmp_path / "b.csv"]
    for path in files:
        path.write_bytes(b"cognito:username,cognito:mfa_enabled\nalice,FALSE\n")
    failed = _job(upload_url, "Failed", "ARGON2ID")
    failed["UserImportJob"].update(FailedUsers=1, ImportedUsers=0, CompletionMessage="see CloudWatch")
    with Stubber(client) as stub:  # no second CreateUserImportJob is stubbed: calling it would raise
        stub.add_response("create_user_import_job", _job(upload_url, "Created", "ARGON2ID"),
                          {"JobName": "p-1", "UserPoolId": POOL, "CloudWatchLogsRoleArn": ROLE,
                           "PasswordHashingAlgorithm": "ARGON2ID"})
        stub.add_response("start_user_import_job", _job(upload_url, "Pending", "ARGON2ID"),
                          {"UserPoolId": POOL, "JobId": "import-job1"})
        stub.add_response("describe_user_import_job", failed, {"UserPoolId": POOL, "JobId": "import-job1"})
        jobs = run_jobs(client, POOL, files, role_arn=ROLE, job_prefix="p", poll_s=0, algorithm="ARGON2ID")
        stub.assert_no_pending_responses()
    assert [(j["Status"], j["FailedUsers"]) for j in jobs] == [("Failed", 1)]
    assert len(_Upload.received) == 1


def test_botocore_puts_the_algorithm_in_the_create_user_import_job_request_body() -> None:
    """The wire request, not just the Stubber's parameter check: the installed botocore serialises the field."""
    client = boto3.client("cognito-idp", region_name="eu-west-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    sent: list[Any] = []

    class _Raw:
        def stream(self, **_: Any) -> Iterator[bytes]:
            yield json.dumps({"UserImportJob": {"JobId": "import-job1", "Status": "Created",
                                                "PasswordHashingAlgorithm": "SCRYPT"}}).encode()

    def capture(request: Any, **_: Any) -> AWSResponse:
        sent.append(request)
        return AWSResponse(request.url, 200, {"Content-Type": "application/x-amz-json-1.1"}, _Raw())

    client.meta.events.register("before-send.cognito-idp.CreateUserImportJob", capture)
    answer = client.create_user_import_job(JobName="j", UserPoolId=POOL, CloudWatchLogsRoleArn=ROLE,
                                           PasswordHashingAlgorithm="SCRYPT")
    assert answer["UserImportJob"]["PasswordHashingAlgorithm"] == "SCRYPT"
    (request,) = sent
    assert request.headers["X-Amz-Target"] == b"AWSCognitoIdentityProviderService.CreateUserImportJob"
    assert json.loads(request.body) == {"JobName": "j", "UserPoolId": POOL, "CloudWatchLogsRoleArn": ROLE,
                                        "PasswordHashingAlgorithm": "SCRYPT"}

"""Import-job polling: a final status ends the wait; a job still running after the timeout is one clear error."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from legacy_auth.cli.errors import CliError
from legacy_auth.cli.import_jobs import wait_for

POOL = "eu-west-1_TestPool1"
JOB = "import-abc123"


def _client() -> Any:
    return boto3.client("cognito-idp", region_name="eu-west-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing")


def _describe(stub: Stubber, status: str) -> None:
    stub.add_response("describe_user_import_job", {"UserImportJob": {
        "JobId": JOB, "UserPoolId": POOL, "Status": status, "PreSignedUrl": "https://s3.example/x?sig=1"}},
        {"UserPoolId": POOL, "JobId": JOB})


def test_wait_returns_the_final_description() -> None:
    client = _client()
    slept: list[float] = []
    with Stubber(client) as stub:
        for status in ("Pending", "InProgress", "Failed"):
            _describe(stub, status)
        job = wait_for(client, POOL, JOB, poll_s=2.5, timeout_s=60, sleep=slept.append)
        stub.assert_no_pending_responses()
    assert job["Status"] == "Failed"
    assert slept == [2.5, 2.5]


def test_job_still_running_after_the_timeout_is_a_cli_error_without_the_url() -> None:
    client = _client()
    slept: list[float] = []
    with Stubber(client) as stub:
        for _ in range(4):  # polls at 0, 10, 20 and 30 s; the timeout is 30 s
            _describe(stub, "InProgress")
        with pytest.raises(CliError) as caught:
            wait_for(client, POOL, JOB, poll_s=10, timeout_s=30, sleep=slept.append)
        stub.assert_no_pending_responses()
    assert str(caught.value) == (f"import job {JOB} still InProgress after 30 s; it keeps running in Cognito: "
                                 "follow it with describe-user-import-job before another run")
    assert caught.value.exit_code == 3
    assert slept == [10, 10, 10]

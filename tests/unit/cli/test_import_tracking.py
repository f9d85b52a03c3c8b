"""Import fingerprints: they change with the hash or the account state, never contain the hash, and the upgrade
statements add exactly the two columns the DDL files declare."""

from __future__ import annotations

from dataclasses import replace

import pytest

from legacy_auth.cli.import_tracking import COLUMNS, change, fingerprint, upgrade_sql
from legacy_auth.migration.tracking import ddl
from legacy_auth.model import AccountState, LegacyUser

HASH = "$2y$10$r1I0gQRvP2bMeR4b6xfRi.u7od6C35/XQ5Li8S0DjjSSHUNaoRnVe"
USER = LegacyUser(legacy_id="42", username="alice", email="a@example.org", email_verified=True,
                  state=AccountState.ACTIVE, password_hash=HASH)


def test_fingerprint_is_state_and_a_short_digest_never_the_hash() -> None:
    fp = fingerprint(USER)
    state, _, tag = fp.partition(":")
    assert (state, len(tag)) == ("active", 16)
    assert HASH not in fp
    assert HASH[-16:] not in fp
    assert fingerprint(USER) == fp  # stable across runs


def test_change_names_what_moved() -> None:
    recorded = fingerprint(USER)
    assert change(recorded, USER) is None
    assert change(recorded, replace(USER, password_hash=HASH.replace("$10$", "$11$"))) == "hash_changed"
    assert change(recorded, replace(USER, state=AccountState.BLOCKED)) == "now_blocked"
    assert change(recorded, replace(USER, legacy_id="43")) == "hash_changed"  # another row: never equal


@pytest.mark.parametrize("dialect", ["mysql", "postgresql", "sqlite"])
def test_upgrade_adds_the_columns_of_the_current_ddl(dialect: str) -> None:
    statements = upgrade_sql(dialect, "legacy_auth_migrations")  # type: ignore[arg-type]
    assert [s.split()[5] for s in statements] == list(COLUMNS)
    create = ddl(dialect)[0]  # type: ignore[arg-type]
    for column in COLUMNS:
        assert column in create


class FakeTracker:
    """The three calls ``resume`` makes, on a dict ``job id -> pending users``."""

    def __init__(self, pending: dict[str, int]) -> None:
        self.pending = dict(pending)
        self.finished: dict[str, str] = {}

    def pending_jobs(self) -> list[str]:
        return sorted(self.pending)

    def finish(self, job_id: str, source: str) -> int:
        self.finished[job_id] = source
        return self.pending.pop(job_id)

    def release(self, job_id: str) -> int:
        return self.pending.pop(job_id)


def test_resume_finishes_clean_jobs_and_releases_the_others_and_unknown_ones() -> None:
    import boto3
    from botocore.stub import Stubber

    from legacy_auth.cli.import_tracking import resume
    from legacy_auth.migration.tracking import IMPORT_RESET_REQUIRED

    pool = "eu-west-1_TestPool1"
    client = boto3.client("cognito-idp", region_name="eu-west-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    tracker = FakeTracker({"job-a": 3, "job-b": 2, "job-c": 1})
    with Stubber(client) as stub:
        stub.add_response("describe_user_import_job", {"UserImportJob": {
            "JobId": "job-a", "Status": "Succeeded", "ImportedUsers": 3, "FailedUsers": 0, "SkippedUsers": 0}},
            {"UserPoolId": pool, "JobId": "job-a"})
        stub.add_response("describe_user_import_job", {"UserImportJob": {
            "JobId": "job-b", "Status": "Succeeded", "ImportedUsers": 1, "FailedUsers": 1, "SkippedUsers": 0}},
            {"UserPoolId": pool, "JobId": "job-b"})
        stub.add_client_error("describe_user_import_job", "ResourceNotFoundException", "no such job",
                              expected_params={"UserPoolId": pool, "JobId": "job-c"})
        lines: list[str] = []
        done = resume(tracker, client, pool, poll_s=0, timeout_s=0, log=lines.append)  # type: ignore[arg-type]
        stub.assert_no_pending_responses()
    assert done == [{"JobId": "job-a", "Status": "Succeeded", "users": 3, "action": "finished"},
                    {"JobId": "job-b", "Status": "Succeeded", "users": 2, "action": "released"},
                    {"JobId": "job-c", "Status": "NotFound", "users": 1, "action": "released"}]
    assert tracker.finished == {"job-a": IMPORT_RESET_REQUIRED}
    assert tracker.pending == {}
    assert lines[1] == "pending job job-b Succeeded: 2 users released"

"""Create, upload and start Cognito user-import jobs, one file at a time (``legacy-auth export --start``).

Flow (Cognito developer guide, "Creating and running the user pool import job"): ``CreateUserImportJob``
returns a pre-signed S3 URL valid for 15 minutes; the file is PUT there with the header
``x-amz-server-side-encryption: aws:kms``; ``StartUserImportJob`` starts it. Only one import job can be
active at a time per account, so each job is followed (``DescribeUserImportJob``) to a final status before
the next one is created.
"""

from __future__ import annotations

import http.client
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from legacy_auth.cli.errors import CliError
from legacy_auth.cli.import_csv import MAX_BYTES, MAX_ROWS

FINAL = frozenset({"Succeeded", "Failed", "Stopped", "Expired"})
SSE_HEADER = ("x-amz-server-side-encryption", "aws:kms")
UPLOAD_TIMEOUT_S = 300.0


def upload(url: str, path: Path, *, timeout_s: float = UPLOAD_TIMEOUT_S) -> int:
    """PUT ``path`` to the pre-signed ``url`` (streamed); return the HTTP status.

    Only ``Content-Length`` and the SSE header are sent: a pre-signed URL's signature covers the headers
    it was signed with, so nothing else is added.

    Raises
    ------
    CliError
        The upload was refused or failed (the URL is never printed: it is a credential).
    """
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise CliError("the pre-signed upload URL is not an http(s) URL")
    conn_cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = conn_cls(parts.hostname, parts.port, timeout=timeout_s)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    size = path.stat().st_size
    try:
        with path.open("rb") as body:
            conn.putrequest("PUT", target, skip_accept_encoding=True)
            conn.putheader("Content-Length", str(size))
            conn.putheader(*SSE_HEADER)
            conn.endheaders()
            while chunk := body.read(1 << 20):
                conn.send(chunk)
        response = conn.getresponse()
        response.read()
    except OSError as exc:
        raise CliError(f"upload of {path.name} failed: {type(exc).__name__}") from None
    finally:
        conn.close()
    if not 200 <= response.status < 300:
        raise CliError(f"upload of {path.name} refused: HTTP {response.status}")
    return response.status


def wait_for(client: Any, pool: str, job_id: str, *, poll_s: float, timeout_s: float,
             sleep: Callable[[float], None] = time.sleep) -> dict[str, Any]:
    """Poll ``DescribeUserImportJob`` until a final status; ``CliError`` after ``timeout_s``."""
    waited = 0.0
    while True:
        job = dict(client.describe_user_import_job(UserPoolId=pool, JobId=job_id)["UserImportJob"])
        if job.get("Status") in FINAL:
            return job
        if waited >= timeout_s:
            raise CliError(f"import job {job_id} still {job.get('Status')} after {timeout_s:.0f} s; it keeps "
                           "running in Cognito: follow it with describe-user-import-job before another run")
        sleep(poll_s)
        waited += poll_s


def is_clean(job: dict[str, Any]) -> bool:
    """Whether a final job imported every user of its file (``Succeeded``, none failed or skipped)."""
    return job.get("Status") == "Succeeded" and not job.get("FailedUsers") and not job.get("SkippedUsers")


def check_file(path: Path) -> None:
    """Refuse a file over Cognito's limits (500,000 rows, 100 MB) before any job is created for it.

    Raises
    ------
    CliError
        (exit status 2) the file is too large, has too many rows, or cannot be read.
    """
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise CliError(f"{path.name}: {size:,} bytes, over Cognito's {MAX_BYTES:,} per import file", exit_code=2)
        with path.open("rb") as fh:
            rows = sum(1 for _ in fh) - 1  # the header line
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or type(exc).__name__}", exit_code=2) from None
    if rows > MAX_ROWS:
        raise CliError(f"{path.name}: {rows:,} rows, over Cognito's {MAX_ROWS:,} per import file", exit_code=2)


def run_jobs(client: Any, pool: str, files: Sequence[Path], *, role_arn: str, job_prefix: str,
             poll_s: float = 10.0, timeout_s: float = 3600.0, sleep: Callable[[float], None] = time.sleep,
             log: Callable[[str], None] = lambda _: None, algorithm: str | None = None,
             on_created: Callable[[str, Path], None] | None = None,
             on_final: Callable[[dict[str, Any]], None] | None = None) -> list[dict[str, Any]]:
    """Import ``files`` one after the other; return each job's final description (without its URL).

    Parameters
    ----------
    client : Any
        boto3 ``cognito-idp`` client.
    pool : str
        User pool id.
    files : Sequence[Path]
        CSV files (from :class:`~legacy_auth.cli.import_csv.CsvSplitter`).
    role_arn : str
        ``CloudWatchLogsRoleArn`` (the import writes its results to CloudWatch Logs).
    job_prefix : str
        Job names are ``<prefix>-<n>`` (pattern ``[\\w\\s+=,.@-]+``, at most 128 characters).
    poll_s, timeout_s : float
        Polling interval and the longest wait for one job.
    sleep, log : Callable
        Injected for tests; ``log`` gets one progress line per step.
    on_created : Callable[[str, Path], None] | None
        Called with the job id and its file after the upload and before ``StartUserImportJob`` (the tracking
        table records the file's users as pending there: :mod:`legacy_auth.cli.import_tracking`).
    on_final : Callable[[dict], None] | None
        Called with each job's final description.

    Every file is checked against Cognito's limits (:func:`check_file`) before the first job is created.
    algorithm : str | None
        ``PasswordHashingAlgorithm`` of every job (``BCRYPT | SCRYPT | ARGON2ID | PBKDF2_SHA256``, botocore's
        ``cognito-idp`` model) for files carrying password hashes; ``None`` sends no such parameter.
    """
    for path in files:
        check_file(path)
    jobs = []
    for n, path in enumerate(files, 1):
        name = f"{job_prefix}-{n}"[:128]
        extra = {"PasswordHashingAlgorithm": algorithm} if algorithm is not None else {}
        created = client.create_user_import_job(JobName=name, UserPoolId=pool, CloudWatchLogsRoleArn=role_arn,
                                                **extra)
        job = created["UserImportJob"]
        job_id = job["JobId"]
        log(f"job {name} ({job_id}) created; uploading {path.name}")
        upload(job["PreSignedUrl"], path)
        if on_created is not None:
            on_created(job_id, path)
        client.start_user_import_job(UserPoolId=pool, JobId=job_id)
        log(f"job {job_id} started; waiting for it to finish (one active import job per account)")
        final = wait_for(client, pool, job_id, poll_s=poll_s, timeout_s=timeout_s, sleep=sleep)
        final.pop("PreSignedUrl", None)
        log(f"job {job_id} {final.get('Status')}: imported {final.get('ImportedUsers', 0)}, "
            f"skipped {final.get('SkippedUsers', 0)}, failed {final.get('FailedUsers', 0)}")
        jobs.append(final)
        if on_final is not None:
            on_final(final)
        if final.get("Status") != "Succeeded":
            break  # later files would hit the same problem; the admin reads the CloudWatch log first
    return jobs

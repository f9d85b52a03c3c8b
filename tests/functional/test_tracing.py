"""X-Ray tracing of the triggers (``LEGACY_AUTH_TRACING``): off = nothing imported; on = no secret in any segment.

The "on" tests run the real handler in a fresh interpreter set up as Lambda sets up a traced invocation
(``LAMBDA_TASK_ROOT``, a sampled ``_X_AMZN_TRACE_ID``) with ``AWS_XRAY_DAEMON_ADDRESS`` pointing at a UDP socket of
this test: every datagram the X-Ray SDK would send to the daemon is read back and searched for the event's values.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from legacy_auth.errors import ConfigurationError
from tests.conftest import load_event, load_vectors
from tests.support.legacy_db import create_schema, insert_users
from triggers.observability import LEGACY_AUTH_TRACING, TracingSettings

ROOT = Path(__file__).resolve().parents[2]
TRACE_ID = "Root=1-6754a3b1-5e3d2c1b0a9f8e7d6c5b4a39;Parent=53995c3f42cd8ad8;Sampled=1"
BCRYPT = next(v for v in load_vectors() if v["app"] == "question2answer" and v["expect"]
              and v["scheme"].startswith("q2a_passhash") and v["password"] == "correct horse battery staple")

_RUN = """
import json, sys
from devstack.context import LocalLambdaContext
module = __import__(sys.argv[1], fromlist=["handler"])
outcomes = []
for event in json.loads(sys.argv[2]):
    try:
        module.handler(event, LocalLambdaContext(function_name="traced"))
        outcomes.append("ok")
    except Exception as exc:
        outcomes.append(type(exc).__name__)
print("OUTCOMES " + json.dumps(outcomes) + " XRAY " + str("aws_xray_sdk" in sys.modules))
"""


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _run_traced(module: str, events: list[dict[str, Any]], env: dict[str, str],
                tmp_path: Path) -> tuple[list[str], bool, list[str]]:
    """Run ``module.handler`` on each event; return (outcomes, aws_xray_sdk imported, datagrams sent to X-Ray)."""
    daemon = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    daemon.bind(("127.0.0.1", 0))
    daemon.settimeout(0.5)
    port = daemon.getsockname()[1]
    base = {k: v for k, v in os.environ.items() if not k.startswith(("LEGACY_", "HOOKS_", "AWS_", "_X_AMZN"))}
    lambda_env = {"LAMBDA_TASK_ROOT": str(tmp_path), "AWS_LAMBDA_FUNCTION_NAME": "traced",
                  "AWS_REGION": "eu-west-1", "_X_AMZN_TRACE_ID": TRACE_ID,
                  "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{port}", "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
                  "POWERTOOLS_SERVICE_NAME": "traced-trigger", "PYTHONPATH": str(ROOT)}
    try:
        result = subprocess.run([sys.executable, "-c", _RUN, module, json.dumps(events)], cwd=ROOT,
                                env={**base, **lambda_env, **env}, capture_output=True, text=True, timeout=120,
                                check=False)
        assert result.returncode == 0, result.stderr[-3000:]
        datagrams = []
        while True:
            try:
                datagrams.append(daemon.recv(65536).decode("utf-8"))
            except TimeoutError:
                break
    finally:
        daemon.close()
    line = next(x for x in result.stdout.splitlines() if x.startswith("OUTCOMES "))
    outcomes, _, imported = line.removeprefix("OUTCOMES ").partition(" XRAY ")
    return json.loads(outcomes), imported == "True", datagrams


def _segments(datagrams: list[str]) -> list[dict[str, Any]]:
    """X-Ray daemon datagrams are a JSON header line, then the segment document."""
    return [json.loads(d.split("\n", 1)[1]) for d in datagrams]


@pytest.fixture
def legacy_url(databases: Any, tmp_path: Path) -> str:
    url = databases.sqlite(tmp_path, "traced")
    create_schema(url, "q2a")
    insert_users(url, "q2a", [{"userid": 7, "handle": "alice", "email": "alice.traced@example.org", "flags": 1,
                               "passhash": BCRYPT["hash"]}])
    return url


def test_tracing_settings_read_active_and_disabled_in_any_case_and_refuse_anything_else() -> None:
    assert TracingSettings.from_env({}).active is False
    assert TracingSettings.from_env({LEGACY_AUTH_TRACING: ""}).active is False
    assert TracingSettings.from_env({LEGACY_AUTH_TRACING: "Disabled"}).active is False
    assert TracingSettings.from_env({LEGACY_AUTH_TRACING: "active"}).active is True
    with pytest.raises(ConfigurationError) as info:
        TracingSettings.from_env({LEGACY_AUTH_TRACING: "on"})
    assert info.value.setting == LEGACY_AUTH_TRACING


def test_without_tracing_the_trigger_never_imports_the_xray_sdk(legacy_url: str, tmp_path: Path) -> None:
    event = load_event("cognito_user_migration_authentication")
    outcomes, imported, datagrams = _run_traced(
        "triggers.user_migration", [event], {"LEGACY_APP": "q2a", "LEGACY_DB_URL": legacy_url}, tmp_path)
    assert outcomes == ["ok"]
    assert imported is False
    assert datagrams == []


def test_traced_migration_sends_a_handler_subsegment_without_password_user_data_or_error_text(
        legacy_url: str, tmp_path: Path) -> None:
    good = load_event("cognito_user_migration_authentication")
    wrong = json.loads(json.dumps(good))
    wrong["request"]["password"] = "a-wrong-password-canary-4711"
    env = {"LEGACY_APP": "q2a", "LEGACY_DB_URL": legacy_url, LEGACY_AUTH_TRACING: "Active"}
    outcomes, imported, datagrams = _run_traced("triggers.user_migration", [good, wrong], env, tmp_path)
    assert outcomes[0] == "ok"
    assert outcomes[1] != "ok"
    assert imported is True
    handler_segments = [s for s in _segments(datagrams) if s.get("name") == "## handler"]
    assert len(handler_segments) == 2, datagrams
    assert handler_segments[0]["annotations"]["ColdStart"] is True
    assert handler_segments[0]["annotations"]["Service"] == "traced-trigger"
    assert handler_segments[1]["annotations"]["Error"] == outcomes[1]  # the class name, nothing more
    everything = "\n".join(datagrams)
    secrets = {good["request"]["password"], wrong["request"]["password"], "alice.traced@example.org",
               BCRYPT["hash"], legacy_url, "Incorrect username or password."}
    secrets |= {s for s in _strings([good, wrong]) if len(s) >= 8}
    leaked = sorted(s for s in secrets if s in everything)
    assert not leaked, leaked
    assert all("cause" not in s and "metadata" not in s for s in handler_segments)


def test_traced_pre_token_generation_sends_no_claim_attribute_or_response(tmp_path: Path) -> None:
    event = load_event("cognito_pre_token_generation_v2_authentication")
    outcomes, imported, datagrams = _run_traced("triggers.pre_token_generation", [event],
                                                {LEGACY_AUTH_TRACING: "Active"}, tmp_path)
    assert outcomes == ["ok"]
    assert imported is True
    segments = _segments(datagrams)
    assert [s["name"] for s in segments] == ["## handler"]
    everything = "\n".join(datagrams)
    leaked = sorted(s for s in _strings(event) if len(s) >= 5 and s in everything)  # "true" is JSON
    assert not leaked, leaked
    assert "metadata" not in segments[0]

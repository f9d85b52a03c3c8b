"""The migrate-user handler end to end on a real SQLite legacy database: safety of logs and odd input."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devstack.context import LocalLambdaContext
from tests.conftest import load_event, load_vectors
from tests.support.legacy_db import create_schema, insert_users
from triggers import user_migration as um

GENERIC = "Incorrect username or password."
ROOT = Path(__file__).resolve().parents[2]


def _vector(scheme_prefix: str) -> dict[str, Any]:
    return next(v for v in load_vectors() if v["app"] == "question2answer" and v["expect"]
                and v["scheme"].startswith(scheme_prefix) and v["password"] == "correct horse battery staple")


SHA1 = _vector("q2a_sha1")
BCRYPT = _vector("q2a_passhash")


@pytest.fixture
def legacy_url(databases: Any, tmp_path: Path) -> str:
    url = databases.sqlite(tmp_path, "functional")
    create_schema(url, "q2a")
    insert_users(url, "q2a", [
        {"userid": 1, "handle": "alice", "email": "alice@example.org", "flags": 1,
         "passsalt": SHA1["extra"]["q2a_passsalt"].encode(), "passcheck": bytes.fromhex(SHA1["hash"])},
        {"userid": 2, "handle": "bob", "email": "bob@example.org", "flags": 1, "passhash": BCRYPT["hash"]},
        {"userid": 3, "handle": "carol", "email": "carol@example.org", "flags": 0, "passhash": BCRYPT["hash"]},
    ])
    return url


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, legacy_url: str) -> Iterator[Any]:
    def apply(**extra: str) -> None:
        monkeypatch.setenv("LEGACY_APP", "q2a")
        monkeypatch.setenv("LEGACY_DB_URL", legacy_url)
        for key, value in extra.items():
            if value is None:
                monkeypatch.delenv(key, raising=False)
            else:
                monkeypatch.setenv(key, value)
        um.reset_runtime()

    apply()
    yield apply
    um.reset_runtime()


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(um.logger.registered_formatter)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def last(self) -> dict[str, Any]:
        return json.loads(self.lines[-1])


@pytest.fixture
def lines() -> Iterator[Lines]:
    handler = Lines()
    logging.getLogger(um.logger.name).addHandler(handler)
    yield handler
    logging.getLogger(um.logger.name).removeHandler(handler)


def invoke(event: Any, timeout_ms: int = 5000) -> dict[str, Any]:
    return um.handler(event, LocalLambdaContext(timeout_ms=timeout_ms))


def auth_event(login: str, password: Any) -> dict[str, Any]:
    event = load_event("cognito_user_migration_authentication")
    event["userName"] = login
    event["request"]["password"] = password
    return event


def test_password_and_hash_never_reach_logs_even_at_debug_with_event_logging(
    env: Any, lines: Lines, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
):
    env(POWERTOOLS_LOGGER_LOG_EVENT="true", POWERTOOLS_LOG_LEVEL="DEBUG")
    um.logger.setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)  # every library logger too (they are held at WARNING by the handler)
    secrets_seen = [SHA1["password"], BCRYPT["password"], BCRYPT["hash"], SHA1["hash"], SHA1["hash"].lower(),
                    SHA1["extra"]["q2a_passsalt"], "Wrong-Pw-Typed-9"]
    try:
        assert invoke(auth_event("alice", SHA1["password"]))["response"]["finalUserStatus"] == "CONFIRMED"
        assert invoke(auth_event("bob", BCRYPT["password"]))["response"]["finalUserStatus"] == "CONFIRMED"
        for login in ("alice", "bob", "nobody", "Wrong-Pw-Typed-9"):  # users do type passwords as usernames
            with pytest.raises(um.MigrationRefusedError):
                invoke(auth_event(login, "Wrong-Pw-Typed-9"))
        forgot = load_event("cognito_user_migration_forgot_password")
        invoke(forgot)
    finally:
        um.logger.setLevel(logging.INFO)
    out, err = capfd.readouterr()
    captured = "\n".join([out, err, caplog.text, *lines.lines])
    assert "user migrated" in captured
    assert "user migration refused" in captured
    for secret in secrets_seen:
        assert secret not in captured


@pytest.mark.parametrize("event", [
    None,
    "not an event",
    {},
    {"triggerSource": "UserMigration_Authentication"},
    {"triggerSource": "UserMigration_Authentication", "userName": "alice"},
    {"triggerSource": "UserMigration_Authentication", "userName": "alice", "request": {"password": 12345}},
    {"triggerSource": "UserMigration_Authentication", "userName": ["alice"], "request": {"password": "x"}},
    {"triggerSource": "PreSignUp_SignUp", "userName": "alice", "request": {}},
])
def test_malformed_events_get_the_generic_answer(env: Any, lines: Lines, event: Any):
    with pytest.raises(um.MigrationRefusedError, match=f"^{GENERIC}$"):
        invoke(event)
    assert lines.last()["reason"] in {"unsupported_trigger", "internal_error", "wrong_password"}


@pytest.mark.parametrize("response", ["missing", None, [], "x", 7])
def test_a_verified_sign_in_gets_a_full_answer_even_when_the_event_response_is_malformed(env: Any, response: Any):
    event = auth_event("alice", SHA1["password"])
    if response == "missing":
        del event["response"]
    else:
        event["response"] = response
    out = invoke(event)["response"]
    assert out["finalUserStatus"] == "CONFIRMED"
    assert out["messageAction"] == "SUPPRESS"
    assert out["userAttributes"]["email"] == "alice@example.org"


def test_bad_configuration_is_refused_generically_and_names_the_variable(env: Any, lines: Lines):
    env(LEGACY_APP="nosuchapp")
    with pytest.raises(um.MigrationRefusedError, match=f"^{GENERIC}$"):
        invoke(auth_event("alice", SHA1["password"]))
    assert lines.last()["reason"] == "configuration"
    assert lines.last()["setting"] == "LEGACY_APP"


def test_bad_dummy_hash_is_refused_generically_and_names_the_variable(env: Any, lines: Lines):
    env(LEGACY_DUMMY_HASH="not-a-q2a-hash")
    with pytest.raises(um.MigrationRefusedError, match=f"^{GENERIC}$"):
        invoke(auth_event("alice", SHA1["password"]))
    assert (lines.last()["reason"], lines.last()["setting"]) == ("configuration", "LEGACY_DUMMY_HASH")
    assert "not-a-q2a-hash" not in "\n".join(lines.lines)


def test_legacy_roles_go_to_the_custom_attribute_the_pre_token_hook_reads(env: Any):
    attrs = invoke(auth_event("alice", SHA1["password"]))["response"]["userAttributes"]
    assert attrs["custom:legacy_roles"] == "level:0"
    env(LEGACY_ROLES_ATTRIBUTE="none")
    assert "custom:legacy_roles" not in invoke(auth_event("alice", SHA1["password"]))["response"]["userAttributes"]


def test_forgot_password_can_be_switched_off(env: Any, lines: Lines):
    env(LEGACY_ALLOW_FORGOT_PASSWORD="false")
    with pytest.raises(um.MigrationRefusedError):
        invoke(load_event("cognito_user_migration_forgot_password") | {"userName": "alice"})
    assert lines.last()["reason"] == "unsupported_trigger"


def test_weak_passwords_can_be_migrated_as_reset_required(env: Any):
    env(LEGACY_WEAK_PASSWORD_RESET="true", LEGACY_MIN_PASSWORD_LENGTH="40")
    response = invoke(auth_event("alice", SHA1["password"]))["response"]
    assert response["finalUserStatus"] == "RESET_REQUIRED"
    env(LEGACY_WEAK_PASSWORD_RESET="true", LEGACY_MIN_PASSWORD_LENGTH="8")
    assert invoke(auth_event("alice", SHA1["password"]))["response"]["finalUserStatus"] == "CONFIRMED"


def test_metrics_carry_reason_and_scheme_but_no_user_data(env: Any, capsys: pytest.CaptureFixture[str]):
    with pytest.raises(um.MigrationRefusedError):
        invoke(auth_event("alice", "nope-nope"))
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    assert emf, "no EMF metric line"
    last = emf[-1]
    assert last["reason"] == "wrong_password"
    assert last["scheme"] == "q2a_sha1"
    assert last["trigger"] == "Authentication"
    assert last["MigrationFailed"] == [1.0]
    assert "alice" not in json.dumps(last)


def test_boto3_stays_out_of_a_plain_url_deployment(legacy_url: str):
    # Powertools imports the bare ``botocore`` package (0.4 ms); boto3 and botocore sessions cost ~200 ms.
    code = f"""
import os, sys, json
os.environ.update(LEGACY_APP="q2a", LEGACY_DB_URL={legacy_url!r})
from devstack.context import LocalLambdaContext
from tests.conftest import load_event
from triggers import user_migration as um
event = load_event("cognito_user_migration_forgot_password"); event["userName"] = "alice"
um.handler(event, LocalLambdaContext())
print(json.dumps({{"boto3": "boto3" in sys.modules, "session": "botocore.session" in sys.modules}}))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60,
                          check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"boto3": False, "session": False}


@pytest.mark.parametrize(("init_type", "prebuilt"), [("on-demand", False), ("snap-start", True),
                                                     ("provisioned-concurrency", True), (None, False)])
def test_runtime_is_built_during_init_only_when_no_user_waits_for_it(legacy_url: str, init_type: str | None,
                                                                     prebuilt: bool):
    # on-demand: the import stays light (hashing, presets, tracking load at the first invocation); SnapStart /
    # provisioned concurrency: Settings, preset and hash context are built at init, but no connection is opened
    code = f"""
import os, sys, json
os.environ.update(LEGACY_APP="q2a", LEGACY_DB_URL={legacy_url!r})
{f"os.environ['AWS_LAMBDA_INITIALIZATION_TYPE'] = {init_type!r}" if init_type else ""}
from triggers import user_migration as um
built = um.runtime.built
print(json.dumps({{"built": built, "hashing": "legacy_auth.hashing" in sys.modules,
                  "connects": um.runtime.value.store.db.connects if built else None}}))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60,
                          check=True)
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got == {"built": prebuilt, "hashing": prebuilt, "connects": 0 if prebuilt else None}


def test_a_configuration_error_during_a_prebuild_is_left_for_the_first_invocation():
    code = """
import os, json
os.environ.update(LEGACY_APP="nosuchapp", LEGACY_DB_URL="sqlite:///x", AWS_LAMBDA_INITIALIZATION_TYPE="snap-start")
from triggers import user_migration as um
print(json.dumps({"built": um.runtime.built}))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60,
                          check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"built": False}

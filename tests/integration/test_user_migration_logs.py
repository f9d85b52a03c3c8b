"""No password, hash, salt or database password in any log or stdout, on the real drivers, at DEBUG with
event logging switched on, for successes, refusals and database failures."""

from __future__ import annotations

import logging
import secrets
import socket
from typing import Any
from urllib.parse import urlsplit

import pytest

from devstack.context import LocalLambdaContext
from tests.conftest import load_event, load_vectors
from tests.support.legacy_db import connect, create_schema, insert_users
from triggers import user_migration as um

pytestmark = pytest.mark.integration

VECTOR = next(v for v in load_vectors() if v["app"] == "question2answer" and v["expect"]
              and v["scheme"].startswith("q2a_passhash") and v["password"] == "correct horse battery staple")
DB_PASSWORD = "Db-Pw-" + secrets.token_hex(6)


def _with_password(url: str, user: str) -> str:
    parts = urlsplit(url)
    return parts._replace(netloc=f"{user}:{DB_PASSWORD}@{parts.hostname}:{parts.port}").geturl()


@pytest.fixture(params=["mysql", "postgresql"])
def legacy_url(request: pytest.FixtureRequest, databases: Any) -> Any:
    if request.param == "postgresql":
        url = databases.postgres("logs")  # trust auth: any password is accepted, so it travels to the driver
        user = "postgres"
        cleanup = None
    else:
        url = databases.mysql("logs")
        user = f"la_{secrets.token_hex(4)}"
        admin = connect(url)
        admin.cursor().execute("CREATE USER %s@'%%' IDENTIFIED BY %s", (user, DB_PASSWORD))
        admin.cursor().execute(f"GRANT SELECT ON `{urlsplit(url).path.lstrip('/')}`.* TO %s@'%%'", (user,))
        admin.close()
        cleanup = user
    create_schema(url, "q2a")
    insert_users(url, "q2a", [{"userid": 1, "handle": "alice", "email": "alice@example.org", "flags": 1,
                               "passhash": VECTOR["hash"]}])
    yield _with_password(url, user)
    if cleanup:
        admin = connect(url)
        admin.cursor().execute("DROP USER %s@'%%'", (cleanup,))
        admin.close()


def test_nothing_secret_is_logged_by_handler_or_drivers(legacy_url: str, monkeypatch: pytest.MonkeyPatch,
                                                        capfd: pytest.CaptureFixture[str],
                                                        caplog: pytest.LogCaptureFixture):
    monkeypatch.setenv("POWERTOOLS_LOGGER_LOG_EVENT", "true")
    monkeypatch.setenv("LEGACY_APP", "q2a")
    monkeypatch.setenv("LEGACY_DB_URL", legacy_url)
    caplog.set_level(logging.DEBUG)
    um.logger.setLevel(logging.DEBUG)
    um.reset_runtime()
    port = socket.socket()
    port.bind(("127.0.0.1", 0))
    dead = urlsplit(legacy_url)._replace(netloc=f"u:{DB_PASSWORD}@127.0.0.1:{port.getsockname()[1]}").geturl()
    port.close()
    try:
        event = load_event("cognito_user_migration_authentication")
        event["userName"], event["request"]["password"] = "alice", VECTOR["password"]
        assert um.handler(event, LocalLambdaContext())["response"]["finalUserStatus"] == "CONFIRMED"
        for login, password in (("alice", "Typed-Wrong-Pw-1"), ("Typed-Wrong-Pw-1", "x")):
            event = load_event("cognito_user_migration_authentication")
            event["userName"], event["request"]["password"] = login, password
            with pytest.raises(um.MigrationRefusedError):
                um.handler(event, LocalLambdaContext())
        monkeypatch.setenv("LEGACY_DB_URL", dead)  # database down: error paths log too
        um.reset_runtime()
        event = load_event("cognito_user_migration_authentication")
        event["userName"], event["request"]["password"] = "alice", VECTOR["password"]
        with pytest.raises(um.MigrationRefusedError):
            um.handler(event, LocalLambdaContext())
    finally:
        um.logger.setLevel(logging.INFO)
        um.reset_runtime()
    out, err = capfd.readouterr()
    captured = "\n".join([out, err, caplog.text])
    assert "user migration failed" in captured  # the logs were captured at all
    for secret in (VECTOR["password"], VECTOR["hash"], VECTOR["hash"][7:], "Typed-Wrong-Pw-1", DB_PASSWORD):
        assert secret not in captured

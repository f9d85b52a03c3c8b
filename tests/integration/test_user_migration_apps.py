"""The migrate-user handler against real legacy schemas on MariaDB, PostgreSQL and SQLite.

Each (database, app) pair gets a fresh database whose users table is created from the preset's real DDL and
filled with users carrying the shared real-software hash vectors; the handler is invoked with real-shaped
Cognito events for both trigger sources.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from devstack.context import LocalLambdaContext
from legacy_auth.presets import PRESETS
from tests.conftest import load_event, load_vectors
from tests.helpers.legacy_db import create_schema, insert_users
from triggers import user_migration as um

pytestmark = pytest.mark.integration

GENERIC = "Incorrect username or password."
META_LOGIN = "o'b\"r;--%_\\x"  # quote, double quote, comment, LIKE wildcards, backslash
INJECTION = "' OR '1'='1"


def _vectors(app: str) -> list[dict[str, Any]]:
    # Cognito never sends an empty password (InitiateAuth requires one): those vectors are hash-level only.
    return [v for v in load_vectors() if v["app"] == app and v["password"] != ""]


@dataclass(frozen=True)
class AppCase:
    """How to write users of one app and which env switches it needs."""

    name: str
    vector_app: str
    env: dict[str, str]
    options: dict[str, Any]
    user: Callable[..., dict[str, Any]]
    blocked: Callable[[dict[str, Any]], dict[str, Any]]
    sso_only: Callable[[dict[str, Any]], dict[str, Any]]
    corrupt: Callable[[dict[str, Any]], dict[str, Any]]
    verified_email: bool  # does the app record email confirmation?


def _q2a_user(uid: int, login: str, email: str, vec: dict[str, Any], confirmed: bool = True) -> dict[str, Any]:
    row: dict[str, Any] = {"userid": uid, "handle": login, "email": email, "flags": 1 if confirmed else 0,
                           "level": 0}
    extra = vec.get("extra") or {}
    if extra.get("q2a_passsalt"):  # legacy pair, possibly beside a passhash (q2a checks the pair first)
        row["passsalt"] = extra["q2a_passsalt"].encode()
        row["passcheck"] = bytes.fromhex(extra["q2a_passcheck_hex"])
        row["passhash"] = extra.get("q2a_passhash")
    else:
        row["passhash"] = vec["hash"]
    return row


def _wp_user(uid: int, login: str, email: str, vec: dict[str, Any], confirmed: bool = True) -> dict[str, Any]:
    return {"ID": uid, "user_login": login, "user_email": email, "user_pass": vec["hash"],
            "user_nicename": login.lower()[:50], "display_name": f"User {uid}", "spam": 0, "deleted": 0}


APPS = {
    "q2a": AppCase(
        name="q2a", vector_app="question2answer", env={}, options={}, user=_q2a_user,
        blocked=lambda r: {**r, "flags": 1 | 2},
        sso_only=lambda r: {**r, "passsalt": None, "passcheck": None, "passhash": None},
        corrupt=lambda r: {**r, "passsalt": None, "passcheck": None, "passhash": "$2y$10$tooshort"},
        verified_email=True,
    ),
    "wordpress": AppCase(
        name="wordpress", vector_app="wordpress", env={"LEGACY_MULTISITE": "true"}, options={"multisite": True},
        user=_wp_user,
        blocked=lambda r: {**r, "spam": 1},
        sso_only=lambda r: {**r, "user_pass": ""},
        corrupt=lambda r: {**r, "user_pass": "$P$Btruncated"},
        verified_email=False,
    ),
}
CASES = [name for name in APPS if name in PRESETS]  # parametrised over the presets committed so far


@dataclass
class LegacyDb:
    url: str
    app: AppCase
    vectors: list[dict[str, Any]]
    good: dict[str, Any]  # a vector that verifies

    def login_of(self, index: int) -> str:
        return f"v{index}"


def _populate(url: str, case: AppCase) -> LegacyDb:
    vectors = _vectors(case.vector_app)
    good = next(v for v in vectors if v["expect"] and v["password"] == "correct horse battery staple")
    rows = [case.user(i, f"v{i}", f"v{i}@example.org", v) for i, v in enumerate(vectors, 1)]
    base = 1000
    specials = [
        case.blocked(case.user(base + 1, "blocked1", "blocked@example.org", good)),
        case.sso_only(case.user(base + 2, "sso1", "sso@example.org", good)),
        case.user(base + 3, "dupa", "dup@example.org", good),
        case.user(base + 4, "dupb", "dup@example.org", good),
        case.corrupt(case.user(base + 5, "corrupt1", "corrupt@example.org", good)),
        case.user(base + 6, META_LOGIN, "meta@example.org", good),
        case.user(base + 7, "unconf1", "unconf@example.org", good, confirmed=False),
        case.user(base + 8, "CaseUser", "Case.User@Example.org", good),
    ]
    create_schema(url, case.name, **case.options)
    insert_users(url, case.name, rows + specials, **case.options)
    return LegacyDb(url=url, app=case, vectors=vectors, good=good)


@pytest.fixture(scope="module", params=[(db, app) for db in ("mysql", "postgresql", "sqlite") for app in CASES],
                ids=lambda p: f"{p[0]}-{p[1]}")
def legacy(request: pytest.FixtureRequest, databases: Any, tmp_path_factory: pytest.TempPathFactory) -> LegacyDb:
    kind, app = request.param
    if kind == "mysql":
        url = databases.mysql(f"mig{app}")
    elif kind == "postgresql":
        url = databases.postgres(f"mig{app}")
    else:
        url = databases.sqlite(tmp_path_factory.mktemp("mig"), f"mig{app}")
    return _populate(url, APPS[app])


class LogCapture(logging.Handler):
    """Collects the handler's structured log lines (Powertools JSON) as dicts."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(um.logger.registered_formatter)
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))

    def reasons(self) -> list[str]:
        return [line["reason"] for line in self.lines if "reason" in line]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, legacy: LegacyDb) -> Iterator[Callable[..., None]]:
    def apply(**extra: str) -> None:
        monkeypatch.setenv("LEGACY_APP", legacy.app.name)
        monkeypatch.setenv("LEGACY_DB_URL", legacy.url)
        for key, value in {**legacy.app.env, **extra}.items():
            monkeypatch.setenv(key, value)
        um.reset_runtime()

    apply()
    yield apply
    um.reset_runtime()


@pytest.fixture
def logs() -> Iterator[LogCapture]:
    capture = LogCapture()
    logging.getLogger(um.logger.name).addHandler(capture)
    yield capture
    logging.getLogger(um.logger.name).removeHandler(capture)


def sign_in(login: str, password: str) -> dict[str, Any]:
    event = load_event("cognito_user_migration_authentication")
    event["userName"] = login
    event["request"]["password"] = password
    return um.handler(event, LocalLambdaContext(timeout_ms=5000))


def forgot(login: str) -> dict[str, Any]:
    event = load_event("cognito_user_migration_forgot_password")
    event["userName"] = login
    return um.handler(event, LocalLambdaContext(timeout_ms=5000))


def refused(call: Callable[[], Any], logs: LogCapture) -> str:
    with pytest.raises(um.MigrationRefusedError) as info:
        call()
    assert str(info.value) == GENERIC
    return logs.reasons()[-1]


# ---------------------------------------------------------------- sign-in


def test_every_real_vector_signs_in_or_is_refused_as_the_app_would(legacy: LegacyDb, env: Any, logs: LogCapture):
    for index, vector in enumerate(legacy.vectors, 1):
        if vector["expect"]:
            out = sign_in(legacy.login_of(index), vector["password"])
            response = out["response"]
            assert response["finalUserStatus"] == "CONFIRMED", vector["scheme"]
            assert response["messageAction"] == "SUPPRESS"
            attrs = response["userAttributes"]
            assert attrs["custom:legacy_id"] == str(index)
            assert attrs["email"] == f"v{index}@example.org"
            assert attrs["email_verified"] == ("true" if legacy.app.verified_email else "false")
            assert attrs["preferred_username"] == f"v{index}"
            assert "sub" not in attrs
        else:
            login, password = legacy.login_of(index), vector["password"]
            assert refused(lambda: sign_in(login, password), logs) == "wrong_password"  # noqa: B023 - called now


def test_long_and_unicode_passwords_sign_in(legacy: LegacyDb, env: Any):
    picked = [(i, v) for i, v in enumerate(legacy.vectors, 1)
              if v["expect"] and (len(v["password"].encode()) > 72 or not v["password"].isascii())]
    assert any(len(v["password"].encode()) > 72 for _, v in picked)
    assert any(not v["password"].isascii() for _, v in picked)
    for index, vector in picked:
        assert sign_in(legacy.login_of(index), vector["password"])["response"]["finalUserStatus"] == "CONFIRMED"


def test_wrong_password_is_refused_with_the_generic_message(legacy: LegacyDb, env: Any, logs: LogCapture):
    assert refused(lambda: sign_in("v1", "definitely not it"), logs) == "wrong_password"


def test_unknown_user_is_refused_like_a_wrong_password(legacy: LegacyDb, env: Any, logs: LogCapture):
    assert refused(lambda: sign_in("nobody-here", "whatever"), logs) == "unknown_user"
    assert refused(lambda: sign_in("nobody@example.org", "whatever"), logs) == "unknown_user"


def test_blocked_user_is_not_migrated_even_with_the_right_password(legacy: LegacyDb, env: Any, logs: LogCapture):
    reason = refused(lambda: sign_in("blocked1", legacy.good["password"]), logs)
    assert reason in {"account_blocked", "account_spam"}


def test_sso_only_row_is_not_migrated(legacy: LegacyDb, env: Any, logs: LogCapture):
    assert refused(lambda: sign_in("sso1", legacy.good["password"]), logs) == "account_sso_only"


def test_email_shared_by_two_rows_is_refused(legacy: LegacyDb, env: Any, logs: LogCapture):
    assert refused(lambda: sign_in("dup@example.org", legacy.good["password"]), logs) == "ambiguous_user"
    # each row still signs in by its own username
    assert sign_in("dupa", legacy.good["password"])["response"]["finalUserStatus"] == "CONFIRMED"


def test_corrupt_hash_is_refused_generically(legacy: LegacyDb, env: Any, logs: LogCapture):
    reason = refused(lambda: sign_in("corrupt1", legacy.good["password"]), logs)
    assert reason in {"corrupt_hash", "unknown_hash_scheme"}


def test_sql_metacharacters_in_the_username_are_data(legacy: LegacyDb, env: Any, logs: LogCapture):
    out = sign_in(META_LOGIN, legacy.good["password"])
    assert out["response"]["userAttributes"]["custom:legacy_id"] == "1006"
    assert refused(lambda: sign_in(INJECTION, legacy.good["password"]), logs) == "unknown_user"
    assert refused(lambda: sign_in("%", legacy.good["password"]), logs) == "unknown_user"


def test_login_is_case_insensitive_like_the_app(legacy: LegacyDb, env: Any):
    out = sign_in("caseuser", legacy.good["password"])
    assert out["response"]["userAttributes"]["custom:legacy_id"] == "1008"
    out = sign_in("case.user@example.ORG", legacy.good["password"])
    assert out["response"]["userAttributes"]["custom:legacy_id"] == "1008"


def test_email_login_in_an_alias_pool_returns_the_legacy_username(legacy: LegacyDb, env: Any):
    attrs = sign_in("v1@example.org", legacy.vectors[0]["password"])["response"]["userAttributes"]
    if legacy.vectors[0]["expect"]:
        assert attrs["username"] == "v1"
        assert attrs["email"] == "v1@example.org"


def test_email_as_username_pool_refuses_a_handle_and_accepts_the_email(legacy: LegacyDb, env: Any, logs: LogCapture):
    env(LEGACY_POOL_SIGN_IN="email")
    assert refused(lambda: sign_in("dupa", legacy.good["password"]), logs) == "unknown_user"
    attrs = sign_in("case.user@example.org", legacy.good["password"])["response"]["userAttributes"]
    assert attrs["email"] == "Case.User@Example.org"
    assert "username" not in attrs


def test_trusted_emails_are_returned_verified(legacy: LegacyDb, env: Any):
    env(LEGACY_TRUST_EMAILS="true")
    attrs = sign_in("dupb", legacy.good["password"])["response"]["userAttributes"]
    assert attrs["email_verified"] == "true"


# ---------------------------------------------------------------- forgot password


def test_forgot_password_returns_a_verified_user_as_reset_required(legacy: LegacyDb, env: Any, logs: LogCapture):
    if not legacy.app.verified_email:
        assert refused(lambda: forgot("dupa"), logs) == "account_no_verified_contact"
        env(LEGACY_TRUST_EMAILS="true")
    response = forgot("dupa")["response"]
    assert response["finalUserStatus"] == "RESET_REQUIRED"
    assert response["messageAction"] == "SUPPRESS"
    assert response["desiredDeliveryMediums"] == ["EMAIL"]
    assert response["userAttributes"]["email_verified"] == "true"
    assert response["userAttributes"]["custom:legacy_id"] == "1003"


def test_forgot_password_refuses_unknown_blocked_ambiguous_and_unconfirmed(legacy: LegacyDb, env: Any,
                                                                          logs: LogCapture):
    env(LEGACY_TRUST_EMAILS="false")
    assert refused(lambda: forgot("nobody"), logs) == "unknown_user"
    assert refused(lambda: forgot("blocked1"), logs) in {"account_blocked", "account_spam"}
    assert refused(lambda: forgot("dup@example.org"), logs) == "ambiguous_user"
    assert refused(lambda: forgot("sso1"), logs) == "account_sso_only"
    assert refused(lambda: forgot("unconf1"), logs) == "account_no_verified_contact"


# ---------------------------------------------------------------- tracking


def test_tracking_records_one_row_per_user_across_cognito_retries(legacy: LegacyDb, env: Any):
    from legacy_auth.db import Database, Deadline
    from legacy_auth.tracking import MigrationTracker, ddl

    table = f"trk_{legacy.app.name}"
    db = Database(legacy.url)
    for statement in ddl(db.dialect, table):
        db.execute(statement, deadline=Deadline.after(5))
    env(LEGACY_TRACK_MIGRATION="true", LEGACY_TRACKING_TABLE=table, LEGACY_TRUST_EMAILS="true")
    for _ in range(3):  # Cognito retries up to 3 times
        sign_in("dupa", legacy.good["password"])
    forgot("dupa")  # a later forgot-password does not move the status back
    rows = db.fetch_all(f"SELECT legacy_id, status, events, app FROM {table}", deadline=Deadline.after(5))
    assert rows == [{"legacy_id": "1003", "status": "migrated", "events": 4, "app": legacy.app.name}]
    assert MigrationTracker(db, app=legacy.app.name, table=table).is_migrated("1003", deadline=Deadline.after(5))
    db.close()

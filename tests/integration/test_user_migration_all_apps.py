"""The migrate-user handler for every other app preset (Drupal, phpBB, Joomla, Magento, Laravel, Symfony,
Django, Devise, ASP.NET Identity, generic) on MariaDB, PostgreSQL and SQLite.

q2a and WordPress have the full scenario suite in ``test_user_migration_apps.py``; here each app gets its
real schema (preset DDL), users with the shared real vectors (a few cheap ones per app), and the core cases
through the real handler: sign-in, wrong password, unknown user, refused account state.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from devstack.context import LocalLambdaContext
from legacy_auth.presets import PRESETS
from tests.conftest import load_event, load_vectors
from tests.helpers.legacy_db import create_schema, insert_users
from triggers import user_migration as um

pytestmark = pytest.mark.integration

NOW = datetime(2024, 5, 1, 12, 0, 0)
FUTURE = datetime.now(UTC).replace(microsecond=0, tzinfo=None) + timedelta(days=10)
ASPNET_FLAGS = {"EmailConfirmed": True, "PhoneNumberConfirmed": False, "TwoFactorEnabled": False,
                "LockoutEnabled": True, "AccessFailedCount": 0}
GENERIC = {"generic_table": "members", "generic_id_column": "member_id", "generic_username_column": "login",
           "generic_email_column": "mail", "generic_hash_column": "pw", "generic_active_column": "enabled"}


@dataclass(frozen=True)
class App:
    name: str
    vector_apps: tuple[str, ...]
    row: Callable[[int, str, str, str], dict[str, Any]]  # (id, login, email, hash) -> row
    blocked: Callable[[dict[str, Any]], dict[str, Any]]
    by_email: bool = False
    options: dict[str, Any] = field(default_factory=dict)
    schemes: tuple[str, ...] = ()  # restrict to these vector schemes (others need per-row options)
    salt_in_hash: bool = False  # vectors whose extra "salt" is already inside the stored hash (Magento)


def _env_for(options: dict[str, Any]) -> dict[str, str]:
    return {f"LEGACY_{k.upper()}": str(v).lower() if isinstance(v, bool) else str(v) for k, v in options.items()}


APPS = [
    App("drupal7", ("drupal7",),
        lambda i, login, email, h: {"uid": i, "name": login, "pass": h, "mail": email, "status": 1},
        lambda r: {**r, "status": 0}),
    App("drupal", ("drupal8", "drupal10"),
        lambda i, login, email, h: {"uid": i, "langcode": "en", "name": login, "pass": h, "mail": email,
                                    "status": 1, "default_langcode": 1},
        lambda r: {**r, "status": 0}),
    App("phpbb3", ("phpbb3",),
        lambda i, login, email, h: {"user_id": i, "user_type": 0, "username": login, "username_clean": login.lower(),
                                    "user_password": h, "user_email": email},
        lambda r: {**r, "user_type": 1}),
    App("joomla", ("joomla",),
        lambda i, login, email, h: {"id": i, "name": login, "username": login, "email": email, "password": h,
                                    "block": 0},
        lambda r: {**r, "block": 1}),
    App("magento2", ("magento2",),
        lambda i, login, email, h: {"entity_id": i, "website_id": 1, "email": email, "firstname": "A",
                                    "lastname": "B", "password_hash": h, "is_active": 1},
        lambda r: {**r, "is_active": 0}, by_email=True, salt_in_hash=True),
    App("laravel", ("laravel",),
        lambda i, login, email, h: {"id": i, "name": login, "email": email, "password": h, "email_verified_at": NOW},
        lambda r: {**r, "email_verified_at": None}, by_email=True, options={"require_confirmed_email": True}),
    App("symfony", ("symfony",),
        lambda i, login, email, h: {"id": i, "email": email, "roles": "[]", "password": h},
        lambda r: {**r, "password": ""}, by_email=True, schemes=("symfony_native_bcrypt", "argon2id", "argon2")),
    App("django", ("django",),
        lambda i, login, email, h: {"id": i, "username": login, "password": h, "email": email, "is_active": True,
                                    "is_staff": False, "is_superuser": False, "first_name": "", "last_name": "",
                                    "date_joined": NOW},
        lambda r: {**r, "is_active": False}),
    App("devise", ("rails_devise",),
        lambda i, login, email, h: {"id": i, "email": email, "encrypted_password": h, "confirmed_at": NOW,
                                    "created_at": NOW, "updated_at": NOW},
        lambda r: {**r, "locked_at": FUTURE}, by_email=True, options={"lockable": True}, schemes=("devise_bcrypt",)),
    App("aspnet_identity", ("aspnet_identity",),
        lambda i, login, email, h: {**ASPNET_FLAGS, "Id": f"id-{i}", "UserName": login,
                                    "NormalizedUserName": login.upper(), "Email": email,
                                    "NormalizedEmail": email.upper(), "PasswordHash": h},
        lambda r: {**r, "LockoutEnd": FUTURE}, schemes=("aspnet_identity_v3",)),
    App("generic", ("generic",),
        lambda i, login, email, h: {"member_id": i, "login": login, "mail": email, "pw": h, "enabled": True},
        lambda r: {**r, "enabled": False}, options=GENERIC, schemes=("bcrypt", "argon2id", "argon2i")),
]
APPS = [a for a in APPS if a.name in PRESETS]


def _slow(vector: dict[str, Any]) -> bool:
    text = str(vector["hash"])
    return "pbkdf2" in text and any(f"${n}$" in text for n in ("600000", "720000", "870000", "1000000", "1200000"))


def picks(app: App) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    vectors = [v for v in load_vectors() if v["app"] in app.vector_apps and v["password"]
               and (not app.schemes or v["scheme"] in app.schemes)
               and (app.salt_in_hash or not (v.get("extra") or {}).get("salt"))
               and not (v.get("extra") or {}).get("pepper") and not _slow(v)]
    good = [v for v in vectors if v["expect"]][:3]
    bad = next((v for v in vectors if not v["expect"]), None)
    return good, bad


@dataclass
class Loaded:
    app: App
    url: str
    good: list[dict[str, Any]]
    bad: dict[str, Any] | None

    def login(self, i: int) -> str:
        return f"u{i}@example.org" if self.app.by_email else f"u{i}"


@pytest.fixture(scope="module", params=[(db, a.name) for db in ("mysql", "postgresql", "sqlite") for a in APPS],
                ids=lambda p: f"{p[0]}-{p[1]}")
def loaded(request: pytest.FixtureRequest, databases: Any, tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    kind, name = request.param
    app = next(a for a in APPS if a.name == name)
    if kind == "mysql":
        url = databases.mysql(f"all{name}")
    elif kind == "postgresql":
        url = databases.postgres(f"all{name}")
    else:
        url = databases.sqlite(tmp_path_factory.mktemp("all"), f"all{name}")
    good, bad = picks(app)
    assert good, f"no usable vectors for {name}"
    rows = [app.row(i, f"u{i}", f"u{i}@example.org", v["hash"]) for i, v in enumerate(good, 1)]
    if bad is not None:
        rows.append(app.row(50, "u50", "u50@example.org", bad["hash"]))
    rows.append(app.blocked(app.row(60, "u60", "u60@example.org", good[0]["hash"])))
    create_schema(url, name, **app.options)
    insert_users(url, name, rows, **app.options)
    return Loaded(app, url, good, bad)


class Reasons(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(um.logger.registered_formatter)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        line = json.loads(self.format(record))
        if "reason" in line:
            self.seen.append(line["reason"])


@pytest.fixture
def reasons(monkeypatch: pytest.MonkeyPatch, loaded: Loaded) -> Iterator[Reasons]:
    monkeypatch.setenv("LEGACY_APP", loaded.app.name)
    monkeypatch.setenv("LEGACY_DB_URL", loaded.url)
    for key, value in _env_for(loaded.app.options).items():
        monkeypatch.setenv(key, value)
    um.reset_runtime()
    handler = Reasons()
    logging.getLogger(um.logger.name).addHandler(handler)
    yield handler
    logging.getLogger(um.logger.name).removeHandler(handler)
    um.reset_runtime()


def sign_in(login: str, password: str) -> dict[str, Any]:
    event = load_event("cognito_user_migration_authentication")
    event["userName"] = login
    event["request"]["password"] = password
    return um.handler(event, LocalLambdaContext(timeout_ms=5000))


def refused(reasons: Reasons, login: str, password: str) -> str:
    with pytest.raises(um.MigrationRefusedError, match=r"^Incorrect username or password\.$"):
        sign_in(login, password)
    return reasons.seen[-1]


def test_real_hashes_sign_in_with_the_apps_own_login(loaded: Loaded, reasons: Reasons):
    for i, vector in enumerate(loaded.good, 1):
        response = sign_in(loaded.login(i), vector["password"])["response"]
        assert response["finalUserStatus"] == "CONFIRMED", vector["scheme"]
        assert response["messageAction"] == "SUPPRESS"
        attrs = response["userAttributes"]
        assert attrs["custom:legacy_id"] == (f"id-{i}" if loaded.app.name == "aspnet_identity" else str(i))
        assert attrs["email"].lower() == f"u{i}@example.org"
        assert "sub" not in attrs


def test_wrong_password_unknown_user_and_refused_state_get_the_generic_answer(loaded: Loaded, reasons: Reasons):
    assert refused(reasons, loaded.login(1), "definitely-not-the-password") == "wrong_password"
    assert refused(reasons, "u999@example.org" if loaded.app.by_email else "u999", "whatever") == "unknown_user"
    assert refused(reasons, loaded.login(60), loaded.good[0]["password"]).startswith("account_")
    if loaded.bad is not None:
        assert refused(reasons, loaded.login(50), loaded.bad["password"]) == "wrong_password"

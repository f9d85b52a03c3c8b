"""Shared fixtures: real databases (one database name per test run), event fixtures, Lambda context.

Databases are real: MariaDB on 127.0.0.1:3306 (root, empty password) and PostgreSQL on 127.0.0.1:5432
(trust auth), started by ``devstack/ensure-services.sh`` (``make test`` runs it). If a server cannot be
reached the tests that need it **fail** with the reason; nothing is skipped. Override the servers with
``TEST_MYSQL_URL`` / ``TEST_POSTGRES_URL``.
"""

from __future__ import annotations

import itertools
import json
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from devstack.context import LocalLambdaContext
from tests.support import tiers

TESTS = Path(__file__).parent
EVENTS = TESTS / "events"
VECTORS = TESTS / "vectors"

MYSQL_URL = os.environ.get("TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test")
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
RUN_ID = secrets.token_hex(4)
_counter = itertools.count(1)

# ---------------------------------------------------------------- tiers (static, slow) by path: tests/support/tiers.py


tiers.register_hypothesis_profile()  # no wall-clock verdicts from hypothesis (per-example deadline, too_slow)


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tiers.apply(items)


# ---------------------------------------------------------------- no silent skips

_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _skipped and os.environ.get("ALLOW_SKIPS") != "1":
        print(f"\nERROR: {len(_skipped)} test(s) were skipped; this suite must not skip silently:")
        for nodeid in _skipped[:20]:
            print(f"  {nodeid}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# ---------------------------------------------------------------- events and context


def load_event(name: str) -> dict[str, Any]:
    """Load a real-shaped event fixture from ``tests/events/`` (name with or without ``.json``)."""
    path = EVENTS / (name if name.endswith(".json") else f"{name}.json")
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(name="load_event")
def load_event_fixture() -> Callable[[str], dict[str, Any]]:
    return load_event


@pytest.fixture
def lambda_context() -> LocalLambdaContext:
    """A context whose remaining time counts down from 5 s, like a Cognito trigger's."""
    return LocalLambdaContext(function_name="test-function", timeout_ms=5000)


@pytest.fixture
def new_lambda_context() -> Callable[[], LocalLambdaContext]:
    """A factory of fresh 5 s contexts, one per handler call.

    Under hypothesis a function-scoped fixture is built once for all examples: a shared ``lambda_context``
    would count down across them, so a busy machine ends valid examples in ``db_timeout``. Each example (each
    invocation) gets its own deadline from this factory instead.
    """
    return lambda: LocalLambdaContext(function_name="test-function", timeout_ms=5000)


# ---------------------------------------------------------------- real databases


def _mysql_admin():
    import pymysql

    u = urlsplit(MYSQL_URL)
    try:
        return pymysql.connect(
            host=u.hostname or "127.0.0.1",
            port=u.port or 3306,
            user=u.username or "root",
            password=u.password or "",
            connect_timeout=5,
            read_timeout=30,
            write_timeout=30,
            autocommit=True,
        )
    except pymysql.err.Error as exc:  # fail loudly, never skip
        pytest.fail(f"MariaDB/MySQL not reachable at {MYSQL_URL} ({exc}); run `make services`", pytrace=False)


def _pg_admin():
    import psycopg

    try:
        return psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5)
    except psycopg.Error as exc:
        pytest.fail(f"PostgreSQL not reachable at {POSTGRES_URL} ({exc}); run `make services`", pytrace=False)


def _with_db(url: str, name: str) -> str:
    u = urlsplit(url)
    return u._replace(path=f"/{name}").geturl()


class DatabaseFactory:
    """Creates throw-away databases named ``la_<run>_<n>`` and drops them at the end of the session."""

    def __init__(self) -> None:
        self._mysql: list[str] = []
        self._pg: list[str] = []

    def _name(self, label: str) -> str:
        safe = "".join(c for c in label.lower() if c.isalnum())[:20]
        return f"la_{RUN_ID}_{next(_counter)}_{safe}"

    def mysql(self, label: str = "db") -> str:
        """Create a MariaDB database; return its URL (``mysql://root@127.0.0.1:3306/<name>``)."""
        name = self._name(label)
        conn = _mysql_admin()
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci")
        conn.close()
        self._mysql.append(name)
        return _with_db(MYSQL_URL, name)

    def postgres(self, label: str = "db") -> str:
        """Create a PostgreSQL database; return its URL (``postgresql://postgres@127.0.0.1:5432/<name>``)."""
        name = self._name(label)
        conn = _pg_admin()
        conn.execute(f'CREATE DATABASE "{name}"')
        conn.close()
        self._pg.append(name)
        return _with_db(POSTGRES_URL, name)

    def sqlite(self, tmp_path: Path, label: str = "db") -> str:
        """Return a ``sqlite:///`` URL for a new file under ``tmp_path``."""
        return f"sqlite:///{tmp_path / (self._name(label) + '.sqlite3')}"

    def drop_all(self) -> None:
        if self._mysql:
            conn = _mysql_admin()
            with conn.cursor() as cur:
                for name in self._mysql:
                    cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
            conn.close()
        if self._pg:
            conn = _pg_admin()
            for name in self._pg:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.close()


@pytest.fixture(scope="session")
def databases() -> Iterator[DatabaseFactory]:
    """Factory for per-run databases on the real servers: ``databases.mysql("label")`` returns a URL."""
    factory = DatabaseFactory()
    yield factory
    factory.drop_all()


@pytest.fixture(scope="session")
def mysql_url(databases: DatabaseFactory) -> str:
    """One MariaDB database for the whole run (share it only with unique table names)."""
    return databases.mysql("shared")


@pytest.fixture(scope="session")
def postgres_url(databases: DatabaseFactory) -> str:
    """One PostgreSQL database for the whole run (share it only with unique table names)."""
    return databases.postgres("shared")


def load_vectors() -> list[dict[str, Any]]:
    """All password/hash vectors: the shared real-software ones plus our own (``tests/vectors/*.jsonl``)."""
    out: list[dict[str, Any]] = []
    for path in sorted(VECTORS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                rec.setdefault("source_file", path.name)
                out.append(rec)
    return out

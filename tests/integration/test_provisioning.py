"""Provisioning on real MariaDB, PostgreSQL and SQLite: one row per sub, retries, concurrency, failures table."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from legacy_auth.db.database import Database
from legacy_auth.deadline import Deadline
from legacy_auth.hooks.app_schema import create_tables, schema_ddl
from legacy_auth.hooks.config import AppUsersSchema
from legacy_auth.hooks.provisioning import AppUser, ProvisioningInputError, app_user_from_event, provision
from legacy_auth.hooks.provisioning_failures import record_failure

pytestmark = pytest.mark.integration
SQL_DIR = Path(__file__).resolve().parents[2] / "legacy_auth" / "sql"
SCHEMA = AppUsersSchema()
USER = AppUser(sub="7a1c2e34-5b6d-4e8f-9a0b-1c2d3e4f5a6b", username="dave", email="dave@example.com")


@pytest.fixture(params=["mysql", "postgres", "sqlite"])
def app_db_url(request: pytest.FixtureRequest, databases: Any, tmp_path: Path) -> str:
    if request.param == "mysql":
        return str(databases.mysql("prov"))
    if request.param == "postgres":
        return str(databases.postgres("prov"))
    return str(databases.sqlite(tmp_path, "prov"))


@pytest.fixture
def app_db(app_db_url: str) -> Database:
    db = Database(app_db_url)
    create_tables(db, SCHEMA, deadline=Deadline.after(10))
    yield db
    db.close()


def _rows(db: Database, sub: str) -> list[dict[str, Any]]:
    return db.fetch_all("SELECT * FROM app_users WHERE cognito_sub = %s", (sub,), deadline=Deadline.after(5))


def test_three_runs_give_one_row(app_db: Database) -> None:
    results = [provision(app_db, SCHEMA, USER, deadline=Deadline.after(5)) for _ in range(3)]
    assert results == [True, False, False]
    rows = _rows(app_db, USER.sub)
    assert len(rows) == 1
    assert rows[0]["username"] == "dave"
    assert rows[0]["email"] == "dave@example.com"
    assert rows[0]["legacy_id"] is None


def test_three_concurrent_duplicates_give_one_row(app_db_url: str, app_db: Database) -> None:
    user = AppUser(sub="0f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f", username="erin", legacy_id="1042")
    barrier = threading.Barrier(3, timeout=10)
    outcomes: list[Any] = []
    lock = threading.Lock()

    def run() -> None:
        db = Database(app_db_url)  # each invocation has its own connection, like three Lambda instances
        try:
            db.ensure_connected(deadline=Deadline.after(5))
            barrier.wait()
            created = provision(db, SCHEMA, user, deadline=Deadline.after(5))
            with lock:
                outcomes.append(created)
        except Exception as exc:  # recorded and asserted below
            with lock:
                outcomes.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert not any(t.is_alive() for t in threads)
    assert sorted(map(repr, outcomes)) == ["False", "False", "True"]
    rows = _rows(app_db, user.sub)
    assert len(rows) == 1
    assert rows[0]["legacy_id"] == "1042"


def test_failure_is_recorded_counted_and_cleared_by_a_later_success(app_db: Database) -> None:
    assert record_failure(app_db, SCHEMA, USER, "db_timeout", deadline=Deadline.after(5))
    assert record_failure(app_db, SCHEMA, USER, "db_unavailable", deadline=Deadline.after(5))
    row = app_db.fetch_one(
        "SELECT reason, attempts FROM provisioning_failures WHERE cognito_sub = %s", (USER.sub,),
        deadline=Deadline.after(5),
    )
    assert row is not None
    assert (row["reason"], row["attempts"]) == ("db_unavailable", 2)
    assert provision(app_db, SCHEMA, USER, deadline=Deadline.after(5)) is True
    gone = app_db.fetch_one("SELECT 1 AS x FROM provisioning_failures WHERE cognito_sub = %s", (USER.sub,),
                            deadline=Deadline.after(5))
    assert gone is None


def test_configured_table_and_columns(app_db_url: str) -> None:
    schema = AppUsersSchema(table="members", sub_column="idp_sub", username_column="login", email_column=None,
                            legacy_id_column="old_id", failures_table=None)
    db = Database(app_db_url)
    try:
        create_tables(db, schema, deadline=Deadline.after(10))
        assert provision(db, schema, USER, deadline=Deadline.after(5)) is True
        assert provision(db, schema, USER, deadline=Deadline.after(5)) is False
        rows = db.fetch_all("SELECT * FROM members", deadline=Deadline.after(5))
        assert len(rows) == 1
        assert rows[0]["login"] == "dave"
        assert "email" not in rows[0]
        assert record_failure(db, schema, USER, "x", deadline=Deadline.after(5)) is False
    finally:
        db.close()


def test_hostile_values_are_stored_verbatim_not_executed(app_db: Database) -> None:
    user = AppUser(sub="11111111-2222-3333-4444-555555555555", username="x'); DROP TABLE app_users; --",
                   email="o'hara\"@example.com")
    assert provision(app_db, SCHEMA, user, deadline=Deadline.after(5)) is True
    rows = _rows(app_db, user.sub)
    assert rows[0]["username"] == user.username
    assert rows[0]["email"] == user.email


def test_an_expired_deadline_writes_nothing(app_db: Database) -> None:
    from legacy_auth.errors import StoreError

    user = AppUser(sub="99999999-2222-3333-4444-555555555555")
    with pytest.raises(StoreError):
        provision(app_db, SCHEMA, user, deadline=Deadline.after(0))
    assert _rows(app_db, user.sub) == []


@pytest.mark.parametrize(
    ("attributes", "field"),
    [
        ({}, "sub"),
        ({"sub": ""}, "sub"),
        ({"sub": "x" * 65}, "sub"),
        ({"sub": "a b"}, "sub"),
        ({"sub": 42}, "sub"),
        ({"sub": "abc", "email": "e" * 400}, "email"),
        ({"sub": "abc", "email": ["a@b.c"]}, "email"),
        ({"sub": "abc", "email": "a@b.c\r\nBcc: x"}, "email"),
        ({"sub": "abc", "custom:legacy_id": "1; DROP"}, "legacy_id"),
    ],
)
def test_bad_event_values_are_refused_before_any_write(attributes: dict[str, Any], field: str) -> None:
    with pytest.raises(ProvisioningInputError) as info:
        app_user_from_event("dave", attributes)
    assert info.value.field == field


def test_shipped_sql_files_match_the_generated_default_schema() -> None:
    for dialect in ("mysql", "postgresql", "sqlite"):
        app, failures = schema_ddl(dialect, SCHEMA)
        for name, ddl in (("app_users", app), ("provisioning_failures", failures)):
            text = (SQL_DIR / f"{name}.{dialect}.sql").read_text(encoding="utf-8")
            body = "\n".join(line for line in text.splitlines() if not line.startswith("--")).strip()
            assert body == ddl + ";"


def test_serialization_failure_is_retried_to_one_row(databases: Any) -> None:
    """PostgreSQL SERIALIZABLE: an ON CONFLICT insert racing a concurrent insert of the same sub gets 40001."""
    import psycopg

    url = str(databases.postgres("serial"))
    setup = Database(url)
    create_tables(setup, SCHEMA, deadline=Deadline.after(10))
    dbname = url.rsplit("/", 1)[1]
    setup.execute(f'ALTER DATABASE "{dbname}" SET default_transaction_isolation TO \'serializable\'',
                  deadline=Deadline.after(5))
    setup.close()
    sql = "INSERT INTO app_users (cognito_sub) VALUES (%s) ON CONFLICT (cognito_sub) DO NOTHING"

    def race(sub: str, run: Any) -> Any:
        inserted = threading.Event()

        def other() -> None:
            with psycopg.connect(url, autocommit=False) as conn:
                conn.execute(sql, (sub,))
                inserted.set()
                time.sleep(0.4)  # our transaction is now blocked on the unique key
                conn.commit()

        thread = threading.Thread(target=other)
        thread.start()
        assert inserted.wait(5)
        db = Database(url)
        try:
            return run(db)
        finally:
            thread.join(5)
            db.close()

    # control: without a retry the race is a real serialization failure
    from legacy_auth.errors import StoreError

    with pytest.raises(StoreError) as info:
        race("control-sub", lambda db: db.transaction(lambda tx: tx.execute(sql, ("control-sub",)),
                                                      deadline=Deadline.after(5), attempts=1))
    assert "40001" in str(getattr(info.value, "driver_error", ""))
    # provisioning retries the whole transaction and finds the row already there
    user = AppUser(sub="raced-sub", username="racer")
    assert race(user.sub, lambda db: provision(db, SCHEMA, user, deadline=Deadline.after(5))) is False
    check = Database(url)
    try:
        assert len(_rows(check, user.sub)) == 1
    finally:
        check.close()

"""Presets driven by the real ``legacy_auth.db.Database`` and ``SqlUserStore`` (not the raw test helper).

Catches mismatches between what the presets build and what the DB layer runs: ``%s``/``%%`` conversion for
sqlite3, dict rows with mixed-case column names (ASP.NET on PostgreSQL), driver types for BINARY/BOOLEAN/
TIMESTAMPTZ, and the ambiguity rule.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from legacy_auth.apps import get_preset
from legacy_auth.db import Database, Deadline
from legacy_auth.errors import AmbiguousUserError
from legacy_auth.migration.store import SqlUserStore
from legacy_auth.model import AccountState
from tests.conftest import load_vectors
from tests.support.legacy_db import create_schema, insert_users

pytestmark = pytest.mark.integration


def vec(app: str, scheme: str) -> dict[str, Any]:
    return next(v for v in load_vectors() if v["app"] == app and v["scheme"] == scheme and v["expect"])


@pytest.fixture(scope="module", params=["mysql", "postgresql", "sqlite"])
def db(request: pytest.FixtureRequest, databases: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    if request.param == "mysql":
        url = databases.mysql("presets_store")
    elif request.param == "postgresql":
        url = databases.postgres("presets_store")
    else:
        url = databases.sqlite(tmp_path_factory.mktemp("presets_store"), "store")
    sha1 = vec("question2answer", "q2a_sha1_passsalt_passcheck")
    create_schema(url, "q2a")
    insert_users(url, "q2a", [
        {"userid": 1, "handle": "Alice", "email": "alice@example.org", "level": 100, "flags": 1,
         "passsalt": sha1["extra"]["q2a_passsalt"].encode(), "passcheck": bytes.fromhex(sha1["hash"])},
        {"userid": 2, "handle": "bob", "email": "same@example.org", "passhash": "$2y$10$x", "level": 0},
        {"userid": 3, "handle": "carol", "email": "Same@Example.org", "passhash": "$2y$10$x", "level": 0},
    ])
    v3 = vec("aspnet_identity", "aspnet_identity_v3")["hash"]
    create_schema(url, "aspnet_identity")
    insert_users(url, "aspnet_identity", [
        {"Id": "u-1", "UserName": "Kim", "NormalizedUserName": "KIM", "Email": "kim@example.org",
         "NormalizedEmail": "KIM@EXAMPLE.ORG", "EmailConfirmed": True, "PasswordHash": v3,
         "PhoneNumberConfirmed": False, "TwoFactorEnabled": False, "LockoutEnabled": True, "AccessFailedCount": 3,
         "LockoutEnd": datetime.now(UTC) + timedelta(days=10)},
    ])
    create_schema(url, "generic", "g_", generic_table="people", generic_username_column="nick")
    insert_users(url, "generic", [{"id": 7, "nick": "100%real", "password": "5f4dcc3b5aa765d61d8327deb882cf99"}],
                 "g_", generic_table="people", generic_username_column="nick")
    database = Database(url)
    yield database
    database.close()


def find(db: Database, app: str, login: str, prefix: str | None = None, **options: Any) -> Any:
    store = SqlUserStore(db, get_preset(app, **options), prefix)
    return store.find_by_login(login, deadline=Deadline.after(5))


def test_q2a_binary_pair_through_the_db_layer(db: Database) -> None:
    user = find(db, "q2a", "ALICE")
    sha1 = vec("question2answer", "q2a_sha1_passsalt_passcheck")
    assert user.legacy_id == "1"
    expected = {"passsalt": sha1["extra"]["q2a_passsalt"].encode(), "passcheck": bytes.fromhex(sha1["hash"])}
    assert user.hash_fields == expected
    assert user.email_verified is True
    assert find(db, "q2a", "nobody") is None


def test_q2a_shared_email_is_refused_by_the_store(db: Database) -> None:
    with pytest.raises(AmbiguousUserError):
        find(db, "q2a", "SAME@example.org")  # no exact-case row: the case-insensitive match finds both


def test_exact_case_row_wins_on_postgresql_and_a_case_only_duplicate_is_refused_elsewhere(db: Database) -> None:
    if db.dialect == "postgresql":
        assert find(db, "q2a", "same@example.org").legacy_id == "2"  # exact first (plain index)
        assert find(db, "q2a", "Same@Example.org").legacy_id == "3"
    else:  # q2a's _ci collation (MySQL) / NOCASE column (SQLite): "=" itself ignores case
        with pytest.raises(AmbiguousUserError):
            find(db, "q2a", "same@example.org")


def test_aspnet_mixed_case_columns_and_timestamptz(db: Database) -> None:
    user = find(db, "aspnet_identity", "kim")
    assert (user.legacy_id, user.email, user.email_verified) == ("u-1", "kim@example.org", True)
    assert user.state is AccountState.LOCKED


def test_generic_query_mode_with_a_literal_percent(db: Database) -> None:
    query = ("SELECT id, nick AS username, password AS password_hash FROM g_people "
             "WHERE nick = %s AND nick LIKE '%%real'")
    user = find(db, "generic", "100%REAL", "", generic_user_query=query)
    table_mode = find(db, "generic", "100%real", "g_", generic_table="people", generic_username_column="nick")
    assert table_mode is not None
    assert table_mode.legacy_id == "7"
    # query mode compares exactly as written (no lower()): the upper-case login only matches on MySQL's collation
    assert (user.legacy_id if user else None) == ("7" if db.dialect == "mysql" else None)


def test_a_preset_column_missing_from_a_sqlite_table_is_an_error_not_a_silent_no_match(tmp_path: Any) -> None:
    """SQLite reads a double-quoted unknown name as a string literal; our queries quote with backticks instead, so
    a column the preset needs (here q2a's ``email``) that the table lacks fails loudly instead of matching nothing."""
    from legacy_auth.errors import StoreError

    db = Database(f"sqlite:///{tmp_path / 'q2a.sqlite3'}")
    try:
        db.execute("CREATE TABLE qa_users (userid INTEGER PRIMARY KEY, handle TEXT, passsalt BLOB, passcheck BLOB, "
                   "passhash TEXT, level INTEGER, flags INTEGER)", deadline=Deadline.after(5))
        db.execute("INSERT INTO qa_users (userid, handle, level, flags) VALUES (1, 'email', 0, 0)",
                   deadline=Deadline.after(5))
        store = SqlUserStore(db, get_preset("q2a"))
        with pytest.raises(StoreError) as failed:
            store.find_by_login("email", deadline=Deadline.after(5))
        assert failed.value.reason == "db_statement"
    finally:
        db.close()

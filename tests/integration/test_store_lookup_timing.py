"""The store runs the same table scans for known and unknown logins, so lookup time does not reveal an account.

Off MySQL a case-insensitive lookup is an exact (indexed) match, then a ``lower()`` fallback that cannot use
the app's index; the phpBB confusables fallback scans too. Those steps are ``uniform``: they run even when an
earlier step found the user (the exact match still decides). Checked on real SQLite and PostgreSQL databases
by counting the statements the store sends.
"""

from __future__ import annotations

from typing import Any

import pytest

from legacy_auth.apps import get_preset
from legacy_auth.db import Database, Deadline
from legacy_auth.errors import AmbiguousUserError
from legacy_auth.migration.store import SqlUserStore
from tests.support.legacy_db import create_schema, insert_users

pytestmark = pytest.mark.integration


class CountingDatabase(Database):
    """A real database handle that records the statements it runs."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.statements: list[str] = []

    def fetch_all(self, sql: str, params: tuple[Any, ...] = (), *, deadline: Deadline | None) -> list[Any]:
        self.statements.append(sql)
        return super().fetch_all(sql, params, deadline=deadline)


@pytest.fixture(params=["sqlite", "postgresql"])
def django_url(request: pytest.FixtureRequest, databases: Any, tmp_path: Any) -> str:
    url = databases.sqlite(tmp_path, "uniform") if request.param == "sqlite" else databases.postgres("uniform")
    create_schema(url, "django")
    hashed = "pbkdf2_sha256$1$salt$abc="
    insert_users(url, "django", [
        {"id": 1, "username": "Bob", "email": "bob@example.org", "password": hashed, "is_active": True},
        {"id": 2, "username": "bob", "email": "bob2@example.org", "password": hashed, "is_active": True},
        {"id": 3, "username": "Carol", "email": "carol@example.org", "password": hashed, "is_active": True},
    ])
    return url


def _lookup(url: str, login: str) -> tuple[str | None, list[str]]:
    db = CountingDatabase(url)
    try:
        user = SqlUserStore(db, get_preset("django")).find_by_login(login, deadline=Deadline.after(5))
        return (None if user is None else user.legacy_id), [s for s in db.statements if "auth_user" in s]
    finally:
        db.close()


def test_known_and_unknown_logins_send_the_same_statements(django_url: str) -> None:
    known, known_sql = _lookup(django_url, "Carol")  # found by the exact, indexed step
    unknown, unknown_sql = _lookup(django_url, "nobody")  # reaches the lower() fallback
    assert (known, unknown) == ("3", None)
    assert known_sql == unknown_sql
    assert any("lower(" in sql for sql in known_sql)  # the scan ran for the known login too


def test_the_exact_match_still_decides_before_the_case_insensitive_fallback(django_url: str) -> None:
    assert _lookup(django_url, "Bob")[0] == "1"  # Bob and bob both exist: the exact spelling wins
    assert _lookup(django_url, "carol")[0] == "3"  # only the fallback finds it
    with pytest.raises(AmbiguousUserError):
        _lookup(django_url, "BOB")  # no exact match, two case variants: never guessed

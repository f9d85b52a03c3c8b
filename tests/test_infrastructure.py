"""The test infrastructure itself: real databases reachable, per-run database names."""

from __future__ import annotations

import pytest

from tests.conftest import RUN_ID, DatabaseFactory, load_vectors


@pytest.mark.integration
def test_mariadb_database_is_created_per_run(databases: DatabaseFactory) -> None:
    import pymysql

    url = databases.mysql("infra")
    assert RUN_ID in url
    name = url.rsplit("/", 1)[1]
    conn = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="", database=name)
    with conn.cursor() as cur:
        cur.execute("SELECT DATABASE()")
        assert cur.fetchone() == (name,)
    conn.close()


@pytest.mark.integration
def test_postgres_database_is_created_per_run(databases: DatabaseFactory) -> None:
    import psycopg

    url = databases.postgres("infra")
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == (url.rsplit("/", 1)[1],)


def test_shared_vectors_are_present() -> None:
    vectors = load_vectors()
    assert len(vectors) >= 127
    assert {"app", "scheme", "password", "hash", "expect"} <= set(vectors[0])

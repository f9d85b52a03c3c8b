"""Database failures as the admin sees them: one line that keeps the trigger's ``reason`` code and names the
cause an operator can act on and where it was tried (host and port, the SQLite file), never the password, the
user or the driver's text. Real MariaDB, PostgreSQL and SQLite; a closed port, an unresolvable host
(``.invalid`` never resolves, RFC 2606), a missing database or file, a wrong password, a missing table and a
missing column for a preset option."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from legacy_auth.cli.main import main
from tests.conftest import MYSQL_URL, POSTGRES_URL
from tests.support.legacy_db import create_schema, insert_users
from tests.unit.cli.q2a_rows import rows

pytestmark = pytest.mark.integration
SECRET = "n0t-the-Pa55word"


def _run(argv: list[str], env: dict[str, str]) -> tuple[int, dict[str, Any], str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([*argv, "--json"], environ=env, stdout=out, stderr=err)
    text = err.getvalue()
    assert text.count("\n") == 1, text
    assert "Traceback" not in text
    data = json.loads(out.getvalue())
    assert f"legacy-auth: {data['error']}\n" == text
    return code, data, text


def _q2a(url: str) -> dict[str, str]:
    return {"LEGACY_APP": "q2a", "LEGACY_DB_URL": url}


@pytest.mark.parametrize(("scheme", "port"), [("mysql", 3306), ("postgresql", 5432)])
def test_closed_port_says_the_connection_was_refused_at_host_and_port(scheme: str, port: int) -> None:
    code, data, err = _run(["scan"], _q2a(f"{scheme}://someone:{SECRET}@127.0.0.1:1/forum"))
    assert code == 3
    assert data["error"].startswith(f"database error: db_unavailable ({scheme}): 127.0.0.1:1 refused the connection")
    assert (data["reason"], data["cause"]) == ("db_unavailable", "connection_refused")
    assert SECRET not in err
    assert "someone" not in err


@pytest.mark.parametrize("scheme", ["mysql", "postgresql"])
def test_unresolvable_host_is_named(scheme: str) -> None:
    code, data, err = _run(["status"], _q2a(f"{scheme}://someone:{SECRET}@nonexistent.invalid/forum"))
    assert code == 3
    assert data["cause"] == "host_unresolvable"
    assert "cannot resolve the host name 'nonexistent.invalid'" in err
    assert SECRET not in err


def test_unknown_mysql_database_is_named_with_the_host_and_port(databases: Any) -> None:
    base = MYSQL_URL.rsplit("/", 1)[0]
    code, data, err = _run(["scan"], _q2a(f"{base}/la_no_such_database"))
    assert code == 3
    assert data["cause"] == "unknown_database"
    assert "database 'la_no_such_database' does not exist on 127.0.0.1:3306" in err


def test_missing_postgresql_database_is_named_with_the_host_and_port(databases: Any) -> None:
    base = POSTGRES_URL.rsplit("/", 1)[0]
    code, data, err = _run(["scan"], _q2a(f"{base}/la_no_such_database"))
    assert code == 3
    assert data["cause"] == "unknown_database"
    assert "database 'la_no_such_database' does not exist on 127.0.0.1:5432" in err


def test_missing_sqlite_file_is_named_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "no-such.sqlite3"
    code, data, err = _run(["scan"], _q2a(f"sqlite:///{path}"))
    assert code == 3
    assert data["cause"] == "unknown_database"
    assert f"SQLite file '{path}' does not exist" in err
    assert not path.exists()


def test_sqlite_file_in_a_missing_directory_is_named(tmp_path: Path) -> None:
    path = tmp_path / "missing-dir" / "forum.sqlite3"
    code, data, err = _run(["status"], _q2a(f"sqlite:///{path}"))
    assert code == 3
    assert data["cause"] == "unknown_database"
    assert str(path) in err


def test_wrong_mysql_password_is_an_authentication_error_without_the_password(databases: Any) -> None:
    url = databases.mysql("clidberr")
    create_schema(url, "q2a")
    rest = url.split("@", 1)[1]
    code, data, err = _run(["scan"], _q2a(f"mysql://root:{SECRET}@{rest}"))
    assert code == 3
    assert (data["reason"], data["cause"]) == ("db_auth", "authentication")
    assert "127.0.0.1:3306 refused the login" in err
    assert SECRET not in err


def test_unknown_postgresql_role_is_an_authentication_error(databases: Any) -> None:
    url = databases.postgres("clidberr")
    rest = url.split("@", 1)[1]
    code, data, err = _run(["scan"], _q2a(f"postgresql://la_no_such_role:{SECRET}@{rest}"))
    assert code == 3
    assert data["cause"] == "authentication"
    assert "127.0.0.1:5432 refused the login" in err
    assert SECRET not in err
    assert "la_no_such_role" not in err


def test_tls_required_by_the_client_but_not_offered_is_a_tls_error(databases: Any) -> None:
    url = databases.postgres("clidberr")
    code, data, err = _run(["scan"], {**_q2a(url), "LEGACY_DB_TLS": "require"})
    assert code == 3
    assert data["cause"] == "tls"
    assert "LEGACY_DB_TLS" in err


@pytest.fixture(params=["mysql", "postgresql", "sqlite"])
def q2a_url(request: pytest.FixtureRequest, databases: Any, tmp_path: Path) -> str:
    if request.param == "mysql":
        url = databases.mysql("clidberr")
    elif request.param == "postgresql":
        url = databases.postgres("clidberr")
    else:
        url = databases.sqlite(tmp_path, "clidberr")
    create_schema(url, "q2a")
    insert_users(url, "q2a", rows())
    return str(url)


def test_missing_table_names_the_expected_table(q2a_url: str) -> None:
    code, data, err = _run(["scan", "--table-prefix", "zz_"], _q2a(q2a_url))
    assert code == 3
    assert (data["reason"], data["cause"]) == ("db_statement", "missing_table")
    assert "expected the q2a users table 'zz_users'" in err


@pytest.fixture(params=["mysql", "postgresql", "sqlite"])
def wordpress_url(request: pytest.FixtureRequest, databases: Any, tmp_path: Path) -> str:
    if request.param == "mysql":
        url = databases.mysql("clidberrwp")
    elif request.param == "postgresql":
        url = databases.postgres("clidberrwp")
    else:
        url = databases.sqlite(tmp_path, "clidberrwp")
    create_schema(url, "wordpress")  # single-site: no spam/deleted columns
    return str(url)


def test_option_needing_columns_the_table_lacks_is_a_missing_column_not_a_missing_table(wordpress_url: str) -> None:
    env = {"LEGACY_APP": "wordpress", "LEGACY_DB_URL": wordpress_url, "LEGACY_MULTISITE": "true"}
    code, data, err = _run(["scan"], env)
    assert code == 3
    assert (data["reason"], data["cause"]) == ("db_statement", "missing_column")
    assert "lacks a column that LEGACY_MULTISITE=true needs" in err
    assert "expected the" not in err


def test_reconcile_missing_sqlite_app_database_is_named_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "app.sqlite3"
    env = {"LEGACY_APP": "q2a", "LEGACY_DB_URL": f"sqlite:///{tmp_path / 'legacy.sqlite3'}",
           "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    code, data, err = _run(["reconcile", "--user-pool-id", "eu-west-1_AbCdEf123", "--app-db-url", f"sqlite:///{path}"],
                           env)
    assert code == 3
    assert data["cause"] == "unknown_database"
    assert f"SQLite file '{path}' does not exist" in err
    assert not path.exists()

"""``legacy-auth sql``: prints the project's table DDL for a dialect, and ``--apply`` creates the tables on real
MariaDB, PostgreSQL and SQLite (twice: existing tables are kept)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from legacy_auth.cli.main import main
from legacy_auth.hooks.app_schema import schema_ddl
from legacy_auth.hooks.config import AppUsersSchema
from legacy_auth.migration.lockout import ddl as lockout_ddl
from legacy_auth.migration.tracking import ddl
from tests.support.legacy_db import create_schema, run_query

pytestmark = pytest.mark.integration


def _run(argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(argv, environ=env, stdout=out, stderr=err), out.getvalue(), err.getvalue()


@pytest.mark.parametrize("dialect", ["mysql", "postgresql", "sqlite"])
def test_sql_prints_the_packaged_ddl_of_every_table_without_any_configuration(dialect: str) -> None:
    code, out, err = _run(["sql", "--dialect", dialect], {})
    assert code == 0, err
    expected = [*ddl(dialect), *lockout_ddl(dialect), *schema_ddl(dialect, AppUsersSchema())]  # type: ignore[arg-type]
    assert all(f"{statement};" in out for statement in expected)
    assert out.count("CREATE TABLE IF NOT EXISTS") == 4


def test_sql_uses_the_configured_names_and_one_table_on_request() -> None:
    env = {"LEGACY_TRACKING_TABLE": "my_tracking", "HOOKS_APP_USERS_TABLE": "members"}
    code, out, _ = _run(["sql", "--dialect", "mysql", "--table", "migration_tracking", "--json"], env)
    assert code == 0
    statements = json.loads(out)["statements"]
    assert {s["table"] for s in statements} == {"migration_tracking"}
    assert "`my_tracking`" in statements[0]["sql"]
    code, out, _ = _run(["sql", "--dialect", "sqlite", "--table", "app_users"], env)
    assert '"members"' in out
    assert "provisioning_failures" not in out


def test_sql_bad_table_name_variable_is_a_configuration_error() -> None:
    code, _, err = _run(["sql", "--dialect", "mysql"], {"LEGACY_TRACKING_TABLE": "bad-name"})
    assert code == 2
    assert err.startswith("legacy-auth: configuration error: LEGACY_TRACKING_TABLE:")


@pytest.fixture(params=["mysql", "postgresql", "sqlite"])
def env(request: pytest.FixtureRequest, databases: Any, tmp_path: Path) -> dict[str, str]:
    if request.param == "mysql":
        url = databases.mysql("clisql")
    elif request.param == "postgresql":
        url = databases.postgres("clisql")
    else:
        url = databases.sqlite(tmp_path, "clisql")
    create_schema(url, "q2a")
    return {"LEGACY_APP": "q2a", "LEGACY_DB_URL": str(url)}


def test_sql_apply_creates_the_tables_in_the_configured_database_and_keeps_them(env: dict[str, str]) -> None:
    url = env["LEGACY_DB_URL"]
    code, out, err = _run(["sql", "--apply"], env)
    assert code == 0, err
    assert "created (or kept) migration_tracking in the legacy database" in out
    run_query(url, "INSERT INTO legacy_auth_migrations (legacy_id, app, status, trigger_source) VALUES "
              "(%s, %s, %s, %s)", ("1", "q2a", "migrated", "UserMigration_Authentication"))
    code, _, err = _run(["sql", "--apply"], env)
    assert code == 0, err
    assert run_query(url, "SELECT COUNT(*) AS n FROM legacy_auth_migrations")[0]["n"] == 1
    assert run_query(url, "SELECT COUNT(*) AS n FROM app_users")[0]["n"] == 0
    assert run_query(url, "SELECT COUNT(*) AS n FROM provisioning_failures")[0]["n"] == 0
    code, out, err = _run(["status", "--json"], env)
    assert code == 0, err
    assert json.loads(out)["migrated"] == 1


def test_sql_apply_with_dialect_is_a_usage_error(env: dict[str, str]) -> None:
    code, _, err = _run(["sql", "--apply", "--dialect", "mysql"], env)
    assert code == 2
    assert "--dialect is for printing" in err

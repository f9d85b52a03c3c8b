"""Any ``LEGACY_DB_URL`` / ``LEGACY_APP`` works the same: the local stack against real MariaDB and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from passlib.hash import phpass

from devstack.flows import invocations, sign_in
from devstack.legacy_seed import q2a_bcrypt, q2a_passcheck
from tests.e2e.stackproc import cognito_client, running_stack
from tests.support.legacy_db import create_schema, insert_users

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def _q2a_rows() -> list[dict[str, Any]]:
    salt = "k3v9q2m1x8c7b6n5"
    return [
        {"userid": 41, "handle": "olga", "email": "olga@example.net", "passhash": q2a_bcrypt("olga-pass-1"),
         "level": 0, "flags": 1},
        {"userid": 42, "handle": "piet", "email": "piet@example.net", "passsalt": salt.encode(),
         "passcheck": q2a_passcheck("piet-pass-2", salt), "level": 0, "flags": 1},
    ]


def _wordpress_rows() -> list[dict[str, Any]]:
    return [
        {"ID": 7, "user_login": "olga", "user_email": "olga@example.net", "user_nicename": "olga",
         "display_name": "Olga", "user_pass": phpass.using(rounds=8).hash("olga-pass-1")},
        {"ID": 8, "user_login": "piet", "user_email": "piet@example.net", "user_nicename": "piet",
         "display_name": "Piet", "user_pass": phpass.using(rounds=8).hash("piet-pass-2")},
    ]


@pytest.mark.parametrize(("engine", "app"), [("mysql", "q2a"), ("postgres", "wordpress")])
def test_local_stack_migrates_from_a_real_legacy_database(databases: Any, engine: str, app: str) -> None:
    url = databases.mysql(f"e2e{app}") if engine == "mysql" else databases.postgres(f"e2e{app}")
    create_schema(url, app)
    insert_users(url, app, _q2a_rows() if app == "q2a" else _wordpress_rows())
    with running_stack({"LEGACY_APP": app, "LEGACY_DB_URL": url}) as info:
        assert info["legacy_app"] == app
        assert info["legacy_db_url"] == url
        idp = cognito_client(info["cognito_url"])
        olga = sign_in(idp, info["client_id"], "olga", "olga-pass-1")
        assert olga.ok, olga.error_code
        wrong = sign_in(idp, info["client_id"], "piet", "not-piets-password")
        assert wrong.error_code == "NotAuthorizedException"
        piet = sign_in(idp, info["client_id"], "piet@example.net", "piet-pass-2")
        assert piet.ok, piet.error_code
        migrations = [r for r in invocations(info["invoke_url"]) if r["function"] == "user-migration"]
        assert [r["ok"] for r in migrations] == [True, False, True]
        assert all(r["duration_ms"] < 5000 for r in migrations)

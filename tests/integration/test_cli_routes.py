"""``legacy-auth routes`` on real tables (MariaDB, PostgreSQL, SQLite): each user counted once on the route the
strategy gives them; the would-be importable ones are ``lazy`` while AWS documents no hash CSV format; no hash,
salt or digest is ever printed."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from legacy_auth.cli.main import main
from tests.conftest import load_vectors
from tests.support.legacy_db import create_schema, insert_users

pytestmark = pytest.mark.integration


def vec(app: str, scheme: str) -> str:
    return str(next(v for v in load_vectors() if v["app"] == app and v["scheme"] == scheme and v["expect"])["hash"])


@pytest.fixture(params=["mysql", "postgresql", "sqlite"])
def url(request: pytest.FixtureRequest, databases: Any, tmp_path: Path) -> str:
    if request.param == "mysql":
        return databases.mysql("cliroutes")
    if request.param == "postgresql":
        return databases.postgres("cliroutes")
    return databases.sqlite(tmp_path, "cliroutes")


def _run(argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, environ=env, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _django(url: str) -> list[str]:
    create_schema(url, "django")
    base = {"first_name": "", "last_name": "", "is_staff": False, "is_superuser": False, "is_active": True}
    hashes = [vec("django", "django_pbkdf2_sha256"), vec("django", "django_argon2"), vec("django", "django_scrypt"),
              vec("django", "django_bcrypt_sha256"), "not-a-hash"]
    insert_users(url, "django", [
        {**base, "id": 1, "username": "p", "email": "p@example.org", "password": hashes[0]},
        {**base, "id": 2, "username": "a", "email": "a@example.org", "password": hashes[1]},
        {**base, "id": 3, "username": "s", "email": "s@example.org", "password": hashes[2]},
        {**base, "id": 4, "username": "b", "email": "b@example.org", "password": hashes[3]},
        {**base, "id": 5, "username": "x", "email": "x@example.org", "password": hashes[4]},
        {**base, "id": 6, "username": "o", "email": "o@example.org", "password": "!unusable"},
        {**base, "id": 7, "username": "i", "email": "i@example.org", "password": hashes[0], "is_active": False},
    ])
    return hashes


def test_routes_counts_every_user_once_on_its_route(url: str) -> None:
    hashes = _django(url)
    code, out, err = _run(["routes", "--json"], {"LEGACY_APP": "django", "LEGACY_DB_URL": url})
    assert code == 0, err
    data = json.loads(out)
    assert (data["app"], data["users"], data["unreadable"]) == ("django", 7, 0)
    assert data["hash_format_documented"] == {"BCRYPT": False, "SCRYPT": False, "ARGON2ID": False,
                                              "PBKDF2_SHA256": False}
    got = {(r["route"], r["reason"], r["algorithm"]): r["users"] for r in data["routes"]}
    assert got == {
        ("lazy", "cognito_hash_format_unknown", "PBKDF2_SHA256"): 1,
        ("lazy", "cognito_hash_format_unknown", "ARGON2ID"): 1,
        ("lazy", "cognito_hash_format_unknown", "SCRYPT"): 1,
        ("lazy", "algorithm_not_importable", None): 1,
        ("never", "no_password_no_contact", None): 1,  # Django records no email confirmation
        ("never", "state_sso_only", None): 1,
        ("never", "state_inactive", None): 1,
    }
    assert not any(h[-16:] in out + err for h in hashes)


def test_trusted_emails_turn_an_unusable_hash_into_a_reset(url: str) -> None:
    _django(url)
    env = {"LEGACY_APP": "django", "LEGACY_DB_URL": url, "LEGACY_TRUST_EMAILS": "true"}
    code, out, err = _run(["routes"], env)
    assert code == 0, err
    assert out.splitlines()[0] == "legacy-auth routes: 7 django users"
    assert any(line.split() == ["reset", "no_usable_password", "1"] for line in out.splitlines())
    assert any(line.split() == ["lazy", "cognito_hash_format_unknown", "[SCRYPT]", "1"] for line in out.splitlines())
    assert out.rstrip().endswith("import-with-hash is off: AWS documents no CSV format for password hashes "
                                 "(docs/strategy.md)")

"""``legacy-auth plan`` on real MariaDB, PostgreSQL and SQLite tables of several presets with a realistic mix:
q2a (bcrypt of several costs, q2a SHA-1, blocked, SSO-only), WordPress (6.8+ ``$wp$`` bcrypt, phpass, multisite
spam), Django (PBKDF2, argon2, inactive, unusable), Laravel (bcrypt of several costs, argon2id, a corrupt hash with
and without a verified email), Symfony (argon2id, native bcrypt). Every row is written from a spec that names the
route the strategy gives it; the plan's counts per route, reason and algorithm are compared with the counts of
those specs (never a hard-coded total), and no hash, salt or digest appears in the output."""

from __future__ import annotations

import io
import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import bcrypt
import pytest
from argon2 import PasswordHasher

from legacy_auth.cli.main import main
from tests.conftest import load_vectors
from tests.support.legacy_db import create_schema, insert_users

pytestmark = pytest.mark.integration
Expected = tuple[str, str, str | None]
LAZY_APP = ("lazy", "app_transforms_password", None)
NOT_DOCUMENTED = "cognito_hash_format_unknown"
PAST = "2024-01-02 03:04:05"


def vec(app: str, scheme: str) -> str:
    return str(next(v for v in load_vectors() if v["app"] == app and v["scheme"] == scheme and v["expect"])["hash"])


def php_bcrypt(cost: int, n: int) -> str:
    return bcrypt.hashpw(f"pw-{n}".encode(), bcrypt.gensalt(cost)).decode().replace("$2b$", "$2y$", 1)


ARGON2ID = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash("pw")


def _mix(rng: random.Random, kinds: list[tuple[Any, Expected]], at_least: int = 1) -> list[tuple[Any, Expected]]:
    """Each kind ``rng``-many times (1..4): the test's row specs, each with the route it must get."""
    return [kind for kind in kinds for _ in range(rng.randint(at_least, 4))]


def q2a_rows(rng: random.Random) -> tuple[list[dict[str, Any]], Counter[Expected], dict[str, Counter[str]]]:
    sha_salt = b"abcdefgh12345678"
    specs = _mix(rng, [
        ({"passhash": php_bcrypt(4, 1), "flags": 1}, LAZY_APP),
        ({"passhash": php_bcrypt(5, 2), "flags": 1}, LAZY_APP),
        ({"passsalt": sha_salt, "passcheck": b"\x01" * 20, "flags": 1}, LAZY_APP),
        ({"passhash": php_bcrypt(4, 3), "flags": 3}, ("never", "state_blocked", None)),
        ({"flags": 1}, ("never", "state_sso_only", None)),
    ])
    rows = [{"userid": i, "handle": f"u{i}", "email": f"u{i}@example.org", "level": 0, **spec}
            for i, (spec, _) in enumerate(specs, 1)]
    return rows, Counter(e for _, e in specs), {}


def wordpress_rows(rng: random.Random) -> tuple[list[dict[str, Any]], Counter[Expected], dict[str, Counter[str]]]:
    specs = _mix(rng, [
        ({"user_pass": vec("wordpress", "wp_bcrypt_hmac_sha384")}, LAZY_APP),
        ({"user_pass": vec("wordpress", "phpass_portable_P")}, LAZY_APP),
        ({"user_pass": vec("wordpress", "phpass_portable_P"), "spam": 1}, ("never", "state_spam", None)),
    ])
    rows = [{"ID": i, "user_login": f"w{i}", "user_email": f"w{i}@example.org", **spec}
            for i, (spec, _) in enumerate(specs, 1)]
    return rows, Counter(e for _, e in specs), {}


def django_rows(rng: random.Random) -> tuple[list[dict[str, Any]], Counter[Expected], dict[str, Counter[str]]]:
    base = {"first_name": "", "last_name": "", "is_staff": False, "is_superuser": False, "is_active": True}
    specs = _mix(rng, [
        ({"password": vec("django", "django_pbkdf2_sha256")}, ("lazy", NOT_DOCUMENTED, "PBKDF2_SHA256")),
        ({"password": vec("django", "django_argon2")}, ("lazy", NOT_DOCUMENTED, "ARGON2ID")),
        ({"password": vec("django", "django_pbkdf2_sha256"), "is_active": False}, ("never", "state_inactive", None)),
        ({"password": "!unusable-since-sso"}, ("never", "state_sso_only", None)),
    ])
    rows = [{**base, "id": i, "username": f"d{i}", "email": f"d{i}@example.org", **spec}
            for i, (spec, _) in enumerate(specs, 1)]
    return rows, Counter(e for _, e in specs), {}


def laravel_rows(rng: random.Random) -> tuple[list[dict[str, Any]], Counter[Expected], dict[str, Counter[str]]]:
    costs = [4, 5, 6]
    kinds: list[tuple[Any, Expected]] = [({"password": php_bcrypt(c, c), "email_verified_at": PAST, "_cost": c},
                                          ("lazy", NOT_DOCUMENTED, "BCRYPT")) for c in costs]
    kinds += [
        ({"password": ARGON2ID}, ("lazy", NOT_DOCUMENTED, "ARGON2ID")),
        ({"password": "not-a-hash", "email_verified_at": PAST}, ("reset", "no_usable_password", None)),
        ({"password": "not-a-hash"}, ("never", "no_password_no_contact", None)),
        ({"password": ""}, ("never", "state_sso_only", None)),
    ]
    specs = _mix(rng, kinds)
    params: dict[str, Counter[str]] = {"BCRYPT": Counter(), "ARGON2ID": Counter()}
    rows = []
    for i, (spec, _) in enumerate(specs, 1):
        row = {"id": i, "name": f"L {i}", "email": f"l{i}@example.org", **spec}
        cost = row.pop("_cost", None)
        if cost is not None:
            params["BCRYPT"][f"cost={cost}"] += 1
        elif row["password"] == ARGON2ID:
            params["ARGON2ID"]["version=19,memory_kib=1024,time_cost=1,parallelism=1"] += 1
        rows.append(row)
    return rows, Counter(e for _, e in specs), params


def symfony_rows(rng: random.Random) -> tuple[list[dict[str, Any]], Counter[Expected], dict[str, Counter[str]]]:
    specs = _mix(rng, [
        ({"password": ARGON2ID}, ("lazy", NOT_DOCUMENTED, "ARGON2ID")),
        ({"password": vec("symfony", "symfony_native_bcrypt")}, ("lazy", "algorithm_not_importable", None)),
    ])
    rows = [{"id": i, "email": f"s{i}@example.org", "roles": "[]", **spec} for i, (spec, _) in enumerate(specs, 1)]
    return rows, Counter(e for _, e in specs), {}


CASES = {"q2a": (q2a_rows, {}), "wordpress": (wordpress_rows, {"LEGACY_MULTISITE": "true"}),
         "django": (django_rows, {}), "laravel": (laravel_rows, {}), "symfony": (symfony_rows, {})}


@pytest.fixture(params=["mysql", "postgresql", "sqlite"])
def url(request: pytest.FixtureRequest, databases: Any, tmp_path: Path) -> str:
    if request.param == "mysql":
        return databases.mysql("cliplan")
    if request.param == "postgresql":
        return databases.postgres("cliplan")
    return databases.sqlite(tmp_path, "cliplan")


def _plan(env: dict[str, str], *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["plan", "--repeats", "1", *argv], environ=env, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("app", list(CASES))
def test_plan_puts_every_user_on_the_route_of_its_row(url: str, app: str) -> None:
    make, options = CASES[app]
    rows, expected, params = make(random.Random(f"{app}-{url[:5]}"))
    create_schema(url, app, **{k.removeprefix("LEGACY_").lower(): True for k in options})
    insert_users(url, app, rows, **{k.removeprefix("LEGACY_").lower(): True for k in options})
    env = {"LEGACY_APP": app, "LEGACY_DB_URL": url, **options}
    code, out, err = _plan(env, "--json", "--peak-sign-ins", "10")
    assert code == 0, err
    data = json.loads(out)
    got = Counter({(r["route"], r["reason"], r["algorithm"]): r["users"] for r in data["routes"]})
    assert got == expected
    assert (data["users"], data["rows"], data["unreadable"]) == (len(rows), len(rows), 0)
    by_route = Counter()
    for (route, _, _), n in expected.items():
        by_route[route] += n
    assert {s["route"]: s["users"] for s in data["capacity"]["shares"]} == {
        r: by_route.get(r, 0) for r in ("import-with-hash", "lazy", "reset", "never")}
    for algorithm, sets in params.items():
        assert data["parameters"].get(algorithm, {}) == dict(sets), algorithm
    assert sum(t["users"] for t in data["verify_time"]) == by_route["lazy"]  # every lazy user's group is timed
    assert data["capacity"]["bulk_import"]["users"] == by_route["reset"]
    code, out_parallel, err = _plan(env, "--json", "--peak-sign-ins", "10", "--workers", "2")
    assert code == 0, err
    parallel = json.loads(out_parallel)
    assert (parallel["workers"], parallel["routes"], parallel["parameters"]) == (2, data["routes"], data["parameters"])
    secrets = [str(v) for r in rows for k, v in r.items() if k in ("passhash", "user_pass", "password") and v]
    assert not any(s[-20:] in out + err for s in secrets if len(s) > 20)


def test_plan_text_names_each_route_and_the_capacity(url: str) -> None:
    rows, expected, _ = laravel_rows(random.Random(7))
    create_schema(url, "laravel")
    insert_users(url, "laravel", rows)
    code, out, err = _plan({"LEGACY_APP": "laravel", "LEGACY_DB_URL": url}, "--peak-sign-ins", "30",
                           "--import-rate", "100")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"legacy-auth plan: {len(rows)} laravel users"
    assert any(line.split() == ["reset", "no_usable_password", str(expected[("reset", "no_usable_password", None)])]
               for line in lines)
    assert any(line.split()[:4] == ["UserAuthentication", "RPS", "120", "AWS"] for line in lines)
    assert "https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html" in out


def test_png_without_the_chart_extra_is_one_line_before_the_table_is_read(monkeypatch: pytest.MonkeyPatch,
                                                                          tmp_path: Path) -> None:
    import builtins

    real_import = builtins.__import__

    def no_matplotlib(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    env = {"LEGACY_APP": "q2a", "LEGACY_DB_URL": f"sqlite:///{tmp_path / 'absent.db'}"}  # never opened
    code, out, err = _plan(env, "--png", str(tmp_path / "routes.png"), "--json")
    assert code == 2
    assert err == "legacy-auth: --png needs matplotlib: pip install 'cognito-legacy-auth[chart]'\n"
    assert json.loads(out)["exit_status"] == 2
    assert not (tmp_path / "routes.png").exists()


def test_png_draws_the_routes(url: str, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    rows, _, _ = q2a_rows(random.Random(3))
    create_schema(url, "q2a")
    insert_users(url, "q2a", rows)
    png = tmp_path / "routes.png"
    code, out, err = _plan({"LEGACY_APP": "q2a", "LEGACY_DB_URL": url}, "--png", str(png))
    assert code == 0, err
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"Chart saved to {png}" in out


def test_unknown_flag_values_are_one_line(tmp_path: Path) -> None:
    env = {"LEGACY_APP": "q2a", "LEGACY_DB_URL": f"sqlite:///{tmp_path / 'absent.db'}"}
    code, _, err = _plan(env, "--peak-sign-ins", "-3")
    assert code == 2
    assert err == "legacy-auth plan: error: argument --peak-sign-ins: must be a number > 0, not -3 (see --help)\n"

"""``legacy-auth check`` and ``legacy-auth status`` against real MariaDB, PostgreSQL and SQLite."""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from legacy_auth.cli.commands import check as check_cmd
from legacy_auth.cli.main import main
from legacy_auth.db import Database, Deadline
from legacy_auth.migration.tracking import MigrationTracker, ddl
from tests.support.legacy_db import create_schema, dialect_of, insert_users, run_query
from tests.unit.cli.q2a_rows import PASSWORD, rows

pytestmark = pytest.mark.integration


def _run(argv: list[str], env: dict[str, str], stdin: str | None = None,
         monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[int, str, str]:
    if stdin is not None:
        assert monkeypatch is not None
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, environ=env, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(params=["mysql", "postgresql", "sqlite"])
def env(request: pytest.FixtureRequest, databases: Any, tmp_path: Path) -> dict[str, str]:
    if request.param == "mysql":
        url = databases.mysql("clicheck")
    elif request.param == "postgresql":
        url = databases.postgres("clicheck")
    else:
        url = databases.sqlite(tmp_path, "clicheck")
    create_schema(url, "q2a")
    insert_users(url, "q2a", rows())
    return {"LEGACY_APP": "q2a", "LEGACY_DB_URL": url}


# ---------------------------------------------------------------- check


def test_check_right_password_shows_the_attributes_cognito_gets(env: dict[str, str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = _run(["check", "bob", "--password-stdin", "--json"], env, PASSWORD + "\n", monkeypatch)
    assert code == 0, err
    data = json.loads(out)
    assert data["lookup"]["found"] is True
    assert data["lookup"]["legacy_id"] == "2"
    assert data["hash"]["scheme"] == "q2a_sha1"
    assert data["hash"]["strength"] == "weak"
    assert data["verify"]["ok"] is True
    assert data["outcome"] == {"migrate": True, "final_user_status": "CONFIRMED", "message_action": "SUPPRESS",
                               "user_attributes": {"custom:legacy_id": "2", "email": "bob@example.org",
                                                   "email_verified": "true", "preferred_username": "bob",
                                                   "custom:legacy_roles": "level:0"}}
    assert data["time"]["total_ms"] < data["time"]["budget_ms"]
    assert PASSWORD not in out + err


def test_check_wrong_password_is_refused_with_the_reason(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = _run(["check", "alice@example.org", "--password-stdin"], env, "nope\n", monkeypatch)
    assert code == 1
    assert "row found: legacy id 1" in out
    assert "password does NOT match" in out
    assert "REFUSED (wrong_password)" in out
    assert "Incorrect username or password." in out
    assert "nope" not in out + err
    stored = next(r["passhash"] for r in rows() if r["userid"] == 1)
    assert stored not in out + err


def test_check_blocked_user_runs_a_real_verify_then_refuses(env: dict[str, str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = _run(["check", "carol", "--password-stdin", "--json"], env, PASSWORD + "\n", monkeypatch)
    data = json.loads(out)
    assert code == 1
    assert data["lookup"]["state"] == "blocked"
    assert data["verify"]["ran"] is True
    assert data["outcome"]["reason"] == "account_blocked"


def test_check_unknown_user_does_a_dummy_verify(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = _run(["check", "nobody", "--password-stdin", "--json"], env, "x\n", monkeypatch)
    data = json.loads(out)
    assert code == 1
    assert data["lookup"]["found"] is False
    assert data["verify"]["dummy"] is True
    assert data["outcome"]["reason"] == "unknown_user"


@pytest.mark.parametrize(("login", "reason"), [("eve", "corrupt_hash"), ("frank", "unknown_hash_scheme"),
                                               ("dave", "account_sso_only")])
def test_check_unusable_hashes_name_the_reason(env: dict[str, str], monkeypatch: pytest.MonkeyPatch, login: str,
                                               reason: str) -> None:
    code, out, _ = _run(["check", login, "--password-stdin", "--json"], env, PASSWORD + "\n", monkeypatch)
    assert code == 1
    assert json.loads(out)["outcome"]["reason"] == reason
    code, text, _ = _run(["check", login, "--password-stdin"], env, PASSWORD + "\n", monkeypatch)
    assert f"REFUSED ({reason})" in text
    if "hash" in reason:
        assert f"3. verify      impossible: {reason}" in text


def test_check_prompts_without_echo_by_default(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    prompts: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return PASSWORD

    monkeypatch.setattr(check_cmd.getpass, "getpass", fake_getpass)
    monkeypatch.setattr(sys, "stdin", Terminal())  # the prompt needs a terminal on stdin
    code, out, _ = _run(["check", "alice"], env)
    assert code == 0
    assert prompts == ["Password (not echoed): "]
    assert "MIGRATE as CONFIRMED" in out


class Terminal(io.StringIO):
    """A stdin that says it is a terminal (``getpass`` itself is replaced in the tests using it)."""

    def isatty(self) -> bool:
        return True


def test_check_without_a_terminal_or_password_stdin_is_a_usage_error(env: dict[str, str],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = _run(["check", "alice", "--json"], env, "", monkeypatch)
    assert code == 2
    assert err.count("\n") == 1
    assert "not a terminal" in err
    assert "--password-stdin" in err
    assert json.loads(out)["kind"] == "usage"


def test_check_with_stdin_from_dev_null_exits_2_in_one_line_through_the_real_entry_point(
        env: dict[str, str]) -> None:
    environ = {**os.environ, **env, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    with open(os.devnull) as devnull:
        done = subprocess.run([sys.executable, "-m", "legacy_auth.cli.main", "check", "alice"], stdin=devnull,
                              capture_output=True, text=True, env=environ, timeout=120, check=False)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert "--password-stdin" in done.stderr
    assert "Traceback" not in done.stderr
    assert "EOFError" not in done.stderr


def test_check_prompt_at_end_of_input_is_a_usage_error(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    def eof(prompt: str = "") -> str:
        raise EOFError

    monkeypatch.setattr(check_cmd.getpass, "getpass", eof)
    monkeypatch.setattr(sys, "stdin", Terminal())
    code, _, err = _run(["check", "alice"], env)
    assert code == 2
    assert "no password typed" in err
    assert "EOFError" not in err


def test_check_two_matching_rows_is_said_in_words_not_a_class_name(env: dict[str, str],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    twin = {**rows()[0], "userid": 13, "handle": "alice2"}  # same email as alice, exactly
    insert_users(env["LEGACY_DB_URL"], "q2a", [twin])
    code, out, err = _run(["check", "alice@example.org", "--password-stdin"], env, PASSWORD + "\n", monkeypatch)
    assert code == 1
    assert "several rows match this login" in out
    assert "Error" not in out + err
    code, text, _ = _run(["check", "alice@example.org", "--password-stdin", "--json"], env, PASSWORD + "\n",
                         monkeypatch)
    assert json.loads(text)["lookup"]["error"] == "ambiguous_user"


def test_check_empty_stdin_is_a_usage_error(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = _run(["check", "alice", "--password-stdin"], env, "", monkeypatch)
    assert code == 2
    assert err.count("\n") == 1
    assert "nothing on stdin" in err


# ---------------------------------------------------------------- status


def _track(url: str, done: dict[str, tuple[str, str]]) -> None:
    """Create the tracking table and record ``legacy_id -> (status, day)``."""
    dialect = dialect_of(url)
    for stmt in ddl(dialect):
        run_query(url, stmt)
    db = Database(url)
    tracker = MigrationTracker(db, app="q2a")
    for legacy_id, (status, _) in done.items():
        tracker.record(legacy_id, status, trigger_source="UserMigration_Authentication",  # type: ignore[arg-type]
                       deadline=Deadline.after(5))
    db.close()
    for legacy_id, (status, day) in done.items():
        noon = datetime.fromisoformat(f"{day} 12:00:00")
        stamp: Any = noon.isoformat(sep=" ") if dialect == "sqlite" else noon
        column = "completed_at" if status == "reset_completed" else "first_at"
        run_query(url, f"UPDATE legacy_auth_migrations SET {column} = %s WHERE legacy_id = %s", (stamp, legacy_id))


def test_status_counts_migrated_remaining_and_days(env: dict[str, str], tmp_path: Path) -> None:
    _track(env["LEGACY_DB_URL"], {"1": ("migrated", "2026-11-01"), "2": ("migrated", "2026-11-01"),
                                  "7": ("reset_completed", "2026-11-03"), "8": ("reset_pending", "2026-11-03")})
    code, out, err = _run(["status", "--json", "--days", "0"], env)
    assert code == 0, err
    data = json.loads(out)
    # remaining: the 7 active users not migrated; carol (blocked) and dave (SSO-only) can never migrate
    assert (data["legacy_users"], data["migrated"], data["remaining"], data["reset_pending"]) == (12, 3, 7, 1)
    assert data["cannot_migrate"] == {"blocked": 1, "sso_only": 1}
    days = [(d["day"], d["migrated"]) for d in data["by_day"]]
    assert days[:3] == [("2026-11-01", 2), ("2026-11-02", 0), ("2026-11-03", 1)]
    code, out, _ = _run(["status", "--days", "0"], env)
    assert "migrated              3  (30.0% of the users who can migrate)" in out
    assert "2026-11-01 " + "#" * 40 + " 2" in out
    assert "2026-11-03 " + "#" * 20 + " " * 20 + " 1" in out


def test_status_png_is_written_with_matplotlib(env: dict[str, str], tmp_path: Path) -> None:
    _track(env["LEGACY_DB_URL"], {"1": ("migrated", "2026-11-01")})
    png = tmp_path / "progress.png"
    code, out, err = _run(["status", "--png", str(png)], env)
    assert code == 0, err
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"Chart saved to {png}" in out


def test_status_png_without_matplotlib_is_one_clear_line(env: dict[str, str], tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    _track(env["LEGACY_DB_URL"], {"1": ("migrated", "2026-11-01")})
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    code, _, err = _run(["status", "--png", str(tmp_path / "x.png")], env)
    assert code == 2
    assert err == "legacy-auth: --png needs matplotlib: pip install 'cognito-legacy-auth[chart]'\n"


def test_status_png_in_a_missing_directory_is_one_line(env: dict[str, str], tmp_path: Path) -> None:
    _track(env["LEGACY_DB_URL"], {"1": ("migrated", "2026-11-01")})
    target = tmp_path / "no-such-dir" / "x.png"
    code, out, err = _run(["status", "--png", str(target), "--json"], env)
    assert code == 2
    line = f"--png {target}: cannot write it (No such file or directory)"
    assert err == f"legacy-auth: {line}\n"
    assert json.loads(out) == {"error": line, "kind": "usage", "exit_status": 2}


def test_status_with_a_wrong_prefix_names_the_expected_users_table(env: dict[str, str]) -> None:
    _track(env["LEGACY_DB_URL"], {"1": ("migrated", "2026-11-01")})
    code, _, err = _run(["status", "--table-prefix", "zz_"], env)
    assert code == 3
    assert err.count("\n") == 1
    assert "db_statement" in err
    assert "expected the q2a users table 'zz_users' (LEGACY_TABLE_PREFIX='zz_')" in err


def test_status_without_tracking_table_says_how_to_create_it(env: dict[str, str]) -> None:
    code, _, err = _run(["status"], env)
    assert code == 3
    assert err.count("\n") == 1
    assert "tracking table 'legacy_auth_migrations' cannot be read" in err


def test_check_works_with_a_generic_user_query(databases: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    url = databases.mysql("cligeneric")
    run_query(url, "CREATE TABLE members (id INT PRIMARY KEY, login VARCHAR(50), mail VARCHAR(100), pw VARCHAR(100))")
    md5_of_password = "5f4dcc3b5aa765d61d8327deb882cf99"
    run_query(url, "INSERT INTO members VALUES (%s, %s, %s, %s)", (1, "zoe", "zoe@example.org", md5_of_password))
    env = {"LEGACY_APP": "generic", "LEGACY_DB_URL": url, "LEGACY_GENERIC_SCHEME": "hex_md5",
           "LEGACY_GENERIC_USER_QUERY": "SELECT id, login AS username, mail AS email, pw AS password_hash "
                                        "FROM members WHERE login = %s"}
    code, out, err = _run(["check", "zoe", "--password-stdin"], env, "password\n", monkeypatch)
    assert code == 0, out + err
    assert "against (LEGACY_GENERIC_USER_QUERY)" in out
    assert "MIGRATE as CONFIRMED" in out
    code, _, err = _run(["scan"], env)
    assert code == 2
    assert err.startswith("legacy-auth: configuration error: LEGACY_GENERIC_TABLE:")


def test_status_over_400_days_is_grouped_by_week_with_totals_and_a_fixed_size_png(env: dict[str, str],
                                                                                   tmp_path: Path) -> None:
    url = env["LEGACY_DB_URL"]
    first = date.today() - timedelta(days=400)
    _track(url, {"1": ("migrated", first.isoformat())})
    dialect = dialect_of(url)
    start = datetime.combine(first, datetime.min.time()) + timedelta(days=1, hours=12)  # up to today
    stamps = [start + timedelta(days=i) for i in range(400)]
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(stamps))
    params: list[Any] = []
    for i, stamp in enumerate(stamps):  # ids absent from the users table: migrated, then the row went away
        params += [f"gone{i}", "q2a", "migrated", "UserMigration_Authentication",
                   stamp.isoformat(sep=" ") if dialect == "sqlite" else stamp]
    run_query(url, "INSERT INTO legacy_auth_migrations (legacy_id, app, status, trigger_source, first_at) "
              f"VALUES {values}", params)
    png = tmp_path / "year.png"
    code, out, err = _run(["status", "--days", "0", "--json", "--png", str(png)], env)
    assert code == 0, err
    data = json.loads(out)
    chart = data["chart"]
    assert chart["unit"] == "week"
    assert len(chart["buckets"]) <= 60
    assert sum(b["migrated"] for b in chart["buckets"]) == 401
    assert chart["buckets"][-1]["total"] == data["migrated"] == 401
    assert chart["buckets"][-1]["remaining"] == data["remaining"] == 9  # 12 rows - alice - carol, dave (never)
    assert struct.unpack(">II", png.read_bytes()[16:24]) == (1100, 550)
    code, text, _ = _run(["status", "--days", "0"], env)
    assert "Users migrated per week: q2a: 401 of 410 users migrated (97.8%), 9 remaining; 2 cannot migrate" in text
    assert "cannot migrate: sso_only" in text


def test_status_html_report_is_one_self_contained_file_with_the_chart_and_tables(env: dict[str, str],
                                                                                 tmp_path: Path) -> None:
    _track(env["LEGACY_DB_URL"], {"1": ("migrated", "2026-11-01"), "2": ("migrated", "2026-11-03")})
    report = tmp_path / "status.html"
    code, out, err = _run(["status", "--days", "0", "--html", str(report)], env)
    assert code == 0, err
    assert f"Report saved to {report}" in out
    text = report.read_text("utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "<svg" in text
    assert "<polyline" in text
    assert "<script" not in text
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "q2a: 2 of 10 users migrated (20.0%), 8 remaining; 2 cannot migrate" in text
    assert '<td>cannot migrate: sso_only</td><td class="n">1</td>' in text


# ---------------------------------------------------------------- check: Keycloak (two tables, one realm)


@pytest.fixture(params=["mysql", "postgresql", "sqlite"])
def keycloak_env(request: pytest.FixtureRequest, databases: Any, tmp_path: Path) -> dict[str, str]:
    import base64
    import hashlib

    url = {"mysql": lambda: databases.mysql("clicheckkc"), "postgresql": lambda: databases.postgres("clicheckkc"),
           "sqlite": lambda: databases.sqlite(tmp_path, "clicheckkc")}[request.param]()
    realm = {"keycloak_realm_id": "realm-a"}
    create_schema(url, "keycloak", "", **realm)
    insert_users(url, "keycloak", [
        {"id": "u1", "username": "ann", "email": "ann@example.org", "email_constraint": "ann@example.org",
         "realm_id": "realm-a", "enabled": True, "email_verified": True, "first_name": "Ann", "last_name": "Lee"},
        {"id": "u2", "username": "ann", "email": "ann@example.org", "email_constraint": "ann@example.org",
         "realm_id": "realm-b", "enabled": True, "email_verified": True},
    ], "", **realm)
    salt = bytes(range(16))
    for cid, user, password in (("c1", "u1", PASSWORD), ("c2", "u2", "other realm")):
        value = base64.b64encode(hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 1000, 64)).decode()
        secret = json.dumps({"value": value, "salt": base64.b64encode(salt).decode(), "additionalParameters": {}})
        data = json.dumps({"hashIterations": 1000, "algorithm": "pbkdf2-sha256", "additionalParameters": {}})
        run_query(url, "INSERT INTO credential (id, type, user_id, priority, secret_data, credential_data) "
                       "VALUES (%s, 'password', %s, 10, %s, %s)", (cid, user, secret, data))
    return {"LEGACY_APP": "keycloak", "LEGACY_DB_URL": url, "LEGACY_KEYCLOAK_REALM_ID": "realm-a"}


def test_check_keycloak_reads_the_realms_user_and_its_password_credential(keycloak_env: dict[str, str],
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = _run(["check", "ANN@example.org", "--password-stdin", "--json"], keycloak_env,
                          PASSWORD + "\n", monkeypatch)
    assert code == 0, out + err
    data = json.loads(out)
    assert data["lookup"]["legacy_id"] == "u1"
    assert data["hash"]["scheme"] == "keycloak_credential"
    assert data["verify"]["ok"] is True
    assert data["outcome"]["user_attributes"]["email_verified"] == "true"
    assert PASSWORD not in out + err
    code, out, _ = _run(["check", "ann", "--password-stdin", "--json"], keycloak_env, "other realm\n", monkeypatch)
    assert code != 0
    assert json.loads(out)["verify"]["ok"] is False  # realm-b's password is not realm-a's user's

"""``legacy-auth load``: an export file into the preset's table (SQLite here; every dialect in integration)."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest

from legacy_auth.apps import get_preset
from legacy_auth.cli.main import main
from legacy_auth.db import Database
from legacy_auth.model import AccountState

HASH = "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ=="
SALT = "42xEC+ixf3L2lw=="


def export(n: int) -> str:
    users = [{"localId": f"uid{i}", "email": f"user{i}@example.com", "emailVerified": True, "passwordHash": HASH,
              "salt": SALT, "disabled": i % 3 == 1} for i in range(n)]
    return '{"users": [\n' + ",\n".join(json.dumps(u, indent=2) for u in users) + "]}"


def run(*argv: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), environ=env or {}, stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "users.json"
    path.write_text(export(2_500), "utf-8")
    return path, f"sqlite:///{tmp_path / 'firebase.db'}"


def count(url: str, table: str = "firebase_users") -> int:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_a_json_export_is_loaded_into_a_new_sqlite_table_in_batches(files: tuple[Path, str]) -> None:
    path, url = files
    status, out, err = run("load", "firebase", str(path), "--into", url)
    assert (status, err) == (0, "")
    assert out == "loaded 2,500 firebase users into firebase_users (sqlite)\n"
    assert count(url) == 2_500


def test_the_loaded_table_is_what_the_preset_reads(files: tuple[Path, str]) -> None:
    path, url = files
    run("load", "firebase", str(path), "--into", url)
    preset, db = get_preset("firebase"), Database(url)
    try:
        states = []
        for login in ("user0@example.com", "USER1@example.com"):
            for query in preset.find_queries(login, prefix="", dialect="sqlite"):
                rows = db.fetch_all(query.sql, query.params, deadline=None)
                if rows:
                    user = preset.to_user(rows[0])
                    states.append(user.state)
                    assert user.hash_fields == {"salt": SALT}
                    break
    finally:
        db.close()
    assert states == [AccountState.ACTIVE, AccountState.BLOCKED]


def test_the_database_comes_from_legacy_db_url_and_the_prefix_from_its_variable(files: tuple[Path, str]) -> None:
    path, url = files
    status, _out, _ = run("load", "firebase", str(path), env={"LEGACY_DB_URL": url, "LEGACY_TABLE_PREFIX": "fb_"})
    assert status == 0
    assert count(url, "fb_firebase_users") == 2_500


def test_a_table_holding_users_is_refused_unless_replace(files: tuple[Path, str]) -> None:
    path, url = files
    run("load", "firebase", str(path), "--into", url)
    status, _, err = run("load", "firebase", str(path), "--into", url)
    assert status == 2
    assert err == "legacy-auth: load: table 'firebase_users' already holds users; --replace deletes them first\n"
    status, _, _ = run("load", "firebase", str(path), "--into", url, "--replace")
    assert status == 0
    assert count(url) == 2_500


def test_a_bad_record_names_the_file_line_and_what_was_written(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text(export(1_200)[:-2] + ',\n{"localId": "x", "passwordHash": "SECRET$HASH"}]}', "utf-8")
    url = f"sqlite:///{tmp_path / 'x.db'}"
    status, out, err = run("load", "firebase", str(path), "--into", url, "--json")
    assert status == 2
    line = err.strip()
    assert line.startswith(f"legacy-auth: load: {path}: line ")
    assert line.endswith("passwordHash is not base64 (1,000 users written before it: fix the file and run again "
                         "with --replace)")
    assert "SECRET" not in err + out
    assert json.loads(out)["exit_status"] == 2
    assert count(url) == 1_000


def test_a_csv_export_loads_too(tmp_path: Path) -> None:
    path = tmp_path / "users.csv"
    line = ",".join(["uid1", "a@example.com", "true", HASH, SALT] + [""] * 21 + ["false"] + [""] * 25) + ",\n"
    path.write_text(line + line.replace("uid1", "uid2").replace("a@", "b@"), "utf-8")
    status, out, _ = run("load", "firebase", str(path), "--into", f"sqlite:///{tmp_path / 'c.db'}", "--json")
    assert status == 0
    assert json.loads(out) == {"app": "firebase", "table": "firebase_users", "dialect": "sqlite", "loaded": 2}


def test_progress_is_drawn_on_stderr_when_asked(files: tuple[Path, str]) -> None:
    path, url = files
    status, _, err = run("load", "firebase", str(path), "--into", url, "--progress")
    assert status == 0
    assert "load firebase" in err
    assert "2,500 rows" in err


@pytest.mark.parametrize(("argv", "message"), [
    (["load", "wordpress", "f.json"], "legacy-auth: load: 'wordpress' has no export loader; one of firebase"),
    (["load", "nope", "f.json"], "legacy-auth: load: 'nope' has no export loader; one of firebase"),
    (["load", "firebase", "/nonexistent/f.json", "--into", "sqlite:////tmp/x.db"],
     "legacy-auth: /nonexistent/f.json: cannot read it (No such file or directory)"),
    (["load", "firebase", "f.json"], "legacy-auth: configuration error: LEGACY_DB_URL: required (or --into URL): "
                                     "the database to load into"),
    (["load", "firebase", "f.json", "--into", "bogus"], "legacy-auth: configuration error: --into: "),
])
def test_usage_errors_are_one_line_with_status_2(argv: list[str], message: str) -> None:
    status, _, err = run(*argv)
    assert status == 2
    assert err.startswith(message)
    assert err.count("\n") == 1


def test_a_file_that_is_not_utf8_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{"users": [\n{"localId": "\xe9"}]}')
    status, _, err = run("load", "firebase", str(path), "--into", f"sqlite:///{tmp_path / 'l.db'}")
    assert status == 2
    assert "not UTF-8 text" in err


def test_an_ldif_export_loads_its_person_entries(tmp_path: Path) -> None:
    path = tmp_path / "people.ldif"
    entries = "".join(f"dn: uid=u{i},ou=people,dc=example,dc=org\r\nuid: u{i}\r\nmail: u{i}@example.org\r\n"
                      f"userPassword:: e1NTSEF9YWJj\r\n\r\n" for i in range(1_500))
    path.write_text("version: 1\r\n\r\ndn: ou=people,dc=example,dc=org\r\nou: people\r\n\r\n" + entries, "utf-8")
    url = f"sqlite:///{tmp_path / 'ldap.db'}"
    status, out, _ = run("load", "ldap", str(path), "--into", url)
    assert status == 0
    assert out == "loaded 1,500 ldap users into ldap_users (sqlite)\n"
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        assert conn.execute("SELECT uid, user_password FROM ldap_users WHERE dn = ?",
                            ("uid=u7,ou=people,dc=example,dc=org",)).fetchone() == ("u7", "{SSHA}abc")


def test_a_user_twice_in_the_file_is_one_line_naming_the_batch(tmp_path: Path) -> None:
    path = tmp_path / "dup.json"
    path.write_text('{"users": [\n{"localId": "a1"},\n{"localId": "a1"}]}', "utf-8")
    status, _, err = run("load", "firebase", str(path), "--into", f"sqlite:///{tmp_path / 'd.db'}")
    assert status == 3
    assert err == (f"legacy-auth: load: {path}: users 1-2 were refused by the database (db_statement, sqlite): the "
                   "same user twice in the file, or a value the column cannot hold? (0 users written before them)\n")

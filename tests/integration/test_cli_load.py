"""``legacy-auth load`` on MariaDB, PostgreSQL and SQLite: the loaded table is the one the trigger reads."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from legacy_auth.apps import get_preset
from legacy_auth.cli.main import main
from legacy_auth.db import Database, Deadline
from legacy_auth.migration.store import SqlUserStore
from legacy_auth.model import AccountState
from tests.support.legacy_db import fetch_all

pytestmark = pytest.mark.integration

HASH = "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ=="
SALT = "42xEC+ixf3L2lw=="
FIREBASE = '{"users": [\n' + ",\n".join(json.dumps(u) for u in [
    {"localId": "Ab1", "email": "ann@example.com", "emailVerified": True, "passwordHash": HASH, "salt": SALT,
     "displayName": "Ann ✓", "disabled": False, "createdAt": "1600000000000"},
    {"localId": "ab1", "email": "bob@example.com", "passwordHash": HASH, "salt": SALT, "disabled": True},
    {"localId": "g1", "email": "gina@example.com", "providerUserInfo": [{"providerId": "google.com", "rawId": "7"}]},
]) + "]}"
LDIF = """version: 1

dn: uid=ann,ou=people,dc=example,dc=org
uid: ann
mail: Ann@Example.org
cn: Ann Lee
userPassword:: e1NTSEF9YWJj

dn: uid=zoë,ou=people,dc=example,dc=org
uid: zoë
userPassword: {SSHA}abc
pwdAccountLockedTime: 000001010000Z

dn: cn=staff,ou=groups,dc=example,dc=org
cn: staff
"""


@pytest.fixture(scope="module", params=["mysql", "postgresql", "sqlite"])
def url(request: pytest.FixtureRequest, databases: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "mysql":
        yield databases.mysql("load")
    elif request.param == "postgresql":
        yield databases.postgres("load")
    else:
        yield databases.sqlite(tmp_path_factory.mktemp("load"), "load")


def load(app: str, text: str, url: str, tmp_path: Path, *extra: str) -> tuple[int, str, str]:
    path = tmp_path / f"{app}.export"
    path.write_text(text, "utf-8")
    out, err = io.StringIO(), io.StringIO()
    status = main(["load", app, str(path), "--into", url, *extra], environ={}, stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


class Store:
    """The trigger's own store over the loaded table."""

    def __init__(self, app: str, url: str, prefix: str) -> None:
        self.store = SqlUserStore(Database(url), get_preset(app), prefix=prefix)

    def find(self, login: str) -> Any:
        return self.store.find_by_login(login, deadline=Deadline.after(10))


def store(app: str, url: str, prefix: str) -> Store:
    return Store(app, url, prefix)


def test_firebase_users_load_and_read_back_through_the_store(url: str, tmp_path: Path) -> None:
    status, out, err = load("firebase", FIREBASE, url, tmp_path, "--table-prefix", "t1_")
    assert (status, err) == (0, "")
    assert out.startswith("loaded 3 firebase users into t1_firebase_users")
    users = store("firebase", url, "t1_")
    ann = users.find("ANN@example.com")
    assert ann is not None
    assert (ann.legacy_id, ann.state, ann.email_verified, ann.display_name) == \
        ("Ab1", AccountState.ACTIVE, True, "Ann ✓")
    assert ann.hash_fields == {"salt": SALT}
    assert users.find("bob@example.com").state is AccountState.BLOCKED
    assert users.find("gina@example.com").state is AccountState.SSO_ONLY
    ids = sorted(r["local_id"] for r in fetch_all(url, "firebase", "t1_"))
    assert ids == ["Ab1", "ab1", "g1"]  # uids differing only in case are two users


def test_a_second_load_needs_replace(url: str, tmp_path: Path) -> None:
    assert load("firebase", FIREBASE, url, tmp_path, "--table-prefix", "t2_")[0] == 0
    status, _, err = load("firebase", FIREBASE, url, tmp_path, "--table-prefix", "t2_")
    assert status == 2
    assert "already holds users" in err
    assert load("firebase", FIREBASE, url, tmp_path, "--table-prefix", "t2_", "--replace")[0] == 0
    assert len(fetch_all(url, "firebase", "t2_")) == 3


def test_ldap_entries_load_and_sign_in_by_uid_or_mail(url: str, tmp_path: Path) -> None:
    status, out, _ = load("ldap", LDIF, url, tmp_path, "--table-prefix", "t3_")
    assert status == 0
    assert out.startswith("loaded 2 ldap users into t3_ldap_users")
    users = store("ldap", url, "t3_")
    by_uid, by_mail = users.find("ann"), users.find("ann@example.org")
    assert by_uid is not None
    assert by_mail is not None
    assert by_uid.legacy_id == by_mail.legacy_id == "uid=ann,ou=people,dc=example,dc=org"
    assert by_uid.password_hash == "{SSHA}abc"
    assert users.find("zoë").state is AccountState.LOCKED


# ---------------------------------------------------------------- scan and check on a loaded table

SIGNER = "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA=="
PROJECT = {"LEGACY_FIREBASE_SIGNER_KEY": SIGNER,
           "LEGACY_FIREBASE_SALT_SEPARATOR": "Bw==", "LEGACY_FIREBASE_ROUNDS": "8", "LEGACY_FIREBASE_MEM_COST": "14"}


def cli(argv: list[str], env: dict[str, str], monkeypatch: pytest.MonkeyPatch,
        stdin: str | None = None) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    out, err = io.StringIO(), io.StringIO()
    return main(argv, environ=env, stdout=out, stderr=err), out.getvalue(), err.getvalue()


def test_scan_and_check_read_a_loaded_firebase_table(url: str, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    assert load("firebase", FIREBASE, url, tmp_path, "--table-prefix", "t4_")[0] == 0
    env = {"LEGACY_APP": "firebase", "LEGACY_DB_URL": url, "LEGACY_TABLE_PREFIX": "t4_", **PROJECT}
    code, out, err = cli(["scan", "--json", "--repeats", "1"], env, monkeypatch)
    assert code in (0, 1), err
    report = json.loads(out)
    assert set(report["schemes"]) == {"firebase_scrypt"}
    assert report["schemes"]["firebase_scrypt"]["strength"] in ("strong", "acceptable")  # memory-hard, rounds 8
    code, out, _ = cli(["check", "Ann@Example.com", "--password-stdin", "--json"], env, monkeypatch,
                       "user1password\n")
    data = json.loads(out)
    assert code == 0
    assert (data["lookup"]["legacy_id"], data["verify"]["ok"]) == ("Ab1", True)
    assert "user1password" not in out
    assert PROJECT["LEGACY_FIREBASE_SIGNER_KEY"] not in out
    code, out, _ = cli(["check", "bob@example.com", "--password-stdin", "--json"], env, monkeypatch,
                       "user1password\n")
    assert (code, json.loads(out)["outcome"]["reason"]) == (1, "account_blocked")


def test_check_without_the_firebase_parameters_refuses_naming_them(url: str, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    assert load("firebase", FIREBASE, url, tmp_path, "--table-prefix", "t5_")[0] == 0
    env = {"LEGACY_APP": "firebase", "LEGACY_DB_URL": url, "LEGACY_TABLE_PREFIX": "t5_"}
    code, out, _ = cli(["check", "ann@example.com", "--password-stdin", "--json"], env, monkeypatch,
                       "user1password\n")
    assert code == 1
    assert json.loads(out)["outcome"]["reason"] == "corrupt_hash"
    code, _, err = cli(["check", "ann@example.com", "--password-stdin"], {**env, "LEGACY_FIREBASE_ROUNDS": "8"},
                       monkeypatch, "user1password\n")
    assert code == 2
    assert "LEGACY_FIREBASE_SIGNER_KEY" in err


def test_scan_reads_a_loaded_directory(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = LDIF + "\ndn: uid=cleo,dc=example,dc=org\nuid: cleo\nuserPassword: plain-secret\n"
    assert load("ldap", text, url, tmp_path, "--table-prefix", "t6_")[0] == 0
    env = {"LEGACY_APP": "ldap", "LEGACY_DB_URL": url, "LEGACY_TABLE_PREFIX": "t6_"}
    code, out, err = cli(["scan", "--json", "--repeats", "1"], env, monkeypatch)
    assert code in (0, 1), err
    report = json.loads(out)
    assert "plain-secret" not in out + err
    assert report["rows"] == 3
    assert report["states"] == {"active": 2, "locked": 1}
    assert report["unsupported_hashes"] == 1  # cleo's clear text, stored as the bare {CLEARTEXT} tag

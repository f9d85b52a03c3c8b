"""One legacy account maps to at most one Cognito user (``legacy_auth.migration.canonical``), on real databases.

A q2a users table under each collation the apps really use — MariaDB ``utf8mb4_general_ci`` (q2a),
``utf8mb4_unicode_ci``, ``utf8mb4_unicode_520_ci`` (WordPress) and a ``utf8mb3`` table; PostgreSQL plain, with a
``citext`` column and with a nondeterministic ICU collation; SQLite ``NOCASE`` — and a table of login variants
(accents, case, full-width, ligatures, long s, dotless i, Turkish İ, spaces, NBSP, zero-width, NFC/NFD, e-mail
variants) driven through the real migrate-user handler with real-shaped events. Each variant either migrates the
one account under its own canonical login (folded only as the pool folds: ASCII case in a case-insensitive pool)
or is refused with the generic message; where the app's own rule found the row, the refusal is
``account_spelling_mismatch``, and on MariaDB the variants really do find it (the attack is exercised).

``Pool`` plays Cognito as far as AWS documents it (a user exists under a username folded by ASCII case in a
case-insensitive pool; the trigger runs only for a login no user or verified e-mail alias has); the real
pre-token hook then issues the claims each created user would carry, so a second user with the real account's
``legacy_id`` and ``admin`` group would show.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import string
import struct
import subprocess
import sys
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bcrypt
import pytest

from devstack.context import LocalLambdaContext
from legacy_auth.apps.aspnet_identity import upper_invariant
from legacy_auth.apps.phpbb3 import clean_username, stored_username
from legacy_auth.db import Database, Deadline
from legacy_auth.hooks.config import HookSettings
from legacy_auth.migration.tracking import ddl
from tests.conftest import load_event
from tests.support import trigger_calls
from tests.support.legacy_db import create_schema, find_rows, insert_users, run_query
from tests.support.trigger_calls import env_setter
from triggers import pre_token_generation as hook
from triggers import user_migration as um

pytestmark = pytest.mark.integration

GENERIC = "Incorrect username or password."
PASSWORD = "correct horse battery staple"
STORED = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode().replace("$2b$", "$2y$", 1)
ROLE_GROUPS = "level:120=admin,level:100=moderator"
TRACKING = "boundary_tracking"
ROOT = Path(__file__).resolve().parents[2]

#: the legacy rows: (userid, handle, email, q2a level)
ROWS = [
    (1, "admin", "admin@example.com", 120),
    (2, "staff", "Staff.Member@Example.org", 100),
    (3, "Ádám", "adam@example.net", 0),  # non-ASCII username, stored NFC
    (4, "12345678", "digits@example.net", 0),  # phone-like: cannot be the username in an alias pool
    (5, "legacy_1", "squatter@example.net", 0),  # spelled like row 1's fallback username
]
NFD_ADAM = unicodedata.normalize("NFD", "Ádám")

#: typed login -> the legacy id it migrates (a case-insensitive pool with an email alias), or None: refused
VARIANTS: dict[str, str | None] = {
    # the stored spelling and its ASCII case variants: the one user (Cognito folds ASCII case)
    "admin": "1", "ADMIN": "1", "Admin": "1", "aDmIn": "1", "staff": "2", "STAFF": "2", "Ádám": "3",
    # accents, dotless i, Turkish dotted I, full-width, circled, superscript-ish, Kelvin-like compatibility forms
    "ádmin": None, "ÁDMÍN": None, "admín": None, "admın": None, "ADMİN": None, "ａｄｍｉｎ": None, "ＡＤＭＩＮ": None,
    "ⓐdmin": None, "ᵃdmin": None, "admiñ": None, "àdmin": None, "ädmin": None,
    # ligatures and long s
    "staﬀ": None, "ſtaff": None, "ſtaﬀ": None, "STAﬀ": None, "ＳＴＡＦＦ": None,
    # spaces, NBSP, zero-width and other ignorables, combining marks
    "admin ": None, " admin": None, "admin\u00a0": None, "ad\u200bmin": None, "ad\u00admin": None,
    "admin\u200d": None, "\ufeffadmin": None, "admin\u0301": None, "a\u0300dmin": None, "admin\t": None,
    # non-ASCII case and normalisation of a non-ASCII username: refused (Cognito's Unicode folding is undocumented)
    "ádám": None, "ÁDÁM": None, NFD_ADAM: None, "Adam": None, "adam": None, "ADAM": None,
    # e-mail alias: the stored address, ASCII case variants of local part and domain
    "admin@example.com": "1", "ADMIN@EXAMPLE.COM": "1", "Admin@Example.Com": "1", "admin@EXAMPLE.COM": "1",
    "staff.member@example.org": "2", "STAFF.MEMBER@EXAMPLE.ORG": "2", "Staff.Member@Example.org": "2",
    # ... and variants an accent- or width-insensitive collation matches, trailing dot, spaces
    "ádmin@example.com": None, "admin@exámple.com": None, "admin@example.com.": None, "admin@ｅxample.com": None,
    " admin@example.com": None, "admin@example.com ": None, "ſtaff.member@example.org": None,
    "staﬀ.member@example.org": None, "admin@example.com\u200b": None, "ADMİN@EXAMPLE.COM": None,
    # supplementary characters (4-byte UTF-8; utf8mb4_general_ci weighs them all alike, utf8mb3 cannot store them)
    "admin\U0001f600": None, "\U0001d41admin": None, "\U0001d41a\U0001d41d\U0001d426\U0001d422\U0001d427": None,
    # squatting another row's username
    "12345678": None, "legacy_1": None, "LEGACY_1": None,
}


# ---------------------------------------------------------------- the databases


@dataclass(frozen=True)
class Backend:
    id: str
    dialect: str
    alter: tuple[str, ...] = ()  # statements run after the q2a DDL
    folds_accents: bool = False  # the app's own lookup matches accent / width / ligature variants
    bmp_only: bool = False  # utf8mb3: comparing a 4-byte character with the column is a SQL error


MYSQL_COLUMNS = ("`handle` VARCHAR(20) NOT NULL", "`email` VARCHAR(80) NOT NULL")


def _mysql_collation(charset: str, collation: str) -> tuple[str, ...]:
    return tuple(f"ALTER TABLE `qa_users` MODIFY {column.split(' ', 2)[0]} {column.split(' ', 2)[1]} CHARACTER SET "
                 f"{charset} COLLATE {collation} NOT NULL" for column in MYSQL_COLUMNS)


BACKENDS = [
    Backend("mariadb-utf8mb4_general_ci", "mysql", (), True),  # q2a's own DDL
    Backend("mariadb-utf8mb4_unicode_ci", "mysql", _mysql_collation("utf8mb4", "utf8mb4_unicode_ci"), True),
    Backend("mariadb-utf8mb4_unicode_520_ci", "mysql", _mysql_collation("utf8mb4", "utf8mb4_unicode_520_ci"), True),
    Backend("mariadb-utf8mb3_general_ci", "mysql", _mysql_collation("utf8mb3", "utf8mb3_general_ci"), True, True),
    Backend("postgresql", "postgresql"),
    Backend("postgresql-citext", "postgresql", (
        "CREATE EXTENSION IF NOT EXISTS citext",
        'ALTER TABLE "qa_users" ALTER COLUMN "handle" TYPE citext, ALTER COLUMN "email" TYPE citext')),
    Backend("postgresql-icu-nondeterministic", "postgresql", (
        "DROP COLLATION IF EXISTS boundary_ci",
        "CREATE COLLATION boundary_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false)",
        'ALTER TABLE "qa_users" ALTER COLUMN "handle" TYPE VARCHAR(20) COLLATE boundary_ci, '
        'ALTER COLUMN "email" TYPE VARCHAR(80) COLLATE boundary_ci')),
    Backend("sqlite-nocase", "sqlite"),
]


@pytest.fixture(scope="module", params=BACKENDS, ids=lambda b: b.id)
def backend(request: pytest.FixtureRequest, databases: Any,
            tmp_path_factory: pytest.TempPathFactory) -> tuple[Backend, str]:
    b: Backend = request.param
    label = "bnd" + str(BACKENDS.index(b))
    if b.dialect == "mysql":
        url = databases.mysql(label)
    elif b.dialect == "postgresql":
        url = databases.postgres(label)
    else:
        url = databases.sqlite(tmp_path_factory.mktemp(label), label)
    create_schema(url, "q2a")
    for statement in b.alter:
        run_query(url, statement)
    insert_users(url, "q2a", [{"userid": i, "handle": h, "email": e, "level": level, "flags": 1, "passhash": STORED}
                              for i, h, e, level in ROWS])
    return b, url


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, backend: tuple[Backend, str]) -> Iterator[Callable[..., None]]:
    _, url = backend
    base = {"LEGACY_APP": "q2a", "LEGACY_DB_URL": url, "LEGACY_DUMMY_HASH": STORED, "POWERTOOLS_LOG_LEVEL": "INFO"}
    apply = env_setter(monkeypatch, base)
    monkeypatch.setattr(hook.settings, "value", HookSettings.from_env({"HOOKS_TOKEN_ROLE_GROUPS": ROLE_GROUPS}))
    yield apply
    um.reset_runtime()


class Reasons(logging.Handler):
    """The ``reason`` of each structured log line the migrate-user handler writes."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        reason = getattr(record, "reason", None)
        if reason is not None:
            self.seen.append(str(reason))


@pytest.fixture
def reasons() -> Iterator[Reasons]:
    capture = Reasons()
    logging.getLogger(um.logger.name).addHandler(capture)
    yield capture
    logging.getLogger(um.logger.name).removeHandler(capture)


def sign_in(login: str, password: str = PASSWORD) -> dict[str, Any]:
    return trigger_calls.sign_in(login, password)


forgot = trigger_calls.forgot


def outcome(call: Callable[[], dict[str, Any]], reasons: Reasons) -> tuple[str, dict[str, str]]:
    """``("ok", userAttributes)`` or ``(reason, {})`` after checking the refusal is the generic message."""
    refusal: um.MigrationRefusedError | None = None
    try:
        out = call()
    except um.MigrationRefusedError as exc:
        refusal = exc
    if refusal is not None:
        assert str(refusal) == GENERIC
        return reasons.seen[-1], {}
    return "ok", out["response"]["userAttributes"]


def refusal_reason(b: Backend, url: str, typed: str) -> str:
    """The reason a refused variant must carry: the spelling rule where the app finds the row, else unknown.

    On a ``utf8mb3`` table MariaDB cannot compare a 4-byte character ("Illegal mix of collations"): no row can
    hold such a login, so the store reads the refusal as "no match" (``unknown_user``), never as a database failure
    an attacker could use to set off the system-failure alarm.
    """
    if b.bmp_only and any(ord(c) > 0xFFFF for c in typed):
        return "unknown_user"
    return "account_spelling_mismatch" if found_by_app(url, typed) else "unknown_user"


def found_by_app(url: str, login: str) -> bool:
    """Whether q2a's own login rule finds exactly one row for ``login`` (the database decides)."""
    try:
        return len(find_rows(url, "q2a", login)) == 1
    except Exception:  # a database that cannot compare the value finds nothing
        return False


# ---------------------------------------------------------------- Cognito, as far as AWS documents it


_ASCII = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


@dataclass
class Pool:
    """Usernames unique under ASCII case folding (case-insensitive pool) or exactly; a verified e-mail alias."""

    case_sensitive: bool = False
    email_alias: bool = True
    users: dict[str, dict[str, str]] = field(default_factory=dict)  # folded username -> attributes

    def fold(self, value: str) -> str:
        return value if self.case_sensitive else value.translate(_ASCII)

    def existing(self, typed: str) -> str | None:
        key = self.fold(typed)
        if key in self.users:
            return key
        if self.email_alias:
            for name, attrs in self.users.items():
                if attrs.get("email_verified") == "true" and self.fold(attrs.get("email", "")) == key:
                    return name
        return None

    def sign_in(self, typed: str, password: str, reasons: Reasons) -> str:
        """``cognito`` (an existing user answered), ``created`` or the refusal reason."""
        if self.existing(typed) is not None:
            return "cognito"
        result, attrs = outcome(lambda: sign_in(typed, password), reasons)
        if result != "ok":
            return result
        key = self.fold(attrs.get("username", typed))
        if key in self.users:
            return "username_exists"  # Cognito refuses to create it: still one user
        self.users[key] = {**attrs, "sub": f"sub-{len(self.users) + 1}"}
        return "created"

    def tokens(self) -> list[tuple[str, str | None, list[str]]]:
        """(username, legacy_id claim, groups) that the real pre-token hook issues for each user."""
        issued = []
        for username, attrs in self.users.items():
            event = load_event("cognito_pre_token_generation_v2_authentication")
            event["userName"] = username
            event["request"]["userAttributes"] = {**attrs, "cognito:user_status": "CONFIRMED"}
            event["request"]["groupConfiguration"]["groupsToOverride"] = []
            details = hook.handler(event, LocalLambdaContext(timeout_ms=5000))["response"][
                "claimsAndScopeOverrideDetails"]
            claims = details["idTokenGeneration"]["claimsToAddOrOverride"]
            groups = (details.get("groupOverrideDetails") or {}).get("groupsToOverride", [])
            issued.append((username, claims.get("legacy_id"), list(groups)))
        return issued


def assert_one_user_per_account(pool: Pool) -> list[tuple[str, str | None, list[str]]]:
    issued = pool.tokens()
    ids = [legacy_id for _, legacy_id, _ in issued]
    assert len(ids) == len(set(ids)), issued
    return issued


# ---------------------------------------------------------------- variants through the real handler


def test_each_login_variant_migrates_the_one_account_or_is_refused(env: Any, backend: tuple[Backend, str],
                                                                    reasons: Reasons):
    b, url = backend
    exercised = 0
    for typed, want in VARIANTS.items():
        result, attrs = outcome(lambda: sign_in(typed), reasons)  # noqa: B023 - called now
        if want is not None:
            assert (result, attrs.get("custom:legacy_id")) == ("ok", want), typed
            continue
        exercised += found_by_app(url, typed)
        assert result == refusal_reason(b, url, typed), (typed, result)
    if b.folds_accents:  # the collation really matched accent / width / ligature variants: the attack ran
        assert exercised >= 8, exercised
    else:
        assert exercised >= 2  # 12345678 / legacy_1 rows by their own handle


def test_forgot_password_under_another_spelling_is_refused(env: Any, backend: tuple[Backend, str],
                                                           reasons: Reasons):
    b, url = backend
    env(LEGACY_TRUST_EMAILS="true")
    for typed, want in VARIANTS.items():
        result, attrs = outcome(lambda: forgot(typed), reasons)  # noqa: B023 - called now
        if want is not None:
            assert (result, attrs.get("custom:legacy_id")) == ("ok", want), typed
        else:
            assert result == refusal_reason(b, url, typed), typed


def test_no_spelling_gives_the_real_account_a_second_user_or_its_groups(env: Any, backend: tuple[Backend, str],
                                                                        reasons: Reasons):
    b, url = backend
    pool = Pool()
    assert pool.sign_in("admin", PASSWORD, reasons) == "created"  # the real user migrates ...
    assert pool.sign_in("Staff.Member@Example.org", PASSWORD, reasons) == "created"
    for typed in VARIANTS:  # ... then an attacker holding the old password tries every spelling
        assert pool.sign_in(typed, PASSWORD, reasons) in {
            "cognito", "created", "username_exists", refusal_reason(b, url, typed)}, typed
    issued = assert_one_user_per_account(pool)
    admins = [(name, legacy_id) for name, legacy_id, groups in issued if "admin" in groups]
    assert admins == [("admin", "1")]
    assert {legacy_id for _, legacy_id, _ in issued} == {"1", "2", "3"}  # 3 via "Ádám"; rows 4, 5 never


def test_case_sensitive_pool_accepts_only_the_stored_spelling(env: Any, reasons: Reasons):
    env(LEGACY_POOL_CASE_SENSITIVE="true")
    assert outcome(lambda: sign_in("admin"), reasons)[0] == "ok"
    assert outcome(lambda: sign_in("Staff.Member@Example.org"), reasons)[0] == "ok"
    for typed in ("ADMIN", "Admin", "admin@EXAMPLE.COM", "staff.member@example.org"):
        assert outcome(lambda: sign_in(typed), reasons)[0] in {  # noqa: B023 - called now
            "account_spelling_mismatch", "unknown_user"}, typed
    pool = Pool(case_sensitive=True)
    for typed in ("admin", "ADMIN", "Admin", "admin@example.com", "ADMIN@EXAMPLE.COM"):
        pool.sign_in(typed, PASSWORD, reasons)
    assert [legacy_id for _, legacy_id, _ in assert_one_user_per_account(pool)] == ["1"]


def test_pool_without_aliases_migrates_an_account_with_a_username_only_under_it(env: Any, reasons: Reasons):
    env(LEGACY_POOL_ALIASES="none")
    pool = Pool(email_alias=False)
    # the e-mail would become a second username of the same account next to "admin"
    assert pool.sign_in("admin@example.com", PASSWORD, reasons) == "account_spelling_mismatch"
    assert pool.sign_in("admin", PASSWORD, reasons) == "created"
    assert pool.sign_in("ADMIN@example.com", PASSWORD, reasons) == "account_spelling_mismatch"
    assert [legacy_id for _, legacy_id, _ in assert_one_user_per_account(pool)] == ["1"]


def test_alias_pool_username_and_email_routes_name_one_user(env: Any, reasons: Reasons):
    pool = Pool()
    # a phone-like handle cannot be the username: the e-mail route makes legacy_4, so the handle route is refused
    assert pool.sign_in("12345678", PASSWORD, reasons) == "account_spelling_mismatch"
    assert pool.sign_in("digits@example.net", PASSWORD, reasons) == "created"
    # a handle spelled like another row's fallback username never takes it
    assert pool.sign_in("legacy_1", PASSWORD, reasons) == "account_spelling_mismatch"
    assert pool.sign_in("squatter@example.net", PASSWORD, reasons) == "created"
    assert pool.sign_in("admin@example.com", PASSWORD, reasons) == "created"
    assert pool.sign_in("admin", PASSWORD, reasons) == "cognito"  # the e-mail route created "admin"
    assert sorted(pool.users) == ["admin", "legacy_4", "legacy_5"]
    assert_one_user_per_account(pool)


def test_wrong_password_under_another_spelling_stays_a_wrong_password(env: Any, backend: tuple[Backend, str],
                                                                       reasons: Reasons):
    b, _ = backend
    result, _ = outcome(lambda: sign_in("ádmin", "not the password"), reasons)
    assert result == ("wrong_password" if b.folds_accents else "unknown_user")


# ---------------------------------------------------------------- tracking, release


def _tracking(url: str) -> Database:
    db = Database(url)
    db.execute(f"DROP TABLE IF EXISTS {TRACKING}", deadline=Deadline.after(5))
    for statement in ddl(db.dialect, TRACKING):
        db.execute(statement, deadline=Deadline.after(5))
    return db


def _age(db: Database, legacy_id: str, status: str) -> None:
    """Make a record old (past the retry window) with ``status``."""
    past = {"mysql": "CURRENT_TIMESTAMP - INTERVAL 2 HOUR", "postgresql": "now() - INTERVAL '2 hours'",
            "sqlite": "datetime('now', '-2 hours')"}[db.dialect]
    db.execute(f"UPDATE {TRACKING} SET status = %s, last_at = {past} WHERE legacy_id = %s",
               (status, legacy_id), deadline=Deadline.after(5))


def cli(url: str, *argv: str) -> tuple[int, Any, str]:
    """``legacy-auth`` through its real entry point (a new process); exit status, JSON stdout, stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEGACY_")}
    env.update({"LEGACY_APP": "q2a", "LEGACY_DB_URL": url, "LEGACY_TRACKING_TABLE": TRACKING,
                "PYTHONPATH": str(ROOT)})
    done = subprocess.run([sys.executable, "-m", "legacy_auth.cli.main", *argv, "--json"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    return done.returncode, json.loads(done.stdout) if done.stdout.strip() else None, done.stderr


def test_migrated_account_is_refused_whatever_the_spelling_until_released(env: Any, backend: tuple[Backend, str],
                                                                           reasons: Reasons):
    b, url = backend
    db = _tracking(url)
    env(LEGACY_TRACK_MIGRATION="true", LEGACY_TRACKING_TABLE=TRACKING)
    assert outcome(lambda: sign_in("admin"), reasons)[0] == "ok"
    assert outcome(lambda: sign_in("ADMIN"), reasons)[0] == "ok"  # a Cognito retry within the window
    assert outcome(lambda: sign_in("ádmin"), reasons)[0] == ("account_already_migrated" if b.folds_accents
                                                             else "unknown_user")
    _age(db, "1", "migrated")  # the user changed the password in Cognito long ago; the old one still verifies
    for typed in ("admin", "ADMIN", "admin@example.com", "ádmin"):
        if found_by_app(url, typed):
            assert outcome(lambda: sign_in(typed), reasons)[0] == "account_already_migrated", typed  # noqa: B023
            assert outcome(lambda: forgot(typed), reasons)[0] == "account_already_migrated", typed  # noqa: B023
    for status in ("reset_completed", "imported"):
        _age(db, "1", status)
        assert outcome(lambda: sign_in("admin"), reasons)[0] == "account_already_migrated", status
    _age(db, "1", "reset_pending")  # a reset code was sent; no password set: not refused
    assert outcome(lambda: sign_in("admin"), reasons)[0] == "ok"
    _age(db, "1", "migrated")
    assert outcome(lambda: sign_in("admin", "not the password"), reasons)[0] == "wrong_password"

    status, out, err = cli(url, "release", "ADMIN")  # the admin deleted the Cognito user, then releases
    assert (status, out, err) == (0, {"legacy_id": "1", "tracking_table": TRACKING, "previous_status": "migrated",
                                      "released": True}, "")
    assert outcome(lambda: sign_in("admin"), reasons)[0] == "ok"  # migrates again
    assert outcome(lambda: sign_in("ádmin"), reasons)[0] == ("account_already_migrated" if b.folds_accents
                                                             else "unknown_user")
    db.close()


def test_release_command_exit_statuses(env: Any, backend: tuple[Backend, str]):
    _, url = backend
    db = _tracking(url)
    db.execute(f"INSERT INTO {TRACKING} (legacy_id, app, status, trigger_source) VALUES (%s, %s, %s, %s)",
               ("2", "q2a", "migrated", "UserMigration_Authentication"), deadline=Deadline.after(5))
    assert cli(url, "release", "--id", "2")[:2] == (0, {"legacy_id": "2", "tracking_table": TRACKING,
                                                        "previous_status": "migrated", "released": True})
    assert cli(url, "release", "staff")[:2] == (1, {"legacy_id": "2", "tracking_table": TRACKING,
                                                    "previous_status": None, "released": False})
    status, out, _ = cli(url, "release", "nobody")
    assert (status, out["kind"]) == (1, "failure")
    assert "no legacy row" in out["error"]
    db.execute(f"INSERT INTO {TRACKING} (legacy_id, app, status, trigger_source) VALUES (%s, %s, %s, %s)",
               ("legacy_1", "q2a", "imported", "import"), deadline=Deadline.after(5))
    status, out, _ = cli(url, "release", "legacy_1")  # the login of row 5 and a recorded id: which?
    assert (status, "--login or --id" in out["error"]) == (1, True)
    assert cli(url, "release", "legacy_1", "--id")[:2] == (0, {"legacy_id": "legacy_1", "tracking_table": TRACKING,
                                                              "previous_status": "imported", "released": True})
    status, out, _ = cli(url, "release", "staff", "--id", "--login")
    assert (status, out["kind"]) == (2, "usage")
    db.execute(f"DROP TABLE {TRACKING}", deadline=Deadline.after(5))
    status, out, _ = cli(url, "release", "admin")
    assert (status, "migration_tracking" in out["error"]) == (3, True)
    db.close()


def test_tracking_table_that_cannot_be_read_fails_closed(env: Any, backend: tuple[Backend, str], reasons: Reasons):
    _, url = backend
    env(LEGACY_TRACK_MIGRATION="true", LEGACY_TRACKING_TABLE="no_such_tracking_table")
    assert outcome(lambda: sign_in("admin"), reasons)[0] == "db_statement"
    assert outcome(lambda: sign_in("nobody"), reasons)[0] == "db_statement"  # read whatever was found
    assert find_rows(url, "q2a", "admin")  # the row is there: only the tracking read failed


# ---------------------------------------------------------------- the app's own normalisation, on every database


def _aspnet_hash(password: str) -> str:
    """ASP.NET Core Identity v3 (documented format: 0x01, PRF, iterations, salt length, salt, subkey), cheap."""
    salt = bytes(range(16))
    sub = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 1000, 32)
    return base64.b64encode(b"\x01" + struct.pack(">III", 1, 1000, len(salt)) + salt + sub).decode()


ASPNET_HASH = _aspnet_hash(PASSWORD)
ASPNET_FLAGS = {"EmailConfirmed": True, "PhoneNumberConfirmed": False, "TwoFactorEnabled": False,
                "LockoutEnabled": True, "AccessFailedCount": 0}


def _aspnet_row(i: int, name: str, email: str) -> dict[str, Any]:
    return {**ASPNET_FLAGS, "Id": f"id-{i}", "UserName": name, "NormalizedUserName": upper_invariant(name),
            "Email": email, "NormalizedEmail": upper_invariant(email), "PasswordHash": ASPNET_HASH}


def _phpbb_row(i: int, name: str, email: str) -> dict[str, Any]:
    return {"user_id": i, "user_type": 0, "group_id": 3, "username": stored_username(name),
            "username_clean": clean_username(name), "user_password": STORED, "user_email": email}


@dataclass(frozen=True)
class AppCase:
    app: str
    row: Callable[[int, str, str], dict[str, Any]]
    dummy: str
    id_of: Callable[[int], str]
    ok: tuple[str, ...]  # typed -> the one account (ASCII case of the stored spelling)
    attacks: tuple[str, ...]  # spellings the app's own rule maps to a row on every database


APP_CASES = [
    # .NET ToUpperInvariant maps dotless ı to I and long s to S: NormalizedUserName matches exactly, anywhere
    AppCase("aspnet_identity", _aspnet_row, ASPNET_HASH, lambda i: f"id-{i}", ("admin", "ADMIN", "Staff"),
            ("admın", "ADMıN", "ſtaff", "ſTAFF", "admın@example.com", "ſtaff@example.org")),
    # phpBB's utf8_clean_string: NFKC + case fold + trim: full-width, ligature, long s and spaces all clean alike
    AppCase("phpbb3", _phpbb_row, STORED, str, ("admin", "ADMIN", "sTaFf"),
            ("ａｄｍｉｎ", "ＡＤＭＩＮ", "staﬀ", "ſtaff", " admin", "admin ", "ＳＴＡＦＦ")),
]


@pytest.fixture(scope="module", params=[(c, d) for c in APP_CASES for d in ("mysql", "postgresql", "sqlite")],
                ids=lambda p: f"{p[0].app}-{p[1]}")
def app_db(request: pytest.FixtureRequest, databases: Any,
           tmp_path_factory: pytest.TempPathFactory) -> tuple[AppCase, str]:
    case, dialect = request.param
    label = f"bndapp{case.app[:6]}"
    url = {"mysql": lambda: databases.mysql(label), "postgresql": lambda: databases.postgres(label),
           "sqlite": lambda: databases.sqlite(tmp_path_factory.mktemp(label), label)}[dialect]()
    create_schema(url, case.app)
    insert_users(url, case.app, [case.row(1, "admin", "admin@example.com"),
                                 case.row(2, "staff", "staff@example.org")])
    return case, url


def test_app_normalised_spellings_are_refused_on_every_database(app_db: tuple[AppCase, str],
                                                                 monkeypatch: pytest.MonkeyPatch, reasons: Reasons):
    case, url = app_db
    for key, value in {"LEGACY_APP": case.app, "LEGACY_DB_URL": url, "LEGACY_DUMMY_HASH": case.dummy}.items():
        monkeypatch.setenv(key, value)
    um.reset_runtime()
    try:
        for typed in case.ok:
            result, attrs = outcome(lambda: sign_in(typed), reasons)  # noqa: B023 - called now
            assert (result, attrs.get("custom:legacy_id")) == ("ok", case.id_of(1 if "dm" in typed.lower() else 2))
        for typed in case.attacks:
            assert len(find_rows(url, case.app, typed)) == 1, typed  # the app itself finds the account ...
            assert outcome(lambda: sign_in(typed), reasons)[0] == "account_spelling_mismatch", typed  # noqa: B023
            assert outcome(lambda: forgot(typed), reasons)[0] == "account_spelling_mismatch", typed  # noqa: B023
    finally:
        um.reset_runtime()

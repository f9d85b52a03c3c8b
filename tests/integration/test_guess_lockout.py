"""The guessing bound of not-yet-migrated users (``legacy_auth.migration.lockout``) on MariaDB, PostgreSQL and SQLite.

Counter-level tests drive :class:`GuessLimiter` with 8 threads, each with its own connection; handler-level
tests drive the real migrate-user handler with real-shaped Cognito events against a real q2a users table
(cost-4 bcrypt hashes and a cost-4 dummy, the documented ``LEGACY_DUMMY_HASH`` way to match the real cost).
Windows expire through an injected clock, never a sleep.
"""

from __future__ import annotations

import contextlib
import json
import logging
import multiprocessing
import threading
from collections.abc import Callable, Iterator
from typing import Any

import bcrypt
import pytest

from legacy_auth.db import Database, Deadline
from legacy_auth.errors import LockoutUnavailableError, StoreError
from legacy_auth.migration.lockout import RETRY_WINDOW_S, GuessLimiter, LockoutPolicy, ddl
from tests.support.legacy_db import create_schema, insert_users, run_query
from tests.support.trigger_calls import sign_in
from triggers import user_migration as um

pytestmark = pytest.mark.integration

PREFIX = "lk_"
TABLE = "lk_lockouts"
GOOD = "correct horse battery"
KEY = "k" * 40
WORKERS = 8
T0 = 1_800_000_000.0


def _hash(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode()


USERS = [
    {"userid": 42, "handle": "Alice", "email": "alice@example.org", "flags": 1, "level": 0, "passhash": _hash(GOOD)},
    {"userid": 43, "handle": "Blocked", "email": "blocked@example.org", "flags": 3, "level": 0,
     "passhash": _hash(GOOD)},
    {"userid": 44, "handle": "Sso", "email": "sso@example.org", "flags": 1, "level": 0, "passhash": None},
    {"userid": 45, "handle": "Bob", "email": "bob@example.org", "flags": 1, "level": 0, "passhash": _hash(GOOD)},
]


@pytest.fixture(scope="module", params=["mysql", "postgresql", "sqlite"])
def url(request: pytest.FixtureRequest, databases: Any, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "mysql":
        found = databases.mysql("lockout")
    elif request.param == "postgresql":
        found = databases.postgres("lockout")
    else:
        found = databases.sqlite(tmp_path_factory.mktemp("lockout"), "lockout")
    create_schema(found, "q2a", PREFIX)
    insert_users(found, "q2a", USERS, PREFIX)
    db = Database(found)
    for statement in ddl(db.dialect, TABLE):
        db.execute(statement, deadline=Deadline.after(5))
    db.close()
    return str(found)


@pytest.fixture
def clean(url: str) -> str:
    run_query(url, f"DELETE FROM {TABLE}")
    return url


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def _limiter(url: str, clock: Clock, **policy: Any) -> GuessLimiter:
    return GuessLimiter(Database(url), LockoutPolicy(table=TABLE, **policy), key=KEY.encode(), clock=clock)


# ---------------------------------------------------------------- the counter


def test_eight_concurrent_workers_count_every_attempt_and_admit_exactly_the_limit(clean: str) -> None:
    clock = Clock()
    per_worker = 4
    admitted: list[bool] = []
    errors: list[BaseException] = []
    start = threading.Barrier(WORKERS)

    def work(n: int) -> None:
        limiter = _limiter(clean, clock)  # its own connection
        try:
            start.wait()
            for i in range(per_worker):
                admitted.append(limiter.admit("42", f"guess-{n}-{i}", deadline=Deadline.after(30)))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            limiter.db.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(admitted) == WORKERS * per_worker
    assert admitted.count(True) == 5  # exactly the bound, however the attempts interleave
    assert _limiter(clean, clock).attempts("42") == WORKERS * per_worker  # no lost increment


def test_the_window_expires_on_the_injected_clock_and_a_new_one_starts_at_one(clean: str) -> None:
    clock = Clock()
    limiter = _limiter(clean, clock, max_failures=5, window_s=900)
    answers = [limiter.admit("42", f"guess-{i}", deadline=Deadline.after(5)) for i in range(7)]
    assert answers == [True] * 5 + [False] * 2
    clock.now += 899
    assert limiter.admit("42", "guess-late", deadline=Deadline.after(5)) is False  # still inside the window
    clock.now = T0 + 900
    assert limiter.admit("42", "guess-next", deadline=Deadline.after(5)) is True
    assert limiter.attempts("42") == 1


def test_a_cognito_retry_of_one_attempt_counts_once_and_a_new_password_counts(clean: str) -> None:
    clock = Clock()
    limiter = _limiter(clean, clock)
    for _ in range(4):  # the attempt and Cognito's 3 retries, seconds apart
        assert limiter.admit("42", "typo", deadline=Deadline.after(5)) is True
        clock.now += 5
    assert limiter.attempts("42") == 1
    assert limiter.admit("42", "other", deadline=Deadline.after(5)) is True
    assert limiter.attempts("42") == 2
    clock.now += RETRY_WINDOW_S + 1
    assert limiter.admit("42", "other", deadline=Deadline.after(5)) is True  # same guess, later: a new attempt
    assert limiter.attempts("42") == 3


def test_the_fingerprint_is_keyed_so_another_key_does_not_recognise_the_retry(clean: str) -> None:
    clock = Clock()
    first = _limiter(clean, clock)
    other = GuessLimiter(Database(clean), LockoutPolicy(table=TABLE), key=b"x" * 40, clock=clock)
    first.admit("42", "typo", deadline=Deadline.after(5))
    other.admit("42", "typo", deadline=Deadline.after(5))
    assert first.attempts("42") == 2
    stored = run_query(clean, f"SELECT fingerprint FROM {TABLE}")
    assert [len(r["fingerprint"].strip()) for r in stored] == [16]
    assert "typo" not in json.dumps(stored)


def test_unknown_logins_write_only_the_bounded_dummy_rows(clean: str) -> None:
    limiter = _limiter(clean, Clock())
    for i in range(40):
        assert limiter.admit(None, f"guess-{i}", deadline=Deadline.after(5)) is True
    accounts = {r["account"] for r in run_query(clean, f"SELECT account FROM {TABLE}")}
    assert accounts <= {f"d:{n:02d}" for n in range(16)}
    assert accounts


def test_an_unusable_table_refuses_when_closed_and_verifies_when_open(clean: str) -> None:
    reported: list[StoreError] = []
    closed = GuessLimiter(Database(clean), LockoutPolicy(table="lk_missing"), key=KEY.encode())
    with pytest.raises(LockoutUnavailableError) as info:
        closed.admit("42", "guess", deadline=Deadline.after(5))
    assert info.value.reason == "lockout_unavailable"
    opened = GuessLimiter(Database(clean), LockoutPolicy(table="lk_missing", on_db_error="open"), key=KEY.encode(),
                          on_unavailable=reported.append)
    assert opened.admit("42", "guess", deadline=Deadline.after(5)) is True
    assert len(reported) == 1


# ---------------------------------------------------------------- through the handler


@pytest.fixture
def handler_env(monkeypatch: pytest.MonkeyPatch, clean: str) -> Iterator[Callable[..., Clock]]:
    clock = Clock()

    def apply(**extra: str) -> Clock:
        env = {"LEGACY_APP": "q2a", "LEGACY_DB_URL": clean, "LEGACY_TABLE_PREFIX": PREFIX,
               "LEGACY_DUMMY_HASH": _hash("dummy"), "LEGACY_LOCKOUT_MAX_FAILURES": "5",
               "LEGACY_LOCKOUT_TABLE": TABLE, "LEGACY_LOCKOUT_KEY": KEY, **extra}
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        um.reset_runtime()
        limiter = um.runtime().limiter
        if limiter is not None:
            limiter.clock = clock
        return clock

    yield apply
    um.reset_runtime()


class Reasons(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(um.logger.registered_formatter)
        self.reasons: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        line = json.loads(self.format(record))
        if "reason" in line:
            self.reasons.append(line["reason"])


@pytest.fixture
def reasons() -> Iterator[Reasons]:
    capture = Reasons()
    logging.getLogger(um.logger.name).addHandler(capture)
    yield capture
    logging.getLogger(um.logger.name).removeHandler(capture)




def refused(login: str, password: str, reasons: Reasons) -> str:
    with pytest.raises(um.MigrationRefusedError) as info:
        sign_in(login, password)
    assert str(info.value) == "Incorrect username or password."
    return reasons.reasons[-1]


def test_after_five_wrong_passwords_even_the_right_one_is_refused_until_the_window_passes(
        handler_env: Callable[..., Clock], reasons: Reasons) -> None:
    clock = handler_env()
    for i in range(5):
        assert refused("Alice", f"wrong-{i}", reasons) == "wrong_password"
    assert refused("Alice", GOOD, reasons) == "account_locked_out"  # locked: the password is not even verified
    clock.now += 900
    out = sign_in("Alice", GOOD)
    assert out["response"]["finalUserStatus"] == "CONFIRMED"


def test_a_success_clears_the_count(handler_env: Callable[..., Clock], clean: str, reasons: Reasons) -> None:
    handler_env()
    for i in range(4):
        refused("Alice", f"wrong-{i}", reasons)
    sign_in("Alice", GOOD)
    assert run_query(clean, f"SELECT account FROM {TABLE} WHERE account = %s", ("u:42",)) == []
    for i in range(5):
        assert refused("Alice", f"again-{i}", reasons) == "wrong_password"  # a fresh allowance of 5


def test_every_spelling_of_one_account_shares_its_counter(handler_env: Callable[..., Clock], reasons: Reasons) -> None:
    handler_env()
    for i, login in enumerate(("Alice", "alice", "ALICE", "alice@example.org", "Alice@Example.org")):
        assert refused(login, f"wrong-{i}", reasons) == "wrong_password"
    assert refused("alice@EXAMPLE.org", GOOD, reasons) == "account_locked_out"


def test_cognito_retries_of_one_wrong_sign_in_count_once(handler_env: Callable[..., Clock], clean: str,
                                                         reasons: Reasons) -> None:
    clock = handler_env()
    for _ in range(4):  # Cognito retries a failed invocation up to 3 times with the same event
        assert refused("Alice", "typo", reasons) == "wrong_password"
        clock.now += 2
    assert run_query(clean, f"SELECT attempts FROM {TABLE} WHERE account = %s", ("u:42",)) == [{"attempts": 1}]


def test_blocked_and_sso_only_accounts_are_bounded_too_and_keep_their_own_refusal_until_locked(
        handler_env: Callable[..., Clock], reasons: Reasons) -> None:
    handler_env()
    for i in range(5):
        assert refused("Blocked", f"wrong-{i}", reasons) == "account_blocked"  # the legacy app's own state
        assert refused("Sso", f"wrong-{i}", reasons) == "account_sso_only"
    assert refused("Blocked", GOOD, reasons) == "account_locked_out"
    assert refused("Sso", GOOD, reasons) == "account_locked_out"


def test_an_unusable_table_refuses_sign_ins_when_closed_and_verifies_when_open(
        handler_env: Callable[..., Clock], reasons: Reasons, capsys: pytest.CaptureFixture[str]) -> None:
    handler_env(LEGACY_LOCKOUT_TABLE="lk_missing")
    assert refused("Alice", GOOD, reasons) == "lockout_unavailable"
    assert refused("nobody", GOOD, reasons) == "lockout_unavailable"  # unknown users run the same statements
    handler_env(LEGACY_LOCKOUT_TABLE="lk_missing", LEGACY_LOCKOUT_ON_DB_ERROR="open")
    capsys.readouterr()
    assert sign_in("Bob", GOOD)["response"]["finalUserStatus"] == "CONFIRMED"
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "LockoutUnavailable" in line]
    assert [line["LockoutUnavailable"] for line in emf] == [[1.0], [1.0]]  # the reservation, then the clear


def test_locked_out_refusals_print_the_metric_line_the_alarm_counts(handler_env: Callable[..., Clock],
                                                                    reasons: Reasons,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    handler_env()
    for i in range(6):
        refused("Alice", f"wrong-{i}", reasons)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    emf = [line for line in lines if "MigrationFailed" in line]
    assert [line["reason"] for line in emf] == ["wrong_password"] * 5 + ["account_locked_out"]


def _sign_in_many(args: tuple[int, int]) -> list[str]:
    worker, count = args
    um.reset_runtime()
    um.runtime().limiter.clock = lambda: T0  # type: ignore[union-attr]
    capture = Reasons()
    logging.getLogger(um.logger.name).addHandler(capture)
    for i in range(count):
        with contextlib.suppress(um.MigrationRefusedError):
            sign_in("Bob", f"guess-{worker}-{i}")
    um.reset_runtime()
    return capture.reasons


def test_eight_concurrent_handler_processes_verify_exactly_five_guesses(handler_env: Callable[..., Clock],
                                                                        clean: str) -> None:
    handler_env()
    um.reset_runtime()  # no connection is inherited by the workers
    with multiprocessing.get_context("fork").Pool(WORKERS) as pool:
        results = pool.map(_sign_in_many, [(n, 3) for n in range(WORKERS)])
    flat = [reason for result in results for reason in result]
    assert len(flat) == WORKERS * 3
    assert flat.count("wrong_password") == 5
    assert flat.count("account_locked_out") == WORKERS * 3 - 5
    assert run_query(clean, f"SELECT attempts FROM {TABLE} WHERE account = %s", ("u:45",)) == [
        {"attempts": WORKERS * 3}]

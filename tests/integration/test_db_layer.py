"""legacy_auth.db against the real servers: reuse, recovery, deadlines, streaming, transactions."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from legacy_auth.db import Database, Deadline
from legacy_auth.errors import StoreTimeoutError, StoreUnavailableError
from tests.support.legacy_db import connect

pytestmark = pytest.mark.integration


@pytest.fixture(params=["mysql", "postgresql", "sqlite"])
def url(request: pytest.FixtureRequest, databases: Any, tmp_path: Any) -> str:
    if request.param == "mysql":
        return databases.mysql("dblayer")
    if request.param == "postgresql":
        return databases.postgres("dblayer")
    return databases.sqlite(tmp_path, "dblayer")


def _table(db: Database, name: str = "t") -> None:
    dl = Deadline.after(5)
    db.execute(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, name VARCHAR(40), n INTEGER)", deadline=dl)
    for i in range(1, 51):
        db.execute(f"INSERT INTO {name} (id, name, n) VALUES (%s, %s, %s)", (i, f"row{i}%", 0), deadline=dl)


class Silent:
    """A loopback listener that accepts connections and never sends a byte (a black-holed server)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        self.sock.settimeout(0.2)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                self.accepted.append(self.sock.accept()[0])
            except OSError:
                if self.sock.fileno() == -1:
                    return

    def close(self) -> None:
        for conn in self.accepted:
            conn.close()
        self.sock.close()


class FreezingProxy:
    """Relays to a real server until ``freeze()``; then swallows everything (server alive, never answers)."""

    def __init__(self, port: int) -> None:
        self.upstream = port
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.frozen = threading.Event()
        self.stop = threading.Event()
        self.socks: list[socket.socket] = [self.sock]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                client = self.sock.accept()[0]
            except OSError:
                continue
            server = socket.create_connection(("127.0.0.1", self.upstream), timeout=5)
            self.socks += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        src.settimeout(0.1)
        end = time.monotonic() + 60
        while not self.stop.is_set() and time.monotonic() < end:
            try:
                data = src.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            if not data:
                return
            if not self.frozen.is_set():
                dst.sendall(data)

    def freeze(self) -> None:
        self.frozen.set()

    def close(self) -> None:
        self.stop.set()
        for s in self.socks:
            s.close()


@pytest.fixture
def silent() -> Iterator[Silent]:
    server = Silent()
    yield server
    server.close()


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ---------------------------------------------------------------- basics


def test_rows_are_dicts_and_percent_placeholders_work_everywhere(url: str):
    db = Database(url)
    _table(db)
    rows = db.fetch_all("SELECT id, name FROM t WHERE name LIKE %s AND id < %s ORDER BY id", ("row1%%", 12),
                        deadline=Deadline.after(5))
    assert rows == [{"id": 1, "name": "row1%"}, {"id": 10, "name": "row10%"}, {"id": 11, "name": "row11%"}]
    assert db.fetch_one("SELECT name FROM t WHERE id = %s", (999,), deadline=Deadline.after(5)) is None
    assert db.execute("UPDATE t SET n = n + 1 WHERE id <= %s", (3,), deadline=Deadline.after(5)) == 3
    db.close()


def test_connection_is_reused_across_calls(url: str):
    db = Database(url)
    _table(db)
    for _ in range(20):
        db.fetch_one("SELECT COUNT(*) AS c FROM t", deadline=Deadline.after(5))
    assert db.connects == 1
    db.close()


def test_stream_yields_every_row_in_order_on_its_own_connection(url: str):
    db = Database(url)
    _table(db)
    seen = [row["id"] for row in db.stream("SELECT id FROM t ORDER BY id", batch=7)]
    assert seen == list(range(1, 51))
    # the main connection is still usable while a stream is half consumed
    stream = db.stream("SELECT id FROM t ORDER BY id", batch=5)
    assert next(stream)["id"] == 1
    assert db.fetch_one("SELECT COUNT(*) AS c FROM t", deadline=Deadline.after(5))["c"] == 50
    assert next(stream)["id"] == 2
    stream.close()
    db.close()


def test_bad_statement_is_a_store_error_and_keeps_the_connection(url: str):
    db = Database(url)
    _table(db)
    with pytest.raises(StoreUnavailableError) as info:
        db.fetch_all("SELECT nope FROM t", deadline=Deadline.after(5))
    assert info.value.reason == "db_statement"  # type: ignore[attr-defined]
    assert "nope" not in str(info.value)
    assert db.fetch_one("SELECT 1 AS x", deadline=Deadline.after(5)) == {"x": 1}


def test_transaction_commits_or_rolls_back(url: str):
    db = Database(url)
    _table(db)

    def move(tx: Any) -> int:
        tx.execute("UPDATE t SET n = n + 5 WHERE id = %s", (1,))
        return tx.fetch_one("SELECT n FROM t WHERE id = %s", (1,))["n"]

    assert db.transaction(move, deadline=Deadline.after(5)) == 5

    def broken(tx: Any) -> None:
        tx.execute("UPDATE t SET n = 100 WHERE id = %s", (2,))
        raise ValueError("application error")

    with pytest.raises(ValueError, match="application error"):
        db.transaction(broken, deadline=Deadline.after(5))
    assert db.fetch_one("SELECT n FROM t WHERE id = 2", deadline=Deadline.after(5)) == {"n": 0}


# ---------------------------------------------------------------- faults

# Wall time a call may take past its deadline on a busy machine (thread wake-ups, other processes); every bound
# below stays under the slower behaviour its test rules out, so the verdict does not depend on the machine's load.
SLACK_S = 1.0


@pytest.mark.parametrize("scheme", ["mysql", "postgresql"])
def test_refused_connection_fails_fast(scheme: str):
    db = Database(f"{scheme}://u:secretpw@127.0.0.1:{_closed_port()}/x")
    started = time.monotonic()
    with pytest.raises(StoreUnavailableError) as info:
        db.fetch_all("SELECT 1", deadline=Deadline.after(5))
    assert time.monotonic() - started < 5 / 2  # at once, not at the deadline, however busy the machine
    assert "secretpw" not in str(info.value)
    assert "secretpw" not in repr(db)


@pytest.mark.parametrize("scheme", ["mysql", "postgresql"])
def test_black_holed_server_times_out_at_the_deadline(scheme: str, silent: Silent):
    db = Database(f"{scheme}://u:p@127.0.0.1:{silent.port}/x")
    started = time.monotonic()
    with pytest.raises(StoreTimeoutError):
        db.fetch_all("SELECT 1", deadline=Deadline.after(0.8))
    elapsed = time.monotonic() - started
    assert 0.7 <= elapsed < 0.8 + SLACK_S, elapsed  # at the deadline, not at the drivers' own timeouts (seconds)


@pytest.mark.parametrize("kind", ["mysql", "postgresql"])
def test_server_that_stops_answering_after_connect_times_out(kind: str, databases: Any):
    real = databases.mysql("freeze") if kind == "mysql" else databases.postgres("freeze")
    upstream = 3306 if kind == "mysql" else 5432
    proxy = FreezingProxy(upstream)
    try:
        db = Database(real.replace(f":{upstream}/", f":{proxy.port}/"))
        assert db.fetch_one("SELECT 1 AS x", deadline=Deadline.after(5)) == {"x": 1}
        proxy.freeze()
        started = time.monotonic()
        with pytest.raises(StoreTimeoutError):
            db.fetch_one("SELECT 2 AS x", deadline=Deadline.after(0.6))
        assert time.monotonic() - started < 0.6 + SLACK_S
        db.close()
    finally:
        proxy.close()


def test_killed_mysql_connection_is_replaced_on_next_use(databases: Any):
    url = databases.mysql("kill")
    db = Database(url)
    conn_id = db.fetch_one("SELECT CONNECTION_ID() AS id", deadline=Deadline.after(5))["id"]
    admin = connect(url)
    admin.cursor().execute(f"KILL {int(conn_id)}")
    admin.close()
    time.sleep(0.05)
    new_id = db.fetch_one("SELECT CONNECTION_ID() AS id", deadline=Deadline.after(2))["id"]
    assert new_id != conn_id
    assert db.connects == 2


def _terminated_backend(url: str) -> tuple[Database, int]:
    """A warm connection whose PostgreSQL backend was just terminated by an admin (pg_terminate_backend)."""
    db = Database(url)
    pid = db.fetch_one("SELECT pg_backend_pid() AS pid", deadline=Deadline.after(5))["pid"]
    admin = connect(url)
    admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    admin.close()
    time.sleep(0.05)
    return db, pid


def test_terminated_postgres_backend_is_replaced_on_next_use(databases: Any):
    db, pid = _terminated_backend(databases.postgres("kill"))
    assert db.fetch_one("SELECT pg_backend_pid() AS pid", deadline=Deadline.after(2))["pid"] != pid
    assert db.connects == 2


def test_postgres_backend_terminated_after_the_liveness_check_is_retried_on_a_fresh_connection(
        databases: Any, monkeypatch: pytest.MonkeyPatch):
    """pg_terminate_backend racing the check: the read fails with AdminShutdown (57P01), which psycopg does not
    derive from OperatorIntervention; it must still count as a dead connection and be retried once."""
    db, pid = _terminated_backend(databases.postgres("killrace"))
    monkeypatch.setattr(type(db._driver), "alive", lambda self, conn: True)  # the check saw nothing yet
    assert db.fetch_one("SELECT pg_backend_pid() AS pid", deadline=Deadline.after(2))["pid"] != pid
    assert db.connects == 2


@pytest.mark.parametrize("kind", ["mysql", "postgresql"])
def test_deadlocked_transactions_are_retried_until_both_commit(kind: str, databases: Any):
    url = databases.mysql("deadlock") if kind == "mysql" else databases.postgres("deadlock")
    setup = Database(url)
    _table(setup)
    barrier = threading.Barrier(2, timeout=5)
    attempts = {"a": 0, "b": 0}
    results: dict[str, Any] = {}

    def worker(name: str, first: int, second: int) -> None:
        db = Database(url)

        def body(tx: Any) -> str:
            attempts[name] += 1
            tx.execute("UPDATE t SET n = n + 1 WHERE id = %s", (first,))
            if attempts[name] == 1:
                barrier.wait()  # both hold their first row lock: a deadlock follows
            tx.execute("UPDATE t SET n = n + 1 WHERE id = %s", (second,))
            return name

        try:
            results[name] = db.transaction(body, deadline=Deadline.after(8))
        except Exception as exc:  # surfaced below
            results[name] = exc
        db.close()

    threads = [threading.Thread(target=worker, args=("a", 1, 2)), threading.Thread(target=worker, args=("b", 2, 1))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)
    assert results == {"a": "a", "b": "b"}
    assert attempts["a"] + attempts["b"] >= 3  # one of them was retried
    rows = setup.fetch_all("SELECT n FROM t WHERE id IN (1, 2) ORDER BY id", deadline=Deadline.after(5))
    assert rows == [{"n": 2}, {"n": 2}]


@pytest.mark.parametrize("scheme", ["mysql", "postgresql"])
@pytest.mark.parametrize("mode", ["require", "verify-full"])
def test_required_tls_is_never_downgraded_to_plaintext(scheme: str, mode: str, databases: Any):
    from legacy_auth.db import DbOptions, TlsOptions

    url = databases.mysql("tls") if scheme == "mysql" else databases.postgres("tls")  # servers run without TLS
    db = Database(url, options=DbOptions(tls=TlsOptions(mode)))  # type: ignore[arg-type]
    with pytest.raises(StoreUnavailableError) as info:
        db.fetch_one("SELECT 1 AS x", deadline=Deadline.after(3))
    assert info.value.reason == "db_unavailable"  # type: ignore[attr-defined]


def test_long_idle_mysql_connection_is_pinged_before_use(databases: Any, monkeypatch: pytest.MonkeyPatch):
    from legacy_auth.db import mysql as mysql_driver

    url = databases.mysql("idle")
    db = Database(url)
    first = db.fetch_one("SELECT CONNECTION_ID() AS id", deadline=Deadline.after(5))["id"]
    monkeypatch.setattr(mysql_driver, "PING_AFTER_IDLE_S", 0.0)
    pings: list[bool] = []
    conn = db._conn  # the pymysql connection (white box: count the ping round trips)
    original = conn.ping
    monkeypatch.setattr(conn, "ping", lambda reconnect=False: pings.append(reconnect) or original(reconnect=False))
    time.sleep(0.01)
    assert db.fetch_one("SELECT CONNECTION_ID() AS id", deadline=Deadline.after(5))["id"] == first
    assert pings == [False]  # pinged once, never with reconnect

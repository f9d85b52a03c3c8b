"""The harness itself: the proxy's modes on the real MariaDB, the JWKS server's faults, and the secrets scan
(a planted secret must be found whichever way it is written)."""

from __future__ import annotations

import logging
import os
import socket
import time
import urllib.error
import urllib.request

import pymysql
import pytest

from tests.reliability.jwks_server import FaultyJwksServer
from tests.reliability.proxy import FaultProxy, closed_port
from tests.reliability.secrets_check import capture_all, remember, scan

pytestmark = pytest.mark.reliability


def _connect(port: int, timeout: float = 1.0) -> pymysql.connections.Connection:
    return pymysql.connect(host="127.0.0.1", port=port, user="root", password="", connect_timeout=timeout,
                           read_timeout=timeout, write_timeout=timeout)


def _select_one(conn: pymysql.connections.Connection) -> int:
    with conn.cursor() as cur:
        cur.execute("SELECT 1")
        return int(cur.fetchone()[0])


@pytest.mark.integration
def test_proxy_passes_queries_through_to_mariadb() -> None:
    with FaultProxy("127.0.0.1", 3306) as proxy:
        conn = _connect(proxy.port)
        assert _select_one(conn) == 1
        assert proxy.active == 1
        conn.close()


@pytest.mark.integration
def test_proxy_blackhole_makes_a_live_connection_time_out() -> None:
    with FaultProxy("127.0.0.1", 3306) as proxy:
        conn = _connect(proxy.port, timeout=0.5)
        proxy.blackhole()
        start = time.monotonic()
        with pytest.raises(pymysql.err.OperationalError):
            _select_one(conn)
        assert 0.4 < time.monotonic() - start < 2.0


@pytest.mark.integration
def test_proxy_refuse_stops_listening_and_pass_through_listens_again() -> None:
    with FaultProxy("127.0.0.1", 3306) as proxy:
        proxy.refuse()
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", proxy.port), timeout=1).close()
        proxy.pass_through()
        assert _select_one(_connect(proxy.port)) == 1


@pytest.mark.integration
def test_proxy_reset_and_kill_all_break_live_connections() -> None:
    with FaultProxy("127.0.0.1", 3306) as proxy:
        conn = _connect(proxy.port)
        assert proxy.kill_all() == 1
        with pytest.raises(pymysql.err.OperationalError):
            _select_one(conn)
        conn2 = _connect(proxy.port)
        proxy.reset()
        with pytest.raises(pymysql.err.OperationalError):
            _select_one(conn2)
        assert proxy.stats.resets >= 1


@pytest.mark.integration
def test_proxy_delay_holds_answers_and_cap_rejects_extra_connections() -> None:
    with FaultProxy("127.0.0.1", 3306) as proxy:
        conn = _connect(proxy.port, timeout=2)
        proxy.delay(0.3)
        start = time.monotonic()
        assert _select_one(conn) == 1
        assert time.monotonic() - start >= 0.3
        proxy.pass_through()
        proxy.cap(1)
        with pytest.raises(pymysql.err.OperationalError):
            _connect(proxy.port)
        assert proxy.stats.rejected_by_cap == 1
        assert _select_one(conn) == 1


def test_closed_port_refuses() -> None:
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", closed_port()), timeout=1).close()


def _get(url: str, timeout: float = 1.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def test_jwks_server_modes_and_hit_count() -> None:
    with FaultyJwksServer({"keys": []}) as server:
        assert _get(server.url) == (200, b'{"keys": []}')
        server.down()
        assert _get(server.url)[0] == 500
        server.garbage()
        assert not _get(server.url)[1].startswith(b"{")
        server.oversized()
        assert len(_get(server.url)[1]) > 64 * 1024
        server.hang()
        with pytest.raises((TimeoutError, urllib.error.URLError)):
            _get(server.url, timeout=0.3)
        assert server.hits == 5


def test_secrets_scan_finds_a_secret_however_it_is_written() -> None:
    planted = {way: f"planted-{way}-{os.urandom(6).hex()}" for way in ("fd", "print", "logging", "stderr")}
    for value in planted.values():
        remember(value, "password")
    logging.getLogger("reliability.selftest").setLevel(logging.INFO)
    with capture_all() as cap:
        os.write(1, planted["fd"].encode())
        print(planted["print"])
        logging.getLogger("reliability.selftest").warning("value %s", planted["logging"])
        os.write(2, planted["stderr"].encode())
    found = scan(cap.text())
    assert len(found) == 4
    assert all(value not in " ".join(found) for value in planted.values())


def test_report_renders_every_scenario_row_and_the_secrets_row() -> None:
    from tests.reliability.report import render
    from tests.reliability.scenario import Outcome, Result, Scenario

    good, bad = Outcome(), Outcome()
    good.check("answered", True)
    good.note("generic error in 0.05s")
    good.figures["p50_ms"] = 12.5
    bad.check("within 4.5s", False, "4.61s")
    results = [Result(Scenario("alpha | pipe", "generic error", lambda ctx: good), good, 1.0),
               Result(Scenario("beta", "no raise", lambda ctx: bad), bad, 2.0)]
    text = render(results, ["password 0123456789"], 7, 1000, True, 3.0)
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| scenario")]
    assert len(rows) == 3
    assert "alpha \\| pipe" in rows[0]
    assert rows[0].endswith("| pass |")
    assert rows[1].endswith("| **FAIL** |")
    assert "1 found: password 0123456789" in rows[2]
    assert "**1/2 scenarios met their expectation.**" in text
    assert "p50_ms = 12.5" in text
    assert "- beta: within 4.5s: 4.61s" in text

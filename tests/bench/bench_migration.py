"""Benchmark: the migrate-user trigger (issue #3) against baselines measured in the same run.

Run: ``.venv/bin/python tests/bench/run.py migration``. Exits 1 if a target is missed (targets missed by design
are printed as such and listed apart, see 1.).

1. Warm latency on MariaDB, cheap hashes (q2a sha1 pair, WordPress phpass): the whole handler (Powertools
   event, deadline, store lookup through the preset's query, hash verify, response, one EMF line) vs a raw
   pymysql SELECT of the same row + the raw hash check, interleaved round by round. Targets: p50 ratio <= 1.5
   and handler p99 <= 10 ms, checked in **both** configurations, always against the same honest baseline
   (raw SELECT + raw hash, never our padding):
   - ``LEGACY_PAD_WEAK_HASHES=false``: the targets apply and are enforced;
   - the default (``true``): a weak hash also pays one dummy verification of the app's default scheme (bcrypt
     cost 10, ~60 ms) so an account with a legacy hash answers no faster than an unknown user. Neither target
     can hold by construction; both are printed (``MISSED (by design)``, the trade-off is in
     docs/migration.md "Performance"), with the baseline + the same dummy verification shown for reference so
     the handler's own overhead stays visible.
2. Cold init, fresh interpreters with the .pyc files in place (as in the Lambda package), interleaved:
   - ``import triggers.user_migration`` vs importing exactly the non-project modules (third-party and standard
     library) that import loads, found by importing it once in a subprocess: the difference is our own code.
     Target <= 1.2x; boto3 is not imported.
   - import + the first invocation (Settings, preset, hash context, MariaDB connection, lookup, verify,
     response) vs importing the modules that loads plus the raw first call (pymysql connect, the same SELECT,
     the raw hash check). Reported, with the same 1.2x figure for reference.
3. Black holes (loopback sockets that accept and never answer; a real MariaDB/PostgreSQL behind a proxy that
   freezes after the connection is warm; a black-holed Secrets Manager endpoint on a cold start): the handler
   answers with the generic refusal within the configured budget (default 3.5 s, and a
   ``LEGACY_BUDGET_MS=2000`` run), never past 4.5 s.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(HERE)]

import pymysql  # noqa: E402
import pymysql.cursors  # noqa: E402
from benchutil import interleaved, median, pct, save, table  # noqa: E402
from passlib.hash import phpass  # noqa: E402

from devstack.context import LocalLambdaContext  # noqa: E402
from legacy_auth.apps import get_preset  # noqa: E402
from tests.conftest import load_event, load_vectors  # noqa: E402
from tests.support.legacy_db import create_schema, insert_users  # noqa: E402

MYSQL = os.environ.get("TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test")
POSTGRES = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TARGET_P50_RATIO = 1.5
TARGET_P99_MS = 10.0
TARGET_COLD_RATIO = 1.2
BUDGET_S = 3.5
NEVER_S = 4.5
failures: list[str] = []
by_design: list[str] = []  # targets the default timing padding cannot meet (printed, not failed)
DEVNULL = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process


def check(ok: bool, what: str) -> str:
    if not ok:
        failures.append(what)
    return "ok" if ok else "MISSED"


# ---------------------------------------------------------------- databases


def _admin() -> Any:
    return pymysql.connect(host="127.0.0.1", port=3306, user="root", password="", autocommit=True)


@contextlib.contextmanager
def mysql_database() -> Iterator[str]:
    name = f"la_bench_{secrets.token_hex(4)}"
    admin = _admin()
    admin.cursor().execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci")
    try:
        yield MYSQL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        admin.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
        admin.close()


def _vector(app: str, scheme: str) -> dict[str, Any]:
    return next(v for v in load_vectors() if v["app"] == app and v["scheme"] == scheme and v["expect"]
                and v["password"] == "correct horse battery staple")


Q2A = _vector("question2answer", "q2a_sha1_passsalt_passcheck")
WP = _vector("wordpress", "phpass_portable_P")


def populate(url: str) -> None:
    create_schema(url, "q2a")
    insert_users(url, "q2a", [
        {"userid": i, "handle": f"user{i}", "email": f"user{i}@example.org", "flags": 1,
         "passsalt": Q2A["extra"]["q2a_passsalt"].encode(), "passcheck": bytes.fromhex(Q2A["hash"])}
        for i in range(1, 201)
    ])
    create_schema(url, "wordpress")
    insert_users(url, "wordpress", [
        {"ID": i, "user_login": f"user{i}", "user_email": f"user{i}@example.org", "user_pass": WP["hash"],
         "user_nicename": f"user{i}", "display_name": f"User {i}"}
        for i in range(1, 201)
    ])


# ---------------------------------------------------------------- 1. warm latency


class FreshContext(LocalLambdaContext):
    """A context as the Lambda runtime hands it to a warm invocation: ~5 s left, built outside the timing."""

    def get_remaining_time_in_millis(self) -> int:
        return 4990


CONTEXT = FreshContext(timeout_ms=5000)


def handler_call(um: Any, login: str, password: str) -> Callable[[], object]:
    base = load_event("cognito_user_migration_authentication")

    def call() -> object:
        event = {**base, "userName": login, "request": {"password": password}, "response": {}}
        out = um.handler(event, CONTEXT)
        assert out["response"]["finalUserStatus"] == "CONFIRMED"
        return out

    return call


def raw_call(url: str, app: str, login: str, check_hash: Callable[[dict[str, Any]], bool]) -> Callable[[], object]:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    conn = pymysql.connect(host=parts.hostname, port=parts.port or 3306, user=parts.username or "root",
                           password="", database=parts.path.lstrip("/"), autocommit=True, charset="utf8mb4",
                           cursorclass=pymysql.cursors.DictCursor, connect_timeout=2, read_timeout=2,
                           write_timeout=2)
    query = get_preset(app).find_queries(login, prefix=get_preset(app).default_prefix, dialect="mysql")[0]

    def call() -> object:
        with conn.cursor() as cur:
            cur.execute(query.sql, query.params)
            row = cur.fetchone()
        assert check_hash(row)
        return row

    return call


def q2a_raw_hash(row: dict[str, Any]) -> bool:
    salt = bytes(row["passsalt"])
    pw = Q2A["password"].encode()
    calc = hashlib.sha1(salt[:8] + pw + salt[8:16]).digest()  # noqa: S324 - the legacy scheme itself
    return hmac.compare_digest(calc, bytes(row["passcheck"]))


def wp_raw_hash(row: dict[str, Any]) -> bool:
    return bool(phpass.verify(WP["password"], row["user_pass"]))


def with_dummy(raw: Callable[[], object], dummy: Callable[[], None]) -> Callable[[], object]:
    """The raw baseline plus the same padding the handler does on purpose."""

    def call() -> object:
        out = raw()
        dummy()
        return out

    return call


def warm_latency(url: str, *, padded: bool) -> list[list[Any]]:
    """Handler vs raw SELECT + raw hash, interleaved; ``padded``: the default ``LEGACY_PAD_WEAK_HASHES=true``.

    The targets are checked against the raw baseline in both configurations. With padding, a third function
    (the raw baseline + the same dummy verification the handler adds on purpose) is timed alongside, for
    reference only: it shows the handler's own overhead once the deliberate cost is set aside.
    """
    from triggers import user_migration as um

    rows: list[list[Any]] = []
    devnull = DEVNULL
    um.logger.registered_handler.setStream(devnull)  # a log line, if any, is still formatted and written
    try:
        for app, label, password, raw_hash, rounds in (
            ("q2a", "q2a sha1", Q2A["password"], q2a_raw_hash, 40 if padded else 3000),
            ("wordpress", "phpass", WP["password"], wp_raw_hash, 30 if padded else 400),
        ):
            os.environ.update(LEGACY_APP=app, LEGACY_DB_URL=url, LEGACY_PAD_WEAK_HASHES=str(padded).lower())
            um.reset_runtime()
            raw = raw_call(url, app, "user17", raw_hash)
            fns: dict[str, Callable[[], object]] = {"handler": handler_call(um, "user17", password), "raw": raw}
            if padded:
                fns["raw+dummy"] = with_dummy(raw, um.runtime().hashes.dummy_verify)
            with contextlib.redirect_stdout(devnull):  # EMF lines go to stdout, as in Lambda
                samples = interleaved(fns, rounds=rounds, warmup=5)
            h50, r50 = median(samples["handler"]) / 1e6, median(samples["raw"]) / 1e6
            h99 = pct(samples["handler"], 0.99) / 1e6
            ratio = h50 / r50
            padded_ref = median(samples["raw+dummy"]) / 1e6 if padded else None
            config = "default (padding on)" if padded else "LEGACY_PAD_WEAK_HASHES=false"
            verdicts = [target(ratio <= TARGET_P50_RATIO, f"{label} p50 ratio {ratio:.2f} ({config})", padded),
                        target(h99 <= TARGET_P99_MS, f"{label} p99 {h99:.2f} ms ({config})", padded)]
            rows.append([label, "on" if padded else "off", rounds, r50, h50, ratio, h99,
                         f"{h50 / padded_ref:.2f}" if padded_ref else "-", "/".join(verdicts)])
    finally:
        os.environ.pop("LEGACY_PAD_WEAK_HASHES", None)
        um.reset_runtime()
    return rows


def target(ok: bool, what: str, design_miss: bool) -> str:
    """``ok`` / ``MISSED`` (a failure) / ``MISSED (by design)`` (the default padding; listed, not failed)."""
    if ok:
        return "ok"
    if design_miss:
        by_design.append(what)
        return "MISSED (by design)"
    failures.append(what)
    return "MISSED"


# ---------------------------------------------------------------- 2. cold init

#: what the Lambda package has: .pyc files next to the sources (compileall at build time); this machine's
#: PYTHONDONTWRITEBYTECODE (any non-empty value, "0" included, disables writing them) would make every cold
#: import of a changed module compile it again
COLD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
OURS = ("legacy_auth", "triggers", "devstack", "tests", "__editable__")
FIRST_CALL = """
import contextlib, io
from devstack.context import LocalLambdaContext
import triggers.user_migration as um
event = {{"version": "1", "triggerSource": "UserMigration_Authentication", "region": "eu-west-1",
          "userPoolId": "eu-west-1_EXAMPLE1", "userName": "user17", "callerContext": {{}},
          "request": {{"password": {password!r}}}, "response": {{}}}}
with contextlib.redirect_stdout(io.StringIO()):
    assert um.handler(event, LocalLambdaContext())["response"]["finalUserStatus"] == "CONFIRMED"
"""
RAW_FIRST_CALL = """
import hashlib, hmac
from devstack.context import LocalLambdaContext
import pymysql, pymysql.cursors
conn = pymysql.connect(host={host!r}, port={port}, user={user!r}, password="", database={db!r}, autocommit=True,
                       charset="utf8mb4", cursorclass=pymysql.cursors.DictCursor, connect_timeout=2, read_timeout=2,
                       write_timeout=2)
with conn.cursor() as cur:
    cur.execute({sql!r}, {params!r})
    row = cur.fetchone()
salt = bytes(row["passsalt"])
assert hmac.compare_digest(hashlib.sha1(salt[:8] + {password!r} + salt[8:16]).digest(), bytes(row["passcheck"]))
"""


def cold_once(code: str, env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env=env)
    return (time.perf_counter() - t0) * 1000


def loaded_modules(code: str, env: dict[str, str]) -> list[str]:
    """Every non-project module ``code`` loads, in load order (the baseline imports exactly these)."""
    probe = ("import sys, json\nbefore = set(sys.modules)\n" + code +
             f"\nprint(json.dumps([m for m in sys.modules if m not in before and not m.startswith({OURS!r})]))")
    out = subprocess.run([sys.executable, "-c", probe], check=True, cwd=ROOT, env=env, capture_output=True, text=True)
    return list(json.loads(out.stdout.strip().splitlines()[-1]))


def imports_of(modules: list[str]) -> str:
    return f"import importlib\nfor _m in {modules!r}:\n    importlib.import_module(_m)\n"


def compare(baseline: str, handler: str, env: dict[str, str], runs: int = 9) -> tuple[float, float]:
    for code in (baseline, handler, baseline, handler):  # write the .pyc files, warm the page cache
        cold_once(code, env)
    base, ours = [], []
    for _ in range(runs):
        base.append(cold_once(baseline, env))
        ours.append(cold_once(handler, env))
    return median(base), median(ours)


def cold_init(url: str) -> list[list[Any]]:
    from urllib.parse import urlsplit

    env = {**COLD_ENV, "LEGACY_APP": "q2a", "LEGACY_DB_URL": url, "LEGACY_PAD_WEAK_HASHES": "false"}
    handler_import = "import triggers.user_migration"
    d, h = compare(imports_of(loaded_modules(handler_import, env)), handler_import, env)
    probe = subprocess.run([sys.executable, "-c", handler_import + "; import sys; print('boto3' in sys.modules)"],
                           check=True, cwd=ROOT, env=env, capture_output=True, text=True)
    boto3_loaded = probe.stdout.strip().splitlines()[-1] == "True"
    parts = urlsplit(url)
    query = get_preset("q2a").find_queries("user17", prefix="qa_", dialect="mysql")[0]
    first = FIRST_CALL.format(password=Q2A["password"])
    raw = RAW_FIRST_CALL.format(host=parts.hostname, port=parts.port or 3306, user=parts.username or "root",
                                db=parts.path.lstrip("/"), sql=query.sql, params=query.params,
                                password=Q2A["password"].encode())
    fd, fh = compare(imports_of(loaded_modules(first, env)) + raw, first, env)
    return [
        ["import: the modules it loads, alone (ms)", d, "", ""],
        ["import triggers.user_migration (ms)", h, h / d, target(h / d <= TARGET_COLD_RATIO, f"cold ratio {h / d:.2f}",
                                                                 False)],
        ["boto3 imported", boto3_loaded, "", target(not boto3_loaded, "boto3 imported on cold start", False)],
        ["import + first call: those modules + raw connect, SELECT, hash (ms)", fd, "", ""],
        ["import + first invocation (Settings, preset, hash context, connection, query, verify) (ms)", fh, fh / fd,
         "info (<= 1.2: ok)" if fh / fd <= TARGET_COLD_RATIO else "info (> 1.2)"],
    ]


# ---------------------------------------------------------------- 3. black-holed database


class Silent:
    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.stop = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            with contextlib.suppress(OSError):
                self.held.append(self.sock.accept()[0])

    def close(self) -> None:
        self.stop.set()
        for s in self.held:
            s.close()
        self.sock.close()


class Freezer:
    """Relays to a real server until frozen, then swallows everything."""

    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.frozen = threading.Event()
        self.stop = threading.Event()
        self.socks = [self.sock]
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
        while not self.stop.is_set():
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

    def close(self) -> None:
        self.stop.set()
        for s in self.socks:
            s.close()


def refusal_time(um: Any) -> float:
    event = load_event("cognito_user_migration_authentication")
    event["userName"] = "user17"
    event["request"]["password"] = Q2A["password"]
    t0 = time.monotonic()
    try:
        um.handler(event, LocalLambdaContext(timeout_ms=5000))
    except um.MigrationRefusedError:
        return time.monotonic() - t0
    raise AssertionError("a black-holed database produced a success")


def black_holed(mysql_url: str, pg_url: str) -> list[list[Any]]:
    from triggers import user_migration as um

    um.logger.setLevel("CRITICAL")
    rows: list[list[Any]] = []
    silent = Silent()
    try:
        for scheme in ("mysql", "postgresql"):
            times = []
            for _ in range(2):
                os.environ.update(LEGACY_APP="q2a", LEGACY_DB_URL=f"{scheme}://app:pw@127.0.0.1:{silent.port}/x")
                um.reset_runtime()
                with contextlib.redirect_stdout(DEVNULL):
                    times.append(refusal_time(um))
            worst = max(times)
            rows.append([f"{scheme}: accepts, never answers", worst,
                         check(worst <= BUDGET_S and worst < NEVER_S, f"{scheme} black hole {worst:.2f}s")])
        os.environ.update(LEGACY_APP="q2a", LEGACY_DB_URL=f"mysql://app:pw@127.0.0.1:{silent.port}/x",
                          LEGACY_BUDGET_MS="2000")
        um.reset_runtime()
        with contextlib.redirect_stdout(DEVNULL):
            took = refusal_time(um)
        os.environ.pop("LEGACY_BUDGET_MS")
        rows.append(["mysql: accepts, never answers, LEGACY_BUDGET_MS=2000", took,
                     check(took <= 2.0 + 0.1, f"configured 2.0 s budget {took:.2f}s")])
        took = secrets_black_hole(um, silent.port)
        rows.append(["cold start, Secrets Manager accepts and never answers", took,
                     check(took <= BUDGET_S and took < NEVER_S, f"secrets manager black hole {took:.2f}s")])
        for scheme, url, port in (("mysql", mysql_url, 3306), ("postgresql", pg_url, 5432)):
            freezer = Freezer(port)
            try:
                os.environ.update(LEGACY_APP="q2a", LEGACY_DB_URL=url.replace(f":{port}/", f":{freezer.port}/"))
                um.reset_runtime()
                with contextlib.redirect_stdout(DEVNULL):
                    handler_call(um, "user17", Q2A["password"])()  # warm connection
                    freezer.frozen.set()
                    took = refusal_time(um)
            finally:
                um.reset_runtime()
                freezer.close()
            rows.append([f"{scheme}: warm, then stops answering", took,
                         check(took <= BUDGET_S and took < NEVER_S, f"{scheme} frozen {took:.2f}s")])
    finally:
        silent.close()
        um.logger.setLevel("INFO")
    return rows


def secrets_black_hole(um: Any, port: int) -> float:
    """``LEGACY_DB_SECRET_ARN`` with the Secrets Manager endpoint black-holed (boto3 imported beforehand)."""
    import boto3  # noqa: F401 - its ~150 ms import is a cold-start cost outside what this row measures

    saved = dict(os.environ)
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_REGION="eu-west-1",
                      AWS_ENDPOINT_URL_SECRETS_MANAGER=f"http://127.0.0.1:{port}", LEGACY_APP="q2a",
                      LEGACY_DB_URL="mysql://legacy_ro@127.0.0.1:3306/legacy",
                      LEGACY_DB_SECRET_ARN="arn:aws:secretsmanager:eu-west-1:123456789012:secret:legacy-AbCdEf")
    um.reset_runtime()
    try:
        with contextlib.redirect_stdout(DEVNULL):
            return refusal_time(um)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        um.reset_runtime()


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    import psycopg

    name = f"la_bench_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    results: dict[str, Any] = {}
    with mysql_database() as url, postgres_database() as pg_url:
        populate(url)
        create_schema(pg_url, "q2a")
        insert_users(pg_url, "q2a", [{"userid": 17, "handle": "user17", "email": "u@example.org", "flags": 1,
                                      "passsalt": Q2A["extra"]["q2a_passsalt"].encode(),
                                      "passcheck": bytes.fromhex(Q2A["hash"])}])
        warm = warm_latency(url, padded=False) + warm_latency(url, padded=True)
        table("1. warm handler vs raw SELECT + raw hash (MariaDB, interleaved; targets vs the raw baseline in both "
              "configurations)", ["case", "padding", "rounds", "raw p50 ms", "handler p50 ms", "p50 ratio",
                                  "handler p99 ms", "vs raw+dummy", "targets (ratio/p99)"], warm)
        results["warm"] = warm
        cold = cold_init(url)
        table("2. cold init (median of 9 fresh interpreters each, interleaved, .pyc present)",
              ["what", "value", "ratio", "target"], cold)
        results["cold"] = cold
        hole = black_holed(url, pg_url)
        table(f"3. black holes (default budget {BUDGET_S} s, never {NEVER_S} s)", ["case", "answer s", "target"],
              hole)
        results["black_hole"] = hole
    results["failures"] = failures
    results["missed_by_design"] = by_design
    print(f"\nresults saved to {save('migration', json.loads(json.dumps(results, default=str)))}")
    if by_design:
        print("missed by design (default LEGACY_PAD_WEAK_HASHES=true, docs/migration.md 'Performance'):",
              "; ".join(by_design))
    if failures:
        print("MISSED:", "; ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

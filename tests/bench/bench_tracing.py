"""Benchmark: what opt-in X-Ray tracing (``LEGACY_AUTH_TRACING=Active``) costs the triggers, cold and warm.

Run: ``.venv/bin/python tests/bench/run.py tracing``. Both sides are measured in this run, alternated run by run
(cold) or round by round (warm, ``benchutil.interleaved``) so machine noise hits them alike:

- cold init: a fresh interpreter importing each trigger module with tracing off (the baseline) vs on (the
  Powertools ``Tracer`` and ``aws_xray_sdk`` imported, the recorder configured);
- warm: the PreTokenGeneration handler (no database: the smallest trigger, where a fixed cost shows most) plain
  vs wrapped exactly as ``instrument`` wraps it when tracing is on, every invocation sampled (``Sampled=1``) and
  its subsegment sent over UDP to a local socket standing in for the X-Ray daemon (Lambda's environment).

Figures are medians and ratios; nothing is asserted (figures are noisy on a shared box). The results go to
``docs/operations.md`` (Tracing).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(HERE)]

from benchutil import interleaved, median, pct, save, table  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2000"))
COLD_RUNS = int(os.environ.get("BENCH_COLD_RUNS", "11"))
MODULES = ("triggers.pre_token_generation", "triggers.user_migration", "triggers.pre_signup",
           "triggers.post_confirmation")
TRACE_ID = "Root=1-6754a3b1-5e3d2c1b0a9f8e7d6c5b4a39;Parent=53995c3f42cd8ad8;Sampled=1"


def _daemon() -> tuple[socket.socket, threading.Thread]:
    """A UDP socket that drains what the X-Ray SDK sends (the daemon's part in Lambda)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))

    def drain() -> None:
        while True:
            try:
                sock.recv(65536)
            except OSError:
                return

    thread = threading.Thread(target=drain, daemon=True)
    thread.start()
    return sock, thread


def _lambda_env(port: int) -> dict[str, str]:
    return {"LAMBDA_TASK_ROOT": str(ROOT), "AWS_LAMBDA_FUNCTION_NAME": "bench", "AWS_REGION": "eu-west-1",
            "_X_AMZN_TRACE_ID": TRACE_ID, "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{port}",
            "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR", "LEGACY_APP": "q2a",
            "LEGACY_DB_URL": "sqlite:////tmp/bench-tracing-unused.sqlite3", "PYTHONPATH": str(ROOT)}


def cold(port: int) -> list[list[Any]]:
    rows = []
    base = {k: v for k, v in os.environ.items() if not k.startswith(("LEGACY_", "HOOKS_"))} | _lambda_env(port)
    for module in MODULES:
        times: dict[str, list[float]] = {"Disabled": [], "Active": []}
        for _ in range(COLD_RUNS):
            for mode in times:
                env = base | {"LEGACY_AUTH_TRACING": mode, "PYTHONDONTWRITEBYTECODE": "0"}
                t0 = time.perf_counter()
                subprocess.run([sys.executable, "-c", f"import {module}"], check=True, env=env, cwd=ROOT)
                times[mode].append((time.perf_counter() - t0) * 1000)
        off, on = median(times["Disabled"]), median(times["Active"])  # type: ignore[arg-type]
        rows.append([module, off, on, on - off, on / off])
    return rows


def warm(port: int) -> list[list[Any]]:
    os.environ.update(_lambda_env(port))
    os.environ["LEGACY_AUTH_TRACING"] = "Disabled"
    from devstack.context import LocalLambdaContext
    from triggers import observability
    from triggers import pre_token_generation as ptg

    event = json.loads((ROOT / "tests" / "events" / "cognito_pre_token_generation_v2_authentication.json").read_text())
    traced = observability._traced(ptg.handler, "bench")
    context = LocalLambdaContext(function_name="bench", timeout_ms=60_000)

    def plain() -> object:
        return ptg.handler(json.loads(json.dumps(event)), context)

    def with_tracing() -> object:
        return traced(json.loads(json.dumps(event)), context)

    devnull = open(os.devnull, "w")  # noqa: SIM115 - the handlers' EMF/log lines, not the figures
    saved, sys.stdout = sys.stdout, devnull
    try:
        samples = interleaved({"off": plain, "on": with_tracing}, ROUNDS, warmup=50)
    finally:
        sys.stdout = saved
        devnull.close()
    off, on = median(samples["off"]) / 1000, median(samples["on"]) / 1000
    return [["pre-token generation V2 (p50)", off, on, on - off, on / off],
            ["pre-token generation V2 (p99)", pct(samples["off"], 0.99) / 1000, pct(samples["on"], 0.99) / 1000,
             (pct(samples["on"], 0.99) - pct(samples["off"], 0.99)) / 1000,
             pct(samples["on"], 0.99) / pct(samples["off"], 0.99)]]


def main() -> int:
    sock, _ = _daemon()
    port = sock.getsockname()[1]
    try:
        cold_rows = cold(port)
        table(f"Cold init (fresh interpreter, median of {COLD_RUNS}), ms", ["module", "off", "on", "+ms", "on/off"],
              cold_rows)
        warm_rows = warm(port)
        table(f"Warm invocation ({ROUNDS} interleaved rounds, every one sampled), µs",
              ["handler", "off", "on", "+µs", "on/off"], warm_rows)
    finally:
        sock.close()
    print(f"\nsaved {save('tracing', {'cold_ms': cold_rows, 'warm_us': warm_rows})}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

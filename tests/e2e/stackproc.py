"""Start and stop a local stack in a subprocess (``python -m devstack run --json``), bounded and always torn down.

The stack runs in its own process (and process group) so the handlers' module-level state and environment
(``LEGACY_*``, ``HOOKS_*``, the authorizer's ``USER_POOL_ID``/``ISSUER``...) never leak into other tests. It
binds 127.0.0.1 on ports chosen free at start, so concurrent runs do not collide.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
READY_PREFIX = "DEVSTACK_READY "
START_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 15.0
#: Variables the stack sets itself; inherited values would point it at another DB or pool.
_OWN_PREFIXES = ("LEGACY_", "HOOKS_", "POWERTOOLS_")
_OWN_NAMES = {"USER_POOL_ID", "APP_CLIENT_IDS", "ISSUER", "JWKS_URL", "JWKS_JSON", "JWKS_FILE", "TOKEN_USE",
              "USER_POOLS", "USER_POOL_ISSUER_FORMS", "USER_POOL_REPLICA_REGIONS", "ROUTE_RULES", "ROUTE_DEFAULT",
              "REVOKED_JTIS", "REVOKED_JTIS_FILE", "HTTP_API_RESPONSE"}


def stack_env(extra_env: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without the stack's own variables, plus ``extra_env``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_OWN_PREFIXES) and k not in _OWN_NAMES}
    env.update(extra_env or {})
    return env


def _drain(stream: Any, lines: queue.Queue[str], keep: list[str]) -> None:
    for line in iter(stream.readline, ""):
        keep.append(line)
        lines.put(line)


@contextmanager
def running_stack(extra_env: dict[str, str] | None = None, args: tuple[str, ...] = ()) -> Iterator[dict[str, Any]]:
    """Start ``python -m devstack run --json`` (bounded), yield its StackInfo dict, always stop it.

    ``extra_env`` is added to a copy of the environment without the stack's own variables (e.g. a
    ``LEGACY_APP`` / ``LEGACY_DB_URL`` pair to run against another legacy database); ``args`` are more
    ``run`` options (e.g. ``("--authorizer-type", "REQUEST")``).
    """
    env = stack_env(extra_env)
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack", "run", "--json", *args],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
        start_new_session=True,  # its own process group: cognito-local (node) goes down with it
    )
    lines: queue.Queue[str] = queue.Queue()
    output: list[str] = []
    threading.Thread(target=_drain, args=(process.stdout, lines, output), daemon=True).start()
    info: dict[str, Any] | None = None
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while info is None:
            try:
                line = lines.get(timeout=0.5)
            except queue.Empty:
                line = ""
            if line.startswith(READY_PREFIX):
                info = json.loads(line[len(READY_PREFIX):])
            elif process.poll() is not None and lines.empty():
                pytest.fail(f"local stack exited with {process.returncode}:\n{''.join(output)[-3000:]}")
            elif time.monotonic() > deadline:
                pytest.fail(f"local stack did not start within {START_TIMEOUT_S:.0f} s:\n{''.join(output)[-3000:]}")
        yield info
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)


def cognito_client(cognito_url: str) -> Any:
    """A boto3 ``cognito-idp`` client for a local stack's cognito-local (dummy credentials)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "cognito-idp", endpoint_url=cognito_url, region_name="eu-west-1",
        aws_access_key_id="local", aws_secret_access_key="local",
        config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=20),
    )

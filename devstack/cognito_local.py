"""Run npm ``cognito-local`` (pinned in devstack/package.json) on a free loopback port, configured for our triggers.

cognito-local keeps its data in ``.cognito/`` of its working directory: we give it a fresh state directory per
start (``devstack/.state/<run>/`` or a temp dir), write ``.cognito/config.json`` there (trigger names -> our
loopback Invoke server, issuer domain = the chosen port) and create the user pool and app client through the
Cognito API, as ``template.yaml`` does in AWS.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEVSTACK = Path(__file__).resolve().parent
CLI = DEVSTACK / "node_modules" / "cognito-local" / "lib" / "bin" / "start.js"
CONFIRMATION_CODE = "123456"  # cognito-local's CODE: every confirmation code is this one
START_TIMEOUT_S = 30.0
REGION = "eu-west-1"

#: The pool as template.yaml defines it (the parts cognito-local understands).
POOL_SCHEMA = [
    {"Name": "email", "AttributeDataType": "String", "Mutable": True, "Required": False},
    {"Name": "legacy_id", "AttributeDataType": "String", "Mutable": True},
    {"Name": "app_user_id", "AttributeDataType": "String", "Mutable": True},
    {"Name": "legacy_roles", "AttributeDataType": "String", "Mutable": True},
]
CLIENT_AUTH_FLOWS = ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


class CognitoLocalError(RuntimeError):
    """cognito-local is not installed, did not start, or refused to create the pool."""


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1 (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class CognitoLocal:
    """One cognito-local process.

    Parameters
    ----------
    state_dir:
        Working directory (gets ``.cognito/`` and ``cognito-local.log``); created if missing.
    lambda_endpoint:
        URL of the loopback Lambda Invoke server.
    triggers:
        ``TriggerFunctions``: trigger name (``UserMigration``, ...) -> function name on the Invoke server.
    """

    state_dir: Path
    lambda_endpoint: str
    triggers: Mapping[str, str]
    port: int = 0
    _process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``: the Cognito API endpoint, issuer domain and JWKS host."""
        return f"http://127.0.0.1:{self.port}"

    def _write_config(self) -> None:
        config = {
            "LambdaClient": {
                "endpoint": self.lambda_endpoint,
                "region": REGION,
                "credentials": {"accessKeyId": "local", "secretAccessKey": "local"},
            },
            "TriggerFunctions": dict(self.triggers),
            # cognito-local's default; it is also what makes sign-in by e-mail work (see docs/local-stack.md).
            "UserPoolDefaults": {"UsernameAttributes": ["email"]},
            "TokenConfig": {"IssuerDomain": self.url},
        }
        cognito_dir = self.state_dir / ".cognito"
        cognito_dir.mkdir(parents=True, exist_ok=True)
        (cognito_dir / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")

    def start(self, attempts: int = 3) -> str:
        """Start the emulator on a free port (retrying if the port was taken meanwhile); return its URL."""
        node = shutil.which("node")
        if node is None or not CLI.exists():
            raise CognitoLocalError("cognito-local is not installed: run `make node` (npm ci in devstack/)")
        self.state_dir.mkdir(parents=True, exist_ok=True)
        last = "did not start"
        for _ in range(attempts):
            self.port = free_port()
            self._write_config()
            env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(self.port), "CODE": CONFIRMATION_CODE}
            env.pop("DEBUG", None)
            log = (self.state_dir / "cognito-local.log").open("ab")
            self._process = subprocess.Popen(
                [node, str(CLI)], cwd=self.state_dir, env=env, stdout=log, stderr=subprocess.STDOUT
            )
            log.close()
            if self._wait_healthy():
                return self.url
            last = f"exited with {self._process.poll()}" if self._process.poll() is not None else "timed out"
            self.stop()
        raise CognitoLocalError(f"cognito-local {last}; see {self.state_dir / 'cognito-local.log'}")

    def _wait_healthy(self) -> bool:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=1) as resp:
                    if resp.status == 200:
                        return True
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        return False

    def stop(self) -> None:
        """Terminate the process (kill it if it does not exit within 5 s)."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def client(self) -> Any:
        """A boto3 ``cognito-idp`` client for this emulator (dummy credentials, never real AWS)."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            "cognito-idp",
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106 - the emulator ignores credentials
            config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=20),
        )

    def create_pool_and_client(self, name: str = "legacy-auth-local") -> tuple[str, str]:
        """Create the user pool and the app client as template.yaml does; return ``(pool_id, client_id)``."""
        idp = self.client()
        pool = idp.create_user_pool(
            PoolName=name,
            AliasAttributes=["email"],
            UsernameConfiguration={"CaseSensitive": False},
            AutoVerifiedAttributes=["email"],
            Schema=POOL_SCHEMA,
        )["UserPool"]
        client = idp.create_user_pool_client(
            UserPoolId=pool["Id"],
            ClientName=f"{name}-app",
            GenerateSecret=False,
            ExplicitAuthFlows=CLIENT_AUTH_FLOWS,
            PreventUserExistenceErrors="ENABLED",
        )["UserPoolClient"]
        return str(pool["Id"]), str(client["ClientId"])

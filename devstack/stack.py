"""The whole local stack in one object: legacy DB, Invoke server with our real handlers, cognito-local, API front.

``LocalStack().start()`` returns a :class:`StackInfo` with every URL and id; ``stop()`` tears everything down
(also on errors half-way through start). Handlers run in this process and read their configuration from
``os.environ`` on first use (as on a Lambda cold start), so the stack sets the variables before any trigger
fires: ``LEGACY_APP`` / ``LEGACY_DB_URL`` (defaults: q2a and a seeded SQLite file), ``HOOKS_APP_DB_URL``
(default: a SQLite app DB) and the authorizer's ``USER_POOLS`` (the production several-pool variable: the
local pool, its client, and cognito-local's issuer and JWKS URL as that pool's emulator overrides).
Variables already set in the environment win, so any ``LEGACY_DB_URL``/``LEGACY_APP`` works the same.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sqlite3
import tempfile
import time
import warnings
from collections.abc import Mapping, MutableMapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from devstack.cognito_local import CONFIRMATION_CODE, CognitoLocal
from devstack.front import STAGE, LocalApiFront
from devstack.http_front import LocalHttpApiFront
from devstack.invoke_server import LambdaInvokeServer, LocalFunction
from devstack.legacy_seed import seed_q2a_sqlite
from devstack.quirks import bridge_user_migration

DEVSTACK = Path(__file__).resolve().parent
STATE_ROOT = DEVSTACK / ".state"

#: Function name on the Invoke server -> (handler path, timeout ms, memory MB), as in template.yaml.
FUNCTIONS: dict[str, tuple[str, int, int]] = {
    "user-migration": ("triggers.user_migration:handler", 5000, 1769),
    "pre-sign-up": ("triggers.pre_signup:handler", 5000, 512),
    "post-confirmation": ("triggers.post_confirmation:handler", 5000, 512),
    "pre-token-generation": ("triggers.pre_token_generation:handler", 5000, 256),
    "authorizer": ("authorizer.handler:handler", 3000, 512),
    "example-backend": ("devstack.example_backend:handler", 3000, 128),
}
TRIGGERS = {
    "UserMigration": "user-migration",
    "PreSignUp": "pre-sign-up",
    "PostConfirmation": "post-confirmation",
    "PreTokenGeneration": "pre-token-generation",
}


@dataclass(frozen=True, slots=True)
class StackInfo:
    """Where everything runs (all on 127.0.0.1, ports chosen free at start)."""

    cognito_url: str
    user_pool_id: str
    client_id: str
    issuer: str
    jwks_url: str
    invoke_url: str
    api_url: str
    http_api_url: str
    authorizer_type: str
    legacy_app: str
    legacy_db_url: str
    app_db_url: str
    state_dir: str
    confirmation_code: str

    def as_dict(self) -> dict[str, str]:
        """Plain dict (JSON-ready)."""
        return asdict(self)


def missing_handlers() -> list[str]:
    """Handler modules of FUNCTIONS that do not exist (yet) in this checkout."""
    missing = []
    for path, _, _ in FUNCTIONS.values():
        module = path.split(":", 1)[0]
        if importlib.util.find_spec(module) is None:
            missing.append(module)
    return missing


def _app_db(url: str) -> None:
    """Create the app-users tables in a SQLite app DB (other databases are the operator's business)."""
    if not url.startswith("sqlite:///"):
        return
    from legacy_auth.hooks.app_schema import schema_ddl
    from legacy_auth.hooks.config import AppUsersSchema

    conn = sqlite3.connect(url[len("sqlite:///"):])
    try:
        for statement in schema_ddl("sqlite", AppUsersSchema()):
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


class LocalStack:
    """Start/stop the local stack; usable as a context manager.

    Parameters
    ----------
    state_dir:
        Where cognito-local's data, the SQLite files and logs go; a fresh ``devstack/.state/run-*`` directory
        (removed at stop unless ``keep_state``) when ``None``.
    environ:
        The environment the handlers read (``os.environ`` by default; tests may pass a copy).
    quiet:
        Send the handlers' stdout (JSON logs, EMF metric lines) to ``functions.log`` in the state directory
        instead of the console, as Lambda sends it to CloudWatch Logs.
    authorizer_type:
        ``TOKEN`` or ``REQUEST`` for the REST API front (the HTTP API front, payload 2.0, always runs too).
    """

    def __init__(self, state_dir: Path | None = None, *, environ: MutableMapping[str, str] | None = None,
                 quiet: bool = True, keep_state: bool = False, authorizer_type: str = "TOKEN") -> None:
        self._own_state = state_dir is None
        if state_dir is None:
            STATE_ROOT.mkdir(parents=True, exist_ok=True)
            state_dir = Path(tempfile.mkdtemp(prefix=f"run-{time.strftime('%Y%m%d-%H%M%S')}-", dir=STATE_ROOT))
        self.state_dir = state_dir
        self.environ: MutableMapping[str, str] = os.environ if environ is None else environ
        self.quiet = quiet
        self.keep_state = keep_state
        self.authorizer_type = authorizer_type
        self.invoker: LambdaInvokeServer | None = None
        self.cognito: CognitoLocal | None = None
        self.front: LocalApiFront | None = None
        self.http_front: LocalHttpApiFront | None = None
        self.info: StackInfo | None = None
        self._function_log: Any = None

    def __enter__(self) -> StackInfo:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _configure_handlers(self) -> tuple[str, str, str]:
        env = self.environ
        env.setdefault("AWS_REGION", "eu-west-1")
        env.setdefault("AWS_DEFAULT_REGION", "eu-west-1")
        env.setdefault("POWERTOOLS_METRICS_NAMESPACE", "LegacyAuthLocal")
        env.setdefault("POWERTOOLS_LOGGER_LOG_EVENT", "false")
        if self.quiet:
            warnings.filterwarnings("ignore", message="No application metrics to publish")
        app = env.setdefault("LEGACY_APP", "q2a")
        if not env.get("LEGACY_DB_URL"):
            env["LEGACY_DB_URL"] = seed_q2a_sqlite(self.state_dir / "legacy.sqlite3")
        if not env.get("HOOKS_APP_DB_URL"):
            env["HOOKS_APP_DB_URL"] = f"sqlite:///{self.state_dir / 'app.sqlite3'}"
        _app_db(env["HOOKS_APP_DB_URL"])
        return app, env["LEGACY_DB_URL"], env["HOOKS_APP_DB_URL"]

    def start(self) -> StackInfo:
        """Start everything; on any failure, stop what started and re-raise."""
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> StackInfo:
        app, legacy_url, app_url = self._configure_handlers()
        functions = {
            name: LocalFunction(name, path, timeout_ms=timeout, memory_mb=memory,
                                adapter=bridge_user_migration if name == "user-migration" else None)
            for name, (path, timeout, memory) in FUNCTIONS.items()
        }
        self._function_log = (self.state_dir / "functions.log").open("a", encoding="utf-8")
        self.invoker = LambdaInvokeServer(functions, self._function_log if self.quiet else None)
        invoke_url = self.invoker.start()
        self.cognito = CognitoLocal(self.state_dir, invoke_url, TRIGGERS)
        cognito_url = self.cognito.start()
        pool_id, client_id = self.cognito.create_pool_and_client()
        issuer = f"{cognito_url}/{pool_id}"
        jwks_url = f"{issuer}/.well-known/jwks.json"
        # The authorizer keeps every production check and reads the production variable (USER_POOLS); only where
        # the keys and the issuer live differs (the pool entry's emulator overrides).
        pools = [{"pool_id": pool_id, "client_ids": [client_id], "issuer": issuer, "jwks_url": jwks_url}]
        for single in ("USER_POOL_ID", "APP_CLIENT_IDS", "ISSUER", "JWKS_URL"):  # USER_POOLS replaces these
            self.environ.pop(single, None)
        self.environ.update({"USER_POOLS": json.dumps(pools), "TOKEN_USE": self.environ.get("TOKEN_USE", "access")})
        self.front = LocalApiFront(self.invoker, self.authorizer_type)
        api_url = f"{self.front.start()}/{STAGE}"
        self.http_front = LocalHttpApiFront(self.invoker)  # as the template's HttpApi=true variant
        http_api_url = self.http_front.start()
        self.info = StackInfo(cognito_url, pool_id, client_id, issuer, jwks_url, invoke_url, api_url, http_api_url,
                              self.authorizer_type, app, legacy_url, app_url, str(self.state_dir), CONFIRMATION_CODE)
        return self.info

    def stop(self) -> None:
        """Stop the front, cognito-local and the Invoke server; remove the state directory if we made it."""
        if self.front is not None:
            self.front.stop()
            self.front = None
        if self.http_front is not None:
            self.http_front.stop()
            self.http_front = None
        if self.cognito is not None:
            self.cognito.stop()
            self.cognito = None
        if self.invoker is not None:
            self.invoker.stop()
            self.invoker = None
        if self._function_log is not None:
            self._function_log.close()
            self._function_log = None
        if self._own_state and not self.keep_state:
            shutil.rmtree(self.state_dir, ignore_errors=True)

    def invocations(self) -> list[dict[str, Any]]:
        """What the Invoke server ran so far (function, trigger source, duration, outcome)."""
        return self.invoker.records() if self.invoker is not None else []


def describe(info: StackInfo, env: Mapping[str, str]) -> str:
    """Human-readable summary of a running stack (no secrets: URLs and ids only)."""
    lines = [
        f"  Cognito API (cognito-local)  {info.cognito_url}   pool {info.user_pool_id}   client {info.client_id}",
        f"  Issuer / JWKS                {info.issuer}   {info.jwks_url}",
        f"  Lambda Invoke server         {info.invoke_url}   (GET /_devstack/invocations)",
        f"  {'REST API (' + info.authorizer_type + ' authorizer)':<29}{info.api_url}/me",
        f"  HTTP API (payload 2.0)       {info.http_api_url}/me",
        f"  {'Legacy DB (' + info.legacy_app + ')':<29}{_redact(info.legacy_db_url)}",
        f"  App DB                       {_redact(info.app_db_url)}",
        f"  Confirmation code            {info.confirmation_code}",
    ]
    lines.append(f"  Function logs (stdout)       {Path(info.state_dir) / 'functions.log'} unless --verbose")
    lines.append(f"  State directory              {info.state_dir} (removed at stop unless --keep-state)")
    return "\n".join(lines)


def _redact(url: str) -> str:
    """Hide a password in a DB URL."""
    if "://" not in url or "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in creds else url

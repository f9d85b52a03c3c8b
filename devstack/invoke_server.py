"""A loopback server speaking the one Lambda Invoke route cognito-local uses, running our REAL handlers in-process.

``POST /2015-03-31/functions/{name}/invocations`` with the event as the body answers the handler's return
value (200), or, when the handler raises, ``X-Amz-Function-Error: Unhandled`` with
``{"errorMessage": ..., "errorType": ...}`` (no stack trace: it could hold user data), as Lambda does.
Each function is one "execution environment": invocations of the same function are serialised, and a
:class:`~devstack.context.LocalLambdaContext` counts down from the function's timeout (5 s for triggers).
An invocation that overruns its timeout is answered as Lambda would (``Task timed out``), even though the
thread cannot be killed.

``GET /_devstack/invocations`` lists what ran (function, trigger source, duration, outcome) for the demo and
the end-to-end tests. Events and responses are never recorded: they hold passwords and tokens.
"""

from __future__ import annotations

import importlib
import io
import json
import re
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import IO, Any

from devstack.context import LocalLambdaContext
from devstack.loopback import LoopbackServer

Handler = Callable[[dict[str, Any], Any], Any]
#: Devstack-only rewrite of a handler's answer (cognito-local quirks), ``(event, response) -> response``.
Adapter = Callable[[Mapping[str, Any], Any], Any]

_ROUTE = re.compile(r"^/2015-03-31/functions/([A-Za-z0-9_:.-]{1,140})/invocations$")
MAX_EVENT_BYTES = 6 * 1024 * 1024  # Lambda's synchronous payload limit
_in_function = threading.local()


class FunctionOutput(io.TextIOBase):
    """``sys.stdout`` replacement: what handlers print (JSON logs, EMF metrics) goes to ``sink``, the rest on.

    In Lambda a function's stdout goes to CloudWatch Logs, not to the caller; here it goes to a log file, so
    the demo's own output stays readable. Threads not running a handler write through to ``passthrough``.
    """

    def __init__(self, sink: IO[str], passthrough: IO[str]) -> None:
        super().__init__()
        self._sink, self._passthrough = sink, passthrough
        self._lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if getattr(_in_function, "active", False):
            with self._lock:
                return self._sink.write(text)
        return self._passthrough.write(text)

    def flush(self) -> None:
        with self._lock:
            self._sink.flush()
        self._passthrough.flush()


@dataclass(slots=True)
class LocalFunction:
    """One function the server can invoke: ``module:function`` path, timeout and optional adapter."""

    name: str
    handler_path: str
    timeout_ms: int = 5000
    memory_mb: int = 1024
    adapter: Adapter | None = None
    _handler: Handler | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def of(cls, name: str, handler: Handler, timeout_ms: int = 5000, adapter: Adapter | None = None) -> LocalFunction:
        """A function backed by an already-imported callable (tests, custom stacks)."""
        function = cls(name, f"<in-process>:{getattr(handler, '__name__', 'handler')}", timeout_ms, adapter=adapter)
        function._handler = handler
        return function

    def resolve(self) -> Handler:
        """Import the handler (once); raises ``ImportError`` / ``AttributeError`` when it does not exist."""
        if self._handler is None:
            module_name, _, attr = self.handler_path.partition(":")
            module = importlib.import_module(module_name)
            self._handler = getattr(module, attr)
        return self._handler


@dataclass(frozen=True, slots=True)
class Invocation:
    """What the server records about one invocation (never the event or the response)."""

    function: str
    trigger_source: str | None
    started: float
    duration_ms: float
    ok: bool
    error_type: str | None = None
    cold: bool = False


class LambdaInvokeServer(LoopbackServer):
    """Threaded HTTP server on 127.0.0.1 (ephemeral port) dispatching to in-process handlers.

    Parameters
    ----------
    functions:
        The functions by name (the names cognito-local's ``TriggerFunctions`` uses).
    function_log:
        Where the handlers' stdout goes while they run (like CloudWatch Logs); the console when ``None``.
    """

    def __init__(self, functions: Mapping[str, LocalFunction], function_log: IO[str] | None = None) -> None:
        self.functions = dict(functions)
        self._function_log = function_log
        self._saved_stdout: Any = None
        self.invocations: list[Invocation] = []
        self._records_lock = threading.Lock()
        super().__init__(_make_handler(self), "lambda-invoke")

    def start(self) -> str:
        """Serve in a background thread; return the URL."""
        if self._function_log is not None:
            self._saved_stdout = sys.stdout
            sys.stdout = FunctionOutput(self._function_log, sys.stdout)
        return super().start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        super().stop()
        if self._saved_stdout is not None:
            sys.stdout, self._saved_stdout = self._saved_stdout, None

    def invoke(self, name: str, event: dict[str, Any]) -> tuple[bool, Any]:
        """Run function ``name`` on ``event`` as Lambda would; return ``(ok, payload)``.

        ``payload`` is the (adapted) handler result, or ``{"errorMessage", "errorType"}`` on failure.
        """
        function = self.functions.get(name)
        if function is None:
            return False, {"errorMessage": f"Function not found: {name}", "errorType": "ResourceNotFoundException"}
        source = event.get("triggerSource") if isinstance(event, dict) else None
        with function._lock:  # one execution environment per function
            cold = function._handler is None
            started = time.monotonic()
            wall = time.time()
            ok, payload = self._run(function, event)
            duration_ms = (time.monotonic() - started) * 1000.0
        if ok and duration_ms > function.timeout_ms:
            ok = False
            payload = {
                "errorMessage": f"Task timed out after {function.timeout_ms / 1000:.2f} seconds",
                "errorType": "Sandbox.Timedout",
            }
        record = Invocation(name, source if isinstance(source, str) else None, wall, round(duration_ms, 2), ok,
                            None if ok else str(payload.get("errorType")), cold)
        with self._records_lock:
            self.invocations.append(record)
        return ok, payload

    def records(self) -> list[dict[str, Any]]:
        """The invocation log as plain dicts."""
        with self._records_lock:
            return [asdict(r) for r in self.invocations]

    @staticmethod
    def _run(function: LocalFunction, event: dict[str, Any]) -> tuple[bool, Any]:
        context = LocalLambdaContext(function.name, timeout_ms=function.timeout_ms, memory_mb=function.memory_mb)
        try:
            handler = function.resolve()
        except (ImportError, AttributeError) as exc:
            return False, {
                "errorMessage": f"Unable to import module '{function.handler_path}': {type(exc).__name__}",
                "errorType": "Runtime.ImportModuleError",
            }
        _in_function.active = True
        try:
            result = handler(event, context)
            if function.adapter is not None:
                result = function.adapter(event, result)
        except Exception as exc:  # noqa: BLE001 - a handler error is the Lambda's answer, as in AWS
            return False, {"errorMessage": str(exc), "errorType": type(exc).__name__}
        finally:
            _in_function.active = False
        return True, result


def _make_handler(server: LambdaInvokeServer) -> type[BaseHTTPRequestHandler]:
    class InvokeHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            """Silence per-request logging (it would only add noise; events are never logged)."""

        def _send(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/_devstack/invocations":
                self._send(HTTPStatus.OK, server.records())
            elif self.path == "/health":
                self._send(HTTPStatus.OK, {"ok": True, "functions": sorted(server.functions)})
            else:
                self._send(HTTPStatus.NOT_FOUND, {"message": "not found"})

        def do_POST(self) -> None:
            match = _ROUTE.match(self.path.split("?", 1)[0])
            if match is None:
                self._send(HTTPStatus.NOT_FOUND, {"message": "unknown route"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_EVENT_BYTES:
                self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"message": "RequestEntityTooLargeException"})
                return
            try:
                event = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                self._send(HTTPStatus.BAD_REQUEST, {"message": "InvalidRequestContentException"})
                return
            name = match.group(1).split(":", 1)[0]  # a qualifier (alias) is accepted and ignored
            ok, payload = server.invoke(name, event)
            headers = {"X-Amz-Executed-Version": "$LATEST"}
            if not ok:
                headers["X-Amz-Function-Error"] = "Unhandled"
            self._send(HTTPStatus.OK, payload, headers)

    return InvokeHandler

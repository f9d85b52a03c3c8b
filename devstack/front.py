"""A minimal local API Gateway (REST) front: Lambda authorizer first, then the example backend.

Behaves like API Gateway's REST API for ``GET /me`` with a Lambda authorizer (``TOKEN`` or ``REQUEST``,
identity source ``Authorization``):

* no ``Authorization`` header -> 401 without invoking the authorizer;
* the authorizer fails with the message ``Unauthorized`` -> 401; any other failure, a malformed policy or a
  context value that is not a string/number/boolean -> 500 (``AuthorizerConfigurationException``);
* an explicit Deny, or no Allow statement matching the method ARN -> 403;
* otherwise the backend gets a Lambda-proxy (v1) event whose ``requestContext.authorizer`` holds
  ``principalId`` and the context values **as strings**, as API Gateway passes them.

Result caching is not emulated (every request runs the authorizer, as with ``AuthorizerResultTtl`` 0).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol

from devstack.invoke_server import LambdaInvokeServer
from devstack.loopback import LoopbackServer

REGION = "eu-west-1"
ACCOUNT = "000000000000"
API_ID = "local0api"
STAGE = "v1"
AUTHORIZER_FUNCTION = "authorizer"
BACKEND_FUNCTION = "example-backend"
ROUTES = {("GET", "/me")}


class PolicyDeniedError(Exception):
    """API Gateway refused the request after the authorizer answered: ``status`` (403 or 500) and its message."""

    def __init__(self, status: int, message: str | None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def method_arn(method: str, path: str) -> str:
    """``arn:aws:execute-api:{region}:{account}:{api}/{stage}/{VERB}/{path}`` for this local API."""
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/{STAGE}/{method}{path}"


def _arn_matches(pattern: str, arn: str) -> bool:
    # API Gateway policy resources use * (any characters) and ? (one character) wildcards.
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, arn) is not None


def evaluate_policy(output: Any, arn: str) -> tuple[str, dict[str, str]]:
    """Check an authorizer's output as API Gateway does; return ``(principal_id, stringified_context)``.

    Raises
    ------
    PolicyDeniedError
        403 for an explicit or implicit deny, 500 for a malformed answer.
    """
    if not isinstance(output, Mapping):
        raise PolicyDeniedError(HTTPStatus.INTERNAL_SERVER_ERROR, None)
    principal, document = output.get("principalId"), output.get("policyDocument")
    statements = document.get("Statement") if isinstance(document, Mapping) else None
    if not isinstance(principal, str) or not isinstance(statements, list):
        raise PolicyDeniedError(HTTPStatus.INTERNAL_SERVER_ERROR, None)
    allowed = denied = False
    for statement in statements:
        if not isinstance(statement, Mapping):
            raise PolicyDeniedError(HTTPStatus.INTERNAL_SERVER_ERROR, None)
        resources = statement.get("Resource")
        resources = [resources] if isinstance(resources, str) else resources or []
        if any(isinstance(r, str) and _arn_matches(r, arn) for r in resources):
            if statement.get("Effect") == "Deny":
                denied = True
            elif statement.get("Effect") == "Allow":
                allowed = True
    if denied:
        raise PolicyDeniedError(HTTPStatus.FORBIDDEN,
                                "User is not authorized to access this resource with an explicit deny")
    if not allowed:
        raise PolicyDeniedError(HTTPStatus.FORBIDDEN, "User is not authorized to access this resource")
    context = output.get("context") or {}
    if not isinstance(context, Mapping):
        raise PolicyDeniedError(HTTPStatus.INTERNAL_SERVER_ERROR, None)
    flat: dict[str, str] = {}
    for key, value in context.items():
        if isinstance(value, bool):
            flat[str(key)] = "true" if value else "false"
        elif isinstance(value, (str, int, float)):
            flat[str(key)] = str(value)
        else:  # objects and arrays are refused by API Gateway
            raise PolicyDeniedError(HTTPStatus.INTERNAL_SERVER_ERROR, None)
    return principal, flat


class LocalApiFront(LoopbackServer):
    """Threaded HTTP server on 127.0.0.1 (ephemeral port) emulating the REST API of template.yaml.

    Parameters
    ----------
    invoker:
        The Invoke server holding the ``authorizer`` and ``example-backend`` functions (called in-process).
    authorizer_type:
        ``TOKEN`` (default) or ``REQUEST``, as the template's ``AuthorizerType`` parameter.
    """

    def __init__(self, invoker: LambdaInvokeServer, authorizer_type: str = "TOKEN") -> None:
        if authorizer_type not in {"TOKEN", "REQUEST"}:
            raise ValueError("authorizer_type must be TOKEN or REQUEST")
        self.invoker = invoker
        self.authorizer_type = authorizer_type
        super().__init__(make_handler(self, f"/{STAGE}"), "api-front")

    def _authorizer_event(self, method: str, path: str, headers: Mapping[str, str]) -> dict[str, Any]:
        arn = method_arn(method, path)
        if self.authorizer_type == "TOKEN":
            return {"type": "TOKEN", "authorizationToken": headers.get("authorization", ""), "methodArn": arn}
        return {
            "type": "REQUEST", "methodArn": arn, "resource": path, "path": path, "httpMethod": method,
            "headers": dict(headers), "multiValueHeaders": {k: [v] for k, v in headers.items()},
            "queryStringParameters": {}, "pathParameters": {}, "stageVariables": {},
            "requestContext": self._request_context(method, path),
        }

    @staticmethod
    def _request_context(method: str, path: str) -> dict[str, Any]:
        return {
            "accountId": ACCOUNT, "apiId": API_ID, "stage": STAGE, "httpMethod": method, "resourcePath": path,
            "path": f"/{STAGE}{path}", "requestId": str(uuid.uuid4()), "requestTimeEpoch": int(time.time() * 1000),
            "identity": {"sourceIp": "127.0.0.1"},
        }

    def handle(self, method: str, path: str, headers: Mapping[str, str]) -> tuple[int, dict[str, str], bytes]:
        """Answer one request: ``(status, headers, body)``."""
        if (method, path) not in ROUTES:
            return json_answer(HTTPStatus.FORBIDDEN, {"message": "Missing Authentication Token"})
        if not headers.get("authorization"):
            return json_answer(HTTPStatus.UNAUTHORIZED, {"message": "Unauthorized"})
        ok, output = self.invoker.invoke(AUTHORIZER_FUNCTION, self._authorizer_event(method, path, headers))
        if not ok:
            if isinstance(output, Mapping) and output.get("errorMessage") == "Unauthorized":
                return json_answer(HTTPStatus.UNAUTHORIZED, {"message": "Unauthorized"})
            return json_answer(HTTPStatus.INTERNAL_SERVER_ERROR, {"message": None})
        try:
            principal, context = evaluate_policy(output, method_arn(method, path))
        except PolicyDeniedError as denied:
            return json_answer(denied.status, {"message": denied.message})
        request_context = self._request_context(method, path)
        request_context["authorizer"] = {"principalId": principal, **context, "integrationLatency": 0}
        event = {
            "resource": path, "path": path, "httpMethod": method, "headers": dict(headers),
            "multiValueHeaders": {k: [v] for k, v in headers.items()}, "queryStringParameters": None,
            "pathParameters": None, "stageVariables": None, "requestContext": request_context,
            "body": None, "isBase64Encoded": False,
        }
        ok, response = self.invoker.invoke(BACKEND_FUNCTION, event)
        if not ok or not isinstance(response, Mapping) or not isinstance(response.get("statusCode"), int):
            return json_answer(HTTPStatus.BAD_GATEWAY, {"message": "Internal server error"})
        body = response.get("body") or ""
        out_headers = {str(k): str(v) for k, v in (response.get("headers") or {}).items()}
        return int(response["statusCode"]), out_headers, str(body).encode()


def json_answer(status: int, body: Any) -> tuple[int, dict[str, str], bytes]:
    """``(status, headers, body)`` of a JSON answer."""
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()


class _Handles(Protocol):
    def handle(self, method: str, path: str, headers: Mapping[str, str]) -> tuple[int, dict[str, str], bytes]: ...


def make_handler(front: _Handles, prefix: str) -> type[BaseHTTPRequestHandler]:
    """An HTTP request handler class answering through ``front.handle`` (``prefix``: the stage path, or empty)."""

    class FrontHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            """No access log: it would print Authorization headers' neighbours and add noise."""

        def _answer(self, method: str) -> None:
            path = self.path.split("?", 1)[0]
            if prefix and path.startswith(prefix + "/"):
                path = path[len(prefix):]
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, out_headers, body = front.handle(method, path, headers)
            self.send_response(status)
            for key, value in out_headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

    return FrontHandler

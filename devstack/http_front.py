"""A minimal local API Gateway **HTTP API** front (payload format 2.0): Lambda authorizer, then the example backend.

Behaves like the template's optional HTTP API (``HttpApi=true``): route ``GET /me`` on the ``$default`` stage,
a ``REQUEST`` Lambda authorizer with ``AuthorizerPayloadFormatVersion: "2.0"``, ``EnableSimpleResponses: true``
and identity source ``$request.header.Authorization``:

* unknown route -> 404; no ``Authorization`` header -> 401 without invoking the authorizer;
* the authorizer fails with the message ``Unauthorized`` -> 401; any other failure or an unusable answer -> 500;
* a simple response ``{"isAuthorized": false}`` -> 403; ``true`` -> the backend runs; an IAM policy answer (the
  authorizer's ``HTTP_API_RESPONSE=iam``) is evaluated against the ``routeArn`` as for REST;
* the backend gets a payload 2.0 proxy event whose ``requestContext.authorizer.lambda`` holds the context.

Result caching is not emulated (every request runs the authorizer).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from devstack.front import (
    ACCOUNT,
    AUTHORIZER_FUNCTION,
    BACKEND_FUNCTION,
    REGION,
    PolicyDeniedError,
    evaluate_policy,
    json_answer,
    make_handler,
)
from devstack.invoke_server import LambdaInvokeServer
from devstack.loopback import LoopbackServer

HTTP_API_ID = "local0http"
HTTP_STAGE = "$default"
HTTP_ROUTES = {("GET", "/me")}


def route_arn(method: str, path: str) -> str:
    """``arn:aws:execute-api:{region}:{account}:{api}/$default/{VERB}/{path}`` for this local HTTP API."""
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{HTTP_API_ID}/{HTTP_STAGE}/{method}{path}"


def _request_context(method: str, path: str, headers: Mapping[str, str]) -> dict[str, Any]:
    now = time.time()
    return {
        "accountId": ACCOUNT, "apiId": HTTP_API_ID, "domainName": "127.0.0.1", "domainPrefix": HTTP_API_ID,
        "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                 "userAgent": headers.get("user-agent", "")},
        "requestId": str(uuid.uuid4()), "routeKey": f"{method} {path}", "stage": HTTP_STAGE,
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)), "timeEpoch": int(now * 1000),
    }


class LocalHttpApiFront(LoopbackServer):
    """Threaded HTTP server on 127.0.0.1 (ephemeral port) emulating the template's HTTP API variant.

    Parameters
    ----------
    invoker:
        The Invoke server holding the ``authorizer`` and ``example-backend`` functions (called in-process).
    """

    def __init__(self, invoker: LambdaInvokeServer) -> None:
        self.invoker = invoker
        super().__init__(make_handler(self, ""), "http-api-front")

    def _event(self, method: str, path: str, headers: Mapping[str, str]) -> dict[str, Any]:
        return {
            "version": "2.0", "routeKey": f"{method} {path}", "rawPath": path, "rawQueryString": "",
            "headers": dict(headers), "requestContext": _request_context(method, path, headers),
            "isBase64Encoded": False,
        }

    def _decide(self, output: Any, method: str, path: str) -> dict[str, Any]:
        """The ``lambda`` context for the backend; raises :class:`PolicyDeniedError` for 403/500."""
        if isinstance(output, Mapping) and "isAuthorized" in output:
            context = output.get("context") or {}
            if not isinstance(output["isAuthorized"], bool) or not isinstance(context, Mapping):
                raise PolicyDeniedError(HTTPStatus.INTERNAL_SERVER_ERROR, "Internal Server Error")
            if not output["isAuthorized"]:
                raise PolicyDeniedError(HTTPStatus.FORBIDDEN, "Forbidden")
            return dict(context)
        try:
            _, context = evaluate_policy(output, route_arn(method, path))
        except PolicyDeniedError as denied:
            message = "Forbidden" if denied.status == HTTPStatus.FORBIDDEN else "Internal Server Error"
            raise PolicyDeniedError(denied.status, message) from None
        return dict(context)

    def handle(self, method: str, path: str, headers: Mapping[str, str]) -> tuple[int, dict[str, str], bytes]:
        """Answer one request: ``(status, headers, body)``."""
        if (method, path) not in HTTP_ROUTES:
            return json_answer(HTTPStatus.NOT_FOUND, {"message": "Not Found"})
        header = headers.get("authorization")
        if not header:
            return json_answer(HTTPStatus.UNAUTHORIZED, {"message": "Unauthorized"})
        event = self._event(method, path, headers) | {
            "type": "REQUEST", "routeArn": route_arn(method, path), "identitySource": [header]}
        ok, output = self.invoker.invoke(AUTHORIZER_FUNCTION, event)
        if not ok:
            if isinstance(output, Mapping) and output.get("errorMessage") == "Unauthorized":
                return json_answer(HTTPStatus.UNAUTHORIZED, {"message": "Unauthorized"})
            return json_answer(HTTPStatus.INTERNAL_SERVER_ERROR, {"message": "Internal Server Error"})
        try:
            context = self._decide(output, method, path)
        except PolicyDeniedError as denied:
            return json_answer(denied.status, {"message": denied.message})
        backend_event = self._event(method, path, headers)
        backend_event["requestContext"]["authorizer"] = {"lambda": context}
        ok, response = self.invoker.invoke(BACKEND_FUNCTION, backend_event)
        if not ok or not isinstance(response, Mapping) or not isinstance(response.get("statusCode"), int):
            return json_answer(HTTPStatus.INTERNAL_SERVER_ERROR, {"message": "Internal Server Error"})
        out_headers = {str(k): str(v) for k, v in (response.get("headers") or {}).items()}
        return int(response["statusCode"]), out_headers, str(response.get("body") or "").encode()

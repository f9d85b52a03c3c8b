"""The local stack's own parts over real loopback HTTP: Lambda Invoke semantics, API Gateway front, quirk bridge.

The handlers here are small in-process functions with a known answer (allow, deny, crash...), so each
API Gateway / Lambda rule of the front and the Invoke server is checked on its own; the real authorizer and
triggers are exercised in test_local_stack.py.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from devstack.front import LocalApiFront, method_arn
from devstack.http_front import LocalHttpApiFront, route_arn
from devstack.invoke_server import LambdaInvokeServer, LocalFunction
from devstack.quirks import bridge_user_migration, local_sub

pytestmark = [pytest.mark.e2e]
ARN = method_arn("GET", "/me")


def _policy(effect: str, resource: str = ARN, context: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "principalId": "user-sub-1",
        "policyDocument": {"Version": "2012-10-17",
                           "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}]},
        "context": context if context is not None else {"username": "alice", "admin": False, "level": 3},
    }


def _echo_backend(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"authorizer": event["requestContext"]["authorizer"]})}


class Behaviour:
    """What the fake authorizer does for the current test."""

    answer: Any = None
    error: Exception | None = None
    events: list[dict[str, Any]] = []  # noqa: RUF012 - reset per test


def _authorizer(event: dict[str, Any], context: Any) -> Any:
    Behaviour.events.append(event)
    if Behaviour.error is not None:
        raise Behaviour.error
    return Behaviour.answer


def _slow(event: dict[str, Any], context: Any) -> dict[str, Any]:
    time.sleep(0.3)
    return event


def _crash(event: dict[str, Any], context: Any) -> dict[str, Any]:
    raise ValueError("bad legacy row")


def _remaining(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"remaining": context.get_remaining_time_in_millis(), "name": context.function_name}


@pytest.fixture
def servers(request: pytest.FixtureRequest) -> Iterator[tuple[LambdaInvokeServer, LocalApiFront]]:
    authorizer_type = getattr(request, "param", "TOKEN")
    Behaviour.answer, Behaviour.error, Behaviour.events = _policy("Allow"), None, []
    invoker = LambdaInvokeServer({
        "authorizer": LocalFunction.of("authorizer", _authorizer, 3000),
        "example-backend": LocalFunction.of("example-backend", _echo_backend, 3000),
        "slow": LocalFunction.of("slow", _slow, timeout_ms=100),
        "crash": LocalFunction.of("crash", _crash),
        "remaining": LocalFunction.of("remaining", _remaining, timeout_ms=5000),
    })
    invoker.start()
    front = LocalApiFront(invoker, authorizer_type)
    front.start()
    try:
        yield invoker, front
    finally:
        front.stop()
        invoker.stop()


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def _invoke(url: str, name: str, event: Any) -> tuple[int, dict[str, str], Any]:
    request = urllib.request.Request(f"{url}/2015-03-31/functions/{name}/invocations",
                                     data=json.dumps(event).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=10) as resp:
        return resp.status, dict(resp.headers), json.loads(resp.read())


# ---------------------------------------------------------------- Lambda Invoke server


def test_invoke_returns_the_handler_result_and_records_no_payload(servers: Any) -> None:
    invoker, _ = servers
    status, headers, body = _invoke(invoker.url, "remaining", {"triggerSource": "UserMigration_Authentication",
                                                                "request": {"password": "secret-pass"}})
    assert status == 200
    assert "X-Amz-Function-Error" not in headers
    assert body["name"] == "remaining"
    assert 4000 < body["remaining"] <= 5000
    records = invoker.records()
    assert records[-1]["trigger_source"] == "UserMigration_Authentication"
    assert "secret-pass" not in json.dumps(records)


def test_handler_exception_is_an_unhandled_function_error_without_stack_trace(servers: Any) -> None:
    invoker, _ = servers
    status, headers, body = _invoke(invoker.url, "crash", {})
    assert status == 200
    assert headers["X-Amz-Function-Error"] == "Unhandled"
    assert body == {"errorMessage": "bad legacy row", "errorType": "ValueError"}


def test_overrunning_the_timeout_is_answered_as_a_lambda_timeout(servers: Any) -> None:
    invoker, _ = servers
    _, headers, body = _invoke(invoker.url, "slow", {})
    assert headers["X-Amz-Function-Error"] == "Unhandled"
    assert body["errorType"] == "Sandbox.Timedout"


def test_unknown_function_and_missing_module_are_function_errors(servers: Any) -> None:
    invoker, _ = servers
    _, headers, body = _invoke(invoker.url, "nope", {})
    assert headers["X-Amz-Function-Error"] == "Unhandled"
    assert body["errorType"] == "ResourceNotFoundException"
    missing = LambdaInvokeServer({"gone": LocalFunction("gone", "triggers.no_such_module:handler")})
    ok, payload = missing.invoke("gone", {})
    assert not ok
    assert payload["errorType"] == "Runtime.ImportModuleError"


# ---------------------------------------------------------------- API Gateway front


def test_allow_reaches_the_backend_with_the_context_as_strings(servers: Any) -> None:
    _, front = servers
    status, body = _get(f"{front.url}/v1/me", {"Authorization": "Bearer abc"})
    assert status == 200
    assert body["authorizer"] == {"principalId": "user-sub-1", "username": "alice", "admin": "false", "level": "3",
                                  "integrationLatency": 0}
    assert Behaviour.events[-1] == {"type": "TOKEN", "authorizationToken": "Bearer abc", "methodArn": ARN}


def test_missing_header_is_401_without_invoking_the_authorizer(servers: Any) -> None:
    _, front = servers
    assert _get(f"{front.url}/v1/me")[0] == 401
    assert Behaviour.events == []


def test_unauthorized_error_is_401_and_any_other_error_is_500(servers: Any) -> None:
    _, front = servers
    Behaviour.error = Exception("Unauthorized")
    assert _get(f"{front.url}/v1/me", {"Authorization": "x"})[0] == 401
    Behaviour.error = RuntimeError("boom")
    assert _get(f"{front.url}/v1/me", {"Authorization": "x"})[0] == 500


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        (_policy("Deny"), 403),
        (_policy("Allow", resource=method_arn("GET", "/other")), 403),
        (_policy("Allow", resource="arn:aws:execute-api:eu-west-1:000000000000:local0api/v1/*/*"), 200),
        (_policy("Allow", context={"groups": ["a", "b"]}), 500),
        ({"principalId": "x"}, 500),
    ],
    ids=["explicit-deny", "no-matching-allow", "wildcard-allow", "non-scalar-context", "no-policy"],
)
def test_policy_evaluation_follows_api_gateway(servers: Any, answer: Any, status: int) -> None:
    _, front = servers
    Behaviour.answer = answer
    assert _get(f"{front.url}/v1/me", {"Authorization": "x"})[0] == status


@pytest.mark.parametrize("servers", ["REQUEST"], indirect=True)
def test_request_authorizer_gets_headers_and_request_context(servers: Any) -> None:
    _, front = servers
    assert _get(f"{front.url}/v1/me", {"Authorization": "Bearer r"})[0] == 200
    event = Behaviour.events[-1]
    assert event["type"] == "REQUEST"
    assert event["headers"]["authorization"] == "Bearer r"
    assert event["methodArn"] == ARN
    assert event["requestContext"]["httpMethod"] == "GET"


# ---------------------------------------------------------------- HTTP API front (payload 2.0)


@pytest.fixture
def http_front(servers: tuple[LambdaInvokeServer, LocalApiFront]) -> Iterator[LocalHttpApiFront]:
    front = LocalHttpApiFront(servers[0])
    front.start()
    try:
        yield front
    finally:
        front.stop()


def test_http_api_simple_allow_passes_the_context_under_lambda(http_front: LocalHttpApiFront) -> None:
    Behaviour.answer = {"isAuthorized": True, "context": {"sub": "s-1", "admin": False, "level": 3}}
    status, body = _get(f"{http_front.url}/me", {"Authorization": "Bearer h"})
    assert status == 200
    assert body["authorizer"] == {"lambda": {"sub": "s-1", "admin": False, "level": 3}}
    event = Behaviour.events[-1]
    assert (event["version"], event["type"], event["routeArn"]) == ("2.0", "REQUEST", route_arn("GET", "/me"))
    assert event["identitySource"] == ["Bearer h"]
    assert event["headers"]["authorization"] == "Bearer h"
    assert event["requestContext"]["http"]["method"] == "GET"


@pytest.mark.parametrize(
    ("answer", "error", "status"),
    [
        ({"isAuthorized": False, "context": {"sub": "s-1"}}, None, 403),
        ({"isAuthorized": "yes"}, None, 500),
        (_policy("Allow", resource=route_arn("GET", "/me")), None, 200),
        (_policy("Deny", resource=route_arn("GET", "/me")), None, 403),
        (_policy("Allow"), None, 403),  # a REST method ARN does not cover the HTTP API route
        (None, Exception("Unauthorized"), 401),
        (None, RuntimeError("boom"), 500),
    ],
    ids=["simple-deny", "simple-not-bool", "iam-allow", "iam-deny", "iam-other-arn", "unauthorized", "crash"],
)
def test_http_api_front_follows_api_gateway(http_front: LocalHttpApiFront, answer: Any, error: Exception | None,
                                            status: int) -> None:
    Behaviour.answer, Behaviour.error = answer, error
    assert _get(f"{http_front.url}/me", {"Authorization": "x"})[0] == status


def test_http_api_missing_header_is_401_and_unknown_route_404_without_the_authorizer(
    http_front: LocalHttpApiFront,
) -> None:
    assert _get(f"{http_front.url}/me")[0] == 401
    assert _get(f"{http_front.url}/other", {"Authorization": "x"})[0] == 404
    assert Behaviour.events == []


# ---------------------------------------------------------------- cognito-local bridge


def test_bridge_names_the_migrated_user_and_gives_a_stable_sub() -> None:
    event = {"userName": "Alice", "userPoolId": "local_1"}
    first = bridge_user_migration(event, {"response": {"userAttributes": {"email": "a@example.com"}}})
    attrs = first["response"]["userAttributes"]
    assert attrs["username"] == "alice"
    assert attrs["sub"] == local_sub("local_1", "ALICE")
    kept = bridge_user_migration(event, {"response": {"userAttributes": {"username": "alice2", "email": "x"}}})
    assert kept["response"]["userAttributes"]["username"] == "alice2"


def test_bridge_leaves_a_refusal_or_an_empty_answer_alone() -> None:
    assert bridge_user_migration({"userName": "a"}, {"response": {"userAttributes": {}}}) == {
        "response": {"userAttributes": {}}}
    assert bridge_user_migration({"userName": "a"}, None) is None

"""Recognising the three API Gateway authorizer event shapes and extracting the bearer token.

Plain dict access rather than Powertools' data classes: the handler must stay within 20 % of the bare
verify cost (a few microseconds), and these three shapes need only four fields each.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple
from urllib.parse import unquote

from .errors import EventError, TokenRejectedError

REST_TOKEN = "rest-token"  # noqa: S105 - an event kind, not a secret
REST_REQUEST = "rest-request"
HTTP_V2 = "http-v2"
_ARN = re.compile(r"arn:(aws[a-z-]*):execute-api:([a-z0-9-]+):(\d{12}):([A-Za-z0-9]+)/([^/]+)/([^/]+)(/.*)?")
MAX_ARN_LENGTH = 1600
_IAM_WILDCARDS = ("*", "?")
_MAX_DECODINGS = 4


class AuthRequest(NamedTuple):
    """What the authorizer needs from an event (a NamedTuple: cheap to build on every request).

    Attributes
    ----------
    kind:
        ``REST_TOKEN``, ``REST_REQUEST`` or ``HTTP_V2``.
    header:
        The raw ``Authorization`` value (may be missing: ``None``).
    arn:
        ``methodArn`` / ``routeArn``.
    arn_prefix:
        ``arn:<partition>:execute-api:<region>:<account>:<api>/<stage>``, for wildcard resources.
    method, path:
        The HTTP method and path the route rules are matched against.
    """

    kind: str
    header: str | None
    arn: str
    arn_prefix: str
    method: str
    path: str


# Built with tuple.__new__ (C) rather than AuthRequest(...), whose generated __new__ is a Python frame
# (about 1,000 instructions per request, 2% of the handler).
_new_request = tuple.__new__

_ARN_CACHE: dict[str, tuple[str, str, str, str]] = {}
_ARN_CACHE_SIZE = 512


def _parse_arn(arn: object) -> tuple[str, str, str, str]:
    if type(arn) is not str or len(arn) > MAX_ARN_LENGTH:
        raise EventError("methodArn/routeArn missing")
    parsed = _ARN_CACHE.get(arn)
    if parsed is not None:
        return parsed
    m = _ARN.fullmatch(arn)
    if m is None:
        raise EventError("methodArn/routeArn malformed")
    if has_iam_wildcard(arn):
        raise EventError("methodArn/routeArn holds an IAM wildcard character")
    parsed = (arn, f"arn:{m[1]}:execute-api:{m[2]}:{m[3]}:{m[4]}/{m[5]}", m[6].upper(), m[7] or "/")
    if len(_ARN_CACHE) >= _ARN_CACHE_SIZE:
        _ARN_CACHE.clear()  # bounded: a flood of distinct paths only costs the regex again
    _ARN_CACHE[arn] = parsed
    return parsed


def has_iam_wildcard(arn: str) -> bool:
    """True when ``arn`` holds ``*`` or ``?``, literally or percent-encoded (``%2A``, ``%252a``, ...).

    IAM reads ``*`` and ``?`` in a policy's Resource as wildcards, so one taken from the request and echoed
    into a route-scoped Allow (``GET /items/*``) would cover other routes (``GET /items/1/secret``) for as long
    as API Gateway caches the policy. Such a request is refused (401) before any policy is written. Encoded
    forms are refused too (decoded up to four times; still encoded after that counts as a wildcard), so no
    later decoding of the Resource can turn one into a wildcard.
    """
    text = arn
    for _ in range(_MAX_DECODINGS):
        if "*" in text or "?" in text:
            return True
        if "%" not in text:
            return False
        decoded = unquote(text)
        if decoded == text:
            return False
        text = decoded
    return True


def _header(headers: object) -> tuple[str, str] | None:
    """The ``Authorization`` header as ``(spelling, value)``: None if missing, not a string or under two spellings."""
    if not isinstance(headers, dict):
        return None
    # A plain loop (a comprehension is one more frame), and the length test spares a lower() per unrelated
    # header (REST events carry ~20).
    spelling = None
    for k in headers:
        if type(k) is str and len(k) == 13 and k.lower() == "authorization":
            if spelling is not None:
                return None  # two spellings of the header
            spelling = k
    if spelling is None:
        return None
    value = headers[spelling]
    return (spelling, value) if type(value) is str else None


def _rest_header(event: dict[str, Any]) -> str | None:
    """REST ``REQUEST``: the single ``Authorization`` value; several values, under any spelling, are refused.

    API Gateway fills ``headers`` (last value) and ``multiValueHeaders`` (all values) from the same request.
    Every spelling in ``multiValueHeaders`` is counted (a hostile or hand-built event may hold values under a
    spelling ``headers`` does not show); the length test spares a ``lower()`` for the ~20 unrelated names.
    """
    found = _header(event.get("headers"))
    if found is None:
        return None
    multi = event.get("multiValueHeaders")
    if isinstance(multi, dict):
        count = 0
        for k, values in multi.items():
            if type(k) is str and len(k) == 13 and k.lower() == "authorization":
                count += len(values) if type(values) is list else 1
        if count > 1:
            raise TokenRejectedError("malformed", "several Authorization headers")
    return found[1]


def parse_event(event: object) -> AuthRequest:
    """Recognise an authorizer event and extract what the decision needs.

    Parameters
    ----------
    event:
        The Lambda event.

    Returns
    -------
    AuthRequest
        The recognised request.

    Raises
    ------
    EventError
        Not an authorizer event (or missing its ARN).
    TokenRejectedError
        Several ``Authorization`` headers.
    """
    if not isinstance(event, dict):
        raise EventError("event is not an object")
    kind = event.get("type")
    if kind == "TOKEN":
        arn, prefix, method, path = _parse_arn(event.get("methodArn"))
        token = event.get("authorizationToken")
        return _new_request(AuthRequest, (REST_TOKEN, token if type(token) is str else None, arn, prefix, method, path))
    if kind != "REQUEST":
        raise EventError("unknown authorizer event type")
    if event.get("version") == "2.0":
        arn, prefix, method, path = _parse_arn(event.get("routeArn"))
        found = _header(event.get("headers"))
        return _new_request(AuthRequest, (HTTP_V2, found and found[1], arn, prefix, method, path))
    header = _rest_header(event)
    arn, prefix, method, path = _parse_arn(event.get("methodArn"))
    return _new_request(AuthRequest, (REST_REQUEST, header, arn, prefix, method, path))


def bearer_token(header: str | None) -> str:
    """Return the JWT from an ``Authorization`` value: ``Bearer <jwt>`` (any case) or a bare JWT.

    Raises
    ------
    TokenRejectedError
        Missing or empty header, another scheme (``Basic``, ``Token``), or an empty bearer token.
    """
    if not header:
        raise TokenRejectedError("missing token")
    if header[:7].lower() == "bearer ":
        token = header[7:]
    elif " " in header or header.lower() == "bearer":
        raise TokenRejectedError("malformed", "authorization scheme")
    else:
        token = header
    if not token:
        raise TokenRejectedError("missing token")
    return token

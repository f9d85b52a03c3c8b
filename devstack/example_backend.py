"""Example backend behind the authorizer: ``GET /me`` echoes the identity API Gateway passed on.

This is the smallest possible protected API, used by the SAM template (``ExampleBackendFunction``) and the
local stack (``devstack/front.py``). It trusts nothing from the request itself: the identity comes only from
``requestContext.authorizer``, which API Gateway fills from our Lambda authorizer's ``context`` (plus
``principalId``) after the token was verified. It never sees or echoes the token.

Standard library only, so the function's package holds this file and nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

#: Keys API Gateway adds to ``requestContext.authorizer`` itself (REST TOKEN/REQUEST authorizers).
_GATEWAY_KEYS = frozenset({"integrationLatency"})


def identity_from_event(event: Mapping[str, Any]) -> dict[str, Any] | None:
    """Return the authorizer context of a REST (v1) or HTTP API (v2) proxy event, or ``None``.

    Parameters
    ----------
    event:
        An API Gateway Lambda-proxy event (payload format 1.0 or 2.0).

    Returns
    -------
    dict or None
        ``principalId`` plus every context value the authorizer returned; ``None`` when the request
        reached the backend without an authorizer (a misconfigured route).
    """
    request_context = event.get("requestContext")
    if not isinstance(request_context, Mapping):
        return None
    authorizer = request_context.get("authorizer")
    if not isinstance(authorizer, Mapping):
        return None
    # HTTP API simple responses nest the context under "lambda".
    nested = authorizer.get("lambda")
    source = nested if isinstance(nested, Mapping) else authorizer
    identity = {str(k): v for k, v in source.items() if k not in _GATEWAY_KEYS}
    return identity or None


def _response(status: int, body: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", "Cache-Control": "no-store"},
        "body": json.dumps(body, sort_keys=True),
    }


def handler(event: Mapping[str, Any], context: object) -> dict[str, Any]:
    """Answer ``GET /me`` with the identity the authorizer established.

    Parameters
    ----------
    event:
        The API Gateway proxy event.
    context:
        The Lambda context (unused).

    Returns
    -------
    dict
        A proxy response: 200 with ``{"identity": {...}}``, or 500 when no authorizer context is present
        (the route is not protected: fail closed rather than answer anonymously).
    """
    identity = identity_from_event(event)
    if identity is None:
        return _response(500, {"message": "no authorizer context: this route must be protected"})
    return _response(200, {"identity": identity})

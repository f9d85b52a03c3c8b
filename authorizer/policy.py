"""Authorizer responses: REST/HTTP IAM policies and HTTP API simple responses.

Caching safety (API Gateway reuses a cached policy for every route the caller hits within the TTL):
a wildcard ``<api>/<stage>/*/*`` Allow is returned only when the decision cannot depend on the route;
otherwise the policy names exactly the requested ARN, so a cached Allow can never open another route.
"""

from __future__ import annotations

from typing import Any

from .events import HTTP_V2, AuthRequest
from .principal import Principal


def _policy(principal_id: str, effect: str, resource: str, context: dict[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "principalId": principal_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
        },
    }
    if context is not None:
        out["context"] = context
    return out


def allow(request: AuthRequest, principal: Principal, wildcard: bool, simple: bool) -> dict[str, Any]:
    """Allow response for ``principal``.

    Parameters
    ----------
    request:
        The recognised event.
    principal:
        The verified caller (``principalId`` = ``sub``; context copied).
    wildcard:
        True when the decision is route-independent (then the whole API stage is allowed).
    simple:
        True for an HTTP API simple response (``{"isAuthorized": true, "context": ...}``).

    Returns
    -------
    dict
        The response document.
    """
    context = dict(principal.context)
    if simple and request.kind == HTTP_V2:
        return {"isAuthorized": True, "context": context}
    resource = f"{request.arn_prefix}/*/*" if wildcard else request.arn
    return _policy(str(context["sub"]), "Allow", resource, context)


def deny(request: AuthRequest, principal: Principal, simple: bool) -> dict[str, Any]:
    """Deny response (API Gateway answers 403) for an authenticated caller lacking a scope or group.

    The Deny names only the requested ARN; the context is included so backends' access logs can
    tell who was refused.
    """
    context = dict(principal.context)
    if simple and request.kind == HTTP_V2:
        return {"isAuthorized": False, "context": context}
    return _policy(str(context["sub"]), "Deny", request.arn, context)

"""API Gateway Lambda authorizer for Cognito tokens: ``handler(event, context)``.

Serves REST ``TOKEN`` and ``REQUEST`` authorizers and HTTP API payload 2.0 (simple or IAM responses).
Outcomes: a bad or missing token raises ``Exception("Unauthorized")`` (401); a valid token that fails the
route rules gets a Deny (403); a valid token gets an Allow with ``principalId`` = ``sub`` and a flat context.
Any other failure, including bad configuration, also fails closed with 401, never a 500.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools import Logger

from .config import Settings
from .decide import Authorizer
from .errors import AuthorizerError, ConfigurationError, EventError, TokenRejectedError
from .jwks import JwksCache
from .metrics import REJECTED, count

logger = Logger(service="authorizer")
UNAUTHORIZED = "Unauthorized"


def build_authorizer(environ: Mapping[str, str]) -> Authorizer:
    """Create the authorizer (settings, one key cache per accepted issuer, verifier) from environment variables.

    Nothing is fetched here: each issuer's keys are fetched on its first token, so an issuer whose JWKS URL
    answers 403/404 (a pool not switched to that issuer form yet) cannot break the cold start or the others.
    """
    settings = Settings.from_env(environ)
    keys = {
        c.issuer: JwksCache(
            c.jwks_url,
            static_keys=settings.static_keys,
            timeout=settings.jwks_timeout,
            max_age=settings.jwks_max_age,
            refetch_interval=settings.jwks_refetch_interval,
            kid_cooldown=settings.jwks_kid_cooldown,
        )
        for c in settings.issuers
    }
    return Authorizer(settings, keys)


def _cold_start(environ: Mapping[str, str] = os.environ) -> Authorizer | None:
    try:
        return build_authorizer(environ)
    except ConfigurationError as exc:
        # The variable name and the problem only: never the value (it may hold keys or client ids).
        logger.error(
            "authorizer configuration error; every request will be refused",
            extra={"variable": exc.variable, "problem": exc.problem},
        )
        return None
    except Exception as exc:  # noqa: BLE001 - fail closed (401 to every request), never a failed Lambda init (500)
        # The type only: the message of an unexpected error might quote a configuration value.
        logger.error("authorizer cold start failed; every request will be refused", extra={"error": type(exc).__name__})
        return None


AUTHORIZER = _cold_start()


def token_fingerprint(header: object) -> str:
    """A short, non-reversible tag for log correlation (never the token itself)."""
    if type(header) is not str or not header:
        return "-"
    return hashlib.sha256(header.encode("utf-8", "replace")).hexdigest()[:12]


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """Lambda entry point (see the module docstring for outcomes)."""
    authorizer = AUTHORIZER
    if authorizer is None:
        count(REJECTED, "configuration")
        raise Exception(UNAUTHORIZED)  # API Gateway maps exactly this message to 401
    try:
        return authorizer.authorize(event)
    except TokenRejectedError as exc:
        reason = exc.reason
        logger.info("token rejected", extra={"reason": exc.reason, "claim": exc.claim, "token": _tag(event)})
    except EventError as exc:
        reason = "event"
        logger.warning("unrecognised authorizer event", extra={"reason": exc.reason})
    except AuthorizerError as exc:
        reason = "internal"
        logger.error("authorizer failure", extra={"error": type(exc).__name__})
    except Exception as exc:  # noqa: BLE001 - fail closed (401) instead of a 500 with a stack trace
        reason = "internal"
        logger.error("unexpected authorizer failure", extra={"error": type(exc).__name__})
    count(REJECTED, reason)
    raise Exception(UNAUTHORIZED)


def _tag(event: object) -> str:
    if not isinstance(event, dict):
        return "-"
    header = event.get("authorizationToken")
    if header is None and isinstance(event.get("headers"), dict):
        header = next((v for k, v in event["headers"].items() if str(k).lower() == "authorization"), None)
    return token_fingerprint(header)

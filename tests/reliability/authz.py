"""Authorizer containers against a local JWKS server, tokens, and the documented outcomes.

Outcomes of ``authorizer/handler.py``: ``"allow"``, ``"403"`` (Deny document), ``"401"``
(``Exception("Unauthorized")``, exactly). Anything else is ``"other:<Type>"`` and always a failure.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from tests.conftest import load_event
from tests.reliability.containers import cold_start, environment, invoke
from tests.reliability.secrets_check import remember
from tests.unit.authorizer.support import RsaKey, access_claims, base_env, jwks, mint

ALLOW = "allow"
DENY = "403"
UNAUTHORIZED = "401"


def _remembered(token: str) -> str:
    """Watch a token (whole, and its signature segment) for the secrets scan."""
    remember(token, "token")
    remember(token.rsplit(".", 1)[-1], "token")
    return token


class PoolKeys:
    """The pool's signing key and an attacker's key (2048-bit, generated per run)."""

    def __init__(self) -> None:
        self.pool = RsaKey("rel-pool-kid")
        self.attacker = RsaKey("rel-attacker-kid")

    def document(self) -> dict[str, Any]:
        """The pool's JWKS."""
        return jwks(self.pool)

    def token(self, **claims: Any) -> str:
        """A valid access token (overrides applied)."""
        return _remembered(mint(self.pool, access_claims(**claims)))

    def forged(self) -> str:
        """Valid claims, the pool's kid, signed with the attacker's key."""
        return _remembered(mint(self.attacker, access_claims(), kid=self.pool.kid))

    def junk_kid(self, n: int) -> str:
        """Valid claims signed with the attacker's key under a made-up kid (a kid-rotation storm)."""
        return _remembered(mint(self.attacker, access_claims(), kid=f"junk-{n}-{self.attacker.kid}"))

    def unknown_kid(self) -> str:
        """Valid claims signed with the attacker's key under its own (unknown) kid."""
        return _remembered(mint(self.attacker, access_claims()))


def authorizer_env(jwks_url: str, refetch_floor_s: int | None = 1, **extra: str) -> dict[str, str]:
    """Environment for an authorizer that fetches keys from ``jwks_url`` (refetch floor 1 s; None: default 5 s)."""
    env = base_env(JWKS_URL=jwks_url, POWERTOOLS_SERVICE_NAME="reliability")
    if refetch_floor_s is not None:
        env["JWKS_REFETCH_INTERVAL_SECONDS"] = str(refetch_floor_s)
    env.update(extra)
    return env


def authorizer_container(env: dict[str, str]) -> ModuleType:
    """A cold authorizer container (reads its settings at import, as Lambda does)."""
    with environment(env, remove=("JWKS_JSON", "JWKS_FILE")):
        return cold_start("authorizer")


def token_event(header: str | None) -> dict[str, Any]:
    """A REST TOKEN authorizer event carrying ``header`` (dropped when None)."""
    event = load_event("apigw_token_authorizer")
    if header is None:
        event.pop("authorizationToken", None)
    else:
        event["authorizationToken"] = header
    return event


def classify(result: Any, error: BaseException | None) -> str:
    """Map a handler result to ``allow`` / ``403`` / ``401`` / ``other:<Type>``."""
    if error is not None:
        if type(error) is Exception and str(error) == "Unauthorized":
            return UNAUTHORIZED
        return f"other:{type(error).__name__}"
    if not isinstance(result, dict):
        return "other:result"
    if "isAuthorized" in result:
        return ALLOW if result["isAuthorized"] is True else DENY
    statements = (result.get("policyDocument") or {}).get("Statement") or []
    effects = {s.get("Effect") for s in statements if isinstance(s, dict)}
    if effects == {"Allow"}:
        return ALLOW
    return DENY if effects == {"Deny"} else "other:policy"


def authorize(module: ModuleType, header: str | None) -> tuple[str, float]:
    """Run one REST TOKEN authorization; return the outcome and the wall time."""
    inv = invoke(module, token_event(header))
    return classify(inv.result, inv.error), inv.seconds

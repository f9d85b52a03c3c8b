"""The decision: event -> verified principal -> route rules -> response document (a Deny is also counted)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .config import Settings
from .events import bearer_token, parse_event
from .jwks import JwksCache
from .metrics import DENIED, count
from .policy import allow, deny
from .rules import decide, route_independent
from .verifier import CognitoVerifier


class Authorizer:
    """Everything a warm container keeps: settings, keys and the verifier.

    Parameters
    ----------
    settings:
        Validated settings.
    keys:
        The key caches, one per configured issuer (``{issuer: JwksCache}``), or one ``JwksCache`` when a
        single issuer is configured (fetched JWKS or preloaded keys).
    verifier:
        Optional verifier (one is built from ``settings`` and ``keys`` otherwise).
    """

    def __init__(
        self, settings: Settings, keys: JwksCache | Mapping[str, JwksCache], verifier: CognitoVerifier | None = None
    ) -> None:
        self.settings = settings
        self.verifier = verifier or CognitoVerifier(settings, keys)
        self.key_caches = {iss: source.keys for iss, source in self.verifier.issuers.items()}
        self.keys = self.verifier.keys  # the first issuer's (the only one in a single-issuer configuration)
        self._simple = settings.http_api_response == "simple"
        self._rules = settings.route_rules
        self._default_allow = settings.route_default_allow

    def authorize(self, event: object) -> dict[str, Any]:
        """Return the Allow or Deny document for ``event``.

        Raises
        ------
        TokenRejectedError
            Bad, missing or untrusted token (the handler answers 401).
        EventError
            Not an authorizer event (401).
        """
        request = parse_event(event)
        principal = self.verifier.verify(bearer_token(request.header))
        rules = self._rules
        if not rules and self._default_allow:
            return allow(request, principal, True, self._simple)
        pool = principal.pool_id
        if decide(rules, self._default_allow, request.method, request.path, principal.scopes, principal.groups, pool):
            wildcard = route_independent(rules, self._default_allow, principal.scopes, principal.groups, pool)
            return allow(request, principal, wildcard, self._simple)
        count(DENIED, "route_rules")  # here, where the Deny is decided: allowed requests pay no check
        return deny(request, principal, self._simple)

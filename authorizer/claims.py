"""Cognito claim checks (after the signature is verified), following aws-jwt-verify's Cognito profile,
stricter: ``exp``/``iat``/``sub`` are required and every time claim must be a plain integer.

``ClaimRules`` binds the settings once per container, so the hot path reads its own slots instead of
walking ``Settings`` on every token.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .config import IssuerConfig, Settings
from .errors import TokenRejectedError

_MAX_TIME = 1 << 40  # far beyond any real timestamp, small enough to stay exact
_ACCESS = "access"
_ID = "id"


# What a token that passed the claim checks is good for: (token_use, not_before, not_after). The token is
# acceptable while not_before <= now < not_after (Unix seconds): iat/nbf minus leeway, and the earlier of exp
# plus leeway and auth_time plus the maximum session age; the verified-token cache re-checks exactly this
# window on every hit. A plain tuple: a NamedTuple's __new__ would cost a Python frame per token.
Verdict = tuple[str, int, int]


def _time_claim(payload: Mapping[str, Any], name: str) -> int:
    value = payload.get(name)
    if type(value) is not int or not 0 <= value < _MAX_TIME:  # rejects bool, float, NaN, 1e400, str, null
        raise TokenRejectedError("invalid claim", name)
    return value


def is_revoked(payload: Mapping[str, Any], revoked: frozenset[str]) -> bool:
    """Return True when the token's ``jti`` or ``origin_jti`` is on the deny-list."""
    for name in ("origin_jti", "jti"):
        value = payload.get(name)
        if type(value) is str and value in revoked:
            return True
    return False


class ClaimRules:
    """The claim checks of one configuration.

    Parameters
    ----------
    settings:
        Issuer, client allow-list, accepted token use, leeway, session age, username rule, deny-list.
    issuer:
        The one issuer (and its pool's app clients) these checks accept; ``settings.issuer`` and
        ``settings.client_ids`` when omitted.
    """

    __slots__ = ("_any_use", "_clients", "_issuer", "_leeway", "_max_session", "_revoked", "_use", "_username")

    def __init__(self, settings: Settings, issuer: IssuerConfig | None = None) -> None:
        self._issuer = settings.issuer if issuer is None else issuer.issuer
        self._clients = settings.client_ids if issuer is None else issuer.client_ids
        self._use = settings.token_use
        self._any_use = settings.token_use == "any"  # noqa: S105 - a setting value, not a secret
        self._leeway = settings.leeway
        self._max_session = settings.max_session_age
        self._username = settings.require_username
        self._revoked = settings.revoked_jtis

    def check(self, payload: Mapping[str, Any], now: float) -> Verdict:
        """Validate a verified token's claims.

        Parameters
        ----------
        payload:
            The decoded payload of a token whose signature has been verified.
        now:
            Current Unix time.

        Returns
        -------
        Verdict
            The token use and the time window in which the token stays acceptable.

        Raises
        ------
        TokenRejectedError
            Naming the failing claim.
        """
        # Inline on purpose (no helper per time claim): this runs on every token.
        get = payload.get
        iss = get("iss")
        if type(iss) is not str or iss != self._issuer:
            raise TokenRejectedError("invalid claim", "iss")
        token_use = get("token_use")
        access = token_use == _ACCESS
        if not (access or token_use == _ID) or not (self._any_use or token_use == self._use):
            raise TokenRejectedError("invalid claim", "token_use")
        audience_claim = "client_id" if access else "aud"
        audience = get(audience_claim)
        if type(audience) is not str or audience not in self._clients:
            raise TokenRejectedError("invalid claim", audience_claim)
        leeway = self._leeway
        exp = get("exp")
        if type(exp) is not int or not 0 <= exp < _MAX_TIME:  # rejects bool, float, NaN, 1e400, str, null
            raise TokenRejectedError("invalid claim", "exp")
        not_after = exp + leeway
        if not_after <= now:
            raise TokenRejectedError("expired", "exp")
        iat = get("iat")
        if type(iat) is not int or not 0 <= iat < _MAX_TIME:
            raise TokenRejectedError("invalid claim", "iat")
        not_before = iat - leeway
        if not_before > now:
            raise TokenRejectedError("invalid claim", "iat")
        if "nbf" in payload:
            nbf = _time_claim(payload, "nbf") - leeway
            if nbf > now:
                raise TokenRejectedError("not yet valid", "nbf")
            not_before = max(not_before, nbf)
        sub = get("sub")
        if type(sub) is not str or not sub:
            raise TokenRejectedError("invalid claim", "sub")
        if self._username:
            name_claim = "username" if access else "cognito:username"
            username = get(name_claim)
            if type(username) is not str or not username:
                raise TokenRejectedError("invalid claim", name_claim)
        if self._max_session is not None:
            session_end = _time_claim(payload, "auth_time") + self._max_session
            if session_end <= now:
                raise TokenRejectedError("session too old", "auth_time")
            not_after = min(not_after, session_end)
        if self._revoked and is_revoked(payload, self._revoked):
            raise TokenRejectedError("revoked", "jti")
        return (_ACCESS if access else _ID, not_before, not_after)

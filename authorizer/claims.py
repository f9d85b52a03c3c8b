"""Cognito claim checks (after the signature is verified), following aws-jwt-verify's Cognito profile,
stricter: ``exp``/``iat``/``sub`` are required and every time claim must be a plain integer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .config import Settings
from .errors import TokenRejectedError

_MAX_TIME = 1 << 40  # far beyond any real timestamp, small enough to stay exact


def _time_claim(payload: Mapping[str, Any], name: str, required: bool) -> int | None:
    value = payload.get(name)
    if value is None and name not in payload and not required:
        return None
    if type(value) is not int or not 0 <= value < _MAX_TIME:  # rejects bool, float, NaN, 1e400, str, null
        raise TokenRejectedError("invalid claim", name)
    return value


def check_claims(payload: Mapping[str, Any], settings: Settings, now: float) -> str:
    """Validate a verified token's claims; return its ``token_use``.

    Parameters
    ----------
    payload:
        The decoded payload of a token whose signature has been verified.
    settings:
        Issuer, client allow-list, accepted token use, leeway, session age, deny-list.
    now:
        Current Unix time.

    Returns
    -------
    str
        ``"access"`` or ``"id"``.

    Raises
    ------
    TokenRejectedError
        Naming the failing claim.
    """
    iss = payload.get("iss")
    if type(iss) is not str or iss != settings.issuer:
        raise TokenRejectedError("invalid claim", "iss")
    token_use = payload.get("token_use")
    if token_use not in ("access", "id") or (settings.token_use != "any" and token_use != settings.token_use):  # noqa: S105 - a claim name, not a secret
        raise TokenRejectedError("invalid claim", "token_use")
    audience_claim = "client_id" if token_use == "access" else "aud"  # noqa: S105 - a claim name, not a secret
    audience = payload.get(audience_claim)
    if type(audience) is not str or audience not in settings.client_ids:
        raise TokenRejectedError("invalid claim", audience_claim)
    leeway = settings.leeway
    exp = payload.get("exp")
    if type(exp) is not int or not 0 <= exp < _MAX_TIME:  # rejects bool, float, NaN, 1e400, str, null
        raise TokenRejectedError("invalid claim", "exp")
    if exp + leeway <= now:
        raise TokenRejectedError("expired", "exp")
    iat = payload.get("iat")
    if type(iat) is not int or not 0 <= iat < _MAX_TIME:
        raise TokenRejectedError("invalid claim", "iat")
    if iat > now + leeway:
        raise TokenRejectedError("invalid claim", "iat")
    if "nbf" in payload:
        nbf = _time_claim(payload, "nbf", True)
        if nbf is not None and nbf > now + leeway:
            raise TokenRejectedError("not yet valid", "nbf")
    sub = payload.get("sub")
    if type(sub) is not str or not sub:
        raise TokenRejectedError("invalid claim", "sub")
    if settings.require_username:
        name_claim = "username" if token_use == "access" else "cognito:username"  # noqa: S105 - a claim name, not a secret
        username = payload.get(name_claim)
        if type(username) is not str or not username:
            raise TokenRejectedError("invalid claim", name_claim)
    if settings.max_session_age is not None:
        auth_time = _time_claim(payload, "auth_time", True)
        if auth_time is not None and auth_time + settings.max_session_age < now:
            raise TokenRejectedError("session too old", "auth_time")
    if settings.revoked_jtis and is_revoked(payload, settings.revoked_jtis):
        raise TokenRejectedError("revoked", "jti")
    return str(token_use)


def is_revoked(payload: Mapping[str, Any], revoked: frozenset[str]) -> bool:
    """Return True when the token's ``jti`` or ``origin_jti`` is on the deny-list."""
    for name in ("origin_jti", "jti"):
        value = payload.get(name)
        if type(value) is str and value in revoked:
            return True
    return False

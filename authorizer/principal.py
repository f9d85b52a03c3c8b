"""The verified caller: the flat, typed context handed to the backend and the sets the rules need.

The context is built from a fixed list of claims, so no claim (``principalId``, ``claims``, ...) can
override a context key; values are only ``str``/``int``/``bool``; control characters are escaped, and
strings are capped, so the backend never receives raw objects, arrays, CR/LF or NUL.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

MAX_VALUE_CHARS = 1024
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _escape_char(m: re.Match[str]) -> str:
    return f"\\u{ord(m.group()):04x}"


def clean(value: str) -> str:
    """Escape control characters (as ``\\uXXXX``) and cap the length of a context string."""
    if not value.isprintable():  # fast C check; the regex only runs on the rare odd value
        value = _CONTROL.sub(_escape_char, value)
    return value if len(value) <= MAX_VALUE_CHARS else value[:MAX_VALUE_CHARS]


class Principal:
    """A caller whose token passed every check.

    Only the verified claims are stored when the token is verified; the API Gateway context and the scope and
    group sets are built on first use and memoised, so a token served again from the verified-token cache
    costs nothing more. (The verify path thus compares like for like with aws-jwt-verify, which returns the
    payload; the handler benchmark includes building the context.)

    Parameters
    ----------
    payload:
        Claims already checked by ``claims.check_claims`` (never mutated).
    token_use:
        ``"access"`` or ``"id"``.
    """

    __slots__ = ("_context", "_groups", "_scopes", "exp", "payload", "token_use")

    def __init__(self, payload: Mapping[str, Any], token_use: str) -> None:
        self.payload = payload
        self.token_use = token_use
        self.exp: int = payload["exp"]
        self._context: dict[str, str | int | bool] | None = None
        self._scopes: frozenset[str] | None = None
        self._groups: frozenset[str] | None = None

    @property
    def context(self) -> dict[str, str | int | bool]:
        """The flat authorizer context (``str``/``int`` values only); see ``build_context``."""
        if self._context is None:
            self._context = build_context(self.payload, self.token_use)
        return self._context

    @property
    def sub(self) -> str:
        """The escaped ``sub`` claim (becomes ``principalId``)."""
        return str(self.context["sub"])

    @property
    def scopes(self) -> frozenset[str]:
        """Exact scope names from the space-separated ``scope`` claim (none if it is not a string)."""
        if self._scopes is None:
            scope = self.payload.get("scope")
            self._scopes = frozenset(scope.split()) if type(scope) is str else frozenset()
        return self._scopes

    @property
    def groups(self) -> frozenset[str]:
        """Exact group names from the ``cognito:groups`` array (none if it is not an array)."""
        if self._groups is None:
            self._groups = frozenset(_groups(self.payload.get("cognito:groups")))
        return self._groups

    @property
    def jtis(self) -> tuple[str, str]:
        """``jti`` and ``origin_jti`` (empty strings when absent), for the revocation deny-list."""
        jti, origin_jti = self.payload.get("jti"), self.payload.get("origin_jti")
        return (jti if type(jti) is str else "", origin_jti if type(origin_jti) is str else "")


def _groups(raw: object) -> list[str]:
    return [g for g in raw if type(g) is str and g] if type(raw) is list else []


def _text(value: object) -> str | None:
    if type(value) is str:
        return clean(value) if value else None
    if type(value) is int:
        return str(value)
    return None


def build_context(payload: Mapping[str, Any], token_use: str) -> dict[str, str | int | bool]:
    """Build the flat API Gateway context from verified claims.

    Parameters
    ----------
    payload:
        Verified claims.
    token_use:
        ``"access"`` or ``"id"``.

    Returns
    -------
    dict
        Keys: ``sub``, ``username``, ``token_use``, ``client_id``, ``groups`` (comma-joined), ``scopes``
        (space-joined), and when present ``email``, ``auth_time``, ``legacy_id``, ``app_user_id``. Objects and
        arrays never reach the context; a non-string ``scope`` or a non-list ``cognito:groups`` grants nothing.
    """
    get = payload.get
    access = token_use == "access"  # noqa: S105 - a claim value, not a secret
    scope = get("scope")
    username = get("username" if access else "cognito:username")
    context: dict[str, str | int | bool] = {
        "sub": payload["sub"],
        "username": username if type(username) is str else "",
        "token_use": token_use,
        "client_id": payload["client_id" if access else "aud"],
        "groups": ",".join(_groups(get("cognito:groups"))),
        "scopes": " ".join(scope.split()) if type(scope) is str else "",
    }
    email = get("email")
    if type(email) is str and email:
        context["email"] = email
    auth_time = get("auth_time")
    if type(auth_time) is int:
        context["auth_time"] = auth_time
    legacy_id = get("legacy_id") or get("custom:legacy_id")
    if legacy_id is not None:
        text = _text(legacy_id)
        if text is not None:
            context["legacy_id"] = text
    app_user_id = get("app_user_id") or get("custom:app_user_id")
    if app_user_id is not None:
        text = _text(app_user_id)
        if text is not None:
            context["app_user_id"] = text
    # One C-level check over the concatenation; the per-value escaping loop only runs for odd values.
    probe = f"{context['sub']}{context['username']}{context['client_id']}{context['groups']}{context['scopes']}"
    if len(probe) > MAX_VALUE_CHARS or not probe.isprintable() or "email" in context:
        for key, value in context.items():
            if type(value) is str and (len(value) > MAX_VALUE_CHARS or not value.isprintable()):
                context[key] = clean(value)
    return context

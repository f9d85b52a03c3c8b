"""The verified caller: the flat, typed context handed to the backend and the sets the rules need.

The context is built from a fixed list of claims, so no claim (``principalId``, ``claims``, ...) can
override a context key; values are only ``str``/``int``/``bool``; every non-printable character is escaped
(control characters, CR/LF, NUL, and the invisible or bidirectional format characters such as U+202E,
U+200B, U+2066-U+2069 and U+FEFF that could make a logged or displayed value lie), and strings are capped,
so the backend never receives raw objects, arrays or characters it might render misleadingly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .claims import Verdict

if TYPE_CHECKING:
    from .trust import TrustedIssuer

MAX_VALUE_CHARS = 1024


def _escape_char(ch: str) -> str:
    code = ord(ch)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def clean(value: str) -> str:
    """Escape every non-printable character and cap the length of a context string.

    Non-printable is ``str.isprintable``'s definition: Unicode categories Cc (C0/C1 controls), Cf (format
    characters: bidi overrides and isolates U+202A-U+202E, U+2066-U+2069, zero-width U+200B-U+200F, U+FEFF),
    Zl/Zp (U+2028/U+2029), Zs other than the ASCII space, Co, Cs (lone surrogates) and Cn. Each becomes
    ``\\uXXXX`` (``\\UXXXXXXXX`` beyond the BMP).
    """
    if not value.isprintable():  # fast C check; the per-character loop only runs on the rare odd value
        value = "".join(ch if ch.isprintable() else _escape_char(ch) for ch in value)
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
        Claims already checked by ``claims.ClaimRules.check`` (never mutated).
    verdict:
        What that check concluded: the token use and the window in which the token stays acceptable
        (``not_before <= now < not_after``), re-checked on every verified-token cache hit.
    source:
        The issuer whose key verified the token (its pool and region reach the context when configured so).
    generation:
        ``source.keys.generation`` when the token was verified: a verified-token cache hit is only served
        while it is unchanged (no key of that issuer withdrawn or replaced since).
    """

    __slots__ = (
        "_context", "_groups", "_scopes", "generation", "not_after", "not_before", "payload", "source", "token_use"
    )

    def __init__(
        self, payload: Mapping[str, Any], verdict: Verdict, source: TrustedIssuer | None = None, generation: int = 0
    ) -> None:
        self.payload = payload
        self.token_use, self.not_before, self.not_after = verdict
        self.source = source
        self.generation = generation
        self._context: dict[str, str | int | bool] | None = None
        self._scopes: frozenset[str] | None = None
        self._groups: frozenset[str] | None = None

    @property
    def context(self) -> dict[str, str | int | bool]:
        """The flat authorizer context (``str``/``int`` values only); see ``build_context``."""
        if self._context is None:
            context = build_context(self.payload, self.token_use)
            if self.source is not None and self.source.context:
                context.update(self.source.context)  # configuration values: checked at cold start
            self._context = context
        return self._context

    @property
    def pool_id(self) -> str:
        """The user pool whose issuer signed the token (``""`` when unknown, e.g. a bare emulator issuer)."""
        return "" if self.source is None else self.source.config.pool_id

    @property
    def sub(self) -> str:
        """The escaped ``sub`` claim (becomes ``principalId``)."""
        return str(self.context["sub"])

    @property
    def scopes(self) -> frozenset[str]:
        """Exact scope names from the ``scope`` claim split on U+0020 only (none if it is not a string).

        RFC 6749 §3.3 separates scope tokens with U+0020 alone: a TAB, NBSP or U+3000 inside the claim does
        not split it, so such a string stays one opaque scope (which no rule name can match).
        """
        if self._scopes is None:
            scope = self.payload.get("scope")
            self._scopes = frozenset(s for s in scope.split(" ") if s) if type(scope) is str else frozenset()
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


def _joined_groups(raw: object) -> str:
    """``cognito:groups`` comma-joined; non-strings and empty names dropped (``",".join`` of a clean list is C)."""
    if type(raw) is not list:
        return ""
    try:
        if "" not in raw:
            return ",".join(raw)
    except TypeError:  # a non-string member: the filtering path below
        pass
    return ",".join(_groups(raw))


def _scope_text(scope: str) -> str:
    """The scopes split on U+0020 only and re-joined (the claim itself when already in that form: the usual case)."""
    if "  " not in scope and scope[:1] != " " and scope[-1:] != " ":
        return scope
    return " ".join(s for s in scope.split(" ") if s)


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
        (split on U+0020 only, space-joined), and when present ``email``, ``auth_time``, ``legacy_id``,
        ``app_user_id``. Objects and arrays never reach the context; a non-string ``scope`` or a non-list
        ``cognito:groups`` grants nothing.
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
        "groups": _joined_groups(get("cognito:groups")),
        "scopes": _scope_text(scope) if type(scope) is str else "",
    }
    email = get("email")
    if type(email) is str and email:
        context["email"] = email
    auth_time = get("auth_time")
    if type(auth_time) is int:
        context["auth_time"] = auth_time
    # Inline rather than a helper per claim: this runs once per verified token (the handler's budget is tight).
    legacy_id = get("legacy_id") or get("custom:legacy_id")
    if (type(legacy_id) is str and legacy_id) or type(legacy_id) is int:  # a non-empty string or an integer
        context["legacy_id"] = str(legacy_id)
    app_user_id = get("app_user_id") or get("custom:app_user_id")
    if (type(app_user_id) is str and app_user_id) or type(app_user_id) is int:
        context["app_user_id"] = str(app_user_id)
    # One C-level check over every string value; the per-value escaping loop only runs for odd values.
    probe = (
        f"{context['sub']}{context['username']}{context['client_id']}{context['groups']}{context['scopes']}"
        f"{context.get('email', '')}{context.get('legacy_id', '')}{context.get('app_user_id', '')}"
    )
    if len(probe) > MAX_VALUE_CHARS or not probe.isprintable():
        for key, value in context.items():
            if type(value) is str and (len(value) > MAX_VALUE_CHARS or not value.isprintable()):
                context[key] = clean(value)
    return context

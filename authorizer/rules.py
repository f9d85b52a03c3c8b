"""Route rules: which scopes and groups each method + path requires.

``ROUTE_RULES`` is a JSON array; the first rule whose ``route`` matches decides::

    [
      {"route": "GET /reports/**",  "scopes_any": ["reports/read", "reports/admin"]},
      {"route": "POST /reports/*",  "scopes_all": ["reports/write"], "groups_any": ["editors"]},
      {"route": "* /admin/**",      "groups_all": ["admins", "staff"]},
      {"route": "ANY /health",      "public_to_any_valid_token": true}
    ]

``route`` is ``"<METHOD> <PATH>"``: METHOD is an HTTP verb, ``*`` or ``ANY``; PATH segments are literal,
``*`` (exactly one segment) or a final ``**`` (any remainder, including none). A rule with no requirement
allows any valid token. Routes matching no rule get ``ROUTE_DEFAULT`` (``deny`` unless set to ``allow``).
Scopes and groups compare exactly (case-sensitive, whole names): ``admin`` never matches ``adminx``.
``pools`` (a list of user pool ids) requires the token to come from one of those configured pools.

A name in a rule may not contain whitespace or a non-printable character: RFC 6749 §3.3 scope tokens are
printable ASCII without spaces, and Cognito group names exclude separators, so such a rule could never be met
by a real token. The ``scope`` claim is split on U+0020 only (RFC 6749 §3.3), so a scope holding a TAB, NBSP
or U+3000 stays one opaque scope, which can match no rule name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "*", "ANY"})
_KNOWN_KEYS = frozenset(
    {"route", "scopes_any", "scopes_all", "groups_any", "groups_all", "pools", "public_to_any_valid_token"}
)


@dataclass(frozen=True, slots=True)
class RouteRule:
    """One rule: a route pattern and its requirements (empty tuples mean "no requirement")."""

    method: str
    segments: tuple[str, ...]
    scopes_any: frozenset[str] = frozenset()
    scopes_all: frozenset[str] = frozenset()
    groups_any: frozenset[str] = frozenset()
    groups_all: frozenset[str] = frozenset()
    pools: frozenset[str] = frozenset()

    def matches(self, method: str, path_segments: tuple[str, ...]) -> bool:
        """Return True when this rule's route covers ``method`` + ``path_segments``."""
        if self.method != "*" and self.method != method:
            return False
        pattern = self.segments
        if pattern and pattern[-1] == "**":
            head = pattern[:-1]
            return len(path_segments) >= len(head) and all(
                p in ("*", s) for p, s in zip(head, path_segments, strict=False)
            )
        return len(pattern) == len(path_segments) and all(
            p in ("*", s) for p, s in zip(pattern, path_segments, strict=True)
        )

    def satisfied_by(self, scopes: frozenset[str], groups: frozenset[str], pool: str = "") -> bool:
        """Return True when the caller's scopes, groups and user pool meet every requirement of the rule."""
        return (
            (not self.pools or pool in self.pools)
            and (not self.scopes_any or not self.scopes_any.isdisjoint(scopes))
            and self.scopes_all <= scopes
            and (not self.groups_any or not self.groups_any.isdisjoint(groups))
            and self.groups_all <= groups
        )


def split_path(path: str) -> tuple[str, ...]:
    """Split ``/a/b/`` into ``("a", "b")`` (empty segments dropped)."""
    return tuple(s for s in path.split("/") if s)


def _names(rule: dict[str, Any], key: str) -> frozenset[str]:
    value = rule.get(key, [])
    if type(value) is not list or not all(type(v) is str and v and _plain(v) for v in value):
        raise ValueError(f"{key} must be a list of non-empty names without whitespace or control characters")
    return frozenset(value)


def _plain(name: str) -> bool:
    return name.isprintable() and not any(ch.isspace() for ch in name)


def _parse_route(route: object) -> tuple[str, tuple[str, ...]]:
    if type(route) is not str or route.count(" ") != 1:
        raise ValueError('route must look like "GET /path/*"')
    method, path = route.split(" ")
    method = method.upper()
    if method not in _METHODS:
        raise ValueError(f"unknown method {method!r}")
    if not path.startswith("/"):
        raise ValueError("path must start with /")
    segments = split_path(path)
    if "**" in segments[:-1]:
        raise ValueError("** is only allowed as the last segment")
    return ("*" if method == "ANY" else method), segments


def parse_rules(text: str) -> tuple[RouteRule, ...]:
    """Parse ``ROUTE_RULES`` JSON into rules.

    Parameters
    ----------
    text:
        A JSON array of rule objects (see the module docstring).

    Returns
    -------
    tuple of RouteRule
        In evaluation order.

    Raises
    ------
    ValueError
        With a message naming the faulty rule.
    """
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise ValueError("not valid JSON") from exc
    except RecursionError:
        raise ValueError("nested too deeply") from None
    if type(raw) is not list:
        raise ValueError("must be a JSON array of rules")
    rules = []
    for i, item in enumerate(raw):
        try:
            if type(item) is not dict:
                raise ValueError("must be an object")
            unknown = set(item) - _KNOWN_KEYS
            if unknown:
                raise ValueError(f"unknown keys {sorted(unknown)}")
            method, segments = _parse_route(item.get("route"))
            rule = RouteRule(
                method,
                segments,
                _names(item, "scopes_any"),
                _names(item, "scopes_all"),
                _names(item, "groups_any"),
                _names(item, "groups_all"),
                _names(item, "pools"),
            )
            open_rule = not (rule.scopes_any or rule.scopes_all or rule.groups_any or rule.groups_all or rule.pools)
            if open_rule and item.get("public_to_any_valid_token") is not True:
                raise ValueError('has no requirement: say "public_to_any_valid_token": true if intended')
        except ValueError as exc:
            raise ValueError(f"rule {i}: {exc}") from None
        rules.append(rule)
    return tuple(rules)


def decide(
    rules: tuple[RouteRule, ...],
    default_allow: bool,
    method: str,
    path: str,
    scopes: frozenset[str],
    groups: frozenset[str],
    pool: str = "",
) -> bool:
    """Return True when the first rule matching ``method`` + ``path`` is satisfied (else the default).

    A path with ``.`` or ``..`` segments is refused outright: the rules must not be matched against a path
    that the backend might resolve to another route.
    """
    segments = split_path(path)
    if "." in segments or ".." in segments:
        return False
    for rule in rules:
        if rule.matches(method, segments):
            return rule.satisfied_by(scopes, groups, pool)
    return default_allow


def route_independent(
    rules: tuple[RouteRule, ...], default_allow: bool, scopes: frozenset[str], groups: frozenset[str], pool: str = ""
) -> bool:
    """Return True when this caller is allowed on every route (so a wildcard Allow is cache-safe)."""
    return default_allow and all(rule.satisfied_by(scopes, groups, pool) for rule in rules)

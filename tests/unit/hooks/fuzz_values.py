"""Hypothesis strategies shared by the hooks' fuzz tests: hostile strings, odd types, huge values."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

hostile_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "'; DROP TABLE app_users; --", "a@b.c\r\nBcc: x", "\x00", "\ud800", "ﬁ@example.com",
                     "x" * 5000, "alice@example.com", "1042", "level:100", "$2y$10$" + "a" * 53]),
)
json_values: st.SearchStrategy[Any] = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), hostile_text),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(hostile_text, inner, max_size=4)),
    max_leaves=12,
)
ATTRIBUTE_NAMES = ["sub", "email", "email_verified", "custom:legacy_id", "custom:app_user_id", "custom:legacy_roles",
                   "custom:password_hash", "phone_number", "name"]


def attribute_maps() -> st.SearchStrategy[Any]:
    """Mostly attribute dicts with real names and hostile values; sometimes not a dict at all."""
    return st.one_of(
        st.dictionaries(st.sampled_from(ATTRIBUTE_NAMES), st.one_of(hostile_text, json_values), max_size=8),
        json_values,
    )


def field_paths(value: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every key path in a JSON object tree (``("region",)``, ``("request", "userAttributes", "email")``...)."""
    out: list[tuple[str, ...]] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            out.append((*prefix, key))
            out.extend(field_paths(inner, (*prefix, key)))
    return out


odd_values: st.SearchStrategy[Any] = st.one_of(
    st.sampled_from([None, [], [1], ["x"], {}, 0, -1, 2**63, 3.5, float("nan"), True, False, "", "x" * 5000]),
    json_values,
)


def mutate(event: dict[str, Any], path: tuple[str, ...], value: Any, *, delete: bool = False) -> dict[str, Any]:
    """A deep copy of ``event`` with the field at ``path`` replaced by ``value`` (or deleted)."""
    out = copy.deepcopy(event)
    parent: Any = out
    for key in path[:-1]:
        parent = parent[key]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return out


@st.composite
def mutated_events(draw: st.DrawFn, base: dict[str, Any]) -> Any:
    """A real-shaped event with 1-4 of its fields (any depth) replaced by odd values or deleted; sometimes not
    an object at all (the whole event replaced)."""
    if draw(st.integers(0, 11)) == 0:
        return draw(odd_values)
    event = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 4))):
        paths = field_paths(event)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        event = mutate(event, path, draw(odd_values), delete=draw(st.integers(0, 4)) == 0)
    return event

"""Hypothesis strategies for hostile events: a real-shaped event with one field replaced, removed or given
a hostile value, or an arbitrary JSON value in place of the whole event."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

HOSTILE_TEXT = st.sampled_from([
    "", " ", "\x00", "a" * 5000, "\ud800", "' OR 1=1 --", "%s%s%s", "${jndi:ldap://x}", "<script>", "\r\n",
    "admin@example.com", "Bearer ", "eyJ.eyJ.", "NaN", "-1", "9" * 400, "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "user\u202e", "true",
])

JSON_LEAF = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=40), HOSTILE_TEXT,
)
JSON = st.recursive(
    JSON_LEAF,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path in a JSON document (dict keys and list indexes), the root excluded."""
    out: list[tuple[Any, ...]] = []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        out.append((*prefix, key))
        out.extend(paths(child, (*prefix, key)))
    return out


def _set(doc: Any, path: tuple[Any, ...], value: Any, delete: bool) -> None:
    for key in path[:-1]:
        doc = doc[key]
    if delete and isinstance(doc, dict):
        doc.pop(path[-1], None)
    else:
        doc[path[-1]] = value


@st.composite
def mutated(draw: st.DrawFn, base: dict[str, Any]) -> tuple[str, Any]:
    """``(description, event)``: ``base`` with 1-3 fields changed, or a wholly arbitrary value (5 %)."""
    if draw(st.integers(0, 19)) == 0:
        value = draw(JSON)
        return f"whole event replaced by {type(value).__name__}", value
    event = copy.deepcopy(base)
    changed = []
    for _ in range(draw(st.integers(1, 3))):
        candidates = paths(event)
        if not candidates:
            break
        path = draw(st.sampled_from(candidates))
        delete = draw(st.booleans()) and draw(st.booleans())
        _set(event, path, None if delete else draw(JSON), delete)
        changed.append(("-" if delete else "~") + ".".join(str(p) for p in path))
    return " ".join(changed), event

"""Hypothesis strategies shared by the hooks' fuzz tests: hostile strings, odd types, huge values."""

from __future__ import annotations

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

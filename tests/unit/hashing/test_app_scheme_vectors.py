"""Known answers of the issue 15 apps (Keycloak, Firebase, LDAP, Atlassian, PHP, Werkzeug, passlib, Spring),
checked scheme by scheme until the apps get their :func:`get_context` entries.

Each vector names our registry scheme (``scheme``) and, under ``extra.fields``, the row fields it needs.
"""

from __future__ import annotations

import pytest

from legacy_auth.errors import HashError
from legacy_auth.hashing import SCHEMES, Strength

from .vectors import Vector, load_vectors, params

SCHEME_VECTORS = [v for v in load_vectors() if v.scheme_level]


@pytest.mark.parametrize("vector", params(SCHEME_VECTORS))
def test_scheme_answers_what_the_app_answered(vector: Vector) -> None:
    scheme = SCHEMES[vector.scheme]
    if vector.expect:
        assert scheme.identify(vector.stored) is True
        assert scheme.verify(vector.password, vector.stored, **vector.fields) is True
        assessed = scheme.assess(vector.stored or "", vector.fields)
        assert assessed.scheme == vector.scheme
        assert assessed.needs_upgrade is (assessed.strength is not Strength.STRONG)
    else:
        try:
            answer = scheme.verify(vector.password, vector.stored, **vector.fields)
        except HashError:
            return  # the app refused the value; a typed hash error is our equivalent refusal
        assert answer is False


def test_every_issue15_app_has_at_least_ten_vectors_with_a_refusal_and_non_ascii() -> None:
    by_app: dict[str, list[Vector]] = {}
    for v in SCHEME_VECTORS:
        by_app.setdefault(v.app, []).append(v)
    assert by_app, "no issue 15 vectors loaded"
    for app, vectors in by_app.items():
        assert len(vectors) >= 10, app
        assert any(not v.expect for v in vectors), app
        assert any(not v.password.isascii() for v in vectors), app

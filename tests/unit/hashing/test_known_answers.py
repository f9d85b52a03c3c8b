"""Known-answer tests: for every vector, we answer what the legacy application answered."""

from __future__ import annotations

import pytest

from legacy_auth.errors import HashError
from legacy_auth.hashing import SCHEMES

from .vectors import Vector, load_vectors, params

VECTORS = load_vectors()


@pytest.mark.parametrize("vector", params(VECTORS))
def test_verify_answers_what_the_legacy_app_answered(vector: Vector) -> None:
    ctx = vector.context()
    if vector.expect:
        result = ctx.verify(vector.password, vector.stored, **vector.fields)
        assert result.ok is True
        assert result.scheme == vector.expected_scheme
        assert result.needs_upgrade is SCHEMES[result.scheme].needs_upgrade
    else:
        try:
            result = ctx.verify(vector.password, vector.stored, **vector.fields)
        except HashError:
            return  # the legacy app answered "no"; a typed hash error is our equivalent refusal
        assert result.ok is False


@pytest.mark.parametrize("vector", params([v for v in VECTORS if v.expect and not v.slow]))
def test_identify_names_the_scheme_of_every_valid_vector(vector: Vector) -> None:
    # a q2a row holding the legacy pair is identified by the pair (q2a checks it first), even if passhash decides
    expected = "q2a_sha1" if "passsalt" in vector.fields else vector.expected_scheme
    assert vector.context().identify(vector.stored, **vector.fields).name == expected


def test_every_vector_app_and_scheme_is_covered() -> None:
    assert len(VECTORS) >= 127
    assert {v.expected_scheme for v in VECTORS} <= set(SCHEMES)

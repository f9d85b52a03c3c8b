"""Known-answer tests: for every vector, we answer what the legacy application answered."""

from __future__ import annotations

import pytest

from legacy_auth.errors import HashError
from legacy_auth.hashing import SCHEMES, Strength

from .vectors import Vector, load_vectors, params

VECTORS = load_vectors()
#: vectors of apps with a get_context entry; the others (issue 15) are checked in test_app_scheme_vectors.py
CONTEXT_VECTORS = [v for v in VECTORS if not v.scheme_level]


@pytest.mark.parametrize("vector", params(CONTEXT_VECTORS))
def test_verify_answers_what_the_legacy_app_answered(vector: Vector) -> None:
    ctx = vector.context()
    if vector.expect:
        result = ctx.verify(vector.password, vector.stored, **vector.fields)
        assert result.ok is True
        assert result.scheme == vector.expected_scheme
        # per hash (its own cost, not the scheme's usual one); a q2a row whose passhash decided is assessed by it
        passhash_decided = vector.app == "q2a" and result.scheme != "q2a_sha1"
        assessed = ctx.assess(vector.stored, **({} if passhash_decided else vector.fields))
        assert assessed.scheme == result.scheme
        assert result.needs_upgrade is assessed.needs_upgrade is (assessed.strength is not Strength.STRONG)
    else:
        try:
            result = ctx.verify(vector.password, vector.stored, **vector.fields)
        except HashError:
            return  # the legacy app answered "no"; a typed hash error is our equivalent refusal
        assert result.ok is False


@pytest.mark.parametrize("vector", params([v for v in CONTEXT_VECTORS if v.expect and not v.slow]))
def test_identify_names_the_scheme_of_every_valid_vector(vector: Vector) -> None:
    # a q2a row holding the legacy pair is identified by the pair (q2a checks it first), even if passhash decides
    expected = "q2a_sha1" if "passsalt" in vector.fields else vector.expected_scheme
    assert vector.context().identify(vector.stored, **vector.fields).name == expected


#: vectors per file (tests/vectors/README.md says how each was made); a changed count must be deliberate
VECTOR_COUNTS = {
    "aspnetcore-constants.jsonl": 8,
    "atlassian-generated.jsonl": 15,
    "devise-generated.jsonl": 11,
    "discourse-generated.jsonl": 12,
    "firebase-generated.jsonl": 12,
    "ghost-generated.jsonl": 32,
    "django-generated.jsonl": 64,
    "keycloak-generated.jsonl": 24,
    "ldap-generated.jsonl": 48,
    "ldap389-generated.jsonl": 12,
    "legacy-hash-vectors.jsonl": 127,
    "mariadb-generated.jsonl": 4,
    "passlib-generated.jsonl": 100,
    "php-generated-issue15.jsonl": 54,
    "php-generated.jsonl": 115,
    "prestashop-generated.jsonl": 13,
    "spring-generated.jsonl": 100,
    "invision-generated.jsonl": 22,
    "mediawiki-generated.jsonl": 62,
    "moodle-generated.jsonl": 32,
    "opencart-generated.jsonl": 32,
    "symfony-generated.jsonl": 4,
    "werkzeug-generated.jsonl": 37,
    "vbulletin-generated.jsonl": 34,
    "mybb-generated.jsonl": 13,
    "smf-generated.jsonl": 30,
    "xenforo-generated.jsonl": 24,
}


def test_vector_counts_are_pinned_per_file() -> None:
    counts: dict[str, int] = {}
    for v in VECTORS:
        counts[v.source] = counts.get(v.source, 0) + 1
    assert counts == VECTOR_COUNTS
    assert len(VECTORS) == sum(VECTOR_COUNTS.values()) == 1041  # 333 before issue 15


def test_every_vector_app_and_scheme_is_covered() -> None:
    assert {v.expected_scheme for v in VECTORS} <= set(SCHEMES)

"""Known answers of the issue 15 apps: every one is wired to :func:`legacy_auth.apps.get_context`, so its vectors
run through the app's own context in ``test_known_answers.py``. Here: none is left at scheme level, and the issue's
floor for every issue 15 app: at least ten vectors, with a refusal and a non-ASCII password among them.
"""

from __future__ import annotations

from legacy_auth.apps import NAMES

from .vectors import Vector, load_vectors

SCHEME_VECTORS = [v for v in load_vectors() if v.scheme_level]
#: the 13 apps before issue 15; every later name in the registry is an issue 15 app
BEFORE_ISSUE_15 = frozenset(NAMES[:13])


def test_every_issue15_app_has_at_least_ten_vectors_with_a_refusal_and_non_ascii() -> None:
    by_app: dict[str, list[Vector]] = {}
    for v in load_vectors():
        if v.app not in BEFORE_ISSUE_15:
            by_app.setdefault(v.app, []).append(v)
    assert set(by_app) == set(NAMES) - BEFORE_ISSUE_15, "an issue 15 app without vectors"
    for app, vectors in by_app.items():
        assert len(vectors) >= 10, app
        assert any(not v.expect for v in vectors), app
        assert any(not v.password.isascii() for v in vectors), app


def test_no_vector_is_left_at_scheme_level_once_every_app_is_wired() -> None:
    assert SCHEME_VECTORS == []

"""The scheme registry: names, classifications, cheap identify, and vector coverage of every scheme."""

from __future__ import annotations

import re

import pytest

from legacy_auth.hashing import SCHEMES, Scheme, Strength

from .scheme_vectors import load_scheme_vectors
from .vectors import load_vectors

NAME = re.compile(r"^[a-z][a-z0-9_]+[a-z0-9]$")


@pytest.mark.parametrize("scheme", list(SCHEMES.values()), ids=list(SCHEMES))
def test_every_scheme_is_named_and_classified(scheme: Scheme) -> None:
    assert NAME.match(scheme.name)
    assert SCHEMES[scheme.name] is scheme
    assert isinstance(scheme.strength, Strength)
    assert scheme.needs_upgrade is (scheme.strength is not Strength.STRONG)
    assert scheme.identify(None) is False
    assert scheme.identify("") is False


def test_every_scheme_is_exercised_by_positive_vectors() -> None:
    covered = {v.expected_scheme for v in load_vectors() if v.expect}
    covered |= {v.scheme for v in load_scheme_vectors() if v.expect}  # issue 15 apps not wired to a context yet
    # django_unusable: no password ever matches it; magento1_md5: Magento 2.4 refuses version-less rows, so it is
    # only reachable with the magento_legacy_rows opt-in (tests/unit/hashing/test_app_rules.py)
    assert set(SCHEMES) - covered == {"django_unusable", "magento1_md5"}


def test_weak_formats_are_flagged_for_upgrade_and_modern_ones_are_not() -> None:
    assert SCHEMES["bcrypt"].strength is Strength.STRONG
    assert not SCHEMES["bcrypt"].needs_upgrade
    assert SCHEMES["phpass"].needs_upgrade
    assert SCHEMES["phpass"].strength is Strength.WEAK
    assert SCHEMES["hex_md5"].strength is Strength.BROKEN
    assert SCHEMES["mysql41"].strength is Strength.BROKEN


def test_scheme_verify_works_without_an_app_context() -> None:
    stored = "$P$BYOKYRZDEF1n4aakAwen1rw9NE9nDG."  # WordPress phpass of the empty string (shared vectors)
    assert SCHEMES["phpass"].verify("", stored) is True
    assert SCHEMES["phpass"].verify(b"x", stored) is False
    assert SCHEMES["hex_sha1"].identify("a" * 40) is True

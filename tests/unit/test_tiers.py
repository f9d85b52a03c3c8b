"""The test tiers themselves: every rule still names real tests, fuzzing is slow, make test leaves nothing out."""

from __future__ import annotations

import fnmatch
import re
import shlex
import tomllib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import tiers

ROOT = Path(__file__).resolve().parents[2]


def _recipe(target: str) -> list[str]:
    """The shell lines of a Makefile target's recipe."""
    lines = (ROOT / "Makefile").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
    body = []
    for line in lines[start + 1:]:
        if not line.startswith("\t"):
            break
        body.append(line.strip())
    return body


def _pytest_args(target: str) -> list[str]:
    (line,) = [line for line in _recipe(target) if "/bin/pytest" in line]
    return shlex.split(line)[1:]


_DESELECTING = ("-m", "-k", "--deselect", "--ignore", "--ignore-glob", "--lf", "--last-failed", "-x", "--exitfirst")


def _rule_id(rule: tiers.Rule) -> str:
    return f"{rule.marker}:{rule.files}::{rule.tests}[{rule.params}]"


@pytest.mark.parametrize("rule", tiers.RULES, ids=_rule_id)
def test_every_tier_rule_still_names_at_least_one_test(rule: tiers.Rule) -> None:
    files = [p for p in ROOT.glob(rule.files) if p.is_file() and p.name.startswith("test_")]
    assert files, f"{_rule_id(rule)}: no test file matches any more (moved or renamed?); update tests/support/tiers.py"
    defined = {name for path in files
               for name in re.findall(r"^def (test_\w+)", path.read_text(encoding="utf-8"), re.MULTILINE)}
    assert any(fnmatch.fnmatchcase(name, rule.tests) for name in defined), (
        f"{_rule_id(rule)}: no test function matches any more (renamed?); update tests/support/tiers.py")


def test_each_rule_uses_a_declared_marker_and_says_why() -> None:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    declared = {m.split(":", 1)[0] for m in data["tool"]["pytest"]["ini_options"]["markers"]}
    for rule in tiers.RULES:
        assert rule.marker in declared
        assert rule.reason


def test_a_rule_marks_the_tests_it_names_and_no_others() -> None:
    assert tiers.markers_for("tests/unit/template/test_lint.py::test_x", None) == {"static"}
    assert tiers.markers_for("tests/unit/authorizer/test_fuzz.py::test_y", None) == {"slow"}
    assert tiers.markers_for("tests/unit/authorizer/test_happy_paths.py::test_z", None) == set()
    assert tiers.markers_for("tests/unit/templates_extra/test_a.py::test_b", None) == set()
    assert tiers.markers_for("tests/test_infrastructure.py::test_make_help_lists_x", None) == {"static"}
    assert tiers.markers_for("tests/test_infrastructure.py::test_shared_vectors_are_present", None) == set()


def test_costly_apps_are_slow_by_parameter_id_and_cheap_apps_stay_fast() -> None:
    rules = "tests/unit/hashing/test_app_rules.py::test_malformed_hashes_raise_corrupt_hash_error"
    assert tiers.markers_for(f"{rules}[django-pbkdf2_sha256$0$salt$aGFzaA==]", None) == {"slow"}
    assert tiers.markers_for(f"{rules}[symfony]", None) == {"slow"}
    assert tiers.markers_for(f"{rules}[wordpress-$wp$2y$10$x]", None) == set()
    assert tiers.markers_for(f"{rules}[djangox]", None) == set()
    answers = "tests/unit/hashing/test_known_answers.py::test_verify_answers_what_the_legacy_app_answered"
    assert tiers.markers_for(f"{answers}[php-generated:78-symfony-symfony_bcrypt-False]", None) == {"slow"}
    assert tiers.markers_for(f"{answers}[php-generated:79-symfony-symfony_bcrypt-True]", None) == set()
    assert tiers.markers_for(f"{answers}[php-generated:12-q2a-q2a_sha1-False]", None) == set()


def _plain(x: int) -> None:
    assert isinstance(x, int)


@settings(max_examples=tiers.FUZZ_EXAMPLES_ABOVE + 1)
@given(st.integers())
def _fuzz_settings_outside(x: int) -> None:
    assert isinstance(x, int)


@given(st.integers())
@settings(max_examples=300)
def _fuzz_settings_inside(x: int) -> None:
    assert isinstance(x, int)


@given(st.integers())
@settings(max_examples=25)
def _property(x: int) -> None:
    assert isinstance(x, int)


@given(st.integers())
def _default_property(x: int) -> None:
    assert isinstance(x, int)


def test_a_given_test_asking_for_more_examples_than_hypothesis_default_is_slow_in_either_decorator_order() -> None:
    node = "tests/unit/hooks/test_x.py::test_y"
    assert tiers.fuzz_examples(_fuzz_settings_outside) == tiers.FUZZ_EXAMPLES_ABOVE + 1
    assert tiers.fuzz_examples(_fuzz_settings_inside) == 300
    assert tiers.markers_for(node, _fuzz_settings_outside) == {"slow"}
    assert tiers.markers_for(node, _fuzz_settings_inside) == {"slow"}


def test_a_property_test_with_default_or_fewer_examples_stays_in_the_fast_tier() -> None:
    node = "tests/unit/hooks/test_x.py::test_y"
    assert tiers.fuzz_examples(_property) == 25
    assert tiers.fuzz_examples(_default_property) == 100
    assert tiers.fuzz_examples(_plain) is None
    assert tiers.markers_for(node, _property) == set()
    assert tiers.markers_for(node, _default_property) == set()


def _item(function: Any, *fixtures: str) -> Any:
    return SimpleNamespace(obj=function, fixturenames=list(fixtures), nodeid=f"tests/x.py::{function.__name__}")


def test_a_given_test_taking_the_shared_lambda_context_is_refused_at_collection() -> None:
    bad = _item(_property, "lambda_context", "monkeypatch")
    assert tiers.shared_deadline_misuses([bad, _item(_property, "new_lambda_context")]) == [bad.nodeid]
    with pytest.raises(pytest.UsageError, match="new_lambda_context"):
        tiers.apply([bad])


def test_the_suite_runs_hypothesis_with_no_wall_clock_verdicts() -> None:
    assert settings.default.deadline is None
    assert HealthCheck.too_slow in settings.default.suppress_health_check
    assert _default_property._hypothesis_internal_use_settings.deadline is None  # type: ignore[attr-defined]


def test_a_given_test_setting_a_per_example_deadline_is_refused_at_collection() -> None:
    @given(st.integers())
    @settings(deadline=200)
    def timed(x: int) -> None:
        assert isinstance(x, int)

    assert tiers.wall_clock_misuses([_item(timed), _item(_property), _item(_plain)]) == [_item(timed).nodeid]
    with pytest.raises(pytest.UsageError, match="deadline"):
        tiers.apply([_item(timed)])


def test_a_given_test_whose_own_health_check_list_turns_too_slow_back_on_is_refused_at_collection() -> None:
    @given(st.integers())
    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
    def fixture_only(x: int) -> None:
        assert isinstance(x, int)

    @given(st.integers())
    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    def both(x: int) -> None:
        assert isinstance(x, int)

    assert tiers.wall_clock_misuses([_item(fixture_only), _item(both)]) == [_item(fixture_only).nodeid]
    with pytest.raises(pytest.UsageError, match="too_slow"):
        tiers.apply([_item(fixture_only)])


def test_a_plain_test_may_take_the_lambda_context() -> None:
    assert tiers.shared_deadline_misuses([_item(_plain, "lambda_context")]) == []


def test_make_unit_leaves_out_exactly_the_slow_and_static_tiers() -> None:
    args = _pytest_args("unit")
    assert args[:1] == ["tests/unit"]
    assert args[args.index("-m") + 1] == "not slow and not static"


def test_make_static_runs_the_static_tier_over_the_whole_suite() -> None:
    args = _pytest_args("static")
    assert args[:1] == ["tests"]
    assert args[args.index("-m") + 1] == "static"


def test_make_test_and_ci_run_every_test_with_no_marker_filter() -> None:
    args = _pytest_args("test")
    assert not [a for a in args if a.split("=", 1)[0] in _DESELECTING]
    assert not [a for a in args if a.startswith("tests")]  # testpaths: the whole suite
    addopts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    assert addopts["testpaths"] == ["tests"]
    assert not [a for a in shlex.split(addopts["addopts"]) if a.split("=", 1)[0] in _DESELECTING]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert "make test" in [line.strip() for line in ci]

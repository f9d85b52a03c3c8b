"""The test tiers: which collected tests are ``static`` or ``slow``, decided in one table by node-id pattern.

``make unit`` is the fast loop: ``tests/unit`` minus ``slow`` and ``static``. ``make static`` runs the static checks
of the repository (template lint, SAM transform, Lambda packaging, Makefile and pyproject checks). ``make test`` runs
everything, markers or not: a marker here only ever takes a test *out of the fast loop*, never out of ``make test``.

The markers are applied at collection time (``tests/conftest.py`` calls :func:`apply`) rather than written in the test
files, so that test files can move between packages without losing their tier; :data:`RULES` says why each pattern is
where it is, and ``tests/unit/test_tiers.py`` fails when a pattern no longer matches any test (a file was renamed).

Three more rules need no table:

* a hypothesis test set to run more examples than hypothesis's default (100) is a fuzz test: ``slow``;
* hypothesis's own per-example ``deadline`` and ``too_slow`` health check are off for the whole suite
  (:func:`register_hypothesis_profile`), and a test that turns either back on is refused at collection
  (:func:`wall_clock_misuses`): its verdict would depend on the machine's load;
* a hypothesis test must not take the ``lambda_context`` fixture: under ``@given`` a function-scoped fixture is built
  once for all examples, so its 5 s countdown would run across them and a busy machine would end valid examples in
  ``db_timeout``. Such a test is refused at collection (:func:`shared_deadline_misuses`); use ``new_lambda_context``.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

PROFILE = "legacy-auth-suite"
STATIC = "static"
SLOW = "slow"
#: Hypothesis runs 100 examples unless told otherwise; a test that asks for more is a fuzz test.
FUZZ_EXAMPLES_ABOVE = 100
#: Fixtures whose value carries a deadline that starts when the fixture is built (not when a handler is called).
SHARED_DEADLINE_FIXTURES = frozenset({"lambda_context"})


@dataclass(frozen=True, slots=True)
class Rule:
    """Tests in ``files`` named ``tests`` with parameter ids ``params`` (``fnmatch`` globs) get ``marker``.

    ``files`` is a path from the repository root (``tests/unit/template/*`` is every file under that folder);
    ``params`` is matched against the text between the brackets of a parametrized test's id (``*`` also matches
    a test without parameters).
    """

    files: str
    marker: str
    reason: str
    tests: str = "*"
    params: str = "*"

    def matches(self, nodeid: str) -> bool:
        """Whether the test ``nodeid`` (``path::[Class::]name[params]``) falls under this rule."""
        path, _, rest = node_path(nodeid).partition("::")
        name, _, params = rest.rpartition("::")[2].partition("[")
        return (fnmatch.fnmatchcase(path, self.files) and fnmatch.fnmatchcase(name, self.tests)
                and fnmatch.fnmatchcase(params.removesuffix("]"), self.params))


#: Legacy apps whose dummy verification costs 0.25 s of CPU or more (bcrypt cost 12-13, 1,000,000-iteration
#: PBKDF2, argon2id with 64 MiB): every refusal and every error path of theirs pays it. The cheap apps (bcrypt cost 10
#: or less) exercise the same code paths in the fast loop.
COSTLY_DUMMY_APPS = ("devise", "django", "laravel", "magento2", "phpbb3", "symfony")

RULES: tuple[Rule, ...] = (
    # ---- static: the repository's files checked as files, by the tools that deploy them
    Rule("tests/unit/template/*", STATIC,
         "template.yaml through cfn-lint subprocesses, the SAM translator, the Lambda package builds (make -f "
         "devstack/lambda/Makefile) and the README configuration table"),
    Rule("tests/unit/cli/test_defaults_match_template.py", STATIC,
         "the CLI defaults read against template.yaml through the SAM translator"),
    Rule("tests/unit/hooks/test_cold_imports.py", STATIC, "one fresh Python subprocess per hook module"),
    *(Rule("tests/test_infrastructure.py", STATIC, "the Makefile and pyproject.toml, read or run (`make help`)",
           tests=name) for name in ("test_make_*", "test_first_install_*", "test_every_slow_bootstrap_*",
                                    "test_pyproject_*")),
    # ---- slow: real-cost hashes, fuzzing, moto
    *(Rule("tests/unit/hashing/test_app_rules.py", SLOW, f"{app}'s real-cost dummy verification on its error paths",
           params=ids) for app in COSTLY_DUMMY_APPS for ids in (app, f"{app}-*")),
    *(Rule("tests/unit/hashing/test_app_rules.py", SLOW, f"{app}'s own rules: its refusals pay its real-cost dummy",
           tests=f"test_{app}_*") for app in ("devise", "django", "magento", "phpbb")),
    *(Rule("tests/unit/hashing/test_known_answers.py", SLOW,
           f"{app}'s refusals pay its real-cost dummy verification", tests="test_verify_*", params=f"*-{app}-*-False")
      for app in COSTLY_DUMMY_APPS),
    Rule("tests/unit/migration/test_config.py", SLOW, "a Magento argon2id verification (64 MiB)",
         tests="test_magento_legacy_rows_setting_*"),
    Rule("tests/unit/authorizer/test_fuzz.py", SLOW, "fuzzing the authorizer with 300-500 examples a test"),
    Rule("tests/unit/presets/test_all_presets.py", SLOW,
         "fuzzing each preset's row mapping (120 examples per app, hypothesis inside the test body)",
         tests="test_any_driver_row_maps_to_a_user_or_a_typed_error"),
    Rule("tests/unit/authorizer/test_hostile_input.py", SLOW,
         "a burst of 2,000 unknown-kid tokens, each signed with RSA at run time, against a loopback JWKS server",
         tests="test_case12_*"),
    Rule("tests/unit/hooks/test_auto_verify_case.py", SLOW, "moto's Cognito backend: seconds per test"),
    Rule("tests/unit/importing/test_encoders_kat.py", SLOW,
         "each real vector's hash recomputed at its stored cost (bcrypt 10-12, 600,000-iteration PBKDF2, argon2id)",
         tests="test_*_rederive_*"),
    Rule("tests/unit/hashing/test_issue15_schemes.py", SLOW,
         "Spring's digest encoders at their real iteration counts (4 s)",
         tests="test_spring_digest_encoders_verify_hashlib_constructions"),
)


def node_path(nodeid: str) -> str:
    """``nodeid`` with ``/`` separators, as the patterns are written (pytest already uses ``/`` on POSIX)."""
    return nodeid.replace("\\", "/")


def matching_rules(nodeid: str, rules: Sequence[Rule] = RULES) -> list[Rule]:
    """The rules that match ``nodeid``."""
    return [rule for rule in rules if rule.matches(nodeid)]


def fuzz_examples(function: Any) -> int | None:
    """How many examples a ``@given`` test asks for (``None`` if ``function`` is not a hypothesis test).

    Hypothesis keeps a test's ``@settings`` on the wrapped function as ``_hypothesis_internal_use_settings``
    (whichever order ``@given`` and ``@settings`` are written in); ``tests/unit/test_tiers.py`` pins that.
    """
    if not getattr(function, "is_hypothesis_test", False):
        return None
    chosen = getattr(function, "_hypothesis_internal_use_settings", None)
    return None if chosen is None else int(chosen.max_examples)


def markers_for(nodeid: str, function: Any, rules: Sequence[Rule] = RULES) -> set[str]:
    """Every tier marker the test ``nodeid`` (whose test function is ``function``) gets."""
    found = {rule.marker for rule in matching_rules(nodeid, rules)}
    examples = fuzz_examples(function)
    if examples is not None and examples > FUZZ_EXAMPLES_ABOVE:
        found.add(SLOW)
    return found


def register_hypothesis_profile() -> None:
    """Load the suite's hypothesis profile: no per-example ``deadline`` and no ``too_slow`` health check.

    Both are wall-clock verdicts (200 ms per example; one second of data generation): on a busy machine they fail a
    correct test, or call it flaky. How fast the code is belongs in ``tests/bench``; a test's own deadlines (a Lambda
    context, a ``Deadline``) are fresh per example (see :func:`shared_deadline_misuses`). ``HYPOTHESIS_PROFILE``
    picks another registered profile.
    """
    settings.register_profile(PROFILE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", PROFILE))


def wall_clock_misuses(items: Iterable[pytest.Item]) -> list[str]:
    """Node ids of hypothesis tests whose verdict could depend on the machine's load.

    That is a per-example ``deadline``, or a ``suppress_health_check`` list that leaves ``too_slow`` out (a test's
    list replaces the profile's, so ``[HealthCheck.function_scoped_fixture]`` alone turns ``too_slow`` back on).
    """
    out = []
    for item in items:
        function = getattr(item, "obj", None)
        chosen = getattr(function, "_hypothesis_internal_use_settings", None)
        if not getattr(function, "is_hypothesis_test", False) or chosen is None:
            continue
        if chosen.deadline is not None or HealthCheck.too_slow not in chosen.suppress_health_check:
            out.append(item.nodeid)
    return out


def shared_deadline_misuses(items: Iterable[pytest.Item]) -> list[str]:
    """Node ids of hypothesis tests that take a fixture whose deadline would run across all their examples."""
    out = []
    for item in items:
        function = getattr(item, "obj", None)
        names = set(getattr(item, "fixturenames", ()))
        if getattr(function, "is_hypothesis_test", False) and names & SHARED_DEADLINE_FIXTURES:
            out.append(item.nodeid)
    return out


def apply(items: Iterable[pytest.Item], rules: Sequence[Rule] = RULES) -> None:
    """Add each collected test's tier markers; refuse a hypothesis test that shares one deadline across examples."""
    items = list(items)
    misuses = shared_deadline_misuses(items)
    if misuses:
        raise pytest.UsageError(
            "hypothesis tests must not take `lambda_context` (one 5 s countdown shared by every example); "
            "take `new_lambda_context` and call it per handler invocation: " + ", ".join(misuses))
    timed = wall_clock_misuses(items)
    if timed:
        raise pytest.UsageError(
            "hypothesis tests must not set a per-example `deadline` nor leave `HealthCheck.too_slow` out of their "
            "`suppress_health_check` (verdicts on the machine's load; speed is measured in tests/bench): "
            + ", ".join(timed))
    for item in items:
        have = {mark.name for mark in item.iter_markers()}
        for name in sorted(markers_for(item.nodeid, getattr(item, "obj", None), rules) - have):
            item.add_marker(getattr(pytest.mark, name))

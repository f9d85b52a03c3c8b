"""The metric filter patterns against what the real migrate-user handler prints, at every log level."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import subprocess
import sys
from typing import Any

import pytest

from tests.unit.template.support import ROOT, metric_filters

# A matcher for the subset of CloudWatch Logs JSON filter patterns the template uses, per the CloudWatch Logs
# "filter pattern syntax" documentation: { SELECTOR OP VALUE && ... || ... } with selectors $.key, $.key.sub and
# $.key[N]; = and != take a quoted string (with * wildcards) or a number, > < >= <= a number. A selector that is
# absent (or the wrong type) matches nothing. Any other syntax raises, so the template cannot drift beyond it.

_CONDITION = re.compile(r'\s*(\$(?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])+)\s*(=|!=|>=|<=|>|<)\s*'
                        r'("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?)\s*')
_MISSING = object()


def _select(event: Any, selector: str) -> Any:
    value = event
    for key, index in re.findall(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]", selector[1:]):
        if key and isinstance(value, dict) and key in value:
            value = value[key]
        elif index and isinstance(value, list) and int(index) < len(value):
            value = value[int(index)]
        else:
            return _MISSING
    return value


def _condition(event: Any, text: str) -> bool:
    m = _CONDITION.fullmatch(text)
    if m is None:
        raise ValueError(f"filter condition outside the supported subset: {text!r}")
    selector, op, literal = m.groups()
    value = _select(event, selector)
    if value is _MISSING or isinstance(value, (dict, list)) or value is None:
        return False
    if literal.startswith('"'):
        if op not in ("=", "!="):
            raise ValueError(f"string comparison with {op}: {text!r}")
        if not isinstance(value, str):
            return False
        wildcard = json.loads(literal).replace("[", "[[]").replace("?", "[?]")  # only * is a wildcard
        equal = fnmatch.fnmatchcase(value, wildcard)
        return equal if op == "=" else not equal
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    number = float(literal)
    return {"=": value == number, "!=": value != number, ">": value > number, "<": value < number,
            ">=": value >= number, "<=": value <= number}[op]


def filter_matches(pattern: str, line: str) -> bool:
    """Whether a CloudWatch Logs JSON filter ``pattern`` (the subset above) matches one log ``line``."""
    text = pattern.strip()
    if not (text.startswith("{") and text.endswith("}")) or "(" in text:
        raise ValueError(f"not a JSON filter pattern of the supported subset: {pattern!r}")
    try:
        event = json.loads(line)
    except ValueError:
        return False  # JSON patterns never match non-JSON lines
    if not isinstance(event, dict):
        return False
    return any(all(_condition(event, c) for c in alt.split("&&")) for alt in text[1:-1].split("||"))


@pytest.mark.parametrize(("pattern", "line", "expected"), [
    ('{ $.a[0] > 0 }', '{"a": [1.0]}', True),
    ('{ $.a[0] > 0 }', '{"a": 1}', False),  # not an array
    ('{ $.a[0] > 0 }', '{"b": [1]}', False),
    ('{ $.a[0] > 0 && $.r != "x_*" }', '{"a": [1.0], "r": "x_blocked"}', False),
    ('{ $.a[0] > 0 && $.r != "x_*" }', '{"a": [1.0], "r": "db_timeout"}', True),
    ('{ $.a[0] > 0 && $.r != "x_*" }', '{"a": [1.0]}', False),  # absent selector matches nothing
    ('{ $.r = "ok" || $.s.t = "y" }', '{"r": "no", "s": {"t": "y"}}', True),
    ('{ $.r = "ok" }', 'START RequestId: 1 Version: 3', False),
])
def test_filter_matcher_follows_the_documented_json_pattern_rules(pattern: str, line: str, expected: bool) -> None:
    assert filter_matches(pattern, line) is expected


def test_filter_matcher_refuses_syntax_it_does_not_implement() -> None:
    with pytest.raises(ValueError, match="supported subset"):
        filter_matches('{ ($.a = 1) }', '{"a": 1}')
    with pytest.raises(ValueError, match="supported subset"):
        filter_matches('{ $.a IS NULL }', '{"a": 1}')


_SCENARIOS = r'''
import json, os, socket, sqlite3, sys
from pathlib import Path

from devstack.context import LocalLambdaContext
from devstack.legacy_seed import sample_user, seed_q2a_sqlite

url = seed_q2a_sqlite(Path(sys.argv[1]) / "legacy.sqlite3")
db = sqlite3.connect(url[len("sqlite:///"):])
db.execute("UPDATE qa_users SET passhash = '$2y$10$truncated' WHERE handle = 'heidi'")
db.execute("UPDATE qa_users SET passhash = 'not-a-hash-at-all' WHERE handle = 'erin'")
db.commit()
db.close()
os.environ.update({"LEGACY_APP": "q2a", "LEGACY_DB_URL": url})
from triggers import user_migration as um

closed = socket.socket()
closed.bind(("127.0.0.1", 0))
dead_url = f"mysql://legacy@127.0.0.1:{closed.getsockname()[1]}/legacy"
closed.close()
base = json.loads(Path("tests/events/cognito_user_migration_authentication.json").read_text())


def event(login, password, source=None):
    e = json.loads(json.dumps(base))
    e["userName"], e["request"]["password"] = login, password
    if source:
        e["triggerSource"] = source
    return e


scenarios = [
    ("migrated", {}, event("alice", sample_user("alice").password), 5000),
    ("wrong_password", {}, event("carol", "not-carols-password"), 5000),
    ("unknown_user", {}, event("nobody-here", "whatever-1"), 5000),
    ("blocked", {}, event("mallory", sample_user("mallory").password), 5000),
    ("unsupported_trigger", {}, event("alice", "x", "UserMigration_Somethingelse"), 5000),
    ("corrupt_hash", {}, event("heidi", sample_user("heidi").password), 5000),
    ("unknown_hash", {}, event("erin", sample_user("erin").password), 5000),
    ("time_budget", {}, event("bob", sample_user("bob").password), 520),
    ("database_down", {"LEGACY_DB_URL": dead_url}, event("alice", "x"), 5000),
    ("configuration", {"LEGACY_APP": "no-such-app"}, event("alice", "x"), 5000),
]
for name, env, payload, timeout_ms in scenarios:
    saved = dict(os.environ)
    os.environ.update(env)
    um.reset_runtime()
    print("=== " + name, flush=True)
    try:
        um.handler(payload, LocalLambdaContext(timeout_ms=timeout_ms))
    except um.MigrationRefusedError:
        pass
    sys.stdout.flush()
    os.environ.clear()
    os.environ.update(saved)
    um.reset_runtime()
'''
#: Scenario -> outcome the run must show: "ok", a refusal (the user's problem) or a system failure (ours).
EXPECTED = {"migrated": "ok", "wrong_password": "refused", "unknown_user": "refused", "blocked": "refused",
            "unsupported_trigger": "refused", "corrupt_hash": "failed", "unknown_hash": "failed",
            "time_budget": "failed", "database_down": "failed", "configuration": "failed"}


@pytest.fixture(scope="module")
def handler_output(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, list[str]]]:
    """Stdout of the real migrate-user handler per log level and scenario, as Lambda sends it to CloudWatch Logs.

    A fresh interpreter per level (``POWERTOOLS_LOG_LEVEL`` is read at import, as at a cold start).
    """
    out: dict[str, dict[str, list[str]]] = {}
    for level in ("INFO", "WARNING"):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LEGACY_", "HOOKS_", "POWERTOOLS_"))}
        env |= {"POWERTOOLS_LOG_LEVEL": level, "POWERTOOLS_METRICS_NAMESPACE": "LegacyAuth",
                "POWERTOOLS_SERVICE_NAME": "user-migration", "PYTHONPATH": str(ROOT)}
        result = subprocess.run([sys.executable, "-c", _SCENARIOS, str(tmp_path_factory.mktemp(level))], cwd=ROOT,
                                env=env, capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode == 0, result.stderr[-3000:]
        scenarios: dict[str, list[str]] = {}
        for line in result.stdout.splitlines():
            if line.startswith("=== "):
                scenarios[line[4:]] = []
            elif line.strip():
                scenarios[list(scenarios)[-1]].append(line)
        assert set(scenarios) == set(EXPECTED)
        out[level] = scenarios
    return out


def _count(pattern: str, lines: list[str]) -> int:
    return sum(filter_matches(pattern, line) for line in lines)


def _messages(lines: list[str]) -> list[str]:
    return [json.loads(line).get("message") for line in lines if line.startswith("{") and "message" in line]


@pytest.mark.integration
@pytest.mark.parametrize("level", ["INFO", "WARNING"])
def test_migration_filters_count_each_outcome_from_the_emf_lines_at_every_log_level(
    sam: dict[str, Any], handler_output: dict[str, dict[str, list[str]]], level: str
) -> None:
    filters = metric_filters(sam)
    succeeded = filters["MigrationsSucceeded"]["FilterPattern"]
    failed = filters["MigrationSystemFailures"]["FilterPattern"]
    for scenario, lines in handler_output[level].items():
        outcome = EXPECTED[scenario]
        emf = [json.loads(line) for line in lines if line.startswith('{"_aws"')]
        assert len(emf) == 1, (scenario, lines)  # one EMF line per invocation, whatever the level
        assert emf[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "LegacyAuth"
        assert (_count(succeeded, lines), _count(failed, lines)) == (
            (1, 0) if outcome == "ok" else (0, 1) if outcome == "failed" else (0, 0)), (scenario, emf[0]["reason"])


@pytest.mark.integration
def test_system_failure_filter_agrees_with_the_handlers_own_classification(
    sam: dict[str, Any], handler_output: dict[str, dict[str, list[str]]]
) -> None:
    failed = metric_filters(sam)["MigrationSystemFailures"]["FilterPattern"]
    for scenario, lines in handler_output["INFO"].items():
        messages = _messages(lines)
        if EXPECTED[scenario] == "failed":
            assert messages == ["user migration failed"], scenario  # ERROR: our problem, by exception type
        elif EXPECTED[scenario] == "refused":
            assert messages == ["user migration refused"], scenario  # INFO: the user's problem
        else:
            assert messages == [], scenario  # success: DEBUG only, so log lines cannot count successes
        assert (_count(failed, lines) == 1) is (messages == ["user migration failed"]), scenario
    # At WARNING the refusals' log lines are gone too: only the EMF lines carry every outcome.
    assert not any("user migration refused" in _messages(lines) for lines in handler_output["WARNING"].values())


def _credential_errors() -> list[BaseException]:
    from legacy_auth import errors
    from triggers.user_migration import UnsupportedTriggerError

    found: list[BaseException] = [UnsupportedTriggerError("x")]
    todo = [errors.CredentialError]
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls is errors.AccountStateError:
            found += [cls(state) for state in ("blocked", "inactive", "unconfirmed", "locked", "sso_only", "spam")]
        else:
            found.append(cls())
    return found


def _system_errors() -> list[BaseException]:
    from legacy_auth import errors

    timeout, down = errors.StoreTimeoutError("t"), errors.StoreUnavailableError("u")
    timeout.reason, down.reason = "db_timeout", "db_unavailable"  # type: ignore[attr-defined]
    return [timeout, down, errors.StoreError("s"), errors.CorruptHashError("bcrypt"), errors.UnknownHashSchemeError(),
            errors.BudgetExceededError("b"), errors.ConfigurationError("LEGACY_APP", "bad"),
            errors.CorruptRowError("q2a", "flags"), RuntimeError("bug")]


@pytest.mark.parametrize(("errors", "counted"), [(_credential_errors, False), (_system_errors, True)],
                         ids=["user-caused", "system"])
def test_system_failure_filter_excludes_exactly_the_user_caused_reasons(sam: dict[str, Any], errors: Any,
                                                                       counted: bool) -> None:
    from triggers.user_migration import reason_of

    failed = metric_filters(sam)["MigrationSystemFailures"]["FilterPattern"]
    for exc in errors():
        line = json.dumps({"_aws": {}, "reason": reason_of(exc), "scheme": "none", "MigrationFailed": [1.0]})
        assert filter_matches(failed, line) is counted, (type(exc).__name__, reason_of(exc))

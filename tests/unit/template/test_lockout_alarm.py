"""The guessing bound in the template: its setting on the migration function, its metric filter and its alarm."""

from __future__ import annotations

import json
from typing import Any

from tests.unit.template.support import metric_filters, sam_functions
from tests.unit.template.test_log_filters import filter_matches


def _line(reason: str) -> str:
    return json.dumps({"_aws": {}, "trigger": "Authentication", "reason": reason, "scheme": "none",
                       "MigrationFailed": [1.0]})


def test_lockout_filter_counts_exactly_the_locked_out_refusals_the_handler_classifies(sam: dict[str, Any]) -> None:
    from legacy_auth.errors import AccountLockedOutError, InvalidPasswordError, LockoutUnavailableError
    from triggers.user_migration import reason_of

    pattern = metric_filters(sam)["MigrationLockouts"]["FilterPattern"]
    assert filter_matches(pattern, _line(reason_of(AccountLockedOutError()))) is True
    for other in (InvalidPasswordError(), LockoutUnavailableError("x")):
        assert filter_matches(pattern, _line(reason_of(other))) is False
    success = json.dumps({"_aws": {}, "reason": "ok", "scheme": "bcrypt", "MigrationSucceeded": [1.0]})
    assert filter_matches(pattern, success) is False


def test_locked_out_refusals_are_not_system_failures_but_an_unusable_table_is(sam: dict[str, Any]) -> None:
    from legacy_auth.errors import AccountLockedOutError, LockoutUnavailableError
    from triggers.user_migration import reason_of

    failed = metric_filters(sam)["MigrationSystemFailures"]["FilterPattern"]
    assert filter_matches(failed, _line(reason_of(AccountLockedOutError()))) is False
    assert filter_matches(failed, _line(reason_of(LockoutUnavailableError("x")))) is True


def test_lockout_alarm_watches_the_filters_metric_with_its_own_threshold(sam: dict[str, Any]) -> None:
    alarm = sam["Resources"]["MigrationLockoutAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"]) == ({"Ref": "MetricsNamespace"}, "MigrationLockouts")
    assert (alarm["Statistic"], alarm["Period"], alarm["ComparisonOperator"]) == ("Sum", 300, "GreaterThanThreshold")
    assert alarm["Threshold"] == {"Ref": "LockoutAlarmThreshold"}
    assert alarm["AlarmActions"] == {"Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]}
    lockouts = metric_filters(sam)["MigrationLockouts"]
    assert lockouts["LogGroupName"] == {"Ref": "MigrationLogGroup"}
    assert lockouts["MetricTransformations"][0]["MetricNamespace"] == {"Ref": "MetricsNamespace"}


def test_the_migration_function_gets_the_bound_from_its_parameter_and_reads_it(sam: dict[str, Any]) -> None:
    from legacy_auth.migration.config import Settings

    variables = sam_functions(sam)["MigrationFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["LEGACY_LOCKOUT_MAX_FAILURES"] == {"Ref": "LockoutMaxFailures"}
    parameter = sam["Parameters"]["LockoutMaxFailures"]
    assert (parameter["Default"], parameter["MinValue"], parameter["MaxValue"]) == (5, 0, 100)
    settings = Settings.from_env({"LEGACY_APP": "q2a", "LEGACY_DB_URL": "sqlite:///x.db",
                                  "LEGACY_LOCKOUT_MAX_FAILURES": str(parameter["Default"])})
    assert (settings.lockout_max_failures, settings.lockout_on_db_error) == (5, "closed")

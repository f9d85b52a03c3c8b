"""The dashboard, the alarms on the triggers and the authorizer, and the metric filters behind the failure rate."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.unit.template.support import TRIGGER_FUNCTIONS, metric_filters, sam_functions


def _alarms(sam: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v["Properties"] for k, v in sam["Resources"].items() if v["Type"] == "AWS::CloudWatch::Alarm"}


def _lambda_alarms(sam: dict[str, Any], metric: str, function: str) -> list[dict[str, Any]]:
    return [a for a in _alarms(sam).values() if a.get("Namespace") == "AWS/Lambda" and a["MetricName"] == metric
            and a["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": function}}]]


def test_dashboard_body_is_valid_json_with_the_5_second_line(sam: dict[str, Any]) -> None:
    body, variables = sam["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    names = set(re.findall(r"\$\{([^}]+)\}", body))
    assert names <= set(variables) | set(sam["Parameters"]) | {"AWS::Region", "AWS::StackName"}
    numbers = {n for n in sam["Parameters"] if sam["Parameters"][n]["Type"] == "Number"}
    filled = re.sub(r"\$\{([^}]+)\}", lambda m: "1" if m[1] in numbers else "x", body)
    dashboard = json.loads(filled)
    titles = [w["properties"]["title"] for w in dashboard["widgets"]]
    assert any("by outcome" in t for t in titles)
    assert any("Authorizer denials" in t for t in titles)
    annotations = [w["properties"].get("annotations", {}) for w in dashboard["widgets"]]
    lines = [a["value"] for group in annotations for a in group.get("horizontal", [])]
    assert 5000 in lines
    assert "${DurationAlarmThresholdMs}" in body  # the alarm line is the alarm's own threshold


def test_authorizer_denials_on_the_dashboard_are_the_emf_metrics_the_handler_prints(sam: dict[str, Any]) -> None:
    from authorizer.metrics import DENIED, REJECTED

    body = sam["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"][0]
    widget = next(w for w in json.loads(re.sub(r"\$\{[^}]+\}", "1", body))["widgets"]
                  if "Authorizer denials" in w["properties"]["title"])
    rows = widget["properties"]["metrics"]
    # Printed at every log level (authorizer/metrics.py), with the one dimension service = POWERTOOLS_SERVICE_NAME.
    variables = sam_functions(sam)["AuthorizerFunction"]["Properties"]["Environment"]["Variables"]
    service = variables["POWERTOOLS_SERVICE_NAME"]
    assert rows[0][:4] == ["1", REJECTED, "service", service]  # ${MetricsNamespace} filled with "1"
    assert rows[1][:4] == [".", DENIED, ".", "."]
    assert ["AWS/ApiGateway", "4XXError"] in [row[:2] for row in rows]


@pytest.mark.parametrize("function", [*TRIGGER_FUNCTIONS, "AuthorizerFunction"])
def test_every_trigger_and_the_authorizer_alarm_on_the_first_throttle(sam: dict[str, Any], function: str) -> None:
    (alarm,) = _lambda_alarms(sam, "Throttles", function)
    assert (alarm["Statistic"], alarm["Threshold"], alarm["ComparisonOperator"]) == ("Sum", 0, "GreaterThanThreshold")
    assert alarm["AlarmActions"] == {"Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]}


@pytest.mark.parametrize("function", list(TRIGGER_FUNCTIONS))
def test_every_trigger_alarms_when_its_p99_duration_nears_the_limit(sam: dict[str, Any], function: str) -> None:
    (alarm,) = _lambda_alarms(sam, "Duration", function)
    assert alarm["ExtendedStatistic"] == "p99"
    assert alarm["Threshold"] == {"Ref": "DurationAlarmThresholdMs"}
    timeout_ms = 1000 * sam_functions(sam)[function]["Properties"].get("Timeout", sam["Globals"]["Function"]["Timeout"])
    parameter = sam["Parameters"]["DurationAlarmThresholdMs"]
    assert parameter["Default"] < parameter["MaxValue"] < timeout_ms < 5000  # fires before timeouts, never after


def test_error_alarms_watch_the_triggers_that_never_raise_on_purpose(sam: dict[str, Any]) -> None:
    for function in ("PostConfirmationFunction", "PreTokenGenerationFunction"):
        (alarm,) = _lambda_alarms(sam, "Errors", function)
        assert alarm["Threshold"] == 0
    # UserMigration and PreSignUp refuse by raising, and the authorizer's 401 is a raised Unauthorized: their
    # Errors count refusals, so the failure-rate alarm (EMF-based) watches the migration instead.
    for function in ("MigrationFunction", "PreSignUpFunction", "AuthorizerFunction"):
        assert _lambda_alarms(sam, "Errors", function) == []


def test_failure_rate_alarm_divides_system_failures_by_all_counted_attempts(sam: dict[str, Any]) -> None:
    alarm = _alarms(sam)["MigrationFailureRateAlarm"]
    metrics = {m["Id"]: m for m in alarm["Metrics"]}
    assert [i for i, m in metrics.items() if m.get("ReturnData")] == ["rate"]
    failed = metrics["failed"]["MetricStat"]["Metric"]["MetricName"]
    succeeded = metrics["succeeded"]["MetricStat"]["Metric"]["MetricName"]
    filters = metric_filters(sam)
    for name in (failed, succeeded):
        assert filters[name]["LogGroupName"] == {"Ref": "MigrationLogGroup"}
        assert filters[name]["MetricTransformations"][0]["MetricNamespace"] == {"Ref": "MetricsNamespace"}
    assert "failed" in metrics["rate"]["Expression"]
    assert "succeeded" in metrics["rate"]["Expression"]


def test_no_metric_filter_counts_log_messages_that_vanish_at_higher_log_levels(sam: dict[str, Any]) -> None:
    for name, properties in metric_filters(sam).items():
        assert "$.message" not in properties["FilterPattern"], name
        assert "$.level" not in properties["FilterPattern"], name

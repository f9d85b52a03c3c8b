"""triggers.observability as the migrate-user handler uses it: EMF lines, safe logger set-up."""

from __future__ import annotations

import json
import logging

import pytest

from triggers.observability import NOISY_LOGGERS, emit_line, instrument, make_logger, make_metrics


def test_emf_line_is_valid_cloudwatch_emf_with_shared_dimensions(capsys: pytest.CaptureFixture[str]):
    metrics = make_metrics(namespace="TestNs", service="svc")
    emit_line(metrics, {"trigger": "Authentication", "reason": "ok", "scheme": 'odd"scheme'},
              {"MigrationSucceeded": (1, "Count"), "MigrationDuration": (0.25, "Milliseconds")})
    emit_line(metrics, {"trigger": "Authentication", "reason": "ok", "scheme": 'odd"scheme'},
              {"MigrationSucceeded": (1, "Count"), "MigrationDuration": (9.5, "Milliseconds")})
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    directive = first["_aws"]["CloudWatchMetrics"][0]
    assert directive == {"Namespace": "TestNs", "Dimensions": [["trigger", "reason", "scheme", "service"]],
                         "Metrics": [{"Name": "MigrationSucceeded", "Unit": "Count"},
                                     {"Name": "MigrationDuration", "Unit": "Milliseconds"}]}
    assert isinstance(first["_aws"]["Timestamp"], int)
    assert (first["scheme"], first["service"]) == ('odd"scheme', "svc")
    assert first["MigrationSucceeded"] == [1.0]
    assert (first["MigrationDuration"], second["MigrationDuration"]) == ([0.25], [9.5])  # cached template


def test_empty_dimension_values_become_none(capsys: pytest.CaptureFixture[str]):
    emit_line(make_metrics(), {"scheme": ""}, {"TrackingFailed": (1, "Count")})
    assert json.loads(capsys.readouterr().out)["scheme"] == "none"


def test_make_logger_holds_noisy_library_loggers_at_warning():
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    make_logger("test-service")
    for name in NOISY_LOGGERS:
        assert logging.getLogger(name).getEffectiveLevel() >= logging.WARNING


def test_instrument_never_logs_the_event_even_when_the_environment_asks(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    monkeypatch.setenv("POWERTOOLS_LOGGER_LOG_EVENT", "true")
    from devstack.context import LocalLambdaContext

    logger = make_logger("instrumented")
    logger.setLevel(logging.DEBUG)

    @instrument(logger)
    def handler(event: dict[str, str], context: object) -> dict[str, str]:
        return event

    assert handler({"password": "hunter2-secret"}, LocalLambdaContext()) == {"password": "hunter2-secret"}
    assert "hunter2-secret" not in capsys.readouterr().out


def test_instrument_flushes_powertools_metrics_only_when_some_were_added(capsys: pytest.CaptureFixture[str]):
    import warnings

    from aws_lambda_powertools.metrics import MetricUnit

    from devstack.context import LocalLambdaContext

    logger, metrics = make_logger("flush-test"), make_metrics(namespace="FlushNs", service="flush-test")

    @instrument(logger, metrics)
    def handler(event: dict[str, bool], context: object) -> dict[str, bool]:
        if event["add"]:
            metrics.add_metric(name="Things", unit=MetricUnit.Count, value=2)
        return event

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an empty flush must not warn
        handler({"add": False}, LocalLambdaContext())
    assert capsys.readouterr().out == ""
    handler({"add": True}, LocalLambdaContext())
    line = json.loads(capsys.readouterr().out)
    assert line["Things"] == [2.0]
    assert line["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "FlushNs"


def test_noisy_loggers_stay_quiet_when_the_root_logger_is_lowered_after_the_cold_start():
    root = logging.getLogger()
    saved = root.level, {name: logging.getLogger(name).level for name in NOISY_LOGGERS}
    try:
        root.setLevel(logging.WARNING)
        for name in NOISY_LOGGERS:
            logging.getLogger(name).setLevel(logging.NOTSET)  # inherits WARNING from root: already "quiet"
        make_logger("cold-start")
        root.setLevel(logging.DEBUG)  # e.g. basicConfig(level=DEBUG) in app code, later
        for name in NOISY_LOGGERS:
            assert not logging.getLogger(name).isEnabledFor(logging.DEBUG), name
            assert not logging.getLogger(f"{name}.child").isEnabledFor(logging.INFO), name
    finally:
        root.setLevel(saved[0])
        for name, level in saved[1].items():
            logging.getLogger(name).setLevel(level)

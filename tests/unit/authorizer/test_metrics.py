"""Refusals print one CloudWatch EMF line at every log level (the dashboard and alarms count them); allows none."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from authorizer import handler as handler_module
from authorizer.metrics import DENIED, REJECTED
from tests.unit.authorizer.conftest import MakeAuthorizer, PoolKeys, token_event
from tests.unit.authorizer.support import access_claims, mint


def _emf(out: str) -> list[dict[str, Any]]:
    return [line for line in map(json.loads, filter(None, out.splitlines())) if "_aws" in line]


def _run(event: Any) -> None:
    with pytest.raises(Exception, match=r"^Unauthorized$"):  # the 401
        handler_module.handler(event, None)


@pytest.mark.parametrize("level", [logging.DEBUG, logging.WARNING, logging.CRITICAL])
def test_a_rejected_token_prints_one_emf_line_whatever_the_log_level(
        level: int, pool_keys: PoolKeys, make_authorizer: MakeAuthorizer, capsys: pytest.CaptureFixture[str]) -> None:
    make_authorizer()
    handler_module.logger.setLevel(level)
    try:
        capsys.readouterr()
        _run(token_event(mint(pool_keys.attacker, access_claims())))
    finally:
        handler_module.logger.setLevel(logging.INFO)
    lines = _emf(capsys.readouterr().out)
    assert len(lines) == 1
    line = lines[0]
    directive = line["_aws"]["CloudWatchMetrics"][0]
    assert directive["Metrics"] == [{"Name": REJECTED, "Unit": "Count"}]
    assert directive["Dimensions"] == [["service"]]
    assert line[REJECTED] == [1.0]
    assert line["reason"] == "unknown_key"
    assert isinstance(line["_aws"]["Timestamp"], int)


def test_a_route_rule_denial_prints_the_denied_metric(pool_keys: PoolKeys, make_authorizer: MakeAuthorizer,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    make_authorizer(ROUTE_RULES=json.dumps([{"route": "GET /reports/*", "scopes_all": ["reports/admin"]}]),
                    HTTP_API_RESPONSE="simple")
    capsys.readouterr()
    handler_module.handler(token_event(mint(pool_keys.access, access_claims()), "apigw_http_v2_authorizer"), None)
    lines = _emf(capsys.readouterr().out)
    assert [(line["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"], line["reason"]) for line in lines] == [
        (DENIED, "route_rules")]


def test_an_allowed_request_prints_no_metric(pool_keys: PoolKeys, make_authorizer: MakeAuthorizer,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    make_authorizer()
    capsys.readouterr()
    answer = handler_module.handler(token_event(mint(pool_keys.access, access_claims())), None)
    assert answer["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert _emf(capsys.readouterr().out) == []


@pytest.mark.parametrize("event", [None, {"type": "TOKEN"}, [], "Bearer x"])
def test_bad_events_count_as_rejections(event: Any, make_authorizer: MakeAuthorizer,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    make_authorizer()
    capsys.readouterr()
    _run(event)
    assert [line["reason"] for line in _emf(capsys.readouterr().out)] == ["event"]


def test_a_missing_token_is_counted_with_its_reason_code_only(make_authorizer: MakeAuthorizer,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    make_authorizer()
    capsys.readouterr()
    _run(token_event(None))
    (line,) = _emf(capsys.readouterr().out)
    assert line[REJECTED] == [1.0]
    assert line["reason"].replace("_", "").isalnum()


def test_a_misconfigured_authorizer_counts_every_refusal(monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(handler_module, "AUTHORIZER", None)
    capsys.readouterr()
    _run(token_event("x.y.z"))
    assert [line["reason"] for line in _emf(capsys.readouterr().out)] == ["configuration"]

"""One EMF writer: ``triggers.observability`` and the authorizer's copy (``authorizer.metrics``) write the same lines.

The authorizer must not import ``triggers`` or ``legacy_auth`` (``tests/unit/test_layout.py``), so it keeps a copy of
``emf_template`` / ``emf_values`` / ``emf_properties``; this one table pins both copies to the same bytes, and every
line to the CloudWatch embedded metric format (``_aws.Timestamp``, ``CloudWatchMetrics`` directives whose dimension
and metric names are top-level members):
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import redirect_stdout
from typing import Any

import pytest

from authorizer import metrics as authorizer_metrics
from triggers import observability

Writer = tuple[Callable[..., tuple[str, str]], Callable[[Mapping[str, float]], str], Callable[[Mapping[str, str]], str]]
WRITERS: dict[str, Writer] = {
    "triggers.observability": (observability.emf_template, observability.emf_values, observability.emf_properties),
    "authorizer.metrics": (authorizer_metrics.emf_template, authorizer_metrics.emf_values,
                           authorizer_metrics.emf_properties),
}
# namespace, dimensions, metrics (name -> (value, unit)), properties
TABLE: list[tuple[str, dict[str, str], dict[str, tuple[float, str]], dict[str, str]]] = [
    ("LegacyAuth", {"service": "authorizer"}, {"AuthorizerRejected": (1, "Count")}, {"reason": "expired"}),
    ("LegacyAuth", {"service": "authorizer"}, {"AuthorizerDenied": (1, "Count")}, {"reason": "route"}),
    ("LegacyAuth", {"trigger": "Authentication", "reason": "ok", "scheme": "phpass", "service": "legacy-auth"},
     {"MigrationSucceeded": (1, "Count"), "MigrationDuration": (12.345, "Milliseconds")}, {}),
    ("LegacyAuth", {"service": "legacy-auth"}, {"LockoutUnavailable": (1, "Count")}, {}),
    ("Custom/NS \"quoted\"", {"service": "svc\\x"}, {"Odd \u00e9 name": (0.1, "Seconds")}, {"note": "\u2028 line sep"}),
    ("LegacyAuth", {}, {"Plain": (3, "Count"), "Big": (1e20, "Count"), "Small": (2.5e-7, "Count")},
     {"a": "", "b": "x"}),
]
NOW_MS = 1_765_000_000_123


def _line(writer: Writer, namespace: str, dims: dict[str, str], values: dict[str, tuple[float, str]],
          props: dict[str, str]) -> str:
    template, emf_values, emf_properties = writer
    units: Sequence[tuple[str, str]] = [(name, unit) for name, (_, unit) in values.items()]
    head, tail = template(namespace, dims, units)
    body = emf_values({name: value for name, (value, _) in values.items()})
    return f"{head}{NOW_MS}{tail}{body}{emf_properties(props)}}}"


@pytest.mark.parametrize(("namespace", "dims", "values", "props"), TABLE)
def test_both_copies_write_the_same_valid_emf_line(namespace: str, dims: dict[str, str],
                                                   values: dict[str, tuple[float, str]], props: dict[str, str]) -> None:
    lines = {name: _line(writer, namespace, dims, values, props) for name, writer in WRITERS.items()}
    assert len(set(lines.values())) == 1, lines
    document: dict[str, Any] = json.loads(lines["triggers.observability"])
    assert document["_aws"] == {"Timestamp": NOW_MS, "CloudWatchMetrics": [{
        "Namespace": namespace, "Dimensions": [list(dims)],
        "Metrics": [{"Name": name, "Unit": unit} for name, (_, unit) in values.items()]}]}
    assert {k: document[k] for k in dims} == dims
    assert {k: document[k] for k in values} == {name: [float(value)] for name, (value, _) in values.items()}
    assert {k: document[k] for k in props} == props


def test_the_authorizer_count_line_is_the_shared_writer_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "time", lambda: NOW_MS / 1000)
    out = io.StringIO()
    with redirect_stdout(out):
        authorizer_metrics.count(authorizer_metrics.REJECTED, "bad signature!")
    expected = _line(WRITERS["triggers.observability"], authorizer_metrics.NAMESPACE,
                     {"service": authorizer_metrics.SERVICE}, {authorizer_metrics.REJECTED: (1, "Count")},
                     {"reason": "bad_signature_"})
    assert out.getvalue() == expected + "\n"


def test_the_triggers_emit_line_is_the_shared_writer_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "time", lambda: NOW_MS / 1000)
    metrics = observability.make_metrics(namespace="LegacyAuth", service="legacy-auth")
    out = io.StringIO()
    with redirect_stdout(out):
        observability.emit_line(metrics, {"trigger": "ForgotPassword", "reason": ""},
                                {"MigrationFailed": (1, "Count"), "MigrationDuration": (3.25, "Milliseconds")})
    expected = _line(WRITERS["authorizer.metrics"], "LegacyAuth",
                     {"trigger": "ForgotPassword", "reason": "none", "service": "legacy-auth"},
                     {"MigrationFailed": (1, "Count"), "MigrationDuration": (3.25, "Milliseconds")}, {})
    assert out.getvalue() == expected + "\n"

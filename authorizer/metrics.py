"""One CloudWatch EMF line per refused request, printed at every log level.

``AuthorizerRejected`` (401: bad, missing or untrusted token, bad event, internal failure) and
``AuthorizerDenied`` (403: a valid token that the route rules refuse), each with the ``service`` dimension
and a ``reason`` property (a short code, never token data) for CloudWatch Logs Insights. The dashboard and
alarms in ``template.yaml`` read them. Allowed requests print nothing: the hot path stays quiet.

Hand-written (the documented EMF format, https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/
CloudWatch_Embedded_Metric_Format_Specification.html) rather than Powertools ``single_metric``: the authorizer
package stays small and a flood of hostile tokens costs one ``write`` per request, not a metrics-object round trip.

:func:`emf_template`, :func:`emf_values` and :func:`emf_properties` are a **copy** of the triggers' EMF writer
(``triggers/observability.py``): the authorizer imports nothing first-party outside itself
(``tests/unit/test_layout.py``), so ``tests/unit/triggers/test_observability_emf.py`` pins both copies to the
same lines, byte for byte.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Mapping, Sequence

NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "LegacyAuth"
SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME") or "authorizer"
REJECTED = "AuthorizerRejected"
DENIED = "AuthorizerDenied"
_COMPACT = (",", ":")


def emf_template(namespace: str, dimensions: Mapping[str, str], metrics: Sequence[tuple[str, str]]) -> tuple[str, str]:
    """The constant parts of an EMF line, ``(head, tail)``: a line is ``head + str(timestamp_ms) + tail``, then
    :func:`emf_values`, then :func:`emf_properties`, then ``"}"``.

    ``dimensions`` (name -> value, one dimension set, in order) and ``metrics`` (``(name, unit)`` pairs) are
    short machine codes, never user data.
    """
    directive = json.dumps({"Namespace": namespace, "Dimensions": [list(dimensions)],
                            "Metrics": [{"Name": n, "Unit": u} for n, u in metrics]}, separators=_COMPACT)
    members = "".join(f"{json.dumps(k)}:{json.dumps(v)}," for k, v in dimensions.items())
    return '{"_aws":{"Timestamp":', f',"CloudWatchMetrics":[{directive}]}},{members}'


def emf_values(values: Mapping[str, float]) -> str:
    """The metric members of an EMF line (``"Name":[value]``, comma-joined); values must be finite."""
    return ",".join(f"{json.dumps(name)}:[{float(value)!r}]" for name, value in values.items())


def emf_properties(properties: Mapping[str, str]) -> str:
    """Extra members that are neither dimensions nor metrics (each with a leading comma; ``""`` for none)."""
    return "".join(f",{json.dumps(key)}:{json.dumps(value)}" for key, value in properties.items())


def _parts(name: str) -> tuple[str, str]:
    head, tail = emf_template(NAMESPACE, {"service": SERVICE}, [(name, "Count")])
    return head, tail + emf_values({name: 1})


_PARTS: Mapping[str, tuple[str, str]] = {name: _parts(name) for name in (REJECTED, DENIED)}


def count(name: str, reason: str) -> None:
    """Print one EMF line for metric ``name`` (``REJECTED`` or ``DENIED``) with ``reason`` (a short code)."""
    code = "".join(ch if ch.isalnum() or ch in "_-" else "_" for ch in str(reason)[:40]) or "none"
    head, middle = _PARTS[name]
    sys.stdout.write(f'{head}{int(time.time() * 1000)}{middle},"reason":{json.dumps(code)}}}\n')

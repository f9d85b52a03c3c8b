"""One CloudWatch EMF line per refused request, printed at every log level.

``AuthorizerRejected`` (401: bad, missing or untrusted token, bad event, internal failure) and
``AuthorizerDenied`` (403: a valid token that the route rules refuse), each with the ``service`` dimension
and a ``reason`` property (a short code, never token data) for CloudWatch Logs Insights. The dashboard and
alarms in ``template.yaml`` read them. Allowed requests print nothing: the hot path stays quiet.

Hand-written (the documented EMF format) rather than Powertools ``single_metric``: the authorizer package
stays small and a flood of hostile tokens costs one ``write`` per request, not a metrics-object round trip.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Mapping

NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "LegacyAuth"
SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME") or "authorizer"
REJECTED = "AuthorizerRejected"
DENIED = "AuthorizerDenied"


def _head(name: str, namespace: str, service: str) -> str:
    directive = {"Namespace": namespace, "Dimensions": [["service"]], "Metrics": [{"Name": name, "Unit": "Count"}]}
    return '{"_aws":{"Timestamp":%d,"CloudWatchMetrics":[' + json.dumps(directive, separators=(",", ":")) + \
        "]},\"service\":" + json.dumps(service) + "," + json.dumps(name) + ":[1.0],\"reason\":"


_HEADS: Mapping[str, str] = {name: _head(name, NAMESPACE, SERVICE) for name in (REJECTED, DENIED)}


def count(name: str, reason: str) -> None:
    """Print one EMF line for metric ``name`` (``REJECTED`` or ``DENIED``) with ``reason`` (a short code)."""
    code = "".join(ch if ch.isalnum() or ch in "_-" else "_" for ch in str(reason)[:40]) or "none"
    sys.stdout.write((_HEADS[name] % int(time.time() * 1000)) + json.dumps(code) + "}\n")

"""Powertools Logger / Metrics set-up shared by every trigger, with safe logging built in.

- ``log_event=False`` is passed **explicitly** to ``inject_lambda_context``, so ``POWERTOOLS_LOGGER_LOG_EVENT``
  can never make a trigger log its event (which holds the plaintext password for UserMigration).
- botocore / boto3 / urllib3 / pymysql / psycopg loggers are held at WARNING or above: their DEBUG output
  contains request bodies and SQL parameters.
- Metrics go out as CloudWatch EMF lines; one ``emit`` per metric so each can carry its own dimensions.
- AWS X-Ray tracing is opt-in (``LEGACY_AUTH_TRACING=Active``, the template's ``Tracing`` parameter): only then is
  the Powertools ``Tracer`` (and with it ``aws_xray_sdk``) imported, so a cold start without tracing pays nothing.
  The handler runs in one ``## handler`` subsegment annotated with ``ColdStart``, ``Service`` and, on failure, the
  exception **class name** only: no module is patched (``auto_patch=False``: no SQL, HTTP or AWS call records),
  the response is not captured (``capture_response=False``) and the exception never reaches the subsegment (it is
  caught inside and re-raised outside it), so neither an event, a password, a token nor an error message can be
  written to X-Ray. Powertools captures responses and errors by default
  (https://docs.powertools.aws.dev/lambda/python/latest/core/tracer/); this module turns both off.

Usage in a handler module::

    from triggers.observability import instrument, make_logger, make_metrics, emit

    logger = make_logger()
    metrics = make_metrics()

    @instrument(logger, metrics)
    def handler(event, context): ...
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from legacy_auth.env import env_text
from legacy_auth.errors import ConfigurationError
from legacy_auth.log_safety import NOISY_LOGGERS, quiet_noisy_loggers

F = TypeVar("F", bound=Callable[..., Any])
__all__ = ["NOISY_LOGGERS", "TracingSettings", "emf_properties", "emf_template", "emf_values", "emit", "emit_line",
           "instrument", "make_logger", "make_metrics", "quiet_noisy_loggers"]

DEFAULT_SERVICE = "legacy-auth"
_COMPACT = (",", ":")
DEFAULT_NAMESPACE = "LegacyAuth"
LEGACY_AUTH_TRACING = "LEGACY_AUTH_TRACING"
TRACING_MODES = ("Active", "Disabled")


@dataclass(frozen=True, slots=True)
class TracingSettings:
    """Whether the triggers trace with AWS X-Ray (``LEGACY_AUTH_TRACING``), read once per cold start."""

    active: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> TracingSettings:
        """``Active`` or ``Disabled`` (any case); unset or empty = ``Disabled``.

        Raises
        ------
        ConfigurationError
            Any other value (naming ``LEGACY_AUTH_TRACING``).
        """
        raw = env_text(environ, LEGACY_AUTH_TRACING)
        if raw is None or raw.lower() == "disabled":
            return cls(active=False)
        if raw.lower() == "active":
            return cls(active=True)
        raise ConfigurationError(LEGACY_AUTH_TRACING, "must be Active or Disabled")


def make_logger(service: str | None = None) -> Logger:
    """A Powertools ``Logger`` (level from ``POWERTOOLS_LOG_LEVEL``) with the noisy loggers quieted."""
    quiet_noisy_loggers()
    return Logger(service=service or os.environ.get("POWERTOOLS_SERVICE_NAME") or DEFAULT_SERVICE)


def make_metrics(namespace: str | None = None, service: str | None = None) -> Metrics:
    """A Powertools ``Metrics`` with a default namespace (``POWERTOOLS_METRICS_NAMESPACE`` wins)."""
    return Metrics(
        namespace=namespace or os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or DEFAULT_NAMESPACE,
        service=service or os.environ.get("POWERTOOLS_SERVICE_NAME") or DEFAULT_SERVICE,
    )


def emit(metrics: Metrics, name: str, value: float = 1, *, unit: MetricUnit = MetricUnit.Count,
         dimensions: Mapping[str, str] | None = None) -> None:
    """Write one metric with its own dimensions (an EMF line), in the namespace of ``metrics``.

    Dimension values are short machine codes (reason, scheme, trigger source), never user data.
    """
    namespace = getattr(metrics, "namespace", None) or DEFAULT_NAMESPACE
    with single_metric(name=name, unit=unit, value=value, namespace=namespace) as metric:
        for key, dim in (dimensions or {}).items():
            metric.add_dimension(name=key, value=str(dim) or "none")


def emit_line(metrics: Metrics, dimensions: Mapping[str, str], values: Mapping[str, tuple[float, str]]) -> None:
    """Write one CloudWatch EMF line holding several metrics that share one dimension set.

    Hand-written (the documented EMF format, as Powertools prints it) because Powertools' ``add_metric`` +
    flush cost ~60 µs for two metrics on the migrate-user hot path, a quarter of the database round trip it
    accompanies (measured in ``tests/bench/bench_migration.py``). The static part of each line is built once
    per (dimensions, metric names) and cached. ``service`` is added as a dimension.

    Parameters
    ----------
    metrics:
        Supplies the namespace and service (:func:`make_metrics`).
    dimensions:
        Short machine codes only (reason, scheme, trigger), never user data.
    values:
        Metric name -> (value, unit), e.g. ``{"MigrationSucceeded": (1, "Count")}``; values must be finite.
    """
    namespace = getattr(metrics, "namespace", None) or DEFAULT_NAMESPACE
    service = str(getattr(metrics, "service", None) or DEFAULT_SERVICE)
    names = tuple((name, unit) for name, (_, unit) in values.items())
    head, tail = _emf_template(namespace, service, tuple((k, str(v) or "none") for k, v in dimensions.items()), names)
    body = emf_values({name: value for name, (value, _) in values.items()})
    sys.stdout.write(f"{head}{int(time.time() * 1000)}{tail}{body}}}\n")


@functools.lru_cache(maxsize=512)
def _emf_template(namespace: str, service: str, dims: tuple[tuple[str, str], ...],
                  names: tuple[tuple[str, str], ...]) -> tuple[str, str]:
    return emf_template(namespace, {**dict(dims), "service": service}, names)


def emf_template(namespace: str, dimensions: Mapping[str, str], metrics: Sequence[tuple[str, str]]) -> tuple[str, str]:
    """The constant parts of an EMF line, ``(head, tail)``: a line is ``head + str(timestamp_ms) + tail``, then
    :func:`emf_values`, then :func:`emf_properties`, then ``"}"``.

    ``dimensions`` (name -> value, one dimension set, in order) and ``metrics`` (``(name, unit)`` pairs) are
    short machine codes, never user data. The one EMF writer of the project; ``authorizer/metrics.py`` keeps a
    copy (the authorizer imports nothing first-party), pinned to the same lines by
    ``tests/unit/triggers/test_observability_emf.py``.
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


def instrument(logger: Logger, metrics: Metrics | None = None,
               tracing: TracingSettings | None = None) -> Callable[[F], F]:
    """Decorate a handler: Lambda context in logs (never the event); Powertools metrics flushed at the end.

    Parameters
    ----------
    logger:
        From :func:`make_logger`.
    metrics:
        From :func:`make_metrics`, when the handler records metrics through Powertools' ``add_metric``;
        ``None`` when it writes its own lines with :func:`emit_line`.
    tracing:
        X-Ray tracing; ``None`` reads ``LEGACY_AUTH_TRACING`` from the environment once, at decoration (the
        handler module's import, i.e. the cold start). Active wraps the handler with :func:`_traced`.
    """
    settings = tracing if tracing is not None else TracingSettings.from_env(os.environ)

    def decorate(fn: F) -> F:
        wrapped: Callable[..., Any] = logger.inject_lambda_context(log_event=False, clear_state=True)(fn)
        if metrics is None:
            handler: Callable[..., Any] = wraps(fn)(wrapped)
        else:
            handler = _with_metrics(fn, wrapped, metrics)
        return (_traced(handler, logger.service) if settings.active else handler)  # type: ignore[return-value]

    return decorate


def _with_metrics(fn: Callable[..., Any], wrapped: Callable[..., Any], metrics: Metrics) -> Callable[..., Any]:
    @wraps(fn)
    def with_metrics(event: Any, context: Any) -> Any:
        try:
            return wrapped(event, context)
        finally:
            # Flush only when something was added: handlers mostly use ``emit`` / ``emit_line`` (own EMF
            # lines), and Powertools' ``log_metrics`` warns "No application metrics" on every empty flush.
            if metrics.metric_set:
                metrics.flush_metrics()

    return with_metrics


def _traced(handler: Callable[..., Any], service: str) -> Callable[..., Any]:
    """``handler`` inside one Powertools Tracer subsegment that can hold no event, response or error text.

    The exception is caught inside the subsegment (which then carries only an ``Error`` annotation with the
    exception's class name) and re-raised once the subsegment has closed, because the X-Ray SDK's subsegment
    context manager records any exception passing through it with its message and stack, whatever Powertools'
    ``capture_error`` says.
    """
    from aws_lambda_powertools import Tracer  # imports aws_xray_sdk: only when tracing is on

    # Powertools' tracer module logs "Exception received from <handler>" with a traceback when an exception
    # crosses it; none does (see below), and its DEBUG lines are not wanted either.
    logging.getLogger("aws_lambda_powertools.tracing").setLevel(logging.CRITICAL)
    tracer = Tracer(service=service, auto_patch=False)

    @wraps(handler)
    def inside(event: Any, context: Any) -> Any:
        try:
            return handler(event, context), None
        except Exception as exc:  # noqa: BLE001 - re-raised by ``traced`` outside the subsegment
            tracer.put_annotation(key="Error", value=type(exc).__name__)
            return None, exc

    captured = tracer.capture_lambda_handler(inside, capture_response=False, capture_error=False)

    @wraps(handler)
    def traced(event: Any, context: Any) -> Any:
        result, error = captured(event, context)
        if error is not None:
            raise error
        return result

    return traced

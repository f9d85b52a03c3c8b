"""PreSignUp trigger: email domain lists, the legacy sign-up guard, safe auto-confirm, external-provider linking.

Thin: the event goes through :func:`legacy_auth.hooks.signup_policy.parse_request` and
:func:`~legacy_auth.hooks.signup_policy.decide`; the answer is written through the Powertools setters. A refusal
raises :class:`~legacy_auth.hooks.signup_policy.SignUpRefusedError`, whose message Cognito shows the user
("PreSignUp failed with error <message>."). The settings, the legacy database and the boto3 client are
:class:`~triggers.lazy.Lazy` cells at module scope, built on first use and reused; boto3 is imported only when
a trusted domain or a link provider is configured.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import PreSignUpTriggerEvent

from legacy_auth.deadline import Deadline
from legacy_auth.errors import ConfigurationError
from legacy_auth.hooks.config import GuardMode, HookSettings
from legacy_auth.hooks.signup_guard import LegacyGuard
from legacy_auth.hooks.signup_policy import (
    MSG_INVALID,
    MSG_UNAVAILABLE,
    SignUpDecision,
    SignUpRefusedError,
    decide,
    parse_request,
)
from triggers.hook_wiring import cognito_within, legacy_guard, source_label
from triggers.lazy import Lazy
from triggers.observability import emit, instrument, make_logger, make_metrics

logger = make_logger()
metrics = make_metrics()
#: The hook settings, read from the environment once per cold start.
settings: Lazy[HookSettings] = Lazy(lambda: HookSettings.from_env(os.environ))
#: The legacy lookup (database handle created once, connected lazily).
guard: Lazy[LegacyGuard] = Lazy(legacy_guard)


@instrument(logger, metrics)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point: accept (possibly auto-confirming or linking) or refuse the sign-up."""
    if not isinstance(event, dict):  # Cognito always sends an object; anything else is refused, not a crash
        _refused("malformed_event", "unknown")
        raise SignUpRefusedError("malformed_event", MSG_INVALID)
    source = source_label(event.get("triggerSource"))
    try:
        decision = _decide(event, context)
    except SignUpRefusedError as exc:  # the one error-mapping step
        _refused(exc.reason, source)
        raise
    except ConfigurationError as exc:
        logger.error("pre-signup: misconfigured", extra={"setting": exc.setting})
        _refused("misconfigured", source)
        raise SignUpRefusedError("misconfigured", MSG_UNAVAILABLE) from None
    if not isinstance(event.get("response"), dict):
        event["response"] = {}  # Cognito always sends one; a malformed event still gets a well-formed answer
    answer = PreSignUpTriggerEvent(event)
    answer.response.auto_confirm_user = decision.auto_confirm
    answer.response.auto_verify_email = decision.auto_verify_email
    answer.response.auto_verify_phone = False  # never: a verified phone alias would move off another user
    # success path: metrics aggregated into the one EMF line the decorator flushes (cheaper than emit())
    metrics.add_dimension(name="trigger_source", value=source)
    metrics.add_metric(name="SignUpAccepted", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="SignUpAutoConfirmed", unit=MetricUnit.Count, value=int(decision.auto_confirm))
    metrics.add_metric(name="ExternalIdentityLinked", unit=MetricUnit.Count, value=int(decision.linked_to is not None))
    return answer.raw_event


def _decide(event: dict[str, Any], context: Any) -> SignUpDecision:
    config = settings()
    request = parse_request(event)
    deadline = Deadline.from_context(context, margin_ms=config.time_margin_ms, budget_ms=config.budget_ms)
    needs_guard = config.signup_guard is GuardMode.REFUSE
    legacy_match = guard().matcher(deadline) if needs_guard else _never
    cognito = cognito_within(deadline) if (config.trusted_domains or config.link_providers) else None
    return decide(request, config, legacy_match=legacy_match, cognito=cognito)


def _never(login: str) -> bool:
    return False


def _refused(reason: str, source: str) -> None:
    logger.info("pre-signup: refused", extra={"reason": reason, "trigger_source": source})
    emit(metrics, "SignUpRefused", dimensions={"reason": reason, "trigger_source": source})

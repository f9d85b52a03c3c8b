"""PostConfirmation trigger: provision the app user (idempotent), add the default group, record completed resets.

The user is already confirmed when Cognito calls this, so this hook **never raises** for a provisioning
problem: raising would show the user an error for a sign-up that in fact succeeded (and Cognito would
retry, up to 3 times, against the same broken database). Instead the failure is recorded in the failures
table and counted in a metric; ``legacy-auth reconcile`` (``legacy_auth.hooks.reconcile``) repairs it. A broken
configuration is logged and counted (``ProvisioningFailed``, reason ``misconfigured``) for an alarm, not
raised: the user could do nothing about it.

- ``PostConfirmation_ConfirmSignUp``: provision, then add to ``HOOKS_DEFAULT_GROUP``. **Never** with a legacy
  id: only the migrate-user trigger (a user it creates is ``CONFIRMED`` or ``RESET_REQUIRED``, never confirmed
  by ``ConfirmSignUp``) and the bulk import (``RESET_REQUIRED``: finished by ``ConfirmForgotPassword``) set
  ``custom:legacy_id``; on a self-service sign-up it can only have been written by the user. Such an event is
  provisioned without it and counted (``LegacyIdIgnored``).
- ``PostConfirmation_ConfirmForgotPassword``: the same idempotent provisioning (a user who migrated
  through forgot-password gets their row once, never a second one), the group, and, with migration
  tracking on, ``reset_completed`` for the user's ``custom:legacy_id`` **only while the tracking table does
  not say the user migrated already** (no row, or ``reset_pending``): a migrated user's later password reset
  is not a migration event and leaves their row alone.

A user's failure row (from an earlier failed attempt) is deleted only after every step succeeded: with a
default group, after the group was added; a failed group records ``group_failed`` instead, also with
``HOOKS_PROVISION=off`` (the failures table is then the only durable trace for ``legacy-auth reconcile``).

The steps are :func:`legacy_auth.hooks.confirmation.complete_confirmation`, shared with ``legacy-auth reconcile``;
this module decides the legacy-id rule above, and turns each outcome into metrics and log lines.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import PostConfirmationTriggerEvent

from legacy_auth.db.database import Database
from legacy_auth.deadline import Deadline
from legacy_auth.errors import ConfigurationError, LegacyAuthError, StoreError
from legacy_auth.hooks.app_user import AppUser
from legacy_auth.hooks.config import HookSettings
from legacy_auth.hooks.confirmation import (
    AppSide,
    ConfirmationObserver,
    StoreStep,
    complete_confirmation,
    failure_reason,
)
from legacy_auth.hooks.provisioning import ProvisioningInputError
from legacy_auth.migration.tracking import MigrationTracker
from triggers.hook_wiring import app_database, cognito_within, legacy_database, migration_tracker, source_label
from triggers.lazy import Lazy
from triggers.observability import emit, instrument, make_logger, make_metrics

logger = make_logger()
metrics = make_metrics()
CONFIRM_FORGOT = "PostConfirmation_ConfirmForgotPassword"
RESERVE_MARGIN_MS = 150  # recording a failure may use part of the main margin, never the last 150 ms
RESERVE_BUDGET_MS = 1000


def _tracker() -> MigrationTracker | None:
    """The migration tracking table when ``LEGACY_TRACK_MIGRATION`` is on and the legacy DB is configured."""
    if not os.environ.get("LEGACY_APP"):
        return None
    legacy, db = legacy_database()
    return migration_tracker(legacy, db)


#: The hook settings, read from the environment once per cold start.
settings: Lazy[HookSettings] = Lazy(lambda: HookSettings.from_env(os.environ))
#: The app database handle (created once, connected lazily, reused).
app_db: Lazy[Database] = Lazy(lambda: app_database(settings(), os.environ))
#: The tracking table's reader/writer, or None (tracking off, or no legacy database).
tracker: Lazy[MigrationTracker | None] = Lazy(_tracker)


@instrument(logger, metrics)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point: returns the event unchanged (PostConfirmation has no response fields).

    Fields are read with the data class's ``get`` (its properties raise ``KeyError`` on a missing field); every
    value this hook uses is validated by ``complete_confirmation`` first.
    """
    if not isinstance(event, dict):  # Cognito always sends an object; the user is confirmed: a no-op, never a crash
        _failed("malformed_event", "unknown")
        return event
    confirmation = PostConfirmationTriggerEvent(event)
    source = source_label(confirmation.get("triggerSource"))
    config = settings()
    deadline = Deadline.from_context(context, margin_ms=config.time_margin_ms, budget_ms=config.budget_ms)
    raw_pool = confirmation.get("userPoolId")
    side = AppSide(db=app_db, schema=config.app_users, cognito=cognito_within(deadline),
                   pool=raw_pool[:64] if isinstance(raw_pool, str) else "", group=config.default_group)
    attributes = _attributes(confirmation)
    complete_confirmation(
        confirmation.get("userName"), attributes,
        legacy_id_attribute=config.legacy_id_attribute if source == CONFIRM_FORGOT else None,  # never on a sign-up
        side=side, provision_row=config.provision, on_row_failure="record",
        deadline=lambda: deadline, reserve=lambda: _reserve(context),
        observer=_Outcomes(source, attributes, config.legacy_id_attribute, deadline),
    )
    return confirmation.raw_event


class _Outcomes(ConfirmationObserver):
    """The handler's side of each step: metrics and log lines (never a value), and the tracking write."""

    def __init__(self, source: str, attributes: Any, legacy_id_attribute: str, deadline: Deadline) -> None:
        self.source = source
        self.attributes = attributes
        self.legacy_id_attribute = legacy_id_attribute
        self.deadline = deadline

    def rejected(self, exc: ProvisioningInputError) -> None:  # bad input: a no-op with a reason, no partial row
        _failed(exc.reason, self.source)

    def accepted(self, user: AppUser) -> None:
        ignored = self.source != CONFIRM_FORGOT and isinstance(self.attributes, dict)
        if ignored and self.attributes.get(self.legacy_id_attribute):
            logger.warning("post-confirmation: legacy id on a sign-up ignored", extra={"trigger_source": self.source})
            emit(metrics, "LegacyIdIgnored", dimensions={"trigger_source": self.source})

    def row_done(self, created: bool) -> None:
        metrics.add_dimension(name="trigger_source", value=self.source)  # one EMF line, flushed by the decorator
        metrics.add_metric(name="UserProvisioned" if created else "UserAlreadyProvisioned", unit=MetricUnit.Count,
                           value=1)

    def row_failed(self, exc: LegacyAuthError) -> None:
        if isinstance(exc, ConfigurationError):  # broken deployment: alarm on the metric, never fail a user
            logger.error("post-confirmation: misconfigured", extra={"setting": exc.setting})
            _failed("misconfigured", self.source)
        else:
            _failed(failure_reason(exc), self.source)

    def after_row(self, user: AppUser) -> None:
        if self.source == CONFIRM_FORGOT and user.legacy_id is not None:
            _reset_completed(user.legacy_id, self.deadline)

    def group_failed(self, exc: Exception) -> None:
        _failed(f"group_{type(exc).__name__}"[:64], self.source)

    def store_failed(self, step: StoreStep, exc: LegacyAuthError) -> None:
        if step == "record":  # if even this fails, the metric and the log line remain, and reconcile finds the user
            logger.error("post-confirmation: failure not recorded", extra={"reason": getattr(exc, "reason", "")})
        else:  # a leftover row only makes reconcile retry, harmlessly
            logger.warning("post-confirmation: failure row not cleared", extra={"error": type(exc).__name__})


def _reserve(context: Any) -> Deadline:
    """The budget for recording a failure: at most 1 s, never into the last 150 ms.

    Separate from the main deadline so a timed-out provisioning still gets its failure recorded before
    Cognito's limit.
    """
    return Deadline.from_context(context, margin_ms=RESERVE_MARGIN_MS, budget_ms=RESERVE_BUDGET_MS)


def _reset_completed(legacy_id: str, deadline: Deadline) -> None:
    """``reset_completed`` for a user whose migration this reset completes.

    That is a user not tracked yet, one in ``reset_pending`` (migrated through ForgotPassword) or one bulk-imported
    without a password (``imported``: ``legacy-auth export --start`` creates them ``RESET_REQUIRED``, so their
    first password reset is the end of their migration and ``status`` stops counting them as reset pending). A
    user who migrated by password (``migrated``) and resets it later is not completing a migration: their row is
    left as is (the status never moves, ``events`` does not count the reset).
    """
    try:
        found = tracker()
        if found is not None and found.status(legacy_id, deadline=deadline) in (None, "reset_pending", "imported"):
            found.record_reset_completed(legacy_id, deadline=deadline)
    except (StoreError, ConfigurationError) as exc:  # tracking is bookkeeping: never fatal
        logger.warning("post-confirmation: tracking not recorded", extra={"error": type(exc).__name__})


def _failed(reason: str, source: str) -> None:
    logger.warning("post-confirmation: not provisioned", extra={"reason": reason, "trigger_source": source})
    emit(metrics, "ProvisioningFailed", dimensions={"reason": reason, "trigger_source": source})


def _attributes(confirmation: PostConfirmationTriggerEvent) -> Any:
    request = confirmation.get("request")
    return request.get("userAttributes") if isinstance(request, dict) else None

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
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import PostConfirmationTriggerEvent

from legacy_auth.db.database import Database
from legacy_auth.deadline import Deadline
from legacy_auth.errors import ConfigurationError, StoreError
from legacy_auth.hooks.cognito_users import aws_errors
from legacy_auth.hooks.config import HookSettings
from legacy_auth.hooks.provisioning import (
    AppUser,
    ProvisioningConflictError,
    ProvisioningInputError,
    add_to_group,
    app_user_from_event,
    provision,
)
from legacy_auth.hooks.provisioning_failures import clear_failure_row
from legacy_auth.hooks.provisioning_failures import record_failure as _record
from legacy_auth.migration.tracking import MigrationTracker
from triggers.hook_wiring import app_database, cognito_within, legacy_database, migration_tracker, source_label
from triggers.observability import emit, instrument, make_logger, make_metrics

logger = make_logger()
metrics = make_metrics()
CONFIRM_FORGOT = "PostConfirmation_ConfirmForgotPassword"
RESERVE_MARGIN_MS = 150  # recording a failure may use part of the main margin, never the last 150 ms
RESERVE_BUDGET_MS = 1000
_settings: HookSettings | None = None
_db: Database | None = None
_tracker: tuple[MigrationTracker | None] | None = None


def settings() -> HookSettings:
    """The hook settings, read from the environment once per cold start."""
    global _settings
    if _settings is None:
        _settings = HookSettings.from_env(os.environ)
    return _settings


def app_db() -> Database:
    """The app database handle (created once, connected lazily, reused)."""
    global _db
    if _db is None:
        _db = app_database(settings(), os.environ)
    return _db


def tracker() -> MigrationTracker | None:
    """The migration tracking table when ``LEGACY_TRACK_MIGRATION`` is on and the legacy DB is configured."""
    global _tracker
    if _tracker is None:
        if not os.environ.get("LEGACY_APP"):
            _tracker = (None,)
        else:
            legacy, db = legacy_database(os.environ)
            _tracker = (migration_tracker(legacy, db),)
    return _tracker[0]


@instrument(logger, metrics)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point: returns the event unchanged (PostConfirmation has no response fields).

    Fields are read with the data class's ``get`` (its properties raise ``KeyError`` on a missing field); every
    value this hook uses is validated by ``app_user_from_event`` first.
    """
    if not isinstance(event, dict):  # Cognito always sends an object; the user is confirmed: a no-op, never a crash
        _failed("malformed_event", "unknown")
        return event
    confirmation = PostConfirmationTriggerEvent(event)
    source = source_label(confirmation.get("triggerSource"))
    config = settings()
    deadline = Deadline.from_context(context, margin_ms=config.time_margin_ms, budget_ms=config.budget_ms)
    attributes = _attributes(confirmation)
    legacy_id_attribute = config.legacy_id_attribute if source == CONFIRM_FORGOT else None  # never on a sign-up
    try:  # the one error-mapping step for bad input: a no-op with a reason, never a partial row
        user = app_user_from_event(confirmation.get("userName"), attributes, legacy_id_attribute=legacy_id_attribute)
    except ProvisioningInputError as exc:
        _failed(exc.reason, source)
        return confirmation.raw_event
    if legacy_id_attribute is None and isinstance(attributes, dict) and attributes.get(config.legacy_id_attribute):
        logger.warning("post-confirmation: legacy id on a sign-up ignored", extra={"trigger_source": source})
        emit(metrics, "LegacyIdIgnored", dimensions={"trigger_source": source})
    raw_pool = confirmation.get("userPoolId")
    pool = raw_pool[:64] if isinstance(raw_pool, str) else ""
    group = config.default_group if user.username and pool else None
    provisioned = config.provision and _provision(user, source, deadline, context, clear_failure=group is None)
    if source == CONFIRM_FORGOT and user.legacy_id is not None:
        _reset_completed(user.legacy_id, deadline)
    if group is not None and _group(pool, user, group, source, deadline, context) and provisioned:
        _clear_failure(user, deadline)  # only now: a failed group keeps the failure row for reconcile
    return confirmation.raw_event


def _provision(user: AppUser, source: str, deadline: Deadline, context: Any, *, clear_failure: bool) -> bool:
    """Provision (True when the row exists afterwards); a failure is counted and recorded, never raised."""
    config = settings()
    try:
        created = provision(app_db(), config.app_users, user, deadline=deadline, clear_failure=clear_failure)
    except ConfigurationError as exc:  # broken deployment: alarm on the metric, never fail a confirmed user
        logger.error("post-confirmation: misconfigured", extra={"setting": exc.setting})
        _failed("misconfigured", source)
        return False
    except (StoreError, ProvisioningConflictError) as exc:
        reason = str(getattr(exc, "reason", "db_unavailable"))
        _failed(reason, source)
        _record_failure(user, reason, context)
        return False
    metrics.add_dimension(name="trigger_source", value=source)  # one EMF line, flushed by the decorator
    metrics.add_metric(name="UserProvisioned" if created else "UserAlreadyProvisioned", unit=MetricUnit.Count,
                       value=1)
    return True


def _reset_completed(legacy_id: str, deadline: Deadline) -> None:
    """``reset_completed`` only for a user the tracking table does not already count as migrated.

    A user who migrated by password (``migrated``) and resets it later is not completing a migration: their
    row is left as is (the status never moves, ``events`` does not count the reset).
    """
    try:
        found = tracker()
        if found is not None and not found.is_migrated(legacy_id, deadline=deadline):
            found.record_reset_completed(legacy_id, deadline=deadline)
    except (StoreError, ConfigurationError) as exc:  # tracking is bookkeeping: never fatal
        logger.warning("post-confirmation: tracking not recorded", extra={"error": type(exc).__name__})


def _group(pool: str, user: AppUser, group: str, source: str, deadline: Deadline, context: Any) -> bool:
    assert user.username is not None  # checked by the caller
    try:
        add_to_group(cognito_within(deadline)(), pool, user.username, group)
    except aws_errors() as exc:  # botocore errors and BudgetExceededError
        _failed(f"group_{type(exc).__name__}"[:64], source)
        _record_failure(user, "group_failed", context)
        return False
    return True


def _clear_failure(user: AppUser, deadline: Deadline) -> None:
    """Every step succeeded: forget an earlier failure (a leftover row only makes reconcile retry, harmlessly)."""
    try:
        clear_failure_row(app_db(), settings().app_users, user.sub, deadline=deadline)
    except (StoreError, ConfigurationError) as exc:
        logger.warning("post-confirmation: failure row not cleared", extra={"error": type(exc).__name__})


def _record_failure(user: AppUser, reason: str, context: Any) -> None:
    """Best effort: if even this fails, the metric and the log line remain, and reconcile finds the user.

    Runs on its own short deadline (at most 1 s, never into the last 150 ms) so a timed-out provisioning
    still gets its failure recorded before Cognito's limit. Also with ``HOOKS_PROVISION=off``: a failed group
    add must leave a durable trace, not only a metric.
    """
    deadline = Deadline.from_context(context, margin_ms=RESERVE_MARGIN_MS, budget_ms=RESERVE_BUDGET_MS)
    try:
        _record(app_db(), settings().app_users, user, reason, deadline=deadline)
    except (StoreError, ConfigurationError) as exc:
        logger.error("post-confirmation: failure not recorded", extra={"reason": getattr(exc, "reason", "")})


def _failed(reason: str, source: str) -> None:
    logger.warning("post-confirmation: not provisioned", extra={"reason": reason, "trigger_source": source})
    emit(metrics, "ProvisioningFailed", dimensions={"reason": reason, "trigger_source": source})


def _attributes(confirmation: PostConfirmationTriggerEvent) -> Any:
    request = confirmation.get("request")
    return request.get("userAttributes") if isinstance(request, dict) else None

"""Cognito migrate-user trigger: signs legacy users in to the user pool with their old password.

Handles ``triggerSource``:

- ``UserMigration_Authentication``: the user typed a username/email and password; the legacy row is found by
  the app's own login rule, the password verified with the app's own scheme, and the user is created
  ``CONFIRMED`` with ``messageAction: SUPPRESS``.
- ``UserMigration_ForgotPassword``: no password; a user with a verified email/phone is created
  ``RESET_REQUIRED`` so Cognito can send the reset code.

Every refusal (unknown user, wrong password, blocked, ambiguous, SSO-only, locked out by the guessing bound of
``legacy_auth.migration.lockout``, unusable hash, database down, time budget exceeded, bad configuration) raises one
generic message; the precise reason goes to structured logs and metrics. The login, password, hash and event
are never logged.

Docs: https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-migrate-user.html
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import UserMigrationTriggerEvent

from legacy_auth.db import Database, Deadline
from legacy_auth.errors import (
    ConfigurationError,
    CredentialError,
    InvalidPasswordError,
    LegacyAuthError,
    StoreError,
    UnsupportedTriggerError,
    reason_of,
)
from legacy_auth.migration.config import LEGACY_DUMMY_HASH, Settings
from legacy_auth.migration.policy import MigrationPolicy, MigrationResult, lookup_for_reset, migrate_user
from legacy_auth.migration.store import SqlUserStore
from triggers.lazy import Lazy
from triggers.observability import emit_line, instrument, make_logger, make_metrics

if TYPE_CHECKING:  # imported by runtime(): only the configured app's parts, once (see _prebuild)
    from legacy_auth.hashing import HashContext
    from legacy_auth.migration.lockout import GuessLimiter
    from legacy_auth.migration.tracking import MigrationTracker, Status

GENERIC_MESSAGE = "Incorrect username or password."
AUTHENTICATION = "UserMigration_Authentication"
FORGOT_PASSWORD = "UserMigration_ForgotPassword"  # noqa: S105 - a trigger source
_TRIGGER_NAMES = {AUTHENTICATION: "Authentication", FORGOT_PASSWORD: "ForgotPassword"}

logger = make_logger()
metrics = make_metrics()


class MigrationRefusedError(Exception):
    """What Cognito receives for every refusal: one fixed, generic message (no user enumeration)."""

    def __init__(self) -> None:
        super().__init__(GENERIC_MESSAGE)


@dataclass(frozen=True, slots=True)
class Runtime:
    """What one cold start builds once and every warm invocation reuses."""

    settings: Settings
    store: SqlUserStore
    hashes: HashContext
    policy: MigrationPolicy
    tracker: MigrationTracker | None
    limiter: GuessLimiter | None = None  # LEGACY_LOCKOUT_MAX_FAILURES > 0


def _build_runtime() -> Runtime:
    """Build the runtime on first use (configuration errors surface as a refusal, not an init crash).

    The hashing package (every scheme, argon2-cffi and bcrypt), the presets and tracking are imported here
    rather than at module import: on an on-demand cold start the user waits for init and first invocation
    alike, and the import stays light; with SnapStart / provisioned concurrency :func:`_prebuild` runs this
    during init, so the work lands in the snapshot / the pre-initialised environment.
    """
    from legacy_auth.apps import get_preset
    from legacy_auth.migration.tracking import MigrationTracker

    settings = Settings.from_env(os.environ)
    preset = get_preset(settings.app, **settings.preset_kwargs())
    hashes = _hash_context(settings)
    db = Database(settings.db_url, options=settings.db_options, dbname=settings.db_name)
    return Runtime(
        settings=settings,
        store=SqlUserStore(db, preset, settings.table_prefix),
        hashes=hashes,
        policy=MigrationPolicy.from_settings(settings),
        tracker=MigrationTracker(db, app=settings.app, table=settings.tracking_table)
        if settings.track_migration
        else None,
        limiter=_limiter(settings, db),
    )


#: The runtime of this execution environment (``reset()`` closes its connection).
runtime: Lazy[Runtime] = Lazy(_build_runtime, close=lambda rt: rt.store.db.close())


def _limiter(settings: Settings, db: Database) -> GuessLimiter | None:
    """The guessing bound of not-yet-migrated users, in the tracking database (``docs/migration.md``)."""
    if settings.lockout_max_failures <= 0:
        return None
    from legacy_auth.migration.lockout import GuessLimiter, LockoutPolicy

    policy = LockoutPolicy(max_failures=settings.lockout_max_failures, window_s=settings.lockout_window_s,
                           on_db_error=settings.lockout_on_db_error, table=settings.lockout_table)
    return GuessLimiter(db, policy, key=settings.lockout_key, on_unavailable=_lockout_unavailable)


def _lockout_unavailable(exc: StoreError) -> None:
    """``LEGACY_LOCKOUT_ON_DB_ERROR=open`` (or a failed clear): log and count, the sign-in goes on."""
    logger.warning("guessing bound unavailable", extra={"reason": getattr(exc, "reason", "db_unavailable")})
    emit_line(metrics, {}, {"LockoutUnavailable": (1, "Count")})


def _hash_context(settings: Settings) -> HashContext:
    """The app's hash context; a bad ``LEGACY_DUMMY_HASH`` is reported under its variable name."""
    from legacy_auth.apps import get_context

    try:
        return get_context(settings.app, **settings.hashing_options())
    except ConfigurationError as exc:
        if exc.setting == "dummy_hash":
            raise ConfigurationError(LEGACY_DUMMY_HASH, "not a valid hash of this LEGACY_APP's schemes") from None
        raise


#: Forget the runtime and close its connection (tests; a new environment re-reads the settings).
reset_runtime = runtime.reset


@instrument(logger)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point for the migrate-user trigger (see the module docstring)."""
    started = time.perf_counter()
    source = event.get("triggerSource") if isinstance(event, dict) else None
    try:
        trigger = UserMigrationTriggerEvent(event)
        result = _migrate(trigger, str(source), context)
    except Exception as exc:  # noqa: BLE001 - the one error-mapping step: by type, to one generic message
        raise _refusal(exc, str(source), started) from None
    _respond(trigger, result)
    _observe_success(result, str(source), started)
    return trigger.raw_event


def _migrate(trigger: UserMigrationTriggerEvent, source: str, context: Any) -> MigrationResult:
    rt = runtime()
    deadline = Deadline.from_context(context, margin_ms=rt.settings.margin_ms, budget_ms=rt.settings.budget_ms)
    login = trigger.user_name
    if not isinstance(login, str) or not login:
        raise UnsupportedTriggerError("event has no userName")
    if source == AUTHENTICATION:
        password = trigger.request.password
        if not isinstance(password, str):
            rt.hashes.dummy_verify()
            raise InvalidPasswordError("no password in the event")
        result = migrate_user(login, password, store=rt.store, hashes=rt.hashes, policy=rt.policy, deadline=deadline,
                              tracker=rt.tracker, guard=rt.limiter)
    elif source == FORGOT_PASSWORD and rt.settings.allow_forgot_password:
        result = lookup_for_reset(login, store=rt.store, policy=rt.policy, deadline=deadline, tracker=rt.tracker)
    else:
        raise UnsupportedTriggerError("trigger source not served")
    if rt.tracker is not None:
        _track(rt.tracker, result, source, deadline)
    return result


def _track(tracker: MigrationTracker, result: MigrationResult, source: str, deadline: Deadline) -> None:
    """Best effort: a tracking failure is logged and counted, never fails a verified sign-in."""
    status: Status = "migrated" if result.final_user_status == "CONFIRMED" else "reset_pending"
    try:
        tracker.record(result.legacy_id, status, trigger_source=source, scheme=result.scheme, deadline=deadline)
    except StoreError as exc:
        logger.warning("migration tracking failed", extra={"reason": getattr(exc, "reason", "db_unavailable"),
                                                           "legacy_id": result.legacy_id})
        emit_line(metrics, {}, {"TrackingFailed": (1, "Count")})


def _respond(trigger: UserMigrationTriggerEvent, result: MigrationResult) -> None:
    if not isinstance(trigger.raw_event.get("response"), dict):
        trigger.raw_event["response"] = {}  # Cognito always sends one; a malformed event still gets a full answer
    response = trigger.response
    response.user_attributes = result.user_attributes
    response.final_user_status = result.final_user_status
    response.message_action = result.message_action
    response.force_alias_creation = False
    if result.desired_delivery_mediums:
        response.desired_delivery_mediums = result.desired_delivery_mediums


def _refusal(exc: Exception, source: str, started: float) -> MigrationRefusedError:
    reason = reason_of(exc)
    scheme = getattr(exc, "scheme", None) or "none"
    fields = {
        "trigger": source,
        "reason": reason,
        "scheme": scheme,
        "error_type": type(exc).__name__,
        "legacy_id": getattr(exc, "legacy_id", None),
        "setting": getattr(exc, "setting", None),
        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
    }
    if isinstance(exc, CredentialError | UnsupportedTriggerError):
        logger.info("user migration refused", extra=fields)
    else:  # our problem: no exception text (driver/library messages may quote data), type and reason only
        logger.error("user migration failed", extra=fields)
    _metric("MigrationFailed", source, started, reason=reason, scheme=scheme)
    return MigrationRefusedError()


def _observe_success(result: MigrationResult, source: str, started: float) -> None:
    # DEBUG, not INFO: a Powertools JSON log line costs ~40-80 µs, a third of a warm cheap-hash migration;
    # successes are counted by the MigrationSucceeded metric and recorded durably by LEGACY_TRACK_MIGRATION.
    if logger.log_level <= logging.DEBUG:
        logger.debug("user migrated", extra={"trigger": source, "legacy_id": result.legacy_id,
                                             "status": result.final_user_status, "scheme": result.scheme,
                                             "duration_ms": round((time.perf_counter() - started) * 1000, 2)})
    _metric("MigrationSucceeded", source, started, reason="ok", scheme=result.scheme or "none")


def _metric(name: str, source: str, started: float, *, reason: str, scheme: str) -> None:
    """One EMF line per invocation: the outcome count and the duration, with the same dimensions."""
    duration = round((time.perf_counter() - started) * 1000, 3)
    emit_line(metrics, {"trigger": _TRIGGER_NAMES.get(source, "unknown"), "reason": reason, "scheme": scheme},
              {name: (1, "Count"), "MigrationDuration": (duration, "Milliseconds")})


#: Lambda's ``AWS_LAMBDA_INITIALIZATION_TYPE`` values whose init phase happens before any caller waits.
PREBUILT_INITIALIZATION = frozenset({"snap-start", "provisioned-concurrency"})


def _prebuild() -> None:
    """Build the runtime during init when no user waits for it (SnapStart snapshot, provisioned concurrency).

    Settings, preset and hash context only: :class:`~legacy_auth.db.Database` connects (and reads a secret)
    lazily, so no connection or credential is captured in a snapshot. A configuration error is left for the
    first invocation to report, as on an on-demand start.
    """
    if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") in PREBUILT_INITIALIZATION:
        with contextlib.suppress(LegacyAuthError):
            runtime()


_prebuild()

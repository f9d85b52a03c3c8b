"""PreTokenGeneration trigger (V1 ``claimsOverrideDetails`` and V2/V3 ``claimsAndScopeOverrideDetails``).

Adds ``legacy_id`` / ``app_user_id`` claims and groups mapped from legacy roles, from the user's attributes:
no database and no network on this hot path (it runs on every sign-in and refresh) unless
``HOOKS_TOKEN_APP_USER_LOOKUP=on`` asks for the app-users row id (one indexed SELECT, 1 s budget). Suppresses any
custom attribute whose name marks it as a credential. Never blocks token issuance: an unusable attribute
or a malformed event answers with the event unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import (
    GroupConfigurationBase,
    PreTokenGenerationTriggerEvent,
    PreTokenGenerationV2TriggerEvent,
)

from legacy_auth.errors import LegacyAuthError
from legacy_auth.hooks.claims import IdentityClaims, identity_claims, merge_groups
from legacy_auth.hooks.config import HookSettings
from triggers.lazy import Lazy
from triggers.observability import instrument, make_logger, make_metrics

if TYPE_CHECKING:  # the db layer is imported only by a look-up (HOOKS_TOKEN_APP_USER_LOOKUP=on)
    from legacy_auth.db.database import Database

logger = make_logger()
metrics = make_metrics()

LOOKUP_BUDGET_MS = 1000
_LISTS = frozenset({"claimsToSuppress", "scopesToAdd", "scopesToSuppress", "groupsToOverride", "iamRolesToOverride"})
_OBJECTS = frozenset({"idTokenGeneration", "accessTokenGeneration", "groupOverrideDetails", "claimsToAddOrOverride"})
V2_VERSIONS = frozenset({"2", "3"})  # PreTokenGenerationConfig LambdaVersion V2_0 / V3_0


def _app_db() -> Database:
    from triggers.hook_wiring import app_database  # the db layer on first use: the default cold start stays lean

    return app_database(settings(), os.environ)


#: The hook settings, read from the environment once per cold start.
settings: Lazy[HookSettings] = Lazy(lambda: HookSettings.from_env(os.environ))
#: The app database, only with ``HOOKS_TOKEN_APP_USER_LOOKUP=on`` (built by the first look-up).
app_db: Lazy[Database] = Lazy(_app_db)


@instrument(logger, metrics)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point: add identity claims and role groups, return the event."""
    if not isinstance(event, dict):  # Cognito always sends an object: anything else goes back unchanged
        logger.warning("pre-token: malformed event ignored", extra={"event_type": type(event).__name__})
        return event
    attributes = _attributes(event)
    try:
        found = identity_claims(attributes, settings(), looked_up_app_user_id=_lookup(attributes, context))
    except LegacyAuthError as exc:  # the one error-mapping step: configuration or data problem -> no-op
        logger.warning("pre-token: claims skipped", extra={"error": type(exc).__name__})
        return event
    if found.ignored:
        logger.warning("pre-token: unusable attributes ignored", extra={"attributes": list(found.ignored)})
    if not isinstance(event.get("response"), dict):
        event["response"] = {}  # Cognito always sends one; a malformed event still gets a well-formed answer
    for key in ("claimsOverrideDetails", "claimsAndScopeOverrideDetails"):
        if not isinstance(event["response"].get(key), dict | None) or _odd(event["response"].get(key)):
            event["response"][key] = None  # outputs Cognito sends as null: written from scratch if malformed
    if str(event.get("version")) in V2_VERSIONS:
        apply_claims(PreTokenGenerationV2TriggerEvent(event), found, access_token=settings().access_token_claims)
    else:
        apply_claims(PreTokenGenerationTriggerEvent(event), found)
    # aggregated into the one EMF line the instrument decorator flushes (single_metric costs ~2x this handler)
    metrics.add_metric(name="TokenClaimsAdded", unit=MetricUnit.Count, value=len(found.claims) + len(found.groups))
    return event


def apply_claims(event: PreTokenGenerationTriggerEvent | PreTokenGenerationV2TriggerEvent, found: IdentityClaims, *,
                 access_token: bool = False) -> None:
    """The one rule of V1 and V2: merge ``found`` into each token's target, then the groups.

    V1 has one target, ``claimsOverrideDetails`` (the ID token); V2/V3 has one per token in
    ``claimsAndScopeOverrideDetails`` (``idTokenGeneration``, and ``accessTokenGeneration`` when
    ``access_token``). Both carry ``groupOverrideDetails`` beside the targets. Nothing is written (not even an
    empty override object) when there is nothing to add.
    https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html
    """
    if not (found.claims or found.groups or found.suppress):
        return
    details: GroupConfigurationBase  # both override objects carry groupOverrideDetails
    if isinstance(event, PreTokenGenerationV2TriggerEvent):
        details = event.response.claims_scope_override_details
        targets: list[_ClaimsTarget] = [details.id_token_generation]
        if access_token:
            targets.append(details.access_token_generation)
    else:
        details = event.response.claims_override_details
        targets = [details]
    for target in targets:
        _merge(target, found)
    if found.groups:
        details.group_configuration = _groups(event.raw_event, found)


class _ClaimsTarget(Protocol):
    """V1's ``claimsOverrideDetails`` and each V2 token's ``*TokenGeneration`` (Powertools data classes)."""

    claims_to_add_or_override: dict[str, Any]
    claims_to_suppress: list[str]


def _merge(target: _ClaimsTarget, found: IdentityClaims) -> None:
    """Add ``found``'s claims and suppressions to what ``target`` already holds (the one rule of V1 and V2)."""
    if found.claims:
        target.claims_to_add_or_override = {**target.claims_to_add_or_override, **found.claims}
    if found.suppress:
        target.claims_to_suppress = [*target.claims_to_suppress, *found.suppress]


def _lookup(attributes: Mapping[str, Any], context: Any) -> str | None:
    """The app-users row id, only when ``HOOKS_TOKEN_APP_USER_LOOKUP`` is on (off: no database on this path).

    Bounded by ``LOOKUP_BUDGET_MS``; a slow or failing database means no looked-up id (logged), never a failed
    token issue. The db layer is imported here, on first use, to keep the default cold start lean.
    """
    config = settings()
    sub = attributes.get("sub")
    if not config.app_user_lookup or attributes.get(config.app_user_id_attribute) or not isinstance(sub, str):
        return None
    from legacy_auth.deadline import Deadline
    from legacy_auth.hooks.provisioning import find_app_user_id

    try:
        db = app_db()
        deadline = Deadline.from_context(context, margin_ms=config.time_margin_ms, budget_ms=LOOKUP_BUDGET_MS)
        return find_app_user_id(db, config.app_users, sub[:64], deadline=deadline)
    except LegacyAuthError as exc:  # StoreError, ConfigurationError: no looked-up id, never a failed token
        logger.warning("pre-token: app user lookup failed", extra={"error": type(exc).__name__})
        return None


def _odd(details: Any) -> bool:
    """True when an override object holds something other than objects / lists where Cognito expects them."""
    if not isinstance(details, dict):
        return False
    for key, value in details.items():
        if value is None:
            continue
        if key in _LISTS and not isinstance(value, list):
            return True
        if key in _OBJECTS and (not isinstance(value, dict) or (key != "claimsToAddOrOverride" and _odd(value))):
            return True
    return False


def _attributes(event: Mapping[str, Any]) -> Mapping[str, Any]:
    request = event.get("request")
    attributes = request.get("userAttributes") if isinstance(request, Mapping) else None
    return attributes if isinstance(attributes, Mapping) else {}


def _groups(raw: Mapping[str, Any], found: IdentityClaims) -> dict[str, Any]:
    """``groupOverrideDetails`` replaces the request's group configuration: carry roles over, merge groups."""
    request = raw.get("request")
    current = request.get("groupConfiguration") if isinstance(request, Mapping) else None
    current = current if isinstance(current, Mapping) else {}
    existing = current.get("groupsToOverride")
    existing = existing if isinstance(existing, list) else []
    out: dict[str, Any] = {"groupsToOverride": merge_groups(existing, found.groups)}
    roles = current.get("iamRolesToOverride")
    if isinstance(roles, list):
        out["iamRolesToOverride"] = [r for r in roles if isinstance(r, str)]
    if isinstance(current.get("preferredRole"), str):
        out["preferredRole"] = current["preferredRole"]
    return out

"""Module-scope wiring shared by the three hook handlers: :class:`~triggers.lazy.Lazy` cells, reused warm.

- ``cognito_client``: one boto3 ``cognito-idp`` client per process; boto3 is imported on first use only,
  so a hook that never calls Cognito (pre-token generation, a pre-signup without trusted domains or link
  providers) never pays its ~200 ms import.
- ``source_label()``: the event's ``triggerSource`` as a safe log/metric dimension.
- ``legacy_database``: the ``LEGACY_*`` settings and the legacy ``legacy_auth.db.Database`` (URL, Secrets
  Manager secret or IAM auth), one per process; ``legacy_guard()`` / ``app_database()`` build on it. When
  ``HOOKS_APP_DB_URL`` is unset the app database *is* the legacy database (same object, one connection).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from typing import Any

from legacy_auth.apps import get_preset
from legacy_auth.db.database import Database
from legacy_auth.deadline import Deadline
from legacy_auth.errors import BudgetExceededError
from legacy_auth.hooks.config import HookSettings
from legacy_auth.hooks.signup_guard import LegacyGuard, MigratedCheck
from legacy_auth.log_safety import quiet_noisy_loggers
from legacy_auth.migration.config import Settings as LegacySettings
from legacy_auth.migration.tracking import MigrationTracker
from triggers.lazy import Lazy

CONNECT_S = 0.5
READ_S = 1.0
CALL_S = CONNECT_S + READ_S  # worst case of one Cognito call (no retry: failures are handled, not repeated)
_SOURCE = re.compile(r"[A-Za-z0-9_]{1,48}")


def source_label(value: Any) -> str:
    """``triggerSource`` when it looks like one, else ``unknown``: never an empty, huge or user-supplied dimension.

    Cognito always sends a short name; a malformed event must not put ``""`` (Powertools drops the dimension
    with a warning) or arbitrary text (possibly user data) into logs and metric dimensions.
    """
    return value if isinstance(value, str) and _SOURCE.fullmatch(value) else "unknown"


def _new_cognito_client() -> Any:
    """A boto3 ``cognito-idp`` client (region from ``AWS_REGION``, as Lambda sets it)."""
    import boto3  # lazy: keeps boto3 out of cold starts that never call Cognito
    from botocore.config import Config

    quiet_noisy_loggers()  # botocore DEBUG prints request bodies
    # Cognito gives a trigger 5 s in all: short timeouts, one retry, never botocore's 60 s defaults.
    config = Config(connect_timeout=CONNECT_S, read_timeout=READ_S, retries={"total_max_attempts": 1})
    return boto3.client("cognito-idp", config=config)


#: The process's one Cognito client.
cognito_client: Lazy[Any] = Lazy(_new_cognito_client)


def cognito_within(deadline: Deadline) -> Callable[[], Any]:
    """A client factory that refuses (``BudgetExceededError``) when one more call could overrun ``deadline``."""

    def factory() -> Any:
        if deadline.remaining() < CALL_S:
            raise BudgetExceededError("no time left for a Cognito call")
        return cognito_client()

    return factory


def _open_legacy(environ: Mapping[str, str]) -> tuple[LegacySettings, Database]:
    """The ``LEGACY_*`` settings and the legacy database handle (connected lazily, on first query).

    Raises
    ------
    ConfigurationError
        A ``LEGACY_*`` variable is missing or invalid.
    """
    settings = LegacySettings.from_env(environ)
    return settings, Database(settings.db_url, options=settings.db_options, dbname=settings.db_name)


#: The ``LEGACY_*`` settings and the legacy database, read and built once per process.
legacy_database: Lazy[tuple[LegacySettings, Database]] = Lazy(lambda: _open_legacy(os.environ),
                                                              close=lambda legacy: legacy[1].close())


def legacy_guard() -> LegacyGuard:
    """The sign-up guard's legacy lookup: the app preset over the legacy database, tracking-aware."""
    settings, db = legacy_database()
    preset = get_preset(settings.app, **settings.preset_kwargs())
    prefix = settings.table_prefix if settings.table_prefix is not None else preset.default_prefix
    return LegacyGuard(db=db, preset=preset, prefix=prefix, is_migrated=migrated_check(settings, db))


def app_database(hooks: HookSettings, environ: Mapping[str, str]) -> Database:
    """The app database: ``HOOKS_APP_DB_URL`` if set, else the legacy database itself."""
    if hooks.app_db_url is not None and hooks.app_db_url != environ.get("LEGACY_DB_URL", "").strip():
        return Database(hooks.app_db_url)
    return legacy_database()[1]  # same database: share the handle (one connection)


def migrated_check(settings: LegacySettings, db: Database) -> MigratedCheck | None:
    """The tracking-table check when ``LEGACY_TRACK_MIGRATION`` is on, else None (the row's existence decides)."""
    tracker = migration_tracker(settings, db)
    if tracker is None:
        return None
    return lambda legacy_id, deadline: tracker.is_migrated(legacy_id, deadline=deadline)


def migration_tracker(settings: LegacySettings, db: Database) -> MigrationTracker | None:
    """The tracking table's reader/writer when ``LEGACY_TRACK_MIGRATION`` is on, else None."""
    if not settings.track_migration:
        return None
    return MigrationTracker(db, app=settings.app, table=settings.tracking_table)

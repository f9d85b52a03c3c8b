"""The route of each legacy user into the pool: ``import-with-hash``, ``lazy``, ``reset`` or ``never``.

Rules, in order (``docs/strategy.md``, "Routes"):

1. an account that is not ``active`` is ``never`` (reason ``state_<state>``): the UserMigration trigger refuses
   the same accounts (:class:`~legacy_auth.model.AccountState`), SSO-only and unconfirmed included;
2. no usable password (empty, unusable, unknown or corrupt hash): ``reset`` when the user has a contact the
   trigger would mark verified (:func:`legacy_auth.migration.attributes.user_attributes`' rule: the email with
   ``email_verified`` or ``LEGACY_TRUST_EMAILS``, or a verified phone), else ``never`` (``no_password_no_contact``);
3. a candidate scheme (:data:`~legacy_auth.importing.importability.APP_IMPORTABILITY`) whose hash parses
   within bounds, and whose algorithm has a documented Cognito encoding: ``import-with-hash``;
4. everyone else: ``lazy`` (``app_transforms_password``, ``algorithm_not_importable``,
   ``parameters_out_of_range``, or ``cognito_hash_format_unknown``: today every candidate, see
   :mod:`legacy_auth.importing.algorithms`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from legacy_auth.apps import get_context
from legacy_auth.errors import AccountStateError, ConfigurationError, HashError
from legacy_auth.hashing import HashContext, Strength
from legacy_auth.importing import algo_argon2id, algo_bcrypt, algo_pbkdf2_sha256, algo_scrypt
from legacy_auth.importing.algorithms import COGNITO_HASH_FORMAT, Algorithm
from legacy_auth.importing.errors import HashNotImportableError
from legacy_auth.importing.importability import APP_IMPORTABILITY
from legacy_auth.migration.attributes import user_attributes
from legacy_auth.migration.policy import MigrationPolicy
from legacy_auth.model import AccountState, LegacyUser


class RouteKind(StrEnum):
    """Where a user goes."""

    IMPORT_WITH_HASH = "import-with-hash"
    LAZY = "lazy"
    RESET = "reset"
    NEVER = "never"


@dataclass(frozen=True, slots=True)
class Route:
    """One user's route; ``algorithm``/``params`` name the (candidate) import algorithm, never salts or digests."""

    kind: RouteKind
    reason: str
    algorithm: Algorithm | None = None
    params: Mapping[str, int] = field(default_factory=dict)


def _params(record: Any) -> dict[str, int]:
    if isinstance(record, algo_bcrypt.BcryptHash):
        return {"cost": record.cost}
    if isinstance(record, algo_pbkdf2_sha256.Pbkdf2Sha256Hash):
        return {"iterations": record.iterations, "salt_bytes": len(record.salt), "key_bytes": len(record.digest)}
    if isinstance(record, algo_argon2id.Argon2idHash):
        return {"version": record.version, "memory_kib": record.memory_kib, "time_cost": record.time_cost,
                "parallelism": record.parallelism}
    return {"n": record.n, "r": record.r, "p": record.p}


PARSERS: Mapping[Algorithm, Callable[[str], Any]] = MappingProxyType({
    Algorithm.BCRYPT: algo_bcrypt.parse,
    Algorithm.PBKDF2_SHA256: algo_pbkdf2_sha256.parse,
    Algorithm.ARGON2ID: algo_argon2id.parse,
    Algorithm.SCRYPT: algo_scrypt.parse,
})


def has_verified_contact(user: LegacyUser, policy: MigrationPolicy) -> bool:
    """Whether the trigger would write a verified email or phone for ``user`` (a reset code can reach them).

    The answer is the trigger's own: :func:`legacy_auth.migration.attributes.user_attributes` for the user's own
    login (the email in an email pool, else the username), the rule ``lookup_for_reset`` applies before Cognito
    sends a reset code (``email_verified`` / ``phone_number_verified`` written ``true``).
    """
    login = (user.email if policy.pool_sign_in == "email" else user.username) or user.email or ""
    try:
        attrs = user_attributes(user, login.strip(), policy)
    except AccountStateError:
        return False
    return attrs.get("email_verified") == "true" or attrs.get("phone_number_verified") == "true"


def classify(app: str, user: LegacyUser, policy: MigrationPolicy, *, context: HashContext | None = None) -> Route:
    """``user``'s route (rules in the module docstring).

    Parameters
    ----------
    app : str
        ``LEGACY_APP`` value.
    user : LegacyUser
        The legacy row (its hash is read, never kept or returned).
    policy : MigrationPolicy
        The trigger's policy (``trust_emails``).
    context : HashContext | None
        The app's hash context when it needs options (``generic_scheme``, ``pepper``); default ``get_context(app)``.

    Raises
    ------
    ConfigurationError
        ``app`` is not a ``LEGACY_APP`` value.
    """
    table = APP_IMPORTABILITY.get(app)
    if table is None:
        raise ConfigurationError("LEGACY_APP", f"unknown app {app!r}")
    if user.state is not AccountState.ACTIVE:
        return Route(RouteKind.NEVER, f"state_{user.state.value}")
    ctx = context or get_context(app)
    try:
        scheme = ctx.identify(user.password_hash, **user.hash_fields)
    except HashError:
        scheme = None
    if scheme is None or scheme.strength is Strength.UNUSABLE:
        if has_verified_contact(user, policy):
            return Route(RouteKind.RESET, "no_usable_password")
        return Route(RouteKind.NEVER, "no_password_no_contact")
    if table.transform is not None:
        return Route(RouteKind.LAZY, "app_transforms_password")
    algorithm = table.candidates.get(scheme.name)
    if algorithm is None:
        return Route(RouteKind.LAZY, "algorithm_not_importable")
    try:
        record = PARSERS[algorithm](str(user.password_hash))
    except HashNotImportableError as exc:
        reason = "parameters_out_of_range" if exc.reason == "parameters_out_of_range" else "algorithm_not_importable"
        return Route(RouteKind.LAZY, reason, algorithm)
    params = _params(record)
    if algorithm not in COGNITO_HASH_FORMAT:
        return Route(RouteKind.LAZY, "cognito_hash_format_unknown", algorithm, params)
    return Route(RouteKind.IMPORT_WITH_HASH, "importable", algorithm, params)

"""Complete a confirmed user: the app row, the default group, then forget an earlier failure (written once).

:func:`complete_confirmation` is the one provision -> group -> clear-failure workflow. Two callers run it:

- the PostConfirmation handler (``triggers/post_confirmation.py``), once per confirmation, inside Cognito's 5 s;
- ``legacy-auth reconcile`` (:mod:`legacy_auth.hooks.reconcile`), for every confirmed user without an app row
  and every user in the failures table.

The rules it holds for both (``docs/hooks.md``, "PostConfirmation: provisioning" and "Repair path: reconcile"):

- A user's failure row is deleted only after **every** step succeeded: with a default group, after the group was
  added (the upsert then leaves the row alone); without one, in the upsert's own transaction.
- A failed group add records ``group_failed`` in the failures table, so the user stays on reconcile's list.
- Nothing here raises for a step that fails: each outcome goes to a :class:`ConfirmationObserver`, which turns it
  into the caller's metrics and logs (the handler) or report lines (reconcile). Pure apart from the effects passed
  in: the database and Cognito client come as factories, the deadlines as functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from legacy_auth.db.database import Database
from legacy_auth.deadline import Deadline
from legacy_auth.errors import ConfigurationError, LegacyAuthError
from legacy_auth.hooks.app_user import AppUser
from legacy_auth.hooks.cognito_users import aws_errors
from legacy_auth.hooks.config import AppUsersSchema
from legacy_auth.hooks.provisioning import ProvisioningInputError, add_to_group, app_user_from_event, provision
from legacy_auth.hooks.provisioning_failures import clear_failure_row, record_failure

#: What happens after the app row could not be written: ``record`` the failure and go on to the group (the
#: handler: this is the confirmation's only run, the user must still get the group); ``stop`` (reconcile: the
#: user is still missing, so the next run finds them again; no group before the row exists).
RowFailure = Literal["record", "stop"]
StoreStep = Literal["record", "clear"]


@dataclass(frozen=True, slots=True)
class AppSide:
    """Where a confirmation is completed.

    ``db`` and ``cognito`` are factories: the handler builds its database handle on first use (a bad
    ``HOOKS_APP_DB_URL`` is then a :class:`ConfigurationError` of the step) and its client factory refuses with
    ``BudgetExceededError`` when one more Cognito call could overrun the invocation. ``group`` is
    ``HOOKS_DEFAULT_GROUP`` (None: no group step); ``pool`` the user pool id (empty: no group step).
    """

    db: Callable[[], Database]
    schema: AppUsersSchema
    cognito: Callable[[], Any]
    pool: str
    group: str | None


class ConfirmationObserver:
    """Receives each outcome of :func:`complete_confirmation`, in order. Every method does nothing by default."""

    def rejected(self, exc: ProvisioningInputError) -> None:
        """The event's user cannot be provisioned as is (``exc.reason``): nothing was written."""

    def accepted(self, user: AppUser) -> None:
        """The user is valid; the steps start."""

    def row_done(self, created: bool) -> None:
        """The app row exists (``created``: by this call)."""

    def row_failed(self, exc: LegacyAuthError) -> None:
        """The app row could not be written (a :class:`ConfigurationError` is a broken deployment: not recorded)."""

    def after_row(self, user: AppUser) -> None:
        """The row step is over, whatever its outcome, and the group step comes next (the handler's tracking)."""

    def grouped(self) -> None:
        """The user is in the default group."""

    def group_failed(self, exc: Exception) -> None:
        """The group add failed (a botocore error, or no time left for the call): ``group_failed`` is recorded."""

    def store_failed(self, step: StoreStep, exc: LegacyAuthError) -> None:
        """Recording or clearing the user's failure row failed (best effort: never raised)."""


def complete_confirmation(
    username: Any,
    attributes: Any,
    *,
    legacy_id_attribute: str | None,
    side: AppSide,
    provision_row: bool = True,
    on_row_failure: RowFailure,
    deadline: Callable[[], Deadline],
    reserve: Callable[[], Deadline],
    observer: ConfirmationObserver,
) -> AppUser | None:
    """Provision the app row, add the default group, and only then forget an earlier failure.

    Parameters
    ----------
    username, attributes : Any
        The user's Cognito username and attributes (the event's ``userName`` / ``request.userAttributes``, or a
        ``ListUsers`` entry's ``Username`` / ``Attributes`` as a dict); validated by
        :func:`~legacy_auth.hooks.provisioning.app_user_from_event`.
    legacy_id_attribute : str or None
        **The legacy-id decision, made by the caller and stated here.** The attribute holding a migrated user's
        legacy id, or None to write no legacy id whatever the attributes say. The PostConfirmation handler
        passes the attribute only for ``PostConfirmation_ConfirmForgotPassword`` and None for
        ``ConfirmSignUp``: only the migrate-user trigger and the bulk import set ``custom:legacy_id``, and
        neither creates a user that ``ConfirmSignUp`` confirms, so on a sign-up the value can only have come
        from the user. Reconcile passes the attribute for every user: it reads the value stored in the pool
        (``ListUsers``), which app clients cannot write (``WriteAttributes`` lists without identity attributes,
        checked by ``legacy-auth clients``) and which PreSignUp refuses on a sign-up (``docs/hooks.md``, "A
        stranger cannot claim a legacy identity").
    side : AppSide
        The app database, its schema, the Cognito client factory, the pool and the default group.
    provision_row : bool
        False (``HOOKS_PROVISION=off``): no app row; the group step still runs, and a failed group is still
        recorded, but no failure row is cleared (nothing proves the app side is complete).
    on_row_failure : {"record", "stop"}
        After a failed row: record the failure (not for a :class:`ConfigurationError`) and go on to the group,
        or stop there. See :data:`RowFailure`.
    deadline : callable returning Deadline
        The budget of the row, group-free clear and clear steps (called once per step).
    reserve : callable returning Deadline
        The budget for recording a failure (the handler keeps one for this past a timed-out row).
    observer : ConfirmationObserver
        Told every outcome, in order.

    Returns
    -------
    AppUser or None
        The validated user, or None when the input was rejected (nothing written).
    """
    try:
        user = app_user_from_event(username, attributes, legacy_id_attribute=legacy_id_attribute)
    except ProvisioningInputError as exc:
        observer.rejected(exc)
        return None
    observer.accepted(user)
    group = side.group if user.username and side.pool else None
    row = _row(user, side, group, deadline, reserve, observer, on_row_failure) if provision_row else False
    if row is None:
        return user
    observer.after_row(user)
    if group is not None and _group(user, side, group, reserve, observer) and row:
        _store("clear", lambda: clear_failure_row(side.db(), side.schema, user.sub, deadline=deadline()), observer)
    return user


def failure_reason(exc: LegacyAuthError) -> str:
    """The reason a failed row is recorded under: the error's stable ``reason`` (``db_timeout``, ...)."""
    return str(getattr(exc, "reason", "db_unavailable"))


def _row(user: AppUser, side: AppSide, group: str | None, deadline: Callable[[], Deadline],
         reserve: Callable[[], Deadline], observer: ConfirmationObserver, on_failure: RowFailure) -> bool | None:
    """True: the row exists; False: it failed and the group step follows; None: it failed, stop."""
    try:
        created = provision(side.db(), side.schema, user, deadline=deadline(), clear_failure=group is None)
    except LegacyAuthError as exc:
        observer.row_failed(exc)
        if on_failure == "stop":
            return None
        if not isinstance(exc, ConfigurationError):
            reason = failure_reason(exc)
            _store("record", lambda: record_failure(side.db(), side.schema, user, reason, deadline=reserve()),
                   observer)
        return False
    observer.row_done(created)
    return True


def _group(user: AppUser, side: AppSide, group: str, reserve: Callable[[], Deadline],
           observer: ConfirmationObserver) -> bool:
    assert user.username is not None  # checked by the caller
    try:
        add_to_group(side.cognito(), side.pool, user.username, group)
    except aws_errors() as exc:  # botocore errors and BudgetExceededError
        observer.group_failed(exc)
        _store("record", lambda: record_failure(side.db(), side.schema, user, "group_failed", deadline=reserve()),
               observer)
        return False
    observer.grouped()
    return True


def _store(step: StoreStep, write: Callable[[], bool], observer: ConfirmationObserver) -> None:
    """A failures-table write: best effort, its error goes to the observer."""
    try:
        write()
    except LegacyAuthError as exc:
        observer.store_failed(step, exc)

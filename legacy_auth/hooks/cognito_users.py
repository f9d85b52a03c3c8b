"""The pool's existing users as the pre-signup policy asks about them: ListUsers by email, provider linking.

:func:`link_external` is the ``PreSignUp_ExternalProvider`` linking decision (``docs/hooks.md``).

:func:`users_holding_email` takes a client *factory* (:data:`CognitoFactory`) and asks it for the client
before every ListUsers; the other calls take the client itself. :func:`aws_errors` are what these calls raise.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from legacy_auth.errors import BudgetExceededError

CognitoFactory = Callable[[], Any]
FILTER_UNSAFE = re.compile(r'["\\]')  # not expressible inside a ListUsers filter string


def aws_errors() -> tuple[type[Exception], ...]:
    """botocore's error roots (imported only when a Cognito call is made) and "no time left for the call"."""
    from botocore.exceptions import BotoCoreError, ClientError  # lazy on purpose

    return (BotoCoreError, ClientError, BudgetExceededError)


def email_variants(email: str) -> list[str]:
    """The forms an existing holder of ``email`` may be stored under: as typed, lower-cased, domain lower-cased.

    ListUsers' ``=`` filter is exact in moto and documented inconsistently for Cognito, while the mailbox (and,
    in a case-insensitive pool, the alias) is the same whatever the case. Duplicates are dropped, order kept.
    """
    local, _, domain = email.rpartition("@")
    out: list[str] = []
    for variant in (email, email.lower(), f"{local}@{domain.lower()}"):
        if variant not in out:
            out.append(variant)
    return out


def users_holding_email(cognito: CognitoFactory, user_pool_id: str, email: str) -> list[dict[str, Any]]:
    """Users found under any :func:`email_variants` form, once each (by ``Username``).

    The factory is asked for the client before every call, so each ListUsers is checked against the deadline
    (it raises ``BudgetExceededError`` when one more call could overrun it).
    """
    found: dict[str, dict[str, Any]] = {}
    for variant in email_variants(email):
        for user in users_with_email(cognito(), user_pool_id, variant):
            found.setdefault(str(user.get("Username")), user)
    return list(found.values())


def users_with_email(cognito: Any, user_pool_id: str, email: str) -> list[dict[str, Any]]:
    """Cognito users whose ``email`` equals ``email`` (ListUsers filter; at most 10 returned).

    The caller has already refused values containing ``"`` or ``\\`` (not expressible in a filter).
    """
    response = cognito.list_users(UserPoolId=user_pool_id, Filter=f'email = "{email}"', Limit=10)
    return list(response.get("Users", []))


def attribute(user: Mapping[str, Any], name: str) -> str | None:
    """The value of attribute ``name`` of a ListUsers ``user`` (``None`` when it has none)."""
    for item in user.get("Attributes", []):
        if item.get("Name") == name:
            return str(item.get("Value"))
    return None


def link_provider_user(cognito: Any, user_pool_id: str, target: str, provider: str, subject: str) -> None:
    """Link the federated identity ``provider`` / ``subject`` (``Cognito_Subject``) to the native user ``target``.

    Raises
    ------
    botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError
        AdminLinkProviderForUser failed; the caller decides (see :func:`aws_errors`).
    """
    cognito.admin_link_provider_for_user(
        UserPoolId=user_pool_id,
        DestinationUser={"ProviderName": "Cognito", "ProviderAttributeValue": target},
        SourceUser={
            "ProviderName": provider,
            "ProviderAttributeName": "Cognito_Subject",
            "ProviderAttributeValue": subject,
        },
    )


def link_external(cognito: CognitoFactory | None, user_pool_id: str, username: str, email: str | None, *,
                  provider_verified: bool, providers: Iterable[str]) -> str | None:
    """Link a federated identity to the single native user with the same verified email, if allowed.

    Parameters
    ----------
    cognito : CognitoFactory or None
        The client factory (None: no Cognito calls, nothing linked).
    user_pool_id, username, email :
        From the ``PreSignUp_ExternalProvider`` event (``username`` is ``<Provider>_<subject>``).
    provider_verified : bool
        The provider itself asserts ``email_verified``.
    providers : Iterable[str]
        ``HOOKS_LINK_PROVIDERS``.

    Returns
    -------
    str or None
        The native username linked to, or None (not configured, not verified by the provider, no or several
        candidates). Cognito then creates the federated user on its own.
    """
    provider_name, _, subject = username.partition("_")
    provider = next((p for p in providers if p.lower() == provider_name.lower()), None)
    if provider is None or not subject or cognito is None or email is None:
        return None
    if not provider_verified or FILTER_UNSAFE.search(email):
        return None
    try:
        native = [
            u
            for u in users_holding_email(cognito, user_pool_id, email)
            if u.get("UserStatus") != "EXTERNAL_PROVIDER" and attribute(u, "email_verified") == "true"
        ]
        if len(native) != 1:
            return None
        target = str(native[0]["Username"])
        link_provider_user(cognito(), user_pool_id, target, provider, subject)
    except aws_errors():  # linking is best effort: Cognito then creates the federated user unlinked
        return None
    return target

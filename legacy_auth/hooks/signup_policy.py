"""Pre-signup policy: email domain lists, the legacy sign-up guard, safe auto-confirm and external-provider linking.

Pure decisions over a parsed :class:`SignUpRequest`; the two outside parties are passed in as callables:
``legacy_match(login) -> bool`` (is there a not-yet-migrated legacy user for this login, see
``legacy_auth.hooks.signup_guard``) and a factory of the boto3 ``cognito-idp`` client (ListUsers /
AdminLinkProviderForUser), called only when a decision needs Cognito.
A refusal is a :class:`SignUpRefusedError` whose ``str()`` is the message Cognito shows the user.

What each trigger source does (see ``docs/hooks.md``):

- Every source the policy enforces (all but ``PreSignUp_AdminCreateUser`` in ``allow`` mode), whatever
  ``HOOKS_SIGNUP_GUARD`` says: a sign-up carrying a legacy identity attribute (``custom:legacy_id``...) in
  ``userAttributes``, ``validationData`` or ``clientMetadata`` is refused (``reserved_attribute``), and so is a
  username or ``preferred_username`` in the migrate-user trigger's ``legacy_<id>`` name space
  (``reserved_username``); see :mod:`legacy_auth.hooks.signup_identity`.
- ``PreSignUp_SignUp``: domain lists, then the legacy guard (username, every form of the email,
  ``preferred_username`` and ``phone_number``: each may be a sign-in alias), then auto-confirm/auto-verify for
  a trusted domain only for an all-ASCII email that no Cognito user already holds under any of its case
  variants (typed, lower-cased, domain lower-cased: :func:`legacy_auth.hooks.cognito_users.email_variants`), since
  an auto-verified email would move the alias.
- ``PreSignUp_AdminCreateUser``: the administrator is trusted by default (``allow``); with ``enforce`` the
  domain lists and the guard apply. Never sets the auto flags (Cognito ignores them here).
- ``PreSignUp_ExternalProvider``: domain lists and the guard; optionally links the federated identity to the
  one native user holding the same verified email, when the provider is listed in ``HOOKS_LINK_PROVIDERS``
  and the provider itself asserts ``email_verified``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from legacy_auth.errors import LegacyAuthError
from legacy_auth.hooks.cognito_users import (
    FILTER_UNSAFE,
    CognitoFactory,
    aws_errors,
    link_external,
    users_holding_email,
)
from legacy_auth.hooks.config import AdminCreateMode, GuardMode, HookSettings
from legacy_auth.hooks.signup_identity import (
    ALIAS_ATTRIBUTES,
    EmailFormError,
    a_label,
    claimed_names,
    claims_identity,
    clean,
    email_forms,
    identity_names,
    is_reserved_username,
    login_forms,
    parse_email,
)

MSG_LEGACY_ACCOUNT = (
    "An account already exists for this email or username: sign in with your existing password, or reset it."
)
MSG_DOMAIN = "Sign-up with this email domain is not allowed."
MSG_INVALID = "Sign-up could not be completed: the username or email is not valid."
MSG_UNAVAILABLE = "Sign-up is temporarily unavailable. Please try again in a moment."



class SignUpRefusedError(LegacyAuthError):
    """The sign-up is refused. ``str()`` is the user-facing message; ``reason`` is a code for logs/metrics."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class Source(StrEnum):
    """The three ``PreSignUp_*`` trigger sources."""

    SIGN_UP = "PreSignUp_SignUp"
    ADMIN_CREATE_USER = "PreSignUp_AdminCreateUser"
    EXTERNAL_PROVIDER = "PreSignUp_ExternalProvider"


@dataclass(frozen=True, slots=True)
class SignUpRequest:
    """The parts of a pre-signup event the policy reads, validated.

    ``aliases`` are the ``preferred_username`` / ``phone_number`` values; ``claimed`` every attribute name the
    event carries in ``userAttributes``, ``validationData`` and ``clientMetadata`` (checked by :func:`decide`).
    """

    source: Source
    user_pool_id: str
    username: str
    email: str | None
    provider_email_verified: bool = False
    aliases: tuple[str, ...] = ()
    claimed: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SignUpDecision:
    """What to answer Cognito: the response flags, and the native user an external identity was linked to."""

    auto_confirm: bool = False
    auto_verify_email: bool = False
    linked_to: str | None = None


LegacyMatch = Callable[[str], bool]


def parse_request(event: Mapping[str, Any]) -> SignUpRequest:
    """Validate a raw pre-signup event into a :class:`SignUpRequest`.

    Parameters
    ----------
    event : Mapping[str, Any]
        The raw Cognito event.

    Returns
    -------
    SignUpRequest
        Username and email checked for type, length and control characters; email lower-cased domain.

    Raises
    ------
    SignUpRefusedError
        ``invalid_input`` for a missing/odd username, an unknown trigger source or a malformed email.
    """
    try:
        source = Source(str(event.get("triggerSource")))
    except ValueError:
        raise SignUpRefusedError("invalid_input", MSG_INVALID) from None
    username = clean(event.get("userName"))
    pool = clean(event.get("userPoolId"))
    request = event.get("request")
    if not isinstance(request, Mapping):
        raise SignUpRefusedError("invalid_input", MSG_INVALID)
    attributes = request.get("userAttributes")
    if username is None or pool is None or not isinstance(attributes, Mapping):
        raise SignUpRefusedError("invalid_input", MSG_INVALID)
    raw_email = attributes.get("email")
    try:
        email = None if raw_email in (None, "") else parse_email(raw_email)
    except EmailFormError:
        raise SignUpRefusedError("invalid_email", MSG_INVALID) from None
    verified = attributes.get("email_verified")
    aliases = [clean(attributes.get(name)) for name in ALIAS_ATTRIBUTES if attributes.get(name) not in (None, "")]
    if None in aliases:
        raise SignUpRefusedError("invalid_input", MSG_INVALID)
    return SignUpRequest(
        source=source,
        user_pool_id=pool,
        username=username,
        email=email,
        provider_email_verified=isinstance(verified, str) and verified.lower() == "true",
        aliases=tuple(a for a in aliases if a is not None),
        claimed=claimed_names(request),
    )


def decide(
    request: SignUpRequest,
    settings: HookSettings,
    *,
    legacy_match: LegacyMatch,
    cognito: CognitoFactory | None,
) -> SignUpDecision:
    """Apply the policy for one sign-up.

    Parameters
    ----------
    request : SignUpRequest
        From :func:`parse_request`.
    settings : HookSettings
        Domain lists, guard mode, trusted domains, link providers.
    legacy_match : Callable[[str], bool]
        True when a not-yet-migrated legacy user matches the login (raises ``StoreError`` when the legacy
        database cannot answer: the guard then fails closed).
    cognito : Callable[[], Any] or None
        Returns the boto3 ``cognito-idp`` client; called only when a trusted-domain auto-confirm or a link
        actually needs Cognito (so the client, and boto3, are created only then). None: no Cognito calls.

    Returns
    -------
    SignUpDecision
        The response flags and any link made.

    Raises
    ------
    SignUpRefusedError
        Domain not allowed, legacy account exists, or the guard could not check (``guard_unavailable``).
    """
    enforce = request.source is not Source.ADMIN_CREATE_USER or settings.admin_create is AdminCreateMode.ENFORCE
    if not enforce:
        return SignUpDecision()
    check_reserved(request, settings)
    if request.email is not None:
        check_domain(request.email, settings)
    if settings.signup_guard is GuardMode.REFUSE:
        guard(request, legacy_match)
    if request.source is Source.SIGN_UP:
        return _auto_flags(request, settings, cognito)
    if request.source is Source.EXTERNAL_PROVIDER:
        linked = link_external(cognito, request.user_pool_id, request.username, request.email,
                               provider_verified=request.provider_email_verified,
                               providers=settings.link_providers)
        return SignUpDecision(linked_to=linked)
    return SignUpDecision()


def check_domain(email: str, settings: HookSettings) -> None:
    """Refuse an email whose domain is denied, or not allowed when an allow-list is set.

    An entry matches its domain and every subdomain (``example.com`` matches ``mail.example.com``).

    Raises
    ------
    SignUpRefusedError
        ``domain_denied`` / ``domain_not_allowed``.
    """
    domain = email_domain(email)
    try:
        domain = a_label(domain)  # the lists hold ASCII names: a U-label or full-width domain must not slip by
    except EmailFormError:
        raise SignUpRefusedError("invalid_email", MSG_INVALID) from None
    if _matches(domain, settings.denied_domains):
        raise SignUpRefusedError("domain_denied", MSG_DOMAIN)
    if settings.allowed_domains and not _matches(domain, settings.allowed_domains):
        raise SignUpRefusedError("domain_not_allowed", MSG_DOMAIN)


def check_reserved(request: SignUpRequest, settings: HookSettings) -> None:
    """Refuse legacy identity attributes and ``legacy_<id>``-form names (:mod:`legacy_auth.hooks.signup_identity`).

    Raises
    ------
    SignUpRefusedError
        ``reserved_attribute`` / ``reserved_username``.
    """
    names = identity_names((settings.legacy_id_attribute, settings.app_user_id_attribute, settings.roles_attribute))
    if claims_identity(request.claimed, names):
        raise SignUpRefusedError("reserved_attribute", MSG_INVALID)
    # an identity provider named "legacy" would make its users "legacy_<subject>": refused like any other
    if any(is_reserved_username(name) for name in (request.username, *request.aliases)):
        raise SignUpRefusedError("reserved_username", MSG_INVALID)


def guard_logins(request: SignUpRequest) -> list[str]:
    """What the guard looks up: username, every form of the email, the alias attributes (distinct, in order)."""
    logins: list[str] = []
    if request.source is not Source.EXTERNAL_PROVIDER:  # "Google_1234..." is Cognito's name, never a legacy login
        logins += login_forms(request.username)
    if request.email is not None:
        folded = {v.lower() for v in logins}
        logins += [f for f in email_forms(request.email) if f.lower() not in folded]
    for alias in request.aliases:
        logins += [f for f in login_forms(alias) if f not in logins]
    return logins


def guard(request: SignUpRequest, legacy_match: LegacyMatch) -> None:
    """Refuse when the username, the email or an alias belongs to a legacy user who has not migrated yet.

    Raises
    ------
    SignUpRefusedError
        ``legacy_account`` on a match; ``guard_unavailable`` when the lookup failed (fail closed).
    """
    logins = guard_logins(request)
    try:
        matched = any(legacy_match(login) for login in logins)
    except LegacyAuthError as exc:
        raise SignUpRefusedError("guard_unavailable", MSG_UNAVAILABLE) from exc
    if matched:
        raise SignUpRefusedError("legacy_account", MSG_LEGACY_ACCOUNT)


def email_domain(email: str) -> str:
    """The lower-cased domain of an (already validated) email, without a trailing dot."""
    return email.rpartition("@")[2].lower().rstrip(".")


def _matches(domain: str, entries: frozenset[str]) -> bool:
    return any(domain == e or domain.endswith("." + e) for e in entries)


def _auto_flags(request: SignUpRequest, settings: HookSettings, cognito: CognitoFactory | None) -> SignUpDecision:
    """Auto-confirm and auto-verify only an exactly trusted domain whose email no Cognito user holds yet.

    "Holds" is checked under every :func:`~legacy_auth.hooks.cognito_users.email_variants` form: an alias
    ``taken@corp.example`` is the same mailbox as a sign-up's ``Taken@corp.example``. Any holder, or any lookup
    that fails, means no auto flags.
    """
    if request.email is None or not request.email.isascii():  # one form only: nothing a look-up could miss
        return SignUpDecision()
    if email_domain(request.email) not in settings.trusted_domains:
        return SignUpDecision()
    if cognito is None or FILTER_UNSAFE.search(request.email):
        return SignUpDecision()
    try:
        holders = users_holding_email(cognito, request.user_pool_id, request.email)
    except aws_errors():  # cannot prove the alias is free: no auto flags (the user confirms by code)
        return SignUpDecision()
    if holders:  # auto-verifying would move the email alias off an existing user: never
        return SignUpDecision()
    return SignUpDecision(auto_confirm=True, auto_verify_email=True)

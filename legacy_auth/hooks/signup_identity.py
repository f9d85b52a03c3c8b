"""What a sign-up may not claim, and every form of a login the legacy look-ups must try.

Pure helpers for :mod:`legacy_auth.hooks.signup_policy` (no database, no network).

Reserved identity attributes
----------------------------
``custom:legacy_id``, ``custom:legacy_roles`` and ``custom:app_user_id`` (the pool schema in ``template.yaml``,
and whatever ``HOOKS_TOKEN_LEGACY_ID_ATTRIBUTE`` / ``HOOKS_TOKEN_APP_USER_ID_ATTRIBUTE`` /
``HOOKS_TOKEN_ROLES_ATTRIBUTE`` name) are written only by the migrate-user trigger and the bulk import; the
pre-token hook turns them into the ``legacy_id`` / ``app_user_id`` claims and groups. A sign-up that carries any
of them, or any other ``custom:legacy*`` attribute, claims somebody else's identity: refused. The names are
compared case-insensitively, with or without the ``custom:`` (and the old ``dev:``) prefix, in
``userAttributes``, ``validationData`` and ``clientMetadata`` (nothing downstream may ever read them from there).

Reserved usernames
------------------
The migrate-user trigger names users whose legacy handle cannot be a Cognito username ``legacy_<id>``. A
stranger who signs up as ``legacy_7`` first would make legacy user 7 unable to migrate, so every username (and
``preferred_username``) whose folded form starts with ``legacy_`` is refused. Folding = NFKC, then Unicode
case folding, with format characters (zero-width space, soft hyphen...) removed: ``LEGACY_7``, ``Legacy_7``,
full-width ``ｌｅｇａｃｙ＿７`` and mathematical/circled look-alikes all fold to ``legacy_7``. No non-ASCII code
point lower-cases (plain Unicode case mapping, what a case-insensitive pool can apply) to a letter of
``legacy_``, so NFKC covers strictly more than the pool could treat as the same username.

Email forms
-----------
An email is looked up (and its domain checked against the domain lists) under every form a look-up could
otherwise miss: as typed, NFC, NFKC, lower-cased, and with its domain as IDNA A-label (``xn--...``) and
U-label. Trailing dots in the domain, an empty label, and a domain IDNA cannot encode are refused outright
(``invalid_email``).
Auto-confirm/auto-verify is only ever given to an all-ASCII email (SES cannot deliver to a non-ASCII local
part anyway, and an ASCII string has exactly one form).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

MAX_VALUE = 2048  # Cognito's attribute value limit; anything longer is hostile
MAX_EMAIL = 254
ALIAS_ATTRIBUTES = ("preferred_username", "phone_number")  # besides email: Cognito sign-in aliases
DEFAULT_IDENTITY_ATTRIBUTES = ("custom:legacy_id", "custom:legacy_roles", "custom:app_user_id")
RESERVED_USERNAME_PREFIX = "legacy_"
_IDENTITY_PREFIX = "custom:legacy"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class EmailFormError(ValueError):
    """The email is malformed, or its domain has a trailing dot, an empty label, or cannot be IDNA-encoded."""


def clean(value: Any) -> str | None:
    """``value`` when it is a non-empty string of at most 2048 characters, control-free and UTF-8-encodable."""
    if not isinstance(value, str) or not value or len(value) > MAX_VALUE or _CONTROL.search(value):
        return None
    try:
        value.encode("utf-8")  # lone surrogates cannot be a real username/email, nor be sent to a database
    except UnicodeEncodeError:
        return None
    return value


def parse_email(value: Any) -> str:
    """A validated email, as typed (see :func:`check_email_form` for the domain rules).

    Raises
    ------
    EmailFormError
        Not one ``@``, whitespace, an empty local part, an undotted domain, or a domain form look-ups miss.
    """
    email = clean(value)
    if email is None or len(email) > MAX_EMAIL or email.count("@") != 1 or any(c.isspace() for c in email):
        raise EmailFormError("malformed")
    local, _, domain = email.partition("@")
    if not local or "." not in domain.strip(".") or domain.startswith("."):
        raise EmailFormError("malformed")
    check_email_form(email)  # a trailing dot would slip past every look-up and the existing-holder check
    return email


def claimed_names(request: Mapping[str, Any]) -> tuple[str, ...]:
    """Every attribute name in the event's ``userAttributes``, ``validationData`` and ``clientMetadata``."""
    parts = ("userAttributes", "validationData", "clientMetadata")
    return tuple(k for part in parts for k in mapping_keys(request.get(part)) if isinstance(k, str))


def fold(value: str) -> str:
    """NFKC + case folding, format characters removed (the look-alike-insensitive form of a name)."""
    if value.isascii():  # the common case: NFKC and case folding of ASCII are lower(); ASCII has no Cf character
        return value.lower().strip()
    text = unicodedata.normalize("NFKC", value)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return unicodedata.normalize("NFKC", text.casefold()).strip()


def is_reserved_username(value: str) -> bool:
    """True when ``value`` folds to the migrate-user trigger's ``legacy_<id>`` name space."""
    return fold(value).startswith(RESERVED_USERNAME_PREFIX)


def identity_names(configured: Iterable[str]) -> frozenset[str]:
    """The reserved attribute names, folded and without ``custom:``: the defaults plus the configured ones."""
    return _identity_names(tuple(configured))


@lru_cache(maxsize=8)  # the same three configured names on every invocation
def _identity_names(configured: tuple[str, ...]) -> frozenset[str]:
    return frozenset(_bare(name) for name in (*DEFAULT_IDENTITY_ATTRIBUTES, *configured))


def claims_identity(keys: Iterable[Any], names: frozenset[str]) -> bool:
    """True when any of ``keys`` names a reserved identity attribute (see the module docstring)."""
    for key in keys:
        if not isinstance(key, str):
            continue
        bare = _bare(key)
        if bare in names or ("custom:" + bare).startswith(_IDENTITY_PREFIX):
            return True
    return False


def mapping_keys(value: Any) -> list[Any]:
    """The attribute names of a ``validationData`` / ``clientMetadata`` value: a map, or ``[{Name, Value}]``."""
    if isinstance(value, Mapping):
        return list(value)
    if isinstance(value, list):
        return [item.get("Name") for item in value if isinstance(item, Mapping)]
    return []


def check_email_form(email: str) -> None:
    """Refuse trailing dots, empty labels and domains IDNA cannot encode.

    Raises
    ------
    EmailFormError
        The domain is not in a form every look-up can find.
    """
    domain = email.rpartition("@")[2]
    if not domain or any(not label for label in domain.split(".")):
        raise EmailFormError("empty domain label (a trailing dot?)")
    a_label(domain)


def a_label(domain: str) -> str:
    """The lower-cased IDNA A-label form of ``domain`` (``bücher.example`` -> ``xn--bcher-kva.example``).

    Raises
    ------
    EmailFormError
        IDNA (2003, with NFKC mapping) cannot encode it.
    """
    if domain.isascii():  # the common case, without the codec: its only ASCII checks are the label lengths
        if any(len(label) > 63 for label in domain.split(".")):
            raise EmailFormError("domain label longer than 63")
        return domain.lower()
    try:
        return domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise EmailFormError("domain cannot be IDNA-encoded") from None


def email_forms(email: str) -> list[str]:
    """Every distinct form of ``email`` a legacy look-up must try, the typed one first."""
    local, _, domain = email.rpartition("@")
    nfc = unicodedata.normalize("NFC", email)
    forms = [email, nfc, unicodedata.normalize("NFKC", email), nfc.lower()]  # lower(): SQLite folds ASCII only
    try:
        ascii_domain = a_label(domain)
        forms.append(f"{local}@{ascii_domain}")
        if not domain.isascii() or "xn--" in ascii_domain:
            forms.append(f"{unicodedata.normalize('NFC', local)}@{ascii_domain.encode('ascii').decode('idna')}")
    except UnicodeError:  # EmailFormError included: parse_request has refused such an email already
        pass
    return _unique(forms)


def login_forms(value: str) -> list[str]:
    """A username/alias as typed, NFC and NFKC; an email-shaped one also in its email forms, without trailing dots."""
    forms = [value, unicodedata.normalize("NFC", value), unicodedata.normalize("NFKC", value)]
    if "@" in value:  # a pool without an email alias accepts "carol@corp.example." as a username
        forms += email_forms(value.rstrip("."))
    return _unique(forms)


def _bare(name: str) -> str:
    folded = name.strip().casefold()
    folded = folded.removeprefix("dev:")
    return folded.removeprefix("custom:")


def _unique(values: list[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        if value not in out:
            out.append(value)
    return out

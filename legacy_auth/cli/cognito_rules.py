"""Which legacy usernames and emails Amazon Cognito would refuse (``legacy-auth scan``).

Sources (Cognito API reference and developer guide):

- ``Username`` (SignUp / AdminCreateUser / the user the migrate-user trigger creates): 1 to 128 characters
  matching ``[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+``: letters, marks, symbols, numbers and punctuation only, so no
  space, tab, other separator or control character ("It can be any Unicode string. However, it cannot
  contain spaces or tabs", user-import guide). In a pool with email / phone **aliases** (this project's
  template), a username in email or phone format is refused ("Username cannot be of email format, since
  user pool is configured for email alias"). In an email-as-username pool the username is generated.
- ``email``: attribute values are at most 2048 characters, and Cognito validates the address format;
  we apply the RFC 5321 limits (local part <= 64, address <= 254 octets), exactly one ``@``, no spaces or
  control characters, a dotted domain without empty labels. Amazon SES (Cognito's mailer) does not support
  SMTPUTF8, so a non-ASCII local part cannot receive a verification or reset code.
"""

from __future__ import annotations

import re
import unicodedata

MAX_USERNAME = 128
MAX_EMAIL = 254
MAX_LOCAL = 64
_ALLOWED_CATEGORIES = frozenset("LMSNP")  # first letter of the Unicode general category
_PHONE = re.compile(r"^\+?[0-9]{6,}$")
_LABEL = re.compile(r"^[^\s.@]+$")
_PRINTABLE_ASCII = re.compile(r"^[\x21-\x7e]+$")
# Fast path for the common case (hand-written because it runs once per row of a million-row scan): a plain
# ASCII dot-atom local part and a dotted LDH domain. Anything else takes the detailed checks below.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_EMAIL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z0-9-]+")


def _allowed_chars(text: str) -> bool:
    if _PRINTABLE_ASCII.fullmatch(text):  # fast path: visible ASCII is always L/N/P/S
        return True
    return all(unicodedata.category(c)[0] in _ALLOWED_CATEGORIES for c in text)


def username_problem(username: str | None, *, aliases: bool = True) -> str | None:
    """Why Cognito would refuse ``username`` as a user name, or ``None`` if it is acceptable.

    Parameters
    ----------
    username : str or None
        The legacy login name (``None``/empty: the user has no username).
    aliases : bool
        The pool has email/phone aliases: email- or phone-shaped usernames are refused.

    Returns
    -------
    str or None
        ``empty``, ``too_long``, ``invalid_characters``, ``email_format`` or ``phone_format``.
    """
    if not username:
        return "empty"
    if len(username) > MAX_USERNAME:
        return "too_long"
    if not _allowed_chars(username):
        return "invalid_characters"
    if aliases and "@" in username:
        return "email_format"
    if aliases and _PHONE.fullmatch(username):
        return "phone_format"
    return None


def email_problem(email: str) -> str | None:
    """Why Cognito would refuse (or could never deliver to) ``email``, or ``None``.

    Returns
    -------
    str or None
        ``too_long``, ``invalid_characters``, ``format`` or ``non_ascii_local_part``.
    """
    if len(email) <= MAX_EMAIL and _PLAIN_EMAIL.fullmatch(email) and email.index("@") <= MAX_LOCAL:
        return None
    if len(email.encode("utf-8")) > MAX_EMAIL:
        return "too_long"
    if not _allowed_chars(email):
        return "invalid_characters"
    local, at, domain = email.rpartition("@")
    if not at or not local or "@" in local or not domain:
        return "format"
    if len(local.encode("utf-8")) > MAX_LOCAL:
        return "too_long"
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        return "format"
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return "format"
    if not local.isascii():
        return "non_ascii_local_part"
    return None

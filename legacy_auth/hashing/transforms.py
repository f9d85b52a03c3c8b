"""Per-app password input transforms: what the legacy app did to the typed password before hashing it.

Each function takes the password as received and returns the candidate strings to verify (usually one).
"""

from __future__ import annotations

import re
import unicodedata

PHP_TRIM_CHARS = " \t\n\r\0\x0b"
_CRLF = re.compile(r"\r\n?")


def php_trim(password: str) -> list[str]:
    """PHP ``trim()`` (WordPress ``wp_authenticate``, Drupal login forms)."""
    return [password.strip(PHP_TRIM_CHARS)]


def q2a_input(password: str) -> list[str]:
    """q2a ``qa_post_text()``: ``trim()`` then CRLF/CR to LF."""
    return [_CRLF.sub("\n", password.strip(PHP_TRIM_CHARS))]


def raw(password: str) -> list[str]:
    """No transform (Django, Laravel, Symfony, Devise, Joomla, Magento, ASP.NET, generic)."""
    return [password]


def _htmlspecialchars_compat(text: str) -> str:
    # PHP htmlspecialchars(ENT_COMPAT): & first, then " < > ; the single quote is left alone.
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


def phpbb_request_var(password: str, *, trim: bool) -> str:
    """phpBB ``type_cast_helper::set_var`` for a multibyte string, as the login (``trim=False``) and the
    registration/profile forms (``trim=True``) read the password.

    Steps: CRLF/CR to LF, drop NUL and U+FEFF, ``htmlspecialchars(ENT_COMPAT)``, optional ``trim()``, the
    ``preg_match('/^./u')`` guard (empty result when the value starts with a newline), then NFC.
    """
    text = password.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "").replace("\ufeff", "")
    text = _htmlspecialchars_compat(text)
    if trim:
        text = text.strip(PHP_TRIM_CHARS)
    if text and text not in ("0",) and text[0] == "\n":
        text = ""
    return unicodedata.normalize("NFC", text)


def phpbb_input(password: str) -> list[str]:
    """phpBB: the login's untrimmed value, then (if different) the trimmed value registration stored."""
    untrimmed = phpbb_request_var(password, trim=False)
    trimmed = phpbb_request_var(password, trim=True)
    return [untrimmed] if trimmed == untrimmed else [untrimmed, trimmed]

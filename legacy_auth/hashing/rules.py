"""How one legacy app checks a password (:class:`AppRules`): input transform, dispatch, password length cap,
empty-password rule, the dummy hash (the app's default modern scheme at its usual cost, so unknown users cost as
much as real ones) and two optional hooks. Each app's rules live in its own module, ``legacy_auth/apps/<app>.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from legacy_auth.hashing.base import Scheme
from legacy_auth.hashing.dispatch import Dispatch

RowScheme = Callable[[Mapping[str, Any]], Scheme | None]
"""Row fields -> a scheme the app checks *before* the stored hash (q2a's ``passsalt``/``passcheck`` pair), or
``None``. When it answers a scheme, the stored hash is still tried if that check fails and a hash is stored."""

Normalise = Callable[[Scheme, str], str]
"""(scheme, stored text) -> the stored text as the app compares it (home-grown apps: lower-case hex)."""


@dataclass(frozen=True, slots=True)
class AppRules:
    """How one legacy app checks a password.

    Attributes
    ----------
    transform : Callable[[str], list[str]]
        Input transform; returns the candidate strings to try, in order.
    dispatch : Dispatch
        Stored value => scheme, by the app's own prefix rules (stored text, row fields).
    max_bytes : int | None
        The app refuses longer (transformed) passwords; ``None`` = no cap.
    reject_empty : tuple[str, ...]
        Transformed values the app refuses before hashing (Symfony ``''``; phpBB ``''`` and ``'0'``).
    dummy_hash : str
        A hash of the app's default scheme and cost, for :meth:`HashContext.dummy_verify`.
    uncapped : frozenset[str]
        Schemes ``max_bytes`` does not apply to, because the app transforms the password before its length
        check (Drupal ``U$``: ``md5()`` first, then ``_password_crypt``'s 512-byte limit sees 32 characters).
    row_scheme : RowScheme | None
        A scheme chosen from the row's fields and checked first (see :data:`RowScheme`).
    normalise : Normalise | None
        The stored text as the app compares it (see :data:`Normalise`); ``None`` = as stored.
    """

    transform: Callable[[str], list[str]]
    dispatch: Dispatch
    max_bytes: int | None
    reject_empty: tuple[str, ...]
    dummy_hash: str
    uncapped: frozenset[str] = frozenset()
    row_scheme: RowScheme | None = None
    normalise: Normalise | None = None

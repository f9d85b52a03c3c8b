"""Core types of the hashing package: :class:`Strength`, :class:`Verification`, :class:`Assessment` and
:class:`Scheme`.

A :class:`Scheme` is one stored-hash format (``bcrypt``, ``phpass``, ``drupal_sha512`` ...). It is a small
declarative object, in the spirit of libpass handlers: a name, a strength classification at the format's usual
cost, a cheap ``identify`` (prefix first, then one pre-compiled regex), a ``check`` function that does the work
and an optional ``grade`` that reads one stored value's own cost (:meth:`Scheme.assess`).
Per-app input transforms and dispatch rules live in the app modules (``legacy_auth/apps/<app>.py``), not here.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from struct import error as struct_error
from typing import TYPE_CHECKING, Any

from legacy_auth.errors import CorruptHashError, HashError
from legacy_auth.hashing.strength import Strength as Strength  # re-exported: the schemes import it from here

if TYPE_CHECKING:
    from legacy_auth.hashing.cost import Grade

CheckFn = Callable[[bytes, str, Mapping[str, Any]], bool]
GradeFn = Callable[[str, Mapping[str, Any]], "Grade"]


@dataclass(frozen=True, slots=True)
class Verification:
    """The answer of :meth:`HashContext.verify`.

    Attributes
    ----------
    ok : bool
        What the legacy application would have answered.
    scheme : str
        Name of the scheme that decided (a key of :data:`SCHEMES`).
    needs_upgrade : bool
        This stored hash (format *and* cost, see :meth:`Scheme.assess`) is below today's standard
        (informational: Cognito re-hashes anyway).
    """

    ok: bool
    scheme: str
    needs_upgrade: bool


@dataclass(frozen=True, slots=True)
class Assessment:
    """The strength of one stored hash (:meth:`Scheme.assess`, :meth:`HashContext.assess`).

    Attributes
    ----------
    scheme : str
        Name of the scheme.
    strength : Strength
        Cracking resistance of this hash at its own cost (bcrypt cost, PBKDF2 iterations, argon2 m/t/p ...).
    needs_upgrade : bool
        ``strength is not STRONG``.
    cost : str
        Stable cost key, e.g. ``"cost=12"``, ``"iterations=600000"``, ``"argon2id,m=65536,t=4,p=1"``; ``""`` for
        fixed-cost formats. Parameters only: never salt or hash material.
    work : float
        Relative verification cost, comparable between hashes of the same scheme only.
    """

    scheme: str
    strength: Strength
    needs_upgrade: bool
    cost: str = ""
    work: float = 0.0


@dataclass(frozen=True, slots=True)
class Scheme:
    """One stored-hash format.

    Attributes
    ----------
    name : str
        Registry key, lower-case.
    strength : Strength
        Cracking resistance classification.
    needs_upgrade : bool
        ``True`` when the format should be replaced by a modern one.
    prefixes : tuple[str, ...]
        Cheap first test for :meth:`identify`; empty when the format has no prefix.
    pattern : re.Pattern[str] | None
        Full shape of a well-formed hash; a value with the prefix but not the shape is corrupt.
    check : CheckFn
        ``check(password_bytes, stored_text, fields) -> bool``; may raise :class:`CorruptHashError`.
    grade : GradeFn | None
        ``grade(stored_text, fields) -> Grade``: reads the cost of one (validated) stored value
        (:mod:`legacy_auth.hashing.cost`); ``None`` for fixed-cost formats.
    """

    name: str
    strength: Strength
    needs_upgrade: bool
    check: CheckFn = field(repr=False)
    prefixes: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = field(default=None, repr=False)
    grade: GradeFn | None = field(default=None, repr=False)

    def identify(self, stored: str | bytes | None) -> bool:
        """Return whether ``stored`` looks like this scheme (prefix, or pattern for prefix-less formats).

        Parameters
        ----------
        stored : str | bytes | None
            The stored hash.

        Returns
        -------
        bool
            ``True`` if this scheme claims the value.
        """
        text = stored_text_or_none(stored)
        if not text:
            return False
        if self.prefixes:
            return text.startswith(self.prefixes)
        return self.pattern is not None and self.pattern.fullmatch(text) is not None

    def validate(self, stored: str) -> None:
        """Raise :class:`CorruptHashError` if ``stored`` (already identified) is not well formed."""
        if self.pattern is not None and self.pattern.fullmatch(stored) is None:
            raise CorruptHashError(self.name, "does not match the format")

    def verify(self, password: str | bytes, stored: str | bytes | None, **fields: Any) -> bool:
        """Check ``password`` (already transformed as the app does) against ``stored``.

        Parameters
        ----------
        password : str | bytes
            The password; ``str`` is encoded as UTF-8. A ``str`` that cannot be encoded never matches.
        stored : str | bytes
            The stored hash (ASCII).
        **fields
            Row fields some schemes need (``salt``, ``passsalt``, ``passcheck``, ``pepper``).

        Returns
        -------
        bool
            Whether the password matches.

        Raises
        ------
        CorruptHashError
            The stored value is malformed for this scheme (any internal failure is mapped to it).
        """
        pw = password_bytes(password)
        if pw is None:
            return False
        text = stored_text(stored if stored is not None else "", self.name)
        self.validate(text)
        return self.run(pw, text, fields)

    def assess(self, stored: str, fields: Mapping[str, Any] | None = None) -> Assessment:
        """The strength of this (already identified and validated) stored value at its own cost.

        Parameters
        ----------
        stored : str
            The stored hash text.
        fields : Mapping[str, Any] or None
            Row fields and context options (Symfony's ``iterations``).

        Returns
        -------
        Assessment
            Per-hash strength; the scheme's static strength and ``cost=""`` for fixed-cost formats.
        """
        if self.grade is None:
            return _assessment(self.name, self.strength, self.needs_upgrade, "", 0.0)
        try:
            g = self.grade(stored, fields or {})
        except (ValueError, IndexError, KeyError, struct_error):
            raise CorruptHashError(self.name, "cost parameters unreadable") from None
        return _assessment(self.name, g.strength, g.strength is not Strength.STRONG, g.key, g.work)

    def run(self, pw: bytes, text: str, fields: Mapping[str, Any]) -> bool:
        """Run :attr:`check` on prepared input; any failure other than a :class:`HashError` becomes
        :class:`CorruptHashError` (the reason is the exception type only, never a value)."""
        try:
            return bool(self.check(pw, text, fields))
        except HashError:
            raise
        except Exception:  # noqa: BLE001 - a library choking on a hostile value must not escape as a crash
            raise CorruptHashError(self.name, "verification failed on this value") from None


# ---------------------------------------------------------------- helpers shared by the scheme modules


@lru_cache(maxsize=1024)
def _assessment(scheme: str, strength: Strength, needs_upgrade: bool, cost: str, work: float) -> Assessment:
    """A shared immutable :class:`Assessment` (a scan builds one per row, of a handful of distinct values)."""
    return Assessment(scheme, strength, needs_upgrade, cost, work)


def password_bytes(password: object) -> bytes | None:
    """UTF-8 bytes of ``password``; ``None`` when it cannot be encoded (lone surrogates) or is not text."""
    if isinstance(password, bytes | bytearray | memoryview):
        return bytes(password)
    if not isinstance(password, str):
        return None
    try:
        return password.encode("utf-8")
    except UnicodeEncodeError:
        return None


def stored_text_or_none(stored: object) -> str | None:
    """The stored value as text; ``None`` for ``None``, non-ASCII bytes or a value of another type.

    ``bytes``, ``bytearray`` and ``memoryview`` (PostgreSQL ``bytea`` via psycopg) are decoded as ASCII.
    """
    if stored is None or isinstance(stored, str):
        return stored
    if isinstance(stored, bytes | bytearray | memoryview):
        try:
            return bytes(stored).decode("ascii")
        except UnicodeDecodeError:
            return None
    return None


def stored_text(stored: object, scheme: str) -> str:
    """The stored value as text; non-ASCII bytes or another type are a :class:`CorruptHashError`."""
    text = stored_text_or_none(stored)
    if text is None:
        raise CorruptHashError(scheme, "not ASCII")
    return text


def consteq(a: str | bytes, b: str | bytes) -> bool:
    """Constant-time equality of two str (ASCII-safe) or bytes values."""
    if isinstance(a, str):
        a = a.encode("utf-8", "surrogatepass")
    if isinstance(b, str):
        b = b.encode("utf-8", "surrogatepass")
    return hmac.compare_digest(a, b)


def text_field(fields: Mapping[str, Any], name: str, scheme: str, *, required: bool = True) -> bytes:
    """A row field (``str`` or ``bytes``) as bytes; missing and required => :class:`CorruptHashError`."""
    value = fields.get(name)
    if value is None:
        if required:
            raise CorruptHashError(scheme, f"missing row field {name!r}")
        return b""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, str):
        encoded = password_bytes(value)
        if encoded is None:
            raise CorruptHashError(scheme, f"row field {name!r} is not valid text")
        return encoded
    raise CorruptHashError(scheme, f"row field {name!r} has type {type(value).__name__}")

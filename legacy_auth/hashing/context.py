"""Per-app verification context: :func:`get_context` and :class:`HashContext`."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from legacy_auth.errors import ConfigurationError, CorruptHashError, HashError, UnknownHashSchemeError
from legacy_auth.hashing.base import Assessment, Scheme, Strength, Verification, stored_text_or_none
from legacy_auth.hashing.rules import AppRules

_DUMMY_PASSWORD = b"legacy-auth dummy verification"


class HashContext:
    """Verifies passwords exactly as one legacy app does (built by :func:`legacy_auth.apps.get_context`)."""

    __slots__ = ("_dummy_grade", "_dummy_hash", "_dummy_scheme", "_options", "_pad", "_rules", "app")

    def __init__(
        self,
        app: str,
        rules: AppRules,
        options: Mapping[str, Any],
        dummy_hash: str | None = None,
        pad_weak: bool = True,
    ) -> None:
        self.app = app
        self._pad = pad_weak
        self._rules = rules
        self._options = dict(options)
        self._dummy_hash = dummy_hash or rules.dummy_hash
        self._dummy_scheme = self._dispatch(self._dummy_hash, {})
        self._dummy_grade: Assessment | None = None  # the dummy's own cost, read once build() validated it

    @classmethod
    def build(cls, app: str, rules: AppRules, options: Mapping[str, Any], *, dummy_hash: str | None = None,
              pad_weak: bool = True) -> HashContext:
        """A context whose dummy hash is checked: ``ConfigurationError("dummy_hash")`` when it is not a valid
        hash of ``rules``' schemes (the app's registry entry calls this: :func:`legacy_auth.apps.get_context`)."""
        try:
            context = cls(app, rules, options, dummy_hash, pad_weak)
            context._dummy_scheme.validate(context._dummy_hash)
            context._dummy_grade = context._dummy_scheme.assess(context._dummy_hash, context._options)
        except HashError as exc:
            raise ConfigurationError("dummy_hash", "not a valid hash for this app") from exc
        return context

    # ------------------------------------------------------------------ public API

    def identify(self, stored: str | bytes | None, **fields: Any) -> Scheme:
        """Return the scheme this app would use for ``stored`` (and the row ``fields``).

        Raises
        ------
        UnknownHashSchemeError
            No scheme of this app recognises the value (``None``/empty included).
        CorruptHashError
            The value has a known prefix but is malformed.
        """
        first = self._rules.row_scheme(fields) if self._rules.row_scheme is not None else None
        if first is not None:
            return first
        text = stored_text_or_none(stored)
        if stored is not None and text is None:
            raise CorruptHashError("unknown", "stored hash is not ASCII text")
        if not text:
            raise UnknownHashSchemeError(self.app)
        scheme = self._dispatch(text, fields)
        scheme.validate(text)
        return scheme

    def assess(self, stored: str | bytes | None, **fields: Any) -> Assessment:
        """The strength of this stored hash at its own cost (bcrypt cost, PBKDF2 iterations, argon2 m/t/p ...).

        Parameters
        ----------
        stored : str | bytes | None
            The stored hash (q2a: ``passhash``).
        **fields
            Row fields, as for :meth:`verify`.

        Returns
        -------
        Assessment
            Scheme, per-hash strength, ``needs_upgrade`` and the cost key (see :mod:`legacy_auth.hashing.cost`).

        Raises
        ------
        UnknownHashSchemeError, CorruptHashError
            As :meth:`identify`.
        """
        first = self._rules.row_scheme(fields) if self._rules.row_scheme is not None else None
        scheme = self.identify(stored, **fields)
        text = "" if scheme is first else stored_text_or_none(stored) or ""
        return scheme.assess(text, self._merged(fields))

    def verify(self, password: str | bytes, stored: str | bytes | None, **fields: Any) -> Verification:
        """Answer what the legacy app would answer for ``password`` against the stored hash.

        Parameters
        ----------
        password : str | bytes
            The password as typed (bytes are decoded as UTF-8; undecodable bytes never match).
        stored : str | bytes | None
            The stored hash (q2a: ``passhash``, may be ``None``).
        **fields
            Row fields: q2a ``passsalt`` / ``passcheck``; ``salt`` for salted schemes.

        Returns
        -------
        Verification
            ``ok`` is ``False`` for a wrong password and for any password the app would refuse.

        Raises
        ------
        UnknownHashSchemeError, CorruptHashError
            The stored value cannot be verified; nothing else escapes. Raised only after a dummy verification
            of the app's default cost, so an unusable hash answers no faster than a real check (the caller
            turns it into the same refusal as a wrong password).

        Notes
        -----
        Equal work (``pad_weak``, on by default): every answer includes exactly one verification of the
        dummy's cost, so its whole timing distribution (fastest answers included, not only the median) is the
        unknown user's. A stored hash of the dummy's scheme at the dummy's cost (or costlier) *is* that
        verification; any other hash (a q2a SHA-1 pair, phpass, md5, a cheaper bcrypt) is verified and then
        followed by one real :meth:`dummy_verify`, so it costs the dummy plus its own (small) cost. A real
        verification rather than a sleep: a sleep matches averages, not distributions (scheduling, CPU
        contention and cache effects hit computation and sleeps differently), and Lambda bills the wall-clock
        duration either way. A hash costlier than the dummy still answers later: set ``LEGACY_DUMMY_HASH`` to
        the deployment's usual hash (``legacy-auth scan`` shows the costs).
        """
        try:
            if self._rules.row_scheme is not None:
                result, spent = self._verify_row_first(password, stored, fields)
            else:
                scheme = self.identify(stored, **fields)
                text = stored_text_or_none(stored) or ""
                if self._rules.normalise is not None:
                    text = self._rules.normalise(scheme, text)
                result, spent = self._run(scheme, password, text, fields)
        except HashError:
            self.dummy_verify()
            raise
        if self._pad and not spent:
            self.dummy_verify()
        return result

    def dummy_verify(self) -> None:
        """Spend one real verification of the dummy hash (unknown users, refusals, the equal-work padding)."""
        with contextlib.suppress(CorruptHashError):  # the dummy hashes are validated by get_context and tests
            self._dummy_scheme.run(_DUMMY_PASSWORD, self._dummy_hash, self._options)

    @property
    def dummy_assessment(self) -> Assessment | None:
        """Scheme and cost of the dummy hash (what every answer's verification costs); ``None`` if unreadable."""
        return self._dummy_grade

    def _costs_the_dummy(self, scheme: Scheme, grade: Assessment) -> bool:
        """Whether verifying a hash of ``scheme`` at ``grade`` is itself a verification of the dummy's cost."""
        dummy = self._dummy_grade
        if dummy is None or scheme.name != self._dummy_scheme.name:
            return False
        return grade.cost == dummy.cost or grade.work >= dummy.work  # the dummy's cost, or costlier

    # ------------------------------------------------------------------ internals

    def _dispatch(self, text: str, fields: Mapping[str, Any]) -> Scheme:
        return self._rules.dispatch(text, fields)

    def _merged(self, fields: Mapping[str, Any]) -> Mapping[str, Any]:
        return {**self._options, **fields} if self._options else fields

    def _candidates(self, password: object, scheme: str = "") -> list[bytes] | None:
        if isinstance(password, bytes | bytearray | memoryview):
            try:
                password = bytes(password).decode("utf-8")
            except UnicodeDecodeError:
                return None
        if not isinstance(password, str):
            return None
        rules = self._rules
        cap = None if scheme in rules.uncapped else rules.max_bytes
        out = []
        for candidate in rules.transform(password):
            if candidate in rules.reject_empty:
                continue
            try:
                encoded = candidate.encode("utf-8")
            except UnicodeEncodeError:  # lone surrogates: no legacy app could have received this
                return None
            if cap is not None and len(encoded) > cap:
                continue
            out.append(encoded)
        return out or None

    def _run(self, scheme: Scheme, password: str | bytes, text: str,
             fields: Mapping[str, Any]) -> tuple[Verification, bool]:
        """Verify; also say whether a verification of the dummy's cost was spent (no padding needed then)."""
        merged = self._merged(fields)
        grade = scheme.assess(text, merged)
        candidates = self._candidates(password, scheme.name)
        if candidates is None or scheme.strength is Strength.UNUSABLE:
            self.dummy_verify()  # same cost as a real check: the refusal must not reveal the account
            return Verification(False, scheme.name, grade.needs_upgrade), True
        ok = False
        for candidate in candidates:
            if scheme.run(candidate, text, merged):
                ok = True
                break
        return Verification(ok, scheme.name, grade.needs_upgrade), self._costs_the_dummy(scheme, grade)

    def _verify_row_first(self, password: str | bytes, stored: str | bytes | None,
                          fields: Mapping[str, Any]) -> tuple[Verification, bool]:
        """The row's own scheme first (:attr:`AppRules.row_scheme`), then the stored hash if that fails.

        q2a ``qa-include/pages/login.php`` (1.8.8): the legacy ``passsalt``/``passcheck`` pair is checked first
        when present, then ``passhash``.
        """
        first = self._rules.row_scheme(fields) if self._rules.row_scheme is not None else None
        text = stored_text_or_none(stored)
        if stored is not None and text is None:
            raise CorruptHashError("unknown", "stored hash is not ASCII text")
        if first is None and not text:
            raise UnknownHashSchemeError(self.app)  # no password at all: external/SSO-only account
        if first is not None:
            result, spent = self._run(first, password, "", fields)
            if result.ok or not text:
                return result, spent
        scheme = self._dispatch(text or "", fields)
        scheme.validate(text or "")
        return self._run(scheme, password, text or "", fields)

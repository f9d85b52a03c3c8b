"""Legacy password-hash verification: answer exactly what the legacy app would have answered.

>>> from legacy_auth.hashing import get_context, SCHEMES
>>> ctx = get_context("q2a")
>>> ctx.verify("pw", None, passsalt=b"...", passcheck=b"...")   # doctest: +SKIP
Verification(ok=..., scheme='q2a_sha1', needs_upgrade=True)

Layout: :mod:`.base` (types), ``*_schemes`` (one module per family), :mod:`.transforms` (input handling),
:mod:`.dispatch` (per-app prefix rules), :mod:`.apps` (per-app table), :mod:`.context` (the public context),
:mod:`.registry` (``SCHEMES``).
"""

from __future__ import annotations

from legacy_auth.hashing.base import Scheme, Strength, Verification
from legacy_auth.hashing.context import HashContext, get_context
from legacy_auth.hashing.registry import SCHEMES

__all__ = ["SCHEMES", "HashContext", "Scheme", "Strength", "Verification", "get_context"]

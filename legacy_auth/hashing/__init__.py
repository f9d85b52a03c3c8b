"""Legacy password-hash verification: answer exactly what the legacy app would have answered.

>>> from legacy_auth.apps import get_context          # an app's context is built by the app registry
>>> ctx = get_context("q2a")
>>> ctx.verify("pw", None, passsalt=b"...", passcheck=b"...")   # doctest: +SKIP
Verification(ok=..., scheme='q2a_sha1', needs_upgrade=True)
>>> get_context("laravel").assess("$2y$04$...")                   # doctest: +SKIP
Assessment(scheme='bcrypt', strength=<Strength.ACCEPTABLE>, needs_upgrade=True, cost='cost=4', work=16.0)

Layout: :mod:`.base` (types), ``*_schemes`` (one module per family), :mod:`.cost` (per-hash cost and strength),
:mod:`.transforms` (input handling), :mod:`.dispatch` (PHP ``password_verify``'s prefix rule, shared by the PHP
apps), :mod:`.rules` (:class:`AppRules`, the shape of an app's rules), :mod:`.context` (:class:`HashContext`),
:mod:`.registry` (``SCHEMES``). Each app's own rules (transform, dispatch, cap, dummy hash, options) live in its
module, ``legacy_auth/apps/<app>.py``, and :func:`legacy_auth.apps.get_context` builds its context.

Strength is per hash: :meth:`HashContext.assess` reads the stored value's own cost (bcrypt cost, PBKDF2
iterations, argon2 m/t/p, scrypt N/r/p, phpass/Drupal rounds, Magento versions, ASP.NET prf/iterations) and
grades it against today's cost (:mod:`.cost`); ``Verification.needs_upgrade`` and the weak-hash timing padding
use that grade. A scheme's own ``strength`` is only its usual cost.

Unusable hashes: an unknown or corrupt stored value raises :class:`~legacy_auth.errors.UnknownHashSchemeError`
or :class:`~legacy_auth.errors.CorruptHashError` from :meth:`HashContext.verify` only after a dummy
verification at the app's default cost, so the refusal takes as long as a real one.

Options of :func:`legacy_auth.apps.get_context` that change an answer (all off by default, where we answer what the app
answers):

- ``magento_legacy_rows=True`` (``magento2``): accept the rows Magento 2.4's ``Encryptor::isValidHash``
  refuses: a bare ``3`` version (``customer:hash:upgrade`` writes it; read as ``3_32_2_67108864``, what
  ``getHash`` computed) and version-less Magento 1 ``hash:salt`` rows (``md5(salt . password)``). Without it
  both are :class:`~legacy_auth.errors.UnknownHashSchemeError`, as Magento never verifies them
  (:mod:`.kdf_schemes`).
- ``pepper`` (Devise), ``generic_scheme`` (home-grown salted digests), ``symfony_iterations``.

libpass's handlers were weighed scheme by scheme and each module docstring says why its own code is used:
libpass's ``phpass`` answers as class-phpass but costs +5 to +7 % over a bare loop at 2^13 rounds (outside the
5 % overhead budget; :mod:`.phpass_schemes`); libpass serves as the independent reference in the property
tests. Elsewhere libpass refuses
passwords over 4096 bytes that PHP ``password_verify``, Django, MySQL and home-grown apps accept; its bcrypt
refuses NUL bytes that PHP truncates at and Django<5's bcrypt hashed; its hex digests accept upper-case hex the
PHP apps refuse; it has no handler for Django ``scrypt$``, Drupal ``$S$``, Magento, ASP.NET, q2a, Joomla or
Symfony's formats.
"""

from __future__ import annotations

from legacy_auth.hashing.base import Assessment, Scheme, Strength, Verification
from legacy_auth.hashing.context import HashContext
from legacy_auth.hashing.registry import SCHEMES

__all__ = ["SCHEMES", "Assessment", "HashContext", "Scheme", "Strength", "Verification"]

"""Werkzeug (Flask and other Python apps hashing with ``werkzeug.security``) over a configurable users table.

**Table**: the app's own (Flask-Login, Flask-Security and home-grown apps have no fixed schema), described
exactly as for ``LEGACY_APP=generic`` by the ``LEGACY_GENERIC_*`` settings (table or query mode, columns, login by
username then email, case-insensitive; ``active`` false is INACTIVE; empty hash is SSO-only): this preset *is*
:class:`~legacy_auth.apps.generic.GenericPreset`, without ``LEGACY_GENERIC_SCHEME`` (no hex digests here).

**Password check** (Werkzeug 3.1.9 ``werkzeug/security.py``, ``check_password_hash``/``_hash_internal``):
``method$salt$hashval`` split at its first two ``$`` (fewer: false); ``pbkdf2[:<hash>[:<iterations>]]``
(``hashlib.pbkdf2_hmac`` over ``password.encode()`` and ``salt.encode()``, digest-size key, hex) and
``scrypt[:N:r:p]`` (``hashlib.scrypt``, 64-byte key, ``maxmem = 132*N*r*p``, hex), compared with
``hmac.compare_digest``; any other method raises ``ValueError`` in Werkzeug (the login errors): refused here.
Werkzeug trims and caps nothing and takes an empty password. ``pbkdf2`` with a hash other than SHA-1/SHA-2
(``pbkdf2:md5``, ``pbkdf2:sha3_256``: never written by ``generate_password_hash``'s documented methods) is
refused rather than guessed.

**Werkzeug < 3.0** also verified ``<digest>$salt$hex`` (``generate_password_hash(pw, "sha256")``, HMAC keyed with
the salt; bare digest without salt), deprecated in 2.3 and removed in 3.0 ("Invalid hash method"). Set
``LEGACY_WERKZEUG_LEGACY_DIGESTS=true`` when the app still runs Werkzeug <= 2.2 (those rows then sign in as the app
lets them); otherwise they are refused as the current Werkzeug refuses them. ``plain$$password`` is never
accepted (plain text).

Dummy: ``generate_password_hash``'s default, ``scrypt:32768:8:1``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import partial
from typing import Any, ClassVar

from legacy_auth.apps.app import NOT_A_FAMILY, App, HashOption, Importability
from legacy_auth.apps.generic import TABLE_OPTIONS, GenericPreset
from legacy_auth.errors import UnknownHashSchemeError
from legacy_auth.hashing import framework_schemes as fw
from legacy_auth.hashing import transforms
from legacy_auth.hashing.base import Scheme
from legacy_auth.hashing.rules import AppRules
from legacy_auth.presets.table import OptionValue

#: ``generate_password_hash(pw, method=...)`` digests of Werkzeug <= 2.2 (``hashlib`` names it took)
LEGACY_METHODS = frozenset({"md5", "sha1", "sha224", "sha256", "sha384", "sha512"})


class WerkzeugPreset(GenericPreset):
    """A Flask/Werkzeug app's users table, described by the ``LEGACY_GENERIC_*`` settings."""

    name = "werkzeug"
    OPTIONS: ClassVar[dict[str, tuple[type, OptionValue]]] = dict(TABLE_OPTIONS)


def dispatch(stored: str, fields: Mapping[str, Any], legacy_digests: bool = False) -> Scheme:
    """``check_password_hash``: the method before the first ``$`` (its name before ``:``) picks the KDF."""
    method, dollar, _rest = stored.partition("$")
    if dollar:
        name = method.partition(":")[0]
        if name == "pbkdf2":
            return fw.WERKZEUG_PBKDF2
        if name == "scrypt":
            return fw.WERKZEUG_SCRYPT
        if legacy_digests and method in LEGACY_METHODS:
            return fw.WERKZEUG_LEGACY
    raise UnknownHashSchemeError("werkzeug")


def configure(rules: AppRules, options: Mapping[str, Any]) -> tuple[AppRules, Mapping[str, Any]]:
    """``werkzeug_legacy_digests``: also verify Werkzeug <= 2.2's ``<digest>$salt$hex`` values."""
    if options.get("werkzeug_legacy_digests"):
        return replace(rules, dispatch=partial(dispatch, legacy_digests=True)), {}
    return rules, {}


RULES = AppRules(
    transforms.raw, dispatch, None, (),
    "scrypt:32768:8:1$Uj7zcIKApqq3BnIy$02b51110aa939ddac4cb8aae0199bb42a1dbdbc77aafd6a39b7930ae57a6e5f436eeb05b9d8cf"
    "b77da1e4d84a08a163c35872e65a07c51ca4ac98f7ad670919a",
)

APP = App(
    name="werkzeug", title="Werkzeug / Flask (configurable table)", preset=WerkzeugPreset, rules=RULES,
    login_columns=(),
    hash_options=(HashOption("werkzeug_legacy_digests", "LEGACY_WERKZEUG_LEGACY_DIGESTS", bool),),
    configure=configure,
    importability=Importability(
        candidates={"werkzeug_pbkdf2": "PBKDF2_SHA256", "werkzeug_scrypt": "SCRYPT"},
        refused={"werkzeug_legacy_digest": "HMAC or bare digest, " + NOT_A_FAMILY},
    ),
)

"""``php``: a home-grown PHP app that checks passwords with ``password_verify`` (or ``crypt()``), over any users
table or query described by the ``LEGACY_GENERIC_*`` settings, exactly as ``generic`` reads it (table mode or
query mode, login rule, ``active`` / ``email_verified`` columns: see :mod:`legacy_auth.apps.generic`). A salt
column has no meaning here (every accepted format carries its salt) and ``LEGACY_GENERIC_SCHEME`` belongs to
``generic``.

Passwords (PHP 8.2 ``ext/standard/password.c`` ``password_verify``, ``crypt.c``): the password exactly as typed.
``password_verify`` identifies the ``PASSWORD_*`` algorithms (``password_get_info``): bcrypt ``$2y$`` (and
crypt_blowfish's ``$2a$``, ``$2b$``, ``$2x$``: the latter the sign-extension bug's key setup), ``$argon2i$`` and
``$argon2id$``; anything else falls back to ``hash_equals(crypt($password, $hash), $hash)``, which accepts the
system ``crypt()`` formats: MD5-crypt ``$1$``, SHA-256-crypt ``$5$`` and SHA-512-crypt ``$6$`` with or without
``rounds=`` (:mod:`legacy_auth.hashing.crypt_schemes`: C-string passwords, clamped rounds, whole-string
comparison). ``$argon2d$`` is not a ``PASSWORD_*`` algorithm and ``crypt()`` fails on it: PHP answers false, we
refuse it as an unknown hash. Not supported (refused as unknown, listed by ``legacy-auth scan``): the
traditional and extended DES ``crypt()`` formats (13 and 20 characters), which PHP still verifies.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from legacy_auth.apps.app import App, Importability
from legacy_auth.apps.generic import GenericPreset
from legacy_auth.errors import UnknownHashSchemeError
from legacy_auth.hashing import bcrypt_schemes as bc
from legacy_auth.hashing import crypt_schemes as cr
from legacy_auth.hashing import kdf_schemes as kdf
from legacy_auth.hashing import transforms
from legacy_auth.hashing.base import Scheme
from legacy_auth.hashing.dispatch import BCRYPT10, BCRYPT_ARGON_IMPORT
from legacy_auth.hashing.rules import AppRules
from legacy_auth.presets.table import OptionValue

#: the generic options that mean nothing for password_verify (no separate salt; the digest scheme option)
_NOT_HERE = ("generic_salt_column", "generic_scheme")


class PhpPreset(GenericPreset):
    """The ``generic`` table or query, for an app using ``password_verify``."""

    name = "php"
    OPTIONS: ClassVar[dict[str, tuple[type, OptionValue]]] = {
        key: value for key, value in GenericPreset.OPTIONS.items() if key not in _NOT_HERE
    }


# ---------------------------------------------------------------- password check

_PASSWORD_VERIFY = {
    "$2y$": bc.BCRYPT, "$2a$": bc.BCRYPT, "$2b$": bc.BCRYPT, "$2x$": bc.BCRYPT,
    "$argon2i$": kdf.ARGON2, "$argon2id$": kdf.ARGON2,
    "$1$": cr.MD5_CRYPT, "$5$": cr.SHA256_CRYPT, "$6$": cr.SHA512_CRYPT,
}


def dispatch(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """``password_verify``: the ``PASSWORD_*`` algorithms, then ``crypt()``'s ``$1$``, ``$5$``, ``$6$``."""
    end = stored.find("$", 1)
    scheme = _PASSWORD_VERIFY.get(stored[: end + 1]) if end > 0 else None
    if scheme is None:
        raise UnknownHashSchemeError("php")
    return scheme


RULES = AppRules(transforms.raw, dispatch, None, (), BCRYPT10)

APP = App(
    name="php", title="home-grown PHP app (password_verify)", preset=PhpPreset, rules=RULES, login_columns=(),
    importability=Importability(candidates=BCRYPT_ARGON_IMPORT),
)

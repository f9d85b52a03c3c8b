"""passlib (Python apps hashing through a passlib ``CryptContext`` or handler) over a configurable users table.

**Table**: the app's own, described exactly as for ``LEGACY_APP=generic`` by the ``LEGACY_GENERIC_*`` settings
(table or query mode, login by username then email, case-insensitive; ``active`` false is INACTIVE; empty hash
is SSO-only): this preset *is* :class:`~legacy_auth.apps.generic.GenericPreset`, without
``LEGACY_GENERIC_SCHEME``.

**Password check**: libpass 1.9.4 (the maintained passlib fork, ``import passlib``) is the reference. A
``CryptContext.verify`` identifies the hash among the context's schemes by its modular-crypt prefix and calls
that handler's ``verify``; each ``passlib_*`` scheme (:mod:`legacy_auth.hashing.framework_schemes`) calls the same
handler after bounding the stored cost: ``$pbkdf2$``, ``$pbkdf2-sha256$``, ``$pbkdf2-sha512$``,
``$bcrypt-sha256$`` (v1 and ``v=2``), ``$scrypt$``, ``$argon2i$``/``$argon2id$``/``$argon2d$``, ``$1$``
(md5_crypt), ``$5$``, ``$6$`` and ``$2a$``/``$2b$``/``$2y$`` (bcrypt). The password is the UTF-8 of what was
typed (no trim); libpass refuses passwords over 4096 bytes and a NUL under bcrypt/crypt (``PasswordValueError``:
the app's login failed; so does ours).

``LEGACY_PASSLIB_SCHEMES`` (comma-separated handler names, default: all of the above) is the app's
``CryptContext(schemes=[...])``: a hash of a scheme the context does not list is refused, as passlib raises
``ValueError("hash could not be identified")`` for it.

Dummy: bcrypt at passlib's default 12 rounds (``CryptContext(schemes=["bcrypt"])``, the FastAPI tutorial's
context).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import partial
from typing import Any, ClassVar

from legacy_auth.apps.app import NOT_A_FAMILY, App, HashOption, Importability
from legacy_auth.apps.generic import TABLE_OPTIONS, GenericPreset
from legacy_auth.errors import ConfigurationError, UnknownHashSchemeError
from legacy_auth.hashing import framework_schemes as fw
from legacy_auth.hashing import transforms
from legacy_auth.hashing.base import Scheme
from legacy_auth.hashing.rules import AppRules
from legacy_auth.presets.table import OptionValue

SCHEMES_SETTING = "LEGACY_PASSLIB_SCHEMES"

#: passlib handler name -> our scheme (its ``passlib_<name>``)
HANDLERS: dict[str, Scheme] = {scheme.name.removeprefix("passlib_"): scheme for scheme in fw.PASSLIB}


class PasslibPreset(GenericPreset):
    """A passlib app's users table, described by the ``LEGACY_GENERIC_*`` settings."""

    name = "passlib"
    OPTIONS: ClassVar[dict[str, tuple[type, OptionValue]]] = dict(TABLE_OPTIONS)


def dispatch(stored: str, fields: Mapping[str, Any], allowed: frozenset[str] | None = None) -> Scheme:
    """``CryptContext.identify``: the handler whose modular-crypt prefix starts ``stored`` (of the context's
    schemes when ``allowed`` names them)."""
    for name, scheme in HANDLERS.items():
        if (allowed is None or name in allowed) and stored.startswith(scheme.prefixes):
            return scheme
    raise UnknownHashSchemeError("passlib")


def parse_schemes(text: str) -> frozenset[str]:
    """``LEGACY_PASSLIB_SCHEMES`` as handler names; an unknown or empty list names the variable."""
    names = frozenset(name.strip() for name in text.split(",") if name.strip())
    unknown = sorted(names - set(HANDLERS))
    if not names or unknown:
        raise ConfigurationError(SCHEMES_SETTING, f"unknown passlib scheme(s) {', '.join(unknown) or '(none)'}; "
                                                  f"expected some of {', '.join(HANDLERS)}")
    return names


def configure(rules: AppRules, options: Mapping[str, Any]) -> tuple[AppRules, Mapping[str, Any]]:
    """``passlib_schemes``: only the app's ``CryptContext`` schemes are accepted."""
    text = options.get("passlib_schemes")
    if text is None:
        return rules, {}
    return replace(rules, dispatch=partial(dispatch, allowed=parse_schemes(str(text)))), {}


RULES = AppRules(transforms.raw, dispatch, None, (), "$2b$12$jK9kCGBolvUJDuChTJ3L3OtrwOEHCIZnN.TI/DPiLbZhMY1cbN41m")

APP = App(
    name="passlib", title="passlib CryptContext (configurable table)", preset=PasslibPreset, rules=RULES,
    login_columns=(),
    hash_options=(HashOption("passlib_schemes", SCHEMES_SETTING, str),),
    configure=configure,
    importability=Importability(
        candidates={"passlib_pbkdf2_sha256": "PBKDF2_SHA256", "passlib_scrypt": "SCRYPT",
                    "passlib_argon2": "ARGON2ID", "passlib_bcrypt": "BCRYPT"},
        refused={"passlib_bcrypt_sha256": "bcrypt over HMAC-SHA256 (v2) / SHA-256 (v1) of the password, a pre-hash",
                 "passlib_pbkdf2_sha1": "PBKDF2-HMAC-SHA1, " + NOT_A_FAMILY,
                 "passlib_pbkdf2_sha512": "PBKDF2-HMAC-SHA512, " + NOT_A_FAMILY},
    ),
)

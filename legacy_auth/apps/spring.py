"""Spring Security (Java apps with a ``DelegatingPasswordEncoder``) over a configurable users table.

**Table**: the app's own (Spring Security's ``JdbcUserDetailsManager`` default ``users(username, password,
enabled)`` or any JPA entity), described exactly as for ``LEGACY_APP=generic`` by the ``LEGACY_GENERIC_*``
settings (table or query mode, login by username then email, case-insensitive; ``active`` false is INACTIVE, e.g.
``LEGACY_GENERIC_ACTIVE_COLUMN=enabled``; empty hash is SSO-only): this preset *is*
:class:`~legacy_auth.apps.generic.GenericPreset`, without ``LEGACY_GENERIC_SCHEME``.

**Password check** (spring-projects/spring-security ``crypto``, 7.1.x, ``DelegatingPasswordEncoder.matches`` over
``PasswordEncoderFactories.createDelegatingPasswordEncoder()``): ``extractId`` reads ``{id}`` at the very start;
the id picks the encoder (:data:`legacy_auth.hashing.spring_schemes.SPRING_BY_ID`: ``bcrypt``, ``pbkdf2``,
``pbkdf2@SpringSecurity_v5_8``, ``scrypt``, ``scrypt@SpringSecurity_v5_8``, ``argon2``,
``argon2@SpringSecurity_v5_8``, ``sha256``, ``MD5``, ``SHA-1``, ``SHA-256``, ``ldap``), which sees the rest of the
value. A value without a known id goes to ``defaultPasswordEncoderForMatches``, by default
``UnmappedIdPasswordEncoder``, which throws (the login errors): refused here. ``{noop}`` (plain text) and
``{MD4}`` are refused on purpose. Spring takes the password as typed (no trim) and answers false for an empty
one (``AbstractValidatingPasswordEncoder``).

``LEGACY_SPRING_BARE_BCRYPT=true``: the app matches values without an ``{id}`` with ``BCryptPasswordEncoder``
(``setDefaultPasswordEncoderForMatches(new BCryptPasswordEncoder())``, the documented way to keep hashes from
before the delegating encoder, or a plain ``BCryptPasswordEncoder`` bean): a bare ``$2a$``/``$2b$``/``$2y$`` value
is then checked exactly as ``{bcrypt}`` + value.

Dummy: ``{bcrypt}`` at ``BCryptPasswordEncoder``'s default strength 10 (``$2a$``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from functools import partial
from typing import Any, ClassVar

from legacy_auth.apps.app import NOT_A_FAMILY, App, HashOption, Importability
from legacy_auth.apps.generic import TABLE_OPTIONS, GenericPreset
from legacy_auth.errors import UnknownHashSchemeError
from legacy_auth.hashing import spring_schemes as sp
from legacy_auth.hashing import transforms
from legacy_auth.hashing.base import Scheme
from legacy_auth.hashing.rules import AppRules
from legacy_auth.presets.table import OptionValue


class SpringPreset(GenericPreset):
    """A Spring Security app's users table, described by the ``LEGACY_GENERIC_*`` settings."""

    name = "spring"
    OPTIONS: ClassVar[dict[str, tuple[type, OptionValue]]] = dict(TABLE_OPTIONS)


def _check_bare_bcrypt(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    return sp.SPRING_BCRYPT.check(pw, "{bcrypt}" + stored, fields)


#: ``BCryptPasswordEncoder`` reached without an ``{id}`` (``LEGACY_SPRING_BARE_BCRYPT``): the same encoder
BARE_BCRYPT = replace(sp.SPRING_BCRYPT, check=_check_bare_bcrypt,
                      prefixes=("$2a$", "$2b$", "$2y$", "$2x$", "$2$"),  # $2x$: the encoder answers false
                      pattern=re.compile(r"\$2[abxy]?\$\d\d\$[./0-9A-Za-z]{53}"))


def dispatch(stored: str, fields: Mapping[str, Any], bare_bcrypt: bool = False) -> Scheme:
    """``DelegatingPasswordEncoder.extractId``: ``{id}`` at index 0 picks the encoder; otherwise the default
    encoder for matches (refusal, or ``BCryptPasswordEncoder`` with ``bare_bcrypt``)."""
    if stored.startswith("{") and "}" in stored:
        scheme = sp.SPRING_BY_ID.get(stored[1 : stored.index("}")])
        if scheme is not None:
            return scheme
    elif bare_bcrypt and stored.startswith("$2"):
        return BARE_BCRYPT
    raise UnknownHashSchemeError("spring")


def configure(rules: AppRules, options: Mapping[str, Any]) -> tuple[AppRules, Mapping[str, Any]]:
    """``spring_bare_bcrypt``: values without an ``{id}`` are ``BCryptPasswordEncoder`` hashes."""
    if options.get("spring_bare_bcrypt"):
        return replace(rules, dispatch=partial(dispatch, bare_bcrypt=True)), {}
    return rules, {}


RULES = AppRules(transforms.raw, dispatch, None, ("",),
                 "{bcrypt}$2a$10$9DjohAsBlwwY/5.mmz5xzuHjBXrUiVOFEszUTf1U3Uka9HMq9cYri")

APP = App(
    name="spring", title="Spring Security DelegatingPasswordEncoder (configurable table)", preset=SpringPreset,
    rules=RULES, login_columns=(),
    hash_options=(HashOption("spring_bare_bcrypt", "LEGACY_SPRING_BARE_BCRYPT", bool),),
    configure=configure,
    importability=Importability(
        candidates={"spring_pbkdf2_v5_8": "PBKDF2_SHA256", "spring_scrypt": "SCRYPT", "spring_argon2": "ARGON2ID"},
        refused={"spring_bcrypt": "Spring's BCrypt hashes a NUL byte as key material where a C bcrypt stops at it; "
                                  "Cognito's rule is unknown",
                 "spring_pbkdf2": "PBKDF2-HMAC-SHA1, " + NOT_A_FAMILY},
    ),
)

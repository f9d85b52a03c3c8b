"""Per-app dispatch: which scheme the legacy app would run for a stored value (its own prefix rules).

Each function takes the stored text (non-empty) and returns a :class:`Scheme` or raises
:class:`UnknownHashSchemeError`. Only ``str.startswith`` / length tests here: shape validation happens once,
afterwards, with the scheme's pre-compiled regex.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from legacy_auth.errors import UnknownHashSchemeError
from legacy_auth.hashing import bcrypt_schemes as bc
from legacy_auth.hashing import digest_schemes as dg
from legacy_auth.hashing import django_schemes as dj
from legacy_auth.hashing import kdf_schemes as kdf
from legacy_auth.hashing import phpass_schemes as ph
from legacy_auth.hashing.base import Scheme

Dispatch = Callable[[str, Mapping[str, Any]], Scheme]
_HEX = frozenset("0123456789abcdefABCDEF")


def _is_hex(text: str) -> bool:
    return all(c in _HEX for c in text)


def php_password_verify(stored: str, app: str) -> Scheme:
    """What PHP ``password_verify`` accepts: bcrypt and argon2 (the ``PASSWORD_*`` algorithms)."""
    if stored.startswith("$2"):
        return bc.BCRYPT
    if stored.startswith("$argon2"):
        return kdf.ARGON2
    raise UnknownHashSchemeError(app)


def wordpress(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """``wp_check_password`` (6.8+): <=32 chars md5, ``$P$`` phpass, ``$wp`` pre-hashed bcrypt, else password_verify."""
    if len(stored) <= 32:
        return dg.HEX["md5"]
    if stored.startswith("$P$"):
        return ph.PHPASS
    if stored.startswith("$wp"):
        return bc.WP_BCRYPT
    return php_password_verify(stored, "wordpress")


def drupal7(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """D7 ``user_check_password``: ``U$``, ``$S$``, ``$H$``/``$P$``; anything else is FALSE."""
    if stored.startswith("U$"):
        return ph.DRUPAL_UPGRADED_MD5
    if stored.startswith("$S$"):
        return ph.DRUPAL_SHA512
    if stored.startswith(("$P$", "$H$")):
        return ph.PHPASS
    raise UnknownHashSchemeError("drupal7")


def drupal(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """Drupal 8+: the phpass formats, then (10.1+ ``PhpPassword``) ``password_verify``."""
    if stored.startswith(("U$", "$S$", "$P$", "$H$")):
        return drupal7(stored, fields)
    return php_password_verify(stored, "drupal")


def phpbb3(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """phpBB 3.x ``passwords\\manager::check``: argon2, bcrypt, combined ``$H\\2y$``, phpass, plain md5."""
    if stored.startswith("$argon2"):
        return kdf.ARGON2
    if stored.startswith(("$2y$", "$2a$")):
        return bc.BCRYPT
    if stored.startswith("$H\\"):
        return bc.PHPBB_COMBINED
    if stored.startswith(("$H$", "$P$")):
        return ph.PHPASS
    if len(stored) == 32 and _is_hex(stored):  # unrecognised => salted_md5 driver => md5() when not 34 chars
        return dg.HEX["md5"]
    raise UnknownHashSchemeError("phpbb3")


def joomla(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """Joomla ``UserHelper::verifyPassword``: ``$P$``, argon2, ``$2``, ``{SHA256}``, else MD5Handler."""
    if stored.startswith("$P$"):
        return ph.PHPASS
    if stored.startswith("$"):
        return php_password_verify(stored, "joomla")
    if stored.startswith("{SHA256}"):
        return dg.JOOMLA_SHA256
    return dg.JOOMLA_MD5 if ":" in stored else dg.HEX["md5"]


def magento2(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """Magento 2.4 ``Encryptor::isValidHash``: ``hash:salt:version[:version...]``, named after the last version.

    Like Magento, a row without a version (two parts) or with a bare ``3`` version is not a password hash it
    can verify (see :mod:`legacy_auth.hashing.kdf_schemes`; ``magento2_legacy`` accepts them).
    """
    if stored.count(":") < 2 or "3" in stored.split(":")[2:]:
        raise UnknownHashSchemeError("magento2")
    return _magento_by_last(stored)


def magento2_legacy(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """``magento2`` plus the opt-in rows (``magento_legacy_rows``): ``hash:salt`` and a bare ``3`` version."""
    colons = stored.count(":")
    if colons == 1:
        return kdf.MAGENTO_V1
    if colons < 1:
        raise UnknownHashSchemeError("magento2")
    return _magento_by_last(stored)


def _magento_by_last(stored: str) -> Scheme:
    last = stored[stored.rindex(":") + 1 :]
    if last == "0":
        return kdf.MAGENTO_MD5
    if last == "1":
        return kdf.MAGENTO_SHA256
    return kdf.MAGENTO_ARGON2


def laravel(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """Laravel ``Hash::check``: ``password_verify`` (bcrypt, argon2i, argon2id)."""
    return php_password_verify(stored, "laravel")


def symfony(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """Symfony hashers: native bcrypt (pre-hash rule), sodium argon2, MessageDigest sha512 (88), PBKDF2 (56)."""
    if stored.startswith("$2"):
        return bc.SYMFONY_BCRYPT
    if stored.startswith("$argon2"):
        return kdf.ARGON2
    if len(stored) == 88 and "$" not in stored:
        return dg.SYMFONY_SHA512
    if len(stored) == 56 and "$" not in stored:
        return dg.SYMFONY_PBKDF2
    raise UnknownHashSchemeError("symfony")


def django(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """Django ``identify_hasher``: ``!`` unusable, unsalted md5/sha1 shapes, else the text before ``$``."""
    if stored.startswith("!"):
        return dj.UNUSABLE
    if (len(stored) == 32 and "$" not in stored) or (len(stored) == 37 and stored.startswith("md5$$")):
        return dj.UNSALTED_MD5
    if len(stored) == 46 and stored.startswith("sha1$$"):
        return dj.UNSALTED_SHA1
    scheme = dj.BY_ALGORITHM.get(stored.partition("$")[0])
    if scheme is None:
        raise UnknownHashSchemeError("django")
    return scheme


def devise(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """Devise / ``has_secure_password``: bcrypt-ruby hashes."""
    if stored.startswith("$2"):
        return bc.DEVISE_BCRYPT
    raise UnknownHashSchemeError("devise")


def aspnet_identity(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """ASP.NET Identity ``PasswordHasher``: format marker byte 0x00 (v2) / 0x01 (v3), read from base64."""
    if len(stored) >= 2 and stored[0] == "A":
        second = stored[1]
        if "A" <= second <= "P":
            return kdf.ASPNET_V2
        if "Q" <= second <= "Z" or "a" <= second <= "f":
            return kdf.ASPNET_V3
    raise UnknownHashSchemeError("aspnet_identity")


def generic(stored: str, fields: Mapping[str, Any], salted: Scheme | None = None) -> Scheme:
    """Home-grown apps: modern/known prefixes first, then hex digests by length (``salted`` if configured)."""
    first = stored[0]
    if first == "$":
        if stored.startswith(("$P$", "$H$")):
            return ph.PHPASS
        if stored.startswith("$S$"):
            return ph.DRUPAL_SHA512
        return php_password_verify(stored, "generic")
    if first == "*":
        return dg.MYSQL41
    if salted is not None:
        return salted
    if fields.get("salt") is None:
        scheme = _HEX_BY_LENGTH.get(len(stored))
        if scheme is not None:
            return scheme
    raise UnknownHashSchemeError("generic")


_HEX_BY_LENGTH = {32: dg.HEX["md5"], 40: dg.HEX["sha1"], 64: dg.HEX["sha256"], 128: dg.HEX["sha512"]}

"""Shop formats (issue 15, part A): OpenCart and PrestaShop.

**OpenCart** 1.5.6-3.0 (``catalog/model/account/customer.php`` ``addCustomer``,
``system/library/cart/customer.php`` ``login``): ``customer.password =
sha1(salt . sha1(salt . sha1(password)))`` (hex) with the 9-character ``customer.salt``; the login query also
accepts ``password = md5(password)`` (1.5 rows; that is the ``hex_md5`` scheme). OpenCart 4 stores
``password_hash()`` bcrypt (``bcrypt``) and keeps the sha1 check for old rows. OpenCart's ``Request`` class
``trim``s and ``htmlspecialchars``es every POST value *before* hashing (at registration and at login alike),
so the hash is over the escaped text (an app transform). Row field ``salt``.

**PrestaShop** (``src/Core/Crypto/Hashing.php``, 1.7+; 1.6 ``Tools::encrypt``): ``checkHash`` tries
``password_verify`` (bcrypt, the 1.7+ hash) then ``md5(_COOKIE_KEY_ . password) === hash`` (1.6 rows).
``_COOKIE_KEY_`` is the shop's secret from ``config/settings.inc.php`` / ``app/config/parameters.php``: a
context option (``cookie_key``), never logged; the hashes cannot be checked without it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from legacy_auth.hashing.base import Scheme, Strength, consteq, text_field


def _sha1_hex(data: bytes) -> bytes:
    return hashlib.sha1(data).hexdigest().encode("ascii")  # noqa: S324 - legacy format, verification only


def _check_opencart(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # SHA1(CONCAT(salt, SHA1(CONCAT(salt, SHA1(password))))) in MySQL (utf8 connection: the UTF-8 bytes)
    salt = text_field(fields, "salt", "opencart_sha1")
    return consteq(_sha1_hex(salt + _sha1_hex(salt + _sha1_hex(pw))), stored)


def _check_prestashop(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # Hashing::checkHash 'md5' verify: md5($staticSalt . $passwd) === $hash
    key = text_field(fields, "cookie_key", "prestashop_md5")
    return consteq(hashlib.md5(key + pw).hexdigest(), stored)  # noqa: S324 - legacy format


_PHP_TRIM = " \t\n\r\0\x0b"


def _htmlspecialchars_compat(text: str) -> str:
    # PHP htmlspecialchars(ENT_COMPAT, 'UTF-8'): & first, then " < >; the single quote is left alone
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


def opencart3_input(password: str) -> list[str]:
    """OpenCart 1.5-3.0 ``Request::clean``: ``htmlspecialchars($v, ENT_COMPAT, 'UTF-8')``, no trim; the hash
    (registration and login alike) is over the escaped text."""
    return [_htmlspecialchars_compat(password)]


def opencart4_input(password: str) -> list[str]:
    """OpenCart 4 ``Request::clean`` (``trim(htmlspecialchars(…))``) then the login controller's
    ``html_entity_decode(…, ENT_QUOTES)``: the typed password, PHP-trimmed. (An OpenCart 3 row of a password
    containing ``& " < >`` therefore no longer matches in OpenCart 4: we answer as OpenCart 4 does.)"""
    return [password.strip(_PHP_TRIM)]


OPENCART_SHA1 = Scheme("opencart_sha1", Strength.WEAK, True, _check_opencart, (), re.compile(r"[0-9a-f]{40}"))
PRESTASHOP_MD5 = Scheme("prestashop_md5", Strength.WEAK, True, _check_prestashop, (), re.compile(r"[0-9a-f]{32}"))

ALL = (OPENCART_SHA1, PRESTASHOP_MD5)

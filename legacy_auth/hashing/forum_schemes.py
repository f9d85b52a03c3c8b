"""Forum formats (issue 15, part A): vBulletin, MyBB, SMF, XenForo, Invision and Discourse.

Each check is the construction the forum's own login code runs, on the password bytes *after* the app's input
handling (trimming, entity escaping: the per-app transforms, wired by the app layer). Row fields each scheme
reads are named in its docstring; a missing required field is a :class:`CorruptHashError`.

Sources read (public code; vBulletin and XenForo are proprietary, see their notes):

- **MyBB** 1.8.37 (git tag ``mybb_1837``) ``inc/functions_user.php`` ``verify_user_password`` /
  ``create_password``: ``my_hash_equals($user['password'], md5(md5($salt) . md5($password)))``; the typed
  password is used raw (``MyBB::get_input``). A PHP-falsy salt (``""``, ``"0"``) makes ``create_password``
  draw a fresh random salt, so such a row never verifies (MyBB <= 1.8.8 instead read a salt-less row as a
  plain ``md5($password)`` and re-salted it with ``==``; we answer as the current release: no).
- **SMF** 2.1.4 (git tag ``v2.1.4``): ``Sources/LogInOut.php`` ``Login2`` refuses an empty password, then
  ``hash_verify_password($member_name, un_htmlspecialchars($_POST['passwrd']), $passwd)`` (``Subs-Auth.php``:
  ``password_verify($smcFunc['strtolower']($username) . $password, $hash)``; the 72-byte bcrypt limit covers
  name + password); a 40-character ``passwd`` (SMF 1.1-2.0) is checked as
  ``sha1(strtolower($member_name) . un_htmlspecialchars($passwrd))`` (``strtolower``: ASCII only on PHP 8).
  The name's lowering differs by release and PHP version (:func:`smf_lower_variants`); the entity decoding of
  the password is :func:`smf_input` (an app transform). Row field ``username`` (``members.member_name``).
- **Invision** IPS 4 ``system/Member/Member.php`` ``encryptedPassword``: a 22-character
  ``members_pass_salt`` means ``crypt($password, '$2a$13$' . $salt)`` (the full bcrypt string is stored in
  ``members_pass_hash``), else the IPB 3 format ``md5(md5($salt) . md5(Request::legacyEscape($password)))``
  (``legacyEscape`` is IPB 3's escape-on-input, :func:`ipb_legacy_escape`, applied here because the stored
  hash is over the escaped text). Compared with ``hash_equals`` (``Login::compareHashes``). Row field
  ``salt`` (``members_pass_salt``).
- **Discourse** ``lib/pbkdf2.rb``, ``lib/password_hasher.rb``, ``app/models/user_password.rb``:
  PBKDF2-HMAC-SHA256 whose salt is the **hex text** of ``password_salt`` (never decoded), 32-byte output
  as lower-case hex; ``password_algorithm`` ``$pbkdf2-sha256$i=<n>,l=32$`` (only ``l=32`` and ``i >= 1``
  are accepted by Discourse); rows from before that column use 64,000 iterations (the historical
  ``Rails.configuration.pbkdf2_iterations``). Discourse refuses a blank password (Ruby ``blank?``: empty
  or whitespace only) and one longer than 200 characters (``MAX_PASSWORD_LENGTH``, characters not bytes).
  Row fields ``salt`` and optional ``algorithm``.
- **vBulletin** (closed source; read in third-party copies of vB 4.1.5 and vB 5.6.0 on GitHub, never run):
  every format hashes an **md5 hex of the password**, never the password. vB 3/4 ``includes/functions_login.php``
  ``verify_authentication`` accepts ``user.password == md5(X . user.salt)`` for any of three client encodings X
  (:func:`vbulletin_md5_inputs`): ``md5(trim($password))`` (no JavaScript; ``TYPE_STR`` = PHP ``trim``), and the
  browser's ``clientscript/vbulletin_md5.js`` ``md5hash``: ``hex_md5(str_to_ent(trim(pw)))`` (spaces trimmed,
  UTF-16 code units above 255 written ``&#N;``, each unit's low byte hashed) and ``hex_md5(trim(pw))``. vB 5
  ``vB_Library_Login::verifyPasswordFromInfo`` checks ``user.token`` by the ``user.scheme`` column with
  ``encodePassword`` = ``md5(ncrEncode(trim($password), true))`` (``mb_encode_numericentity`` of U+0080-U+FFFF)
  or a client md5 (the same browser encodings): ``blowfish:N`` = ``password_verify(md5, token)``, refused when
  the token's cost is not N (``vB_Utility_Password_Algorithm_Blowfish``); ``legacy`` = ``"<md5(md5 . salt)>
  <salt>"``, the 4.x hash carried over (``_Legacy``). The md5-based checks try every encoding (cheap); the
  bcrypt one tries only the server's own ``encodePassword`` (one bcrypt, equal work). Row fields ``salt``
  (3.x/4.x) and ``scheme`` (5.x).
- **XenForo** (closed source; not available here): ``xf_user_authenticate.data`` is PHP-serialised.
  ``XenForo_Authentication_Core`` / ``XF:Core``: ``{hash, salt, hashFunc}`` with
  ``hash(hashFunc, hash(hashFunc, $password) . $salt)`` (``sha256`` or ``sha1``, hex);
  ``XenForo_Authentication_Core12`` / ``XF:Core12``: ``{hash}`` = ``password_hash()`` bcrypt. The data is
  parsed by :mod:`.php_serial` (no object instantiation). Vectors: PHP ``serialize()`` + a transcription.

Cost limits: bcrypt costs above 17 and Discourse iteration counts above :data:`MAX_DISCOURSE_ITERATIONS`
are :class:`CorruptHashError` (they could not finish inside Cognito's 5-second trigger limit).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from legacy_auth.errors import CorruptHashError
from legacy_auth.hashing import cost
from legacy_auth.hashing.base import Scheme, Strength, consteq, text_field
from legacy_auth.hashing.bcrypt_schemes import BCRYPT_RE, bcrypt_check, c_bcrypt_secret
from legacy_auth.hashing.php_serial import php_unserialize

_BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")
_MD5_HEX = re.compile(r"[0-9a-f]{32}")
_SHA1_HEX = re.compile(r"[0-9a-f]{40}")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def _md5_hex(data: bytes) -> bytes:
    return hashlib.md5(data).hexdigest().encode("ascii")  # noqa: S324 - legacy format, verification only


def _grade_bcrypt(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
    return cost.bcrypt_cost(stored)


# ---------------------------------------------------------------- vBulletin

_PHP_TRIM = " \t\n\r\x00\x0b"


def _utf16_units(text: str) -> list[int]:
    raw = text.encode("utf-16-le", "surrogatepass")
    return [int.from_bytes(raw[i:i + 2], "little") for i in range(0, len(raw), 2)]


def _vb_js_bytes(text: str) -> bytes:
    """``vbulletin_md5.js`` ``str2binl`` with ``chrsz = 8``: the low byte of each UTF-16 code unit."""
    return bytes(unit & 0xFF for unit in _utf16_units(text))


def _vb_str_to_ent(text: str) -> str:
    """``vbulletin_md5.js`` ``str_to_ent``: UTF-16 code units above 255 as decimal ``&#N;``."""
    return "".join(f"&#{unit};" if unit > 255 else chr(unit) for unit in _utf16_units(text))


def vbulletin_ncr(text: str) -> bytes:
    """vB 5 ``vB_String::ncrEncode($s, true)`` = ``mb_encode_numericentity($s, [0x80, 0xffff, 0, 0xffff])``."""
    return "".join(f"&#{ord(ch)};" if 0x80 <= ord(ch) <= 0xFFFF else ch for ch in text).encode(
        "utf-8", "surrogateescape")


def vbulletin_server_md5(pw: bytes) -> bytes:
    """vB 5 ``vB_Library_Login::encodePassword``: ``md5(ncrEncode(trim($password), true))`` as hex."""
    text = pw.decode("utf-8", "surrogateescape").strip(_PHP_TRIM)
    return _md5_hex(vbulletin_ncr(text))


def vbulletin_md5_inputs(pw: bytes) -> list[bytes]:
    """The md5 hex strings a vBulletin server may hash for the typed password ``pw`` (see module doc), distinct,
    server encodings first: vB 3/4 ``md5(trim)``, vB 5 ``encodePassword``, then the two browser encodings."""
    text = pw.decode("utf-8", "surrogateescape")
    js = text.strip(" ")
    forms = (
        _md5_hex(text.strip(_PHP_TRIM).encode("utf-8", "surrogateescape")),
        vbulletin_server_md5(pw),
        _md5_hex(_vb_js_bytes(_vb_str_to_ent(js))),
        _md5_hex(_vb_js_bytes(js)),
    )
    return list(dict.fromkeys(forms))


def _vb_salted(pw: bytes, salt: bytes, digest: str) -> bool:
    ok = False
    for md5_input in vbulletin_md5_inputs(pw):  # every encoding computed: equal work whichever matches
        ok |= consteq(_md5_hex(md5_input + salt), digest)
    return ok


def _check_vb_md5(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # vB 3.x/4.x verify_authentication: password == md5(md5password . salt)
    return _vb_salted(pw, text_field(fields, "salt", "vbulletin_md5_salt"), stored)


_VB_BLOWFISH = re.compile(r"blowfish:(\d{1,2})")


def _check_vb5_blowfish(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # vB 5 scheme "blowfish:N": the token's cost must be N, then password_verify(encodePassword(pw), token)
    scheme = fields.get("scheme")
    if scheme is not None:
        m = _VB_BLOWFISH.fullmatch(scheme.decode("ascii", "replace") if isinstance(scheme, bytes) else str(scheme))
        if m is None:
            raise CorruptHashError("vbulletin5_bcrypt_md5", "scheme column is not blowfish:N")
        if int(m.group(1)) != int(stored[4:6]):
            bcrypt_check(vbulletin_server_md5(pw), stored)  # vB answers no; spend the same work
            return False
    return bcrypt_check(vbulletin_server_md5(pw), stored)


def _check_vb5_legacy(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # vB 5 scheme "legacy": token = "<md5(md5password . salt)> <salt>"; list($hash, $salt) = explode(' ', $token)
    # (a second space ends the salt). vB compares with PHP's loose ==, which also takes two different "0e<digits>"
    # md5 values as equal; the strict comparison here refuses such a collision (the safe side).
    parts = stored.split(" ")
    return _vb_salted(pw, parts[1].encode("utf-8"), parts[0])


VBULLETIN_MD5 = Scheme("vbulletin_md5_salt", Strength.WEAK, True, _check_vb_md5, (), _MD5_HEX)
VBULLETIN5_BLOWFISH = Scheme(
    "vbulletin5_bcrypt_md5", Strength.STRONG, False, _check_vb5_blowfish, _BCRYPT_PREFIXES, BCRYPT_RE, _grade_bcrypt
)
VBULLETIN5_LEGACY = Scheme(
    "vbulletin5_legacy", Strength.WEAK, True, _check_vb5_legacy, (), re.compile(r"[0-9a-f]{32} [\x20-\x7e]{0,64}")
)


# ---------------------------------------------------------------- MyBB


def _check_mybb(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # MyBB 1.8.37 verify_user_password: my_hash_equals(password, md5(md5(salt) . md5(password)))
    salt = text_field(fields, "salt", "mybb_md5", required=False)
    expected = _md5_hex(_md5_hex(salt) + _md5_hex(pw))  # computed either way: equal work
    if not salt or salt == b"0":  # PHP-falsy: create_password() draws a new random salt, never a match
        return False
    return consteq(expected, stored)


MYBB_MD5 = Scheme("mybb_md5", Strength.WEAK, True, _check_mybb, (), _MD5_HEX)


# ---------------------------------------------------------------- SMF


def _ascii_lower(data: bytes) -> bytes:
    """PHP 8 ``strtolower``: A-Z only (locale-insensitive since PHP 8.2)."""
    return data.translate(_ASCII_LOWER)


_ASCII_LOWER = bytes.maketrans(bytes(range(65, 91)), bytes(range(97, 123)))


def _check_smf_sha1(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # SMF 2.0 LogInOut.php: sha1(strtolower(member_name) . password)
    user = _ascii_lower(text_field(fields, "username", "smf_sha1"))
    return consteq(hashlib.sha1(user + pw).hexdigest(), stored)  # noqa: S324 - legacy format


_SMF_SPECIALS = {"&#34;": "&quot;", "&#38;": "&amp;", "&#39;": "&apos;", "&#60;": "&lt;", "&#62;": "&gt;",
                 "&#160;": "&nbsp;"}
_SMF_SPECIAL_RE = re.compile("&#(?:34|38|39|60|62|160);")
_NUMERIC_ENTITY = re.compile(r"&#(?:([0-9]{1,10})|x([0-9a-fA-F]{1,8}));")


def _smf_decode_numeric_entities(text: str) -> str:
    """SMF 2.1.4 ``convert_case``: ``strtr`` of the exact HTML-special entities to named ones, then
    ``mb_decode_numericentity`` (decimal, lower-case ``x`` hex; a surrogate code point decodes to nothing,
    beyond U+10FFFF stays as written)."""
    if "&#" not in text:
        return text
    text = _SMF_SPECIAL_RE.sub(lambda m: _SMF_SPECIALS[m.group(0)], text)

    def repl(m: re.Match[str]) -> str:
        code = int(m.group(1)) if m.group(1) else int(m.group(2), 16)
        if code > 0x10FFFF:
            return m.group(0)
        return "" if 0xD800 <= code <= 0xDFFF else chr(code)

    return _NUMERIC_ENTITY.sub(repl, text)


def smf_lower_variants(username: str) -> list[str]:
    """``$smcFunc['strtolower']($member_name)`` as the SMF 2.1 releases compute it on a UTF-8 forum.

    2.1.0-2.1.2: ``mb_strtolower(…, 'UTF-8')`` (per character up to PHP 8.2; PHP 8.3 added the
    context-dependent final sigma, ``ΟΔΟΣ`` -> ``οδος``). 2.1.3+ (``Sources/Load.php`` ``convert_case``):
    numeric entities decoded, ``utf8_convert_case`` (full mapping, final sigma in context), then NFC. The
    distinct results, in that order (one entry for an ordinary name). The forum's ``tr``/``az`` locale
    casing of ``I`` is not reproduced (documented limitation).
    """
    per_char = "".join(ch.lower() for ch in username)
    contextual = username.lower()
    smf214 = unicodedata.normalize("NFC", _smf_decode_numeric_entities(username).lower())
    return list(dict.fromkeys((per_char, contextual, smf214)))


_UN_HTMLSPECIALCHARS = re.compile("&(?:amp|quot|#039|#39|lt|gt|nbsp);")
_UN_HTML_MAP = {"&amp;": "&", "&quot;": '"', "&#039;": "'", "&#39;": "'", "&lt;": "<", "&gt;": ">", "&nbsp;": " "}


def smf_input(password: str) -> list[str]:
    """SMF 2.1 ``Login2``: ``un_htmlspecialchars($_POST['passwrd'])`` (``Sources/Subs.php``: ``strtr`` with the
    flipped ``HTML_SPECIALCHARS``/``ENT_QUOTES`` table plus ``&#39;`` and ``&nbsp;``); an empty password is
    refused before hashing. Registration hashes the raw text, so a password *typed* with entity text never
    logs in on SMF itself either."""
    if password == "":
        return []
    return [_UN_HTMLSPECIALCHARS.sub(lambda m: _UN_HTML_MAP[m.group(0)], password)]


def _check_smf_bcrypt(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # SMF 2.1 hash_verify_password: password_verify($smcFunc['strtolower']($username) . $password, $hash),
    # $smcFunc['strtolower'] = mb_strtolower(.., 'UTF-8') on a UTF-8 forum (Sources/Load.php)
    user = text_field(fields, "username", "smf_bcrypt").decode("utf-8", "surrogateescape")
    ok = False
    for lowered in smf_lower_variants(user):
        ok |= bcrypt_check(c_bcrypt_secret(lowered.encode("utf-8", "surrogateescape") + pw), stored)
    return ok


SMF_SHA1 = Scheme("smf_sha1", Strength.WEAK, True, _check_smf_sha1, (), _SHA1_HEX)
SMF_BCRYPT = Scheme("smf_bcrypt", Strength.STRONG, False, _check_smf_bcrypt, _BCRYPT_PREFIXES, BCRYPT_RE, _grade_bcrypt)


# ---------------------------------------------------------------- XenForo

_XF_FUNCS = {b"sha256": hashlib.sha256, b"sha1": hashlib.sha1}


def _xf_data(stored: str, scheme: str) -> dict[object, object]:
    data = php_unserialize(stored, scheme)
    if not isinstance(data, dict):
        raise CorruptHashError(scheme, "serialized data is not an array")
    return data


def _xf_bytes(data: dict[object, object], key: bytes, scheme: str) -> bytes:
    value = data.get(key)
    if not isinstance(value, bytes):
        raise CorruptHashError(scheme, f"missing {key.decode()!r}")
    return value


def _check_xf_core(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # XenForo_Authentication_Core / XF:Core: hash(func, hash(func, password) . salt)
    data = _xf_data(stored, "xenforo_core")
    func = _XF_FUNCS.get(_xf_bytes(data, b"hashFunc", "xenforo_core"))
    if func is None:
        raise CorruptHashError("xenforo_core", "unknown hashFunc")
    salt = _xf_bytes(data, b"salt", "xenforo_core")
    expected = _xf_bytes(data, b"hash", "xenforo_core")
    inner = func(pw).hexdigest().encode("ascii")
    return consteq(func(inner + salt).hexdigest(), expected)


def _xf_core12_hash(stored: str) -> str:
    value = _xf_bytes(_xf_data(stored, "xenforo_core12"), b"hash", "xenforo_core12")
    text = value.decode("ascii", "replace")
    if BCRYPT_RE.fullmatch(text) is None:
        raise CorruptHashError("xenforo_core12", "hash is not a bcrypt value of a supported cost")
    return text


def _check_xf_core12(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # XenForo_Authentication_Core12 / XF:Core12: password_verify(password, data['hash'])
    return bcrypt_check(c_bcrypt_secret(pw), _xf_core12_hash(stored))


def _grade_xf_core12(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
    return cost.bcrypt_cost(_xf_core12_hash(stored))


_XF_CORE_RE = re.compile(r'a:3:\{.*s:8:"hashFunc";.*\}', re.DOTALL)
_XF_CORE12_RE = re.compile(r'a:1:\{s:4:"hash";s:60:"\$2[aby]\$.{56}";\}', re.DOTALL)
XENFORO_CORE = Scheme("xenforo_core", Strength.WEAK, True, _check_xf_core, (), _XF_CORE_RE)
XENFORO_CORE12 = Scheme(
    "xenforo_core12", Strength.STRONG, False, _check_xf_core12, (), _XF_CORE12_RE, _grade_xf_core12
)


# ---------------------------------------------------------------- Invision

_IPB_ESCAPES = (
    ("&", "&amp;"),
    ("<!--", "&#60;&#33;--"),
    ("-->", "--&#62;"),
)
_IPB_SCRIPT = re.compile("<script", re.IGNORECASE | re.ASCII)  # str_ireplace: ASCII case folding only
_IPB_ESCAPES_AFTER = (
    (">", "&gt;"),
    ("<", "&lt;"),
    ('"', "&quot;"),
    ("\n", "<br />"),
    ("$", "&#036;"),
    ("!", "&#33;"),
    ("'", "&#39;"),
    ("\\", "&#092;"),
)


def ipb_legacy_escape(text: str) -> str:
    """IPS 4 ``Request::legacyEscape`` (IPB 3's escape-on-input), replacement by replacement, in order.

    ``str_ireplace("<script", …)`` is ASCII case-insensitive, like PHP's.
    """
    for old, new in _IPB_ESCAPES:
        text = text.replace(old, new)
    text = _IPB_SCRIPT.sub("&#60;script", text)
    for old, new in _IPB_ESCAPES_AFTER:
        text = text.replace(old, new)
    return text


def _check_ipb_md5(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # IPB 3 / IPS 4 legacy: md5(md5(salt) . md5(legacyEscape(password)))
    salt = text_field(fields, "salt", "invision_md5")
    escaped = ipb_legacy_escape(pw.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")
    return consteq(_md5_hex(_md5_hex(salt) + _md5_hex(escaped)), stored)


def _check_ips_bcrypt(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # IPS 4: crypt(password, '$2a$13$' . salt) === members_pass_hash (crypt: a C string, first 72 bytes)
    return bcrypt_check(c_bcrypt_secret(pw), stored)


INVISION_MD5 = Scheme("invision_md5", Strength.WEAK, True, _check_ipb_md5, (), _MD5_HEX)
INVISION_BCRYPT = Scheme(
    "invision_bcrypt", Strength.STRONG, False, _check_ips_bcrypt, _BCRYPT_PREFIXES, BCRYPT_RE, _grade_bcrypt
)


# ---------------------------------------------------------------- Discourse

DISCOURSE_LEGACY_ITERATIONS = 64_000
#: Discourse's current default is 600,000; 2,000,000 PBKDF2-SHA256 iterations take ~1 s here. Above: corrupt.
MAX_DISCOURSE_ITERATIONS = 2_000_000
DISCOURSE_MAX_PASSWORD_CHARS = 200
_DISCOURSE_ALGO = re.compile(r"\$pbkdf2-sha256\$i=(\d{1,10}),l=(\d{1,4})\$")
#: ActiveSupport ``String#blank?``: ``/\A[[:space:]]*\z/`` (Unicode White_Space)
_RUBY_BLANK = re.compile("[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*")


def _discourse_iterations(fields: Mapping[str, Any]) -> int:
    algorithm = fields.get("algorithm")
    if algorithm in (None, "", b""):
        return DISCOURSE_LEGACY_ITERATIONS
    text = algorithm.decode("ascii", "replace") if isinstance(algorithm, bytes) else str(algorithm)
    m = _DISCOURSE_ALGO.fullmatch(text)
    if m is None or int(m.group(2)) != 32:
        raise CorruptHashError("discourse_pbkdf2_sha256", "unsupported password_algorithm")
    iterations = int(m.group(1))
    if not 1 <= iterations <= MAX_DISCOURSE_ITERATIONS:
        raise CorruptHashError("discourse_pbkdf2_sha256", "iteration count out of range")
    return iterations


def _check_discourse(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # Discourse UserPassword#confirm_password?: Pbkdf2.hash_password(pw, salt_hex_text, i, "sha256") == hash
    iterations = _discourse_iterations(fields)
    salt = text_field(fields, "salt", "discourse_pbkdf2_sha256")
    text = pw.decode("utf-8", "surrogateescape")
    if len(text) > DISCOURSE_MAX_PASSWORD_CHARS or _RUBY_BLANK.fullmatch(text) or not salt.strip():
        return False  # Discourse raises (too long / blank): the sign-in fails
    return consteq(hashlib.pbkdf2_hmac("sha256", pw, salt, iterations, 32).hex(), stored)


def _grade_discourse(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
    return cost.pbkdf2_grade("sha256", _discourse_iterations(fields))


DISCOURSE_PBKDF2 = Scheme(
    "discourse_pbkdf2_sha256", Strength.ACCEPTABLE, True, _check_discourse, (), _SHA256_HEX, _grade_discourse
)

ALL = (
    VBULLETIN_MD5, VBULLETIN5_BLOWFISH, VBULLETIN5_LEGACY, MYBB_MD5, SMF_SHA1, SMF_BCRYPT, XENFORO_CORE,
    XENFORO_CORE12, INVISION_MD5, INVISION_BCRYPT, DISCOURSE_PBKDF2,
)

"""CMS formats (issue 15, part A): MediaWiki, Moodle and Ghost (the SHA-512 ``crypt()`` format Moodle 4.3+ writes
is ``sha512_crypt`` in :mod:`legacy_auth.hashing.crypt_schemes`, verified exactly as PHP's ``crypt()``).

**MediaWiki** (``includes/password/``: ``PasswordFactory``, ``ParameterizedPassword``, ``MWOldPassword``,
``MWSaltedPassword``, ``LayeredParameterizedPassword``, ``AbstractPbkdf2Password``, ``BcryptPassword``,
``Argon2Password``; default ``$wgPasswordConfig``): ``user_password`` is ``:<type>:<params and args>``.
``Password::verify`` re-hashes the password with the stored parameters and compares the serialisations with
``hash_equals``; ``user_password`` is a TINYBLOB and ``Password::toString`` refuses more than 255 bytes, so a
longer value is corrupt. Types (the factory's defaults):

- ``:A:<md5>`` = ``md5(pw)``; ``:A:<salt>:<md5>`` = ``md5(salt . '-' . md5(pw))`` (``$wgPasswordSalt``,
  default true; MediaWiki's own test accepts a type-B value under ``:A:``);
- ``:B:<salt>:<md5>`` = ``md5(salt . '-' . md5(pw))``;
- ``:pbkdf2:<algo>:<rounds>:<length>:<b64 salt>:<b64 hash>`` (``hash_pbkdf2``/``openssl_pbkdf2``; default
  sha512, 30000, 64);
- ``:pbkdf2-legacyA:`` / ``:pbkdf2-legacyB:`` (``LayeredParameterizedPassword``, ``!``-delimited): the A or B
  hash (hex text) is the *password* of the pbkdf2 layer (what ``wrapOldPasswords.php`` produces);
- ``:bcrypt:<rounds>$<salt22>$<hash31>`` = ``crypt(pw, sprintf('$2y$%02d$%s', rounds, salt))``;
- ``:argon2:<PHC string>`` = ``password_verify``.

Vectors include the constants of MediaWiki's own ``tests/phpunit/includes/password/*Test.php``.

**Moodle** (``lib/moodlelib.php`` ``validate_internal_user_password``, 3.x-4.x): a value matching
``/^[0-9a-f]{32}$/`` is the legacy md5, accepted when it equals ``md5(pw . $CFG->passwordsaltmain)``,
``md5(pw)``, ``md5(addslashes(pw) . saltmain)`` or ``md5(addslashes(pw))``, or one of
``$CFG->passwordsaltalt1..20`` in the same two forms; anything else goes to ``password_verify`` (bcrypt
before 4.3, SHA-512 ``crypt()`` ``$6$rounds=…`` from 4.3). The site salt is a context option (``site_salt``,
``alt_salts``): a secret, never logged. ``not cached`` (``AUTH_PASSWORD_NOT_CACHED``) never verifies.

**Ghost** (``@tryghost/security`` ``lib/password.js``; ``models/user.js`` ``isPasswordCorrect`` refuses an
empty password first): ``bcryptjs.compare(plain, hash)``. bcryptjs hashes the UTF-8 bytes of the JS string
*including* NUL bytes (it is not a C-string API, unlike PHP), first 72 bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping
from typing import Any

from legacy_auth.errors import CorruptHashError
from legacy_auth.hashing import cost
from legacy_auth.hashing.base import Scheme, Strength, consteq
from legacy_auth.hashing.bcrypt_schemes import BCRYPT_MAX_BYTES, BCRYPT_RE, bcrypt_check, c_bcrypt_secret
from legacy_auth.hashing.kdf_schemes import ARGON2_RE, argon2_check, grade_argon2

# ---------------------------------------------------------------- MediaWiki

#: MediaWiki accepts any ``hash_hmac_algos()`` name; these are the ones hashlib has everywhere
_MW_ALGOS = frozenset({"md5", "sha1", "sha224", "sha256", "sha384", "sha512"})
#: rounds x output blocks above this (~1 s of sha512 here) cannot finish inside Cognito's 5 s: corrupt
MAX_MW_PBKDF2_WORK = 2_000_000
MAX_MW_PBKDF2_LENGTH = 1024


def _md5_hex(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()  # noqa: S324 - legacy format, verification only


def _mw_salted(salt: str, pw: bytes) -> str:
    return _md5_hex(salt.encode("utf-8") + b"-" + _md5_hex(pw).encode("ascii"))


def _mw_old(pw: bytes, args: list[str]) -> str | None:
    """MWOldPassword::crypt: the hash for ``args`` (``None``: MediaWiki would rewrite the args: no match)."""
    if len(args) == 1:
        return _mw_salted(args[0], pw)
    return _md5_hex(pw) if not args else None


def _mw_pbkdf2(pw: bytes, algo: str, rounds_s: str, length_s: str, salt_b64: str, scheme: str) -> str:
    """AbstractPbkdf2Password::crypt: base64 of PBKDF2 (salt base64-decoded as PHP does)."""
    if algo not in _MW_ALGOS:
        raise CorruptHashError(scheme, "unsupported pbkdf2 algorithm")
    try:
        rounds, length = _php_int(rounds_s), _php_int(length_s)
        salt = base64.b64decode(salt_b64)  # PHP base64_decode (non-strict): skips invalid characters
    except (ValueError, binascii.Error):
        raise CorruptHashError(scheme, "bad pbkdf2 parameters") from None
    digest_size = hashlib.new(algo).digest_size
    blocks = -(-length // digest_size) if length > 0 else 0
    if rounds <= 0 or not 0 < length <= MAX_MW_PBKDF2_LENGTH or rounds * blocks > MAX_MW_PBKDF2_WORK:
        raise CorruptHashError(scheme, "pbkdf2 rounds or length out of range")
    return base64.b64encode(hashlib.pbkdf2_hmac(algo, pw, salt, rounds, length)).decode("ascii")


def _php_int(text: str) -> int:
    """``(int)"<digits>"`` for the plain decimal strings MediaWiki writes; anything else is refused."""
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        raise ValueError(text)
    return int(text)


#: ``user_password`` is a TINYBLOB and ``Password::toString`` throws ``PasswordError`` beyond 255 bytes
MW_MAX_HASH_SIZE = 255


def _mw_split(stored: str) -> tuple[str, str]:
    """``:<type>:<rest>`` -> (type, rest); a value MediaWiki could not have stored is corrupt."""
    if len(stored) > MW_MAX_HASH_SIZE:
        raise CorruptHashError("mediawiki_password", "longer than the 255-byte user_password column")
    end = stored.find(":", 1)
    return stored[1:end], stored[end + 1 :]


def _check_mw_old(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # :A:<hash> / :A:<salt>:<hash>
    *args, digest = _mw_split(stored)[1].split(":")
    expected = _mw_old(pw, args)
    return expected is not None and consteq(expected, digest)


def _check_mw_salted(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # :B:<salt>[:<extra>...]:<hash>, MWSaltedPassword::crypt uses args[0]
    *args, digest = _mw_split(stored)[1].split(":")
    return consteq(_mw_salted(args[0], pw), digest)


def _check_mw_pbkdf2(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # :pbkdf2:<algo>:<rounds>:<length>:<salt>[:<extra>...]:<hash>
    algo, rounds, length, salt, *_, digest = _mw_split(stored)[1].split(":")
    return consteq(_mw_pbkdf2(pw, algo, rounds, length, salt, "mediawiki_pbkdf2"), digest)


_MW_LAYERS = {"pbkdf2-legacyA": "A", "pbkdf2-legacyB": "B"}


def _check_mw_layered(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # LayeredParameterizedPassword, types [A|B, pbkdf2]: params!params!args!args!hash
    kind, rest = _mw_split(stored)
    first = _MW_LAYERS[kind]
    params0, params1, args0, args1, digest = rest.split("!")
    if params0 != "":  # A and B have no parameters
        raise CorruptHashError("mediawiki_pbkdf2_legacy", "unexpected first-layer parameters")
    inner_args = args0.split(":") if args0 != "" else []
    if first == "A":
        inner = _mw_old(pw, inner_args)
        if inner is None:
            return False
    else:
        if not inner_args:
            return False  # MWSaltedPassword would draw a new random salt: never matches
        inner = _mw_salted(inner_args[0], pw)
    algo, rounds, length = params1.split(":")
    salt = args1.split(":")[0]
    outer = _mw_pbkdf2(inner.encode("ascii"), algo, rounds, length, salt, "mediawiki_pbkdf2_legacy")
    return consteq(outer, digest)


def _mw_bcrypt_value(stored: str) -> str:
    rounds, salt, digest = _mw_split(stored)[1].split("$")
    value = "$2y$%02d$%s%s" % (_php_int(rounds), salt, digest)  # noqa: UP031 - PHP sprintf('%02d')
    if BCRYPT_RE.fullmatch(value) is None:
        raise CorruptHashError("mediawiki_bcrypt", "not a bcrypt value of a supported cost")
    return value


def _check_mw_bcrypt(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # :bcrypt:<rounds>$<salt22>$<hash31> = crypt(pw, '$2y$<rounds>$<salt>') (C string: NUL ends it, 72 bytes)
    return bcrypt_check(c_bcrypt_secret(pw), _mw_bcrypt_value(stored))


def _check_mw_argon2(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # Argon2Password: password_verify(pw, <PHC string after ":argon2:">)
    _mw_split(stored)  # the 255-byte limit
    return argon2_check(pw, stored[len(":argon2:") :], "mediawiki_argon2")


def _grade_mw_bcrypt(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
    return cost.bcrypt_cost(_mw_bcrypt_value(stored))


def _grade_mw_pbkdf2(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
    params = _mw_split(stored)[1]
    if stored.startswith(":pbkdf2-legacy"):
        params = params.split("!")[1]
    algo, rounds = params.split(":")[:2]
    prf = algo if algo in ("sha1", "sha256", "sha512") else "sha1"
    return cost.pbkdf2_grade(prf, _php_int(rounds), with_prf=True)


def _grade_mw_argon2(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
    return grade_argon2(stored[len(":argon2:") :], fields)


_MW_B64 = r"[A-Za-z0-9+/=]"
_MW_PBKDF2_BODY = rf"[a-z0-9]{{1,16}}:\d{{1,10}}:\d{{1,10}}:{_MW_B64}{{0,128}}(?::[^:!]{{0,64}})*:{_MW_B64}{{1,2048}}"
MEDIAWIKI_MD5 = Scheme(
    "mediawiki_md5", Strength.BROKEN, True, _check_mw_old, (":A:",), re.compile(r":A:(?:[^:]{0,64}:)?[0-9a-f]{32}")
)
MEDIAWIKI_SALTED_MD5 = Scheme(
    "mediawiki_salted_md5", Strength.WEAK, True, _check_mw_salted, (":B:",),
    re.compile(r":B:[^:]{0,64}(?::[^:]{0,64})*:[0-9a-f]{32}"),
)
MEDIAWIKI_PBKDF2 = Scheme(
    "mediawiki_pbkdf2", Strength.ACCEPTABLE, True, _check_mw_pbkdf2, (":pbkdf2:",),
    re.compile(rf":pbkdf2:{_MW_PBKDF2_BODY}"), _grade_mw_pbkdf2,
)
MEDIAWIKI_PBKDF2_LEGACY = Scheme(
    "mediawiki_pbkdf2_legacy", Strength.ACCEPTABLE, True, _check_mw_layered, (":pbkdf2-legacyA:", ":pbkdf2-legacyB:"),
    re.compile(
        rf":pbkdf2-legacy[AB]:!([a-z0-9]{{1,16}}:\d{{1,10}}:\d{{1,10}})![^:!]{{0,64}}(?::[^:!]{{0,64}})?"
        rf"!{_MW_B64}{{0,128}}!{_MW_B64}{{1,2048}}"
    ),
    _grade_mw_pbkdf2,
)
MEDIAWIKI_BCRYPT = Scheme(
    "mediawiki_bcrypt", Strength.STRONG, False, _check_mw_bcrypt, (":bcrypt:",),
    re.compile(r":bcrypt:\d{1,2}\$[./A-Za-z0-9]{22}\$[./A-Za-z0-9]{31}"), _grade_mw_bcrypt,
)
MEDIAWIKI_ARGON2 = Scheme(
    "mediawiki_argon2", Strength.STRONG, False, _check_mw_argon2, (":argon2:",),
    re.compile(":argon2:" + ARGON2_RE.pattern), _grade_mw_argon2,
)


# ---------------------------------------------------------------- Moodle

_ADDSLASHES = {ord("'"): "\\'", ord('"'): '\\"', ord("\\"): "\\\\", 0: "\\0"}
MOODLE_ALT_SALTS_MAX = 20


def php_addslashes(text: str) -> str:
    """PHP ``addslashes``: backslash before ``'``, ``"``, ``\\`` and NUL (which becomes ``\\0``)."""
    return text.translate(_ADDSLASHES)


def _salt_option(value: object) -> bytes:
    if value is None:
        return b""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    raise CorruptHashError("moodle_md5", "site salt option has the wrong type")


def _check_moodle_md5(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # moodlelib.php validate_internal_user_password, legacy branch (see the module docstring for the order)
    site = _salt_option(fields.get("site_salt"))
    alts = fields.get("alt_salts") or ()
    if isinstance(alts, str | bytes) or len(alts) > MOODLE_ALT_SALTS_MAX:
        raise CorruptHashError("moodle_md5", "alt_salts must be a sequence of at most 20 salts")
    slashed = php_addslashes(pw.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")
    candidates = [pw + site, pw, slashed + site, slashed]
    for alt in alts:
        salt = _salt_option(alt)
        if salt and salt != b"0":  # PHP `!empty($CFG->$alt)`
            candidates += [pw + salt, slashed + salt]
    ok = False
    for candidate in candidates:  # every candidate is computed: the timing does not say which one matched
        ok |= consteq(_md5_hex(candidate), stored)
    return ok


MOODLE_MD5 = Scheme("moodle_md5", Strength.WEAK, True, _check_moodle_md5, (), re.compile(r"[0-9a-f]{32}"))


# ---------------------------------------------------------------- SHA-512 crypt (Moodle 4.3+)

# ---------------------------------------------------------------- Ghost


def _check_ghost(pw: bytes, stored: str, fields: Mapping[str, Any]) -> bool:
    # isPasswordCorrect: empty password refused; bcryptjs.compare: UTF-8 bytes incl. NUL, first 72 bytes
    if not pw:
        return False
    return bcrypt_check(pw[:BCRYPT_MAX_BYTES], stored)


def _grade_bcrypt(stored: str, fields: Mapping[str, Any]) -> cost.Grade:
    return cost.bcrypt_cost(stored)


GHOST_BCRYPT = Scheme(
    "ghost_bcryptjs", Strength.STRONG, False, _check_ghost, ("$2a$", "$2b$", "$2y$"), BCRYPT_RE, _grade_bcrypt
)

ALL = (
    MEDIAWIKI_MD5, MEDIAWIKI_SALTED_MD5, MEDIAWIKI_PBKDF2, MEDIAWIKI_PBKDF2_LEGACY, MEDIAWIKI_BCRYPT,
    MEDIAWIKI_ARGON2, MOODLE_MD5, GHOST_BCRYPT,
)

"""Moodle 3.x-4.x: table ``user`` (``lib/db/install.xml``; default prefix ``mdl_``).

Sources: Moodle's repository is too large to bring here (1.3 GB); ``login/index.php`` was read from public copies
(``trim(core_text::strtolower($frm->username))``, the ``guest`` account only through the guest button,
``empty($user->confirmed)`` -> "mustconfirm"), the password check from ``lib/moodlelib.php`` as transcribed in
:mod:`legacy_auth.hashing.cms_schemes`; the ``user`` columns below are those of ``install.xml`` that the login and
these states use.

The columns read (install.xml, 3.x-4.x): ``id`` BIGINT(10) sequence, ``auth`` VARCHAR(20) default ``manual``,
``confirmed``/``deleted``/``suspended`` TINYINT(1) default 0, ``mnethostid`` BIGINT(10), ``username`` VARCHAR(100),
``password`` VARCHAR(255), ``firstname``/``lastname``/``email`` VARCHAR(100); UNIQUE (``mnethostid``,
``username``). Moodle's MySQL install uses ``utf8mb4_unicode_ci``.

Login rule (``login/index.php`` + ``authenticate_user_login`` in ``lib/moodlelib.php``): the typed username is
``trim(core_text::strtolower(...))`` and looked up with the site's ``mnethostid`` (``$CFG->mnet_localhost_id``,
option ``mnethostid``, default 1); usernames are stored lower-case (``PARAM_USERNAME``). With
``$CFG->authloginviaemail`` (option ``email_login``) an email-shaped login is also looked up by
``LOWER(email)``; Moodle takes it only when exactly one account has that address (our store refuses two).
The password is ``PARAM_RAW``: not trimmed.

Password (``validate_internal_user_password``; :mod:`legacy_auth.hashing.cms_schemes`): a 32-hex value is the
legacy md5 (``md5(pw . $CFG->passwordsaltmain)``, without salt, with ``addslashes``, or with
``$CFG->passwordsaltalt1..20``: options ``moodle_site_salt`` / ``moodle_alt_salts``, secrets); anything else
goes to ``password_verify`` (bcrypt before 4.3, SHA-512 ``crypt()`` ``$6$rounds=10000$`` from 4.3; PHP's
``password_verify`` falls back to ``crypt()``, so ``$1$``/``$5$`` rows verify too). ``not cached``
(``AUTH_PASSWORD_NOT_CACHED``, written for external auth plugins) never verifies.

Account states: ``deleted = 1`` DELETED; ``suspended = 1`` or ``auth = 'nologin'`` BLOCKED (``AUTH_LOGIN_SUSPENDED``);
``confirmed = 0`` UNCONFIRMED (the login page refuses unconfirmed accounts); ``auth`` other than ``manual`` /
``email`` (LDAP, OAuth 2, CAS, ...) or the ``not cached`` marker: the password is not Moodle's, SSO_ONLY; the
``guest`` account is SYSTEM. ``email_verified``: ``auth = 'email'`` and ``confirmed = 1`` (self-registration,
confirmed by the emailed link); admin-created accounts prove nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

from legacy_auth.apps.app import App, HashOption, Importability
from legacy_auth.errors import ConfigurationError, UnknownHashSchemeError
from legacy_auth.hashing import cms_schemes as cms
from legacy_auth.hashing import crypt_schemes as cr
from legacy_auth.hashing import transforms
from legacy_auth.hashing.base import Scheme
from legacy_auth.hashing.dispatch import php_password_verify
from legacy_auth.hashing.rules import AppRules
from legacy_auth.model import AccountState, LegacyUser
from legacy_auth.presets.base import Dialect
from legacy_auth.presets.sql import Column, Index, Lookup, looks_like_email, php_trim, quote
from legacy_auth.presets.table import OptionValue, TablePreset
from legacy_auth.presets.values import RowReader

NOT_CACHED = "not cached"  # AUTH_PASSWORD_NOT_CACHED
INTERNAL_AUTHS = frozenset({"manual", "email"})
_HEX = frozenset("0123456789abcdef")


class MoodlePreset(TablePreset):
    """Moodle ``user``."""

    name = "moodle"
    default_prefix = "mdl_"
    base_table = "user"
    primary_key = "id"
    mysql_collation = "utf8mb4_unicode_ci"
    columns = (
        Column("id", "bigint", null=False, auto=True),
        Column("auth", "varchar(20)", null=False, default="manual"),
        Column("confirmed", "tinyint", null=False, default=0),
        Column("policyagreed", "tinyint", null=False, default=0),
        Column("deleted", "tinyint", null=False, default=0),
        Column("suspended", "tinyint", null=False, default=0),
        Column("mnethostid", "bigint", null=False, default=0),
        Column("username", "varchar(100)", null=False, default=""),
        Column("password", "varchar(255)", null=False, default=""),
        Column("idnumber", "varchar(255)", null=False, default=""),
        Column("firstname", "varchar(100)", null=False, default=""),
        Column("lastname", "varchar(100)", null=False, default=""),
        Column("email", "varchar(100)", null=False, default=""),
        Column("emailstop", "tinyint", null=False, default=0),
        Column("lang", "varchar(30)", null=False, default="en"),
        Column("timezone", "varchar(100)", null=False, default="99"),
        Column("firstaccess", "bigint", null=False, default=0),
        Column("lastaccess", "bigint", null=False, default=0),
        Column("lastlogin", "bigint", null=False, default=0),
        Column("currentlogin", "bigint", null=False, default=0),
        Column("secret", "varchar(15)", null=False, default=""),
        Column("timecreated", "bigint", null=False, default=0),
        Column("timemodified", "bigint", null=False, default=0),
    )
    indexes = (
        Index("mnethostid_username", ("mnethostid", "username"), unique=True),
        Index("deleted", ("deleted",)),
        Index("confirmed", ("confirmed",)),
        Index("email", ("email",)),
        Index("auth", ("auth",)),
    )
    read_columns = ("id", "auth", "confirmed", "deleted", "suspended", "username", "password", "firstname",
                    "lastname", "email")
    OPTIONS: ClassVar[dict[str, tuple[type, OptionValue]]] = {
        "mnethostid": (int, 1),  # $CFG->mnet_localhost_id: only this site's own accounts
        "email_login": (bool, False),  # $CFG->authloginviaemail
    }

    def lookups(self, login: str) -> list[tuple[Lookup, str]]:
        value = php_trim(login)
        out = [(Lookup("username", 100, match="exact"), value.lower())]
        if self.opt_bool("email_login") and looks_like_email(value):
            out.append((Lookup("email", 100, match="lower"), value))
        return out

    def lower_index_columns(self) -> tuple[str, ...]:
        return ("email",)

    def filters(self, dialect: Dialect) -> tuple[list[str], tuple[Any, ...]]:
        return [f"{quote('mnethostid', dialect)} = %s"], (self.options["mnethostid"],)

    def read(self, row: RowReader) -> LegacyUser:
        auth = row.text("auth") or "manual"
        states: list[AccountState] = []
        if row.flag("deleted"):
            states.append(AccountState.DELETED)
        if row.flag("suspended") or auth == "nologin":
            states.append(AccountState.BLOCKED)
        confirmed = row.flag("confirmed")
        if not confirmed:
            states.append(AccountState.UNCONFIRMED)
        username = row.blank_is_none("username")
        if username == "guest":
            states.append(AccountState.SYSTEM)
        password = row.blank_is_none("password")
        if password == NOT_CACHED or auth not in (*INTERNAL_AUTHS, "nologin"):
            password = None  # the password lives in the external source, not in this row
        names = [n for n in (row.blank_is_none("firstname"), row.blank_is_none("lastname")) if n]
        return LegacyUser(
            legacy_id=row.required_text("id"),
            username=username,
            email=row.blank_is_none("email"),
            email_verified=confirmed and auth == "email",
            state=self.finish_state(states, password is not None),
            display_name=" ".join(names) or None,
            roles=(f"auth:{auth}",),
            password_hash=password,
        )


# ---------------------------------------------------------------- password check


def dispatch(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """``validate_internal_user_password``: ``password_is_legacy_hash`` (``/^[0-9a-f]{32}$/``) -> md5 forms,
    else ``password_verify`` (bcrypt, argon2i/argon2id, and the ``crypt()`` formats it falls back to)."""
    if len(stored) == 32 and set(stored) <= _HEX:
        return cms.MOODLE_MD5
    if stored.startswith("$6$"):
        return cr.SHA512_CRYPT
    if stored.startswith("$5$"):
        return cr.SHA256_CRYPT
    if stored.startswith("$1$"):
        return cr.MD5_CRYPT
    if stored.startswith("$"):
        return php_password_verify(stored, "moodle")
    raise UnknownHashSchemeError("moodle")


MAX_ALT_SALTS = cms.MOODLE_ALT_SALTS_MAX


def configure(rules: AppRules, options: Mapping[str, Any]) -> tuple[AppRules, Mapping[str, Any]]:
    """``moodle_site_salt`` -> the md5 scheme's ``site_salt``; ``moodle_alt_salts`` (a JSON array of at most 20
    strings: ``passwordsaltalt1..20`` in order) -> ``alt_salts``. Values are never shown in errors."""
    out: dict[str, Any] = {}
    if options.get("moodle_site_salt"):
        out["site_salt"] = options["moodle_site_salt"]
    raw = options.get("moodle_alt_salts")
    if raw:
        try:
            salts = json.loads(raw)
        except ValueError:
            salts = None
        if not isinstance(salts, list) or len(salts) > MAX_ALT_SALTS or not all(isinstance(s, str) for s in salts):
            raise ConfigurationError("LEGACY_MOODLE_ALT_SALTS",
                                     f"must be a JSON array of at most {MAX_ALT_SALTS} strings")
        out["alt_salts"] = tuple(salts)
    return rules, out


RULES = AppRules(
    transforms.raw, dispatch, None, (),
    "$6$rounds=10000$9DpnuPH4bGlIMIcj$lSk/30to46W2BH55BdfjWBZmmIoEEbf8z.xmM/1nWdAkohZkdcP9HbG8OQkWGt.IHUQAvMD1onTey55V"
    "TXnoF0",
)

APP = App(
    name="moodle", title="Moodle", preset=MoodlePreset, rules=RULES, login_columns=("username",),
    hash_options=(HashOption("moodle_site_salt", "LEGACY_MOODLE_SITE_SALT", str, secret=True),
                  HashOption("moodle_alt_salts", "LEGACY_MOODLE_ALT_SALTS", str, secret=True)),
    configure=configure,
    importability=Importability(
        candidates={"bcrypt": "BCRYPT", "argon2": "ARGON2ID"},
        refused={"moodle_md5": "md5 with the site-wide passwordsaltmain, not one of the four families",
                 "sha512_crypt": "SHA-512 crypt, not one of BCRYPT, SCRYPT, ARGON2ID, PBKDF2_SHA256"},
    ),
)

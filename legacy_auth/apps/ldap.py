"""LDAP directories (OpenLDAP, 389 Directory Server): an LDIF export loaded by ``legacy-auth load ldap``.

A directory is no SQL table, so the table below is this project's: :data:`load` (the app's loader) reads an LDIF
content file (RFC 2849: ``slapcat``, ``ldapsearch -LLL '(uid=*)' '*' '+'``, 389-ds ``db2ldif``) and the CLI writes
one row per person entry into ``ldap_users``, which the trigger reads.

**Entries**: those with a ``uid`` or a ``mail`` (people); others (organisational units, groups) are skipped.
Multi-valued attributes keep their first value: an entry signs in by its first ``uid`` or first ``mail``, and
an entry with several ``userPassword`` values keeps the first (a password matching only another value is
refused here: that user resets it). Values written ``::`` (base64, as ``slapcat`` writes ``userPassword``) are
decoded; ``:<`` URL values are refused.

**Login rule**: by ``uid`` first, then by ``mail`` for email-shaped input, both case-insensitive as the
directory compares them (RFC 4519 ``uid``: ``caseIgnoreMatch``; RFC 4524 ``mail``: ``caseIgnoreIA5Match``); the
input is used as typed. Two entries answering one login are refused, never guessed.

**Account states**, where the directory marks them (the export must include operational attributes: ``slapcat``
does, ``ldapsearch`` needs ``'+'``):

* ``pwdAccountLockedTime`` present (OpenLDAP ``ppolicy`` overlay, draft-behera-ldap-password-policy: the account
  is locked; whether it unlocks after ``pwdLockoutDuration`` depends on a policy the export does not carry, so
  any value is LOCKED);
* ``nsAccountLock: true`` (389 Directory Server: the account is inactivated) is BLOCKED;
* ``userAccountControl`` with the ``ACCOUNTDISABLE`` bit (0x2, Active Directory) is BLOCKED;
* no ``userPassword`` is SSO_ONLY; a ``userPassword`` without a ``{SCHEME}`` tag (a clear-text value) is not
  copied: it is stored as the bare tag ``{CLEARTEXT}``, which no scheme reads (refused, the user resets).

``email_verified`` is never set (a directory records no verification; ``LEGACY_TRUST_EMAILS`` applies).

**Password check**: the ``userPassword`` value as ``slapd`` checks it on a simple bind
(:mod:`legacy_auth.hashing.ldap_schemes`): ``{SSHA}``, ``{SHA}``, ``{SMD5}``, ``{MD5}``, ``{SSHA256}``/``{SHA256}``,
``{SSHA384}``/``{SHA384}``, ``{SSHA512}``/``{SHA512}``, ``{CRYPT}`` (``$1$``, ``$5$``, ``$6$``, bcrypt, DES),
``{PBKDF2}``/``{PBKDF2-SHA1}``/``{PBKDF2-SHA256}``/``{PBKDF2-SHA512}`` and ``{ARGON2}``; the tag is matched
case-insensitively. ``LEGACY_LDAP_SERVER=389ds`` reads the ``{PBKDF2*}`` tags as 389-ds's ``pwdchan`` plugin does
(24-byte salts, either base64 alphabet) and its older ``{PBKDF2_SHA256}``. An empty password is refused before
any check: a simple bind with an empty password is an unauthenticated bind, never the user's (RFC 4513 5.1.2).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from functools import partial
from typing import IO, Any, ClassVar

from legacy_auth.apps.app import App, HashOption, Importability
from legacy_auth.errors import UnknownHashSchemeError
from legacy_auth.hashing import ldap_schemes as ls
from legacy_auth.hashing import transforms
from legacy_auth.hashing.base import Scheme
from legacy_auth.hashing.rules import AppRules
from legacy_auth.model import AccountState, LegacyUser
from legacy_auth.presets.loading import ExportFileError, Row, ldif_entries
from legacy_auth.presets.sql import Column, Index, Lookup, looks_like_email
from legacy_auth.presets.table import OptionValue, TablePreset
from legacy_auth.presets.values import RowReader

MAX_DN = 512
MAX_LOGIN = 255
CLEARTEXT = "{CLEARTEXT}"


class LdapPreset(TablePreset):
    """``ldap_users``, written by ``legacy-auth load ldap``."""

    name = "ldap"
    default_prefix = ""
    base_table = "ldap_users"
    primary_key = "dn"
    columns = (
        Column("dn", "varchar(512)", null=False, collation="utf8mb4_bin"),
        Column("uid", "varchar(255)"),
        Column("mail", "varchar(255)"),
        Column("display_name", "text"),
        Column("user_password", "text"),
        Column("pwd_account_locked_time", "varchar(32)"),
        Column("disabled", "bool", null=False, default=False),
    )
    indexes = (Index("uid", ("uid",)), Index("mail", ("mail",)))
    read_columns = ("dn", "uid", "mail", "display_name", "user_password", "pwd_account_locked_time", "disabled")
    OPTIONS: ClassVar[dict[str, tuple[type, OptionValue]]] = {
        "ldap_server": (str, None),  # read by the hashing context; accepted and ignored here
    }

    def lower_index_columns(self) -> tuple[str, ...]:
        return ("uid", "mail")

    def lookups(self, login: str) -> list[tuple[Lookup, str]]:
        out = [(Lookup("uid", MAX_LOGIN), login)]
        if looks_like_email(login):
            out.append((Lookup("mail", MAX_LOGIN), login))
        return out

    def read(self, row: RowReader) -> LegacyUser:
        states = []
        if row.is_set("pwd_account_locked_time"):
            states.append(AccountState.LOCKED)
        if row.flag("disabled"):
            states.append(AccountState.BLOCKED)
        password = row.blank_is_none("user_password")
        return LegacyUser(
            legacy_id=row.required_text("dn"),
            username=row.blank_is_none("uid"),
            email=row.blank_is_none("mail"),
            email_verified=False,
            state=self.finish_state(states, password is not None),
            display_name=row.blank_is_none("display_name"),
            password_hash=password,
        )


# ---------------------------------------------------------------- loading the LDIF export

WANTED = frozenset({"uid", "mail", "cn", "displayname", "userpassword", "pwdaccountlockedtime", "nsaccountlock",
                    "useraccountcontrol"})
_TAG = re.compile(r"\{[A-Za-z0-9_.-]{1,32}\}")


def _first_text(attrs: Mapping[str, list[bytes]], name: str, limit: int, where: str) -> str | None:
    values = attrs.get(name)
    if not values:
        return None
    try:
        text = values[0].decode("utf-8")
    except UnicodeDecodeError:
        raise ExportFileError(where, f"{name} is not UTF-8") from None
    if len(text) > limit or "\x00" in text:
        raise ExportFileError(where, f"{name} is longer than {limit} characters or holds NUL")
    return text or None


def _password(attrs: Mapping[str, list[bytes]], where: str) -> str | None:
    values = attrs.get("userpassword")
    if not values:
        return None
    try:
        text = values[0].decode("ascii")
    except UnicodeDecodeError:
        return CLEARTEXT  # not a scheme value: never copied
    if not _TAG.match(text):
        return CLEARTEXT
    if len(text) > 4096:
        raise ExportFileError(where, "userPassword is longer than 4,096 characters")
    return text


def _disabled(attrs: Mapping[str, list[bytes]], where: str) -> bool:
    lock = _first_text(attrs, "nsaccountlock", 16, where)
    control = _first_text(attrs, "useraccountcontrol", 16, where)
    if control is not None and not control.isdigit():
        raise ExportFileError(where, "userAccountControl is not a number")
    return (lock is not None and lock.lower() == "true") or (control is not None and int(control) & 0x2 != 0)


def load(stream: IO[str]) -> Iterator[Row]:
    """The person entries of an LDIF export as rows of ``ldap_users``; :class:`ExportFileError` at the first
    unreadable entry (its line, never its content)."""
    for line, dn, attrs in ldif_entries(stream, WANTED):
        where = f"line {line}"
        if "uid" not in attrs and "mail" not in attrs:
            continue
        if len(dn) > MAX_DN or "\x00" in dn:
            raise ExportFileError(where, f"dn is longer than {MAX_DN} characters or holds NUL")
        yield {
            "dn": dn,
            "uid": _first_text(attrs, "uid", MAX_LOGIN, where),
            "mail": _first_text(attrs, "mail", MAX_LOGIN, where),
            "display_name": _first_text(attrs, "displayname", 65_535, where) or _first_text(attrs, "cn", 65_535,
                                                                                              where),
            "user_password": _password(attrs, where),
            "pwd_account_locked_time": _first_text(attrs, "pwdaccountlockedtime", 32, where),
            "disabled": _disabled(attrs, where),
        }


# ---------------------------------------------------------------- password check

#: ``LEGACY_LDAP_SERVER=389ds``: the tags 389 Directory Server reads differently from OpenLDAP
DS389_TAGS: dict[str, Scheme] = {
    "{PBKDF2}": ls.DS389_PBKDF2[0], "{PBKDF2-SHA1}": ls.DS389_PBKDF2[0], "{PBKDF2-SHA256}": ls.DS389_PBKDF2[1],
    "{PBKDF2-SHA512}": ls.DS389_PBKDF2[2], "{PBKDF2_SHA256}": ls.DS389_LEGACY,
}


def dispatch(stored: str, fields: Mapping[str, Any], tags: Mapping[str, Scheme] = ls.BY_TAG) -> Scheme:
    """``lutil_passwd``: the ``{TAG}`` prefix, case-insensitive, names the scheme."""
    match = _TAG.match(stored)
    scheme = tags.get(match.group(0).upper()) if match else None
    if scheme is None:
        raise UnknownHashSchemeError("ldap")
    return scheme


def configure(rules: AppRules, options: Mapping[str, Any]) -> tuple[AppRules, Mapping[str, Any]]:
    """``ldap_server``: ``389ds`` reads the ``{PBKDF2*}`` tags as 389-ds does."""
    if options.get("ldap_server") == "389ds":
        return replace(rules, dispatch=partial(dispatch, tags={**ls.BY_TAG, **DS389_TAGS})), {}
    return rules, {}


# slappasswd -o module-load=argon2 -h {ARGON2} (OpenLDAP 2.5, Debian: libargon2, argon2i m=4096 t=3 p=1, as the
# ldap-generated.jsonl vector shows) of a throw-away secret
DUMMY_HASH = "{ARGON2}$argon2i$v=19$m=4096,t=3,p=1$GTmkCbvzHKkt0vZ4ioo4Ag$axI6kFcsAUziN1LRhBVHi8HtCWk+HJof8CyIw92RaBc"
RULES = AppRules(transforms.raw, dispatch, None, ("",), DUMMY_HASH)

APP = App(
    name="ldap", title="LDAP directory (LDIF export)", preset=LdapPreset, rules=RULES, login_columns=("uid",),
    hash_options=(HashOption("ldap_server", "LEGACY_LDAP_SERVER", str, choices=("openldap", "389ds")),),
    configure=configure, loader=load,
    importability=Importability(refused={
        "ldap_argon2": "{ARGON2} values are argon2i/argon2d as often as argon2id, behind an LDAP tag",
        "ldap_pbkdf2_sha256": "PBKDF2 in passlib's adapted base64 behind an LDAP tag, not Cognito's format",
        "ldap_crypt": "{CRYPT} is crypt(3) of any format ($1$, $5$, $6$, DES, bcrypt) behind an LDAP tag",
    }),
)

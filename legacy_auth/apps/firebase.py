"""Firebase Authentication: users exported by ``firebase auth:export`` and loaded by ``legacy-auth load firebase``.

Firebase keeps no SQL table, so the table below is this project's: :data:`load` (the app's :data:`Loader`) reads
the export and the CLI writes one row per user into ``firebase_users``, which the trigger reads.

**The export** (firebase-tools 15.28.1, ``src/accountExporter.ts`` and ``src/commands/auth-export.ts``):

* JSON: ``{"users": [ {...}, ... ]}``; a user has ``localId``, ``email``, ``emailVerified``, ``passwordHash``,
  ``salt``, ``displayName``, ``photoUrl``, ``lastSignedInAt``, ``createdAt`` (milliseconds, as text),
  ``phoneNumber``, ``disabled``, ``customAttributes``, ``mfaInfo`` and ``providerUserInfo`` (federated
  providers only: ``google.com``, ``facebook.com``, ``twitter.com``, ``github.com``, ``apple.com``,
  ``microsoft.com``, ``gc.apple.com``, ``playgames.google.com``, ``linkedin.com``, ``yahoo.com``).
* CSV, no header, one user a line: 0 UID, 1 email, 2 email verified (``true``/``false``), 3 password hash,
  4 salt, 5 display name, 6 photo URL, four columns per provider from 7 (Google 7, Facebook 11, Twitter 15,
  GitHub 19, Apple 28, Microsoft 32, Game Center 36, Play Games 40, LinkedIn 44, Yahoo 48: the provider's
  ``rawId`` first), 23 created at, 24 last sign-in, 25 phone number, 26 disabled, 27 custom claims, and a
  trailing comma. The line's length tells the layout: 28 fields (firebase-tools 2020-2022, ``disabled`` added
  in a3a68df), 29 (2022 TypeScript rewrite, custom claims), 53 (all providers, v15.19+); any other count is
  refused, because a display name with a comma or quote that an older firebase-tools did not escape (fixed in
  7878e57, v15.19) shifts the later columns, ``disabled`` among them. A 27-field line (before 2020) has no
  ``disabled`` column: refused too (a disabled user would look active); export JSON or with a current
  firebase-tools.
* ``passwordHash``/``salt`` are converted to standard base64; a user whose hash is not the project's default
  scrypt (``version != 0``, e.g. imported with another algorithm and never signed in since) is exported without
  hash and salt, as is a user without a password (federated or phone only).

**Login rule**: Firebase's email/password sign-in is by email, lower-cased and otherwise as typed (no trim): the
Auth emulator, Google's own implementation of the Identity Toolkit API in firebase-tools
(``src/emulator/auth/operations.ts`` ``signInWithPassword``, ``utils.ts`` ``canonicalizeEmailAddress``:
``email.toLowerCase()``), canonicalises the email on sign-up and on sign-in. The loader stores emails lower-cased
the same way and the lookup compares the lower-cased input exactly. Several accounts per email (the project
setting "Create multiple accounts for each identity provider") make the lookup ambiguous: refused, never guessed.
An empty password is refused before any check (``MISSING_PASSWORD``).

**Account states**: ``disabled`` (an administrator disabled the account: Firebase answers ``user-disabled``)
is BLOCKED; a user without a password hash (federated providers, phone) is SSO_ONLY. ``email_verified`` is the
export's ``emailVerified``.

**Password check**: Firebase's modified scrypt (:data:`~legacy_auth.hashing.identity_schemes.FIREBASE_SCRYPT`):
``AES-256-CTR(scrypt(password, salt + salt_separator, 2^mem_cost, rounds, 1, 32), iv=0)(signer_key)``; the
project's parameters (Firebase console, Authentication > Users > "Password hash parameters") are the options
``LEGACY_FIREBASE_SIGNER_KEY`` and ``LEGACY_FIREBASE_SALT_SEPARATOR`` (secrets: never logged, never shown in an
error), ``LEGACY_FIREBASE_ROUNDS`` (1-8) and ``LEGACY_FIREBASE_MEM_COST`` (1-14), all required. The password is
used as typed (no trim, no length limit: npm ``firebase-scrypt`` verifies a 5,000-byte password).
"""

from __future__ import annotations

import base64
import binascii
import csv
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import IO, Any, ClassVar

from legacy_auth.apps.app import App, HashOption, Importability
from legacy_auth.errors import ConfigurationError, CorruptHashError, UnknownHashSchemeError
from legacy_auth.hashing import identity_schemes as ids
from legacy_auth.hashing import transforms
from legacy_auth.hashing.base import Scheme
from legacy_auth.hashing.rules import AppRules
from legacy_auth.model import AccountState, LegacyUser
from legacy_auth.presets.loading import ExportFileError, Row, TextSource, json_array_items
from legacy_auth.presets.sql import Column, Index, Lookup
from legacy_auth.presets.table import OptionValue, TablePreset
from legacy_auth.presets.values import RowReader

MAX_UID = 128  # Firebase uids are at most 128 characters (Admin SDK ``validateUid``)
MAX_EMAIL = 255
MAX_HASH = 1024


class FirebasePreset(TablePreset):
    """``firebase_users``, written by ``legacy-auth load firebase``."""

    name = "firebase"
    default_prefix = ""
    base_table = "firebase_users"
    primary_key = "local_id"
    columns = (
        Column("local_id", "varchar(128)", null=False, collation="utf8mb4_bin"),
        Column("email", "varchar(255)"),
        Column("email_verified", "bool", null=False, default=False),
        Column("password_hash", "varchar(1024)"),
        Column("salt", "varchar(255)"),
        Column("display_name", "text"),
        Column("phone_number", "varchar(32)"),
        Column("disabled", "bool", null=False, default=False),
        Column("providers", "text"),
        Column("created_at", "bigint"),
        Column("last_signed_in_at", "bigint"),
    )
    indexes = (Index("email", ("email",)),)
    read_columns = ("local_id", "email", "email_verified", "password_hash", "salt", "display_name",
                    "phone_number", "disabled", "providers")
    OPTIONS: ClassVar[dict[str, tuple[type, OptionValue]]] = {}

    def lookups(self, login: str) -> list[tuple[Lookup, str]]:
        return [(Lookup("email", MAX_EMAIL, match="exact"), login.lower())]

    def read(self, row: RowReader) -> LegacyUser:
        states = [AccountState.BLOCKED] if row.flag("disabled") else []
        password = row.blank_is_none("password_hash")
        providers = row.blank_is_none("providers")
        return LegacyUser(
            legacy_id=row.required_text("local_id"),
            username=None,
            email=row.blank_is_none("email"),
            email_verified=row.flag("email_verified"),
            state=self.finish_state(states, password is not None),
            display_name=row.blank_is_none("display_name"),
            phone_number=row.blank_is_none("phone_number"),
            roles=tuple(f"provider:{p}" for p in providers.split(",")) if providers else (),
            password_hash=password,
            hash_fields={"salt": row.text("salt") or ""} if password is not None else {},
        )


# ---------------------------------------------------------------- loading the export

#: CSV column of each provider's ``rawId`` (``PROVIDER_ID_INDEX_MAP``)
CSV_PROVIDERS = {"google.com": 7, "facebook.com": 11, "twitter.com": 15, "github.com": 19, "apple.com": 28,
                 "microsoft.com": 32, "gc.apple.com": 36, "playgames.google.com": 40, "linkedin.com": 44,
                 "yahoo.com": 48}
#: fields of a CSV line (its trailing comma included) in each layout firebase-tools has written with ``disabled``
CSV_LAYOUTS = frozenset({28, 29, 53})
_B64 = re.compile(r"[A-Za-z0-9+/_-]*={0,2}")
_MILLIS = re.compile(r"\d{1,16}")


def _text(value: object, what: str, limit: int, where: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ExportFileError(where, f"{what} is not text")
    if len(value) > limit or "\x00" in value:
        raise ExportFileError(where, f"{what} is longer than {limit} characters or holds NUL")
    return value


def _lower(email: str | None) -> str | None:
    return email.lower() if email is not None else None  # canonicalizeEmailAddress


def _flag(value: object, what: str, where: str) -> bool:
    if value is None or value == "" or value is False or value == "false":
        return False
    if value is True or value == "true":
        return True
    raise ExportFileError(where, f"{what} is not true or false")


def _b64(value: object, what: str, where: str) -> str | None:
    text = _text(value, what, MAX_HASH, where)
    if text is not None and not _B64.fullmatch(text):
        raise ExportFileError(where, f"{what} is not base64")
    return text


def _millis(value: object, what: str, where: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and _MILLIS.fullmatch(value):
        return int(value)
    raise ExportFileError(where, f"{what} is not a time in milliseconds")


def _row(where: str, uid: object, email: object, verified: object, password_hash: object, salt: object,
         name: object, phone: object, disabled: object, providers: list[str], created: object,
         last: object) -> Row:
    local_id = _text(uid, "localId", MAX_UID, where)
    if local_id is None:
        raise ExportFileError(where, "localId is missing")
    stored = _b64(password_hash, "passwordHash", where)
    return {
        "local_id": local_id,
        "email": _lower(_text(email, "email", MAX_EMAIL, where)),
        "email_verified": _flag(verified, "emailVerified", where),
        "password_hash": stored,
        "salt": _b64(salt, "salt", where) if stored is not None else None,
        "display_name": _text(name, "displayName", 65_535, where),
        "phone_number": _text(phone, "phoneNumber", 32, where),
        "disabled": _flag(disabled, "disabled", where),
        "providers": ",".join(providers) or None,
        "created_at": _millis(created, "createdAt", where),
        "last_signed_in_at": _millis(last, "lastSignedInAt", where),
    }


def _json_users(stream: TextSource) -> Iterator[Row]:
    for line, user in json_array_items(stream, "users"):
        where = f"line {line}"
        if not isinstance(user, dict):
            raise ExportFileError(where, "a user is not a JSON object")
        infos = user.get("providerUserInfo") or []
        if not isinstance(infos, list) or not all(isinstance(i, dict) for i in infos):
            raise ExportFileError(where, "providerUserInfo is not a list of objects")
        providers = [p for p in (i.get("providerId") for i in infos) if isinstance(p, str) and p in CSV_PROVIDERS]
        yield _row(where, user.get("localId"), user.get("email"), user.get("emailVerified"),
                   user.get("passwordHash"), user.get("salt"), user.get("displayName"), user.get("phoneNumber"),
                   user.get("disabled"), providers, user.get("createdAt"), user.get("lastSignedInAt"))


def _csv_users(stream: TextSource) -> Iterator[Row]:
    reader = csv.reader(stream, strict=True)
    while True:
        where = f"line {reader.line_num + 1}"
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise ExportFileError(where, "not a CSV line of firebase auth:export") from None
        if not fields or fields == [""]:
            continue
        if len(fields) not in CSV_LAYOUTS or fields[-1] != "":
            raise ExportFileError(where, f"{len(fields)} fields: not a line of a firebase auth:export layout with "
                                         "the disabled column (an unescaped comma in a display name?); export JSON")
        providers = [p for p, i in CSV_PROVIDERS.items() if i < len(fields) - 1 and fields[i]]
        yield _row(where, fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], fields[25], fields[26],
                   providers, fields[23], fields[24])


def load(stream: IO[str]) -> Iterator[Row]:
    """The users of a ``firebase auth:export`` file, JSON or CSV (told apart by the first non-blank character:
    ``{`` is JSON), as rows of ``firebase_users``; :class:`ExportFileError` at the first unreadable user."""
    first = ""
    while first == "" or first.isspace():
        char = stream.read(1)
        if not char:
            return
        if not char.isspace():
            first = char
            break
    rest = _Prepend(first, stream)
    yield from (_json_users(rest) if first == "{" else _csv_users(rest))


class _Prepend:
    """``stream`` with ``head`` put back in front (the character read to tell JSON from CSV)."""

    def __init__(self, head: str, stream: IO[str]) -> None:
        self.head = head
        self.stream = stream

    def read(self, size: int = -1) -> str:
        head, self.head = self.head, ""
        return head + self.stream.read(size if size < 0 else max(0, size - len(head)))

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        head, self.head = self.head, ""
        line = self.stream.readline()
        if not head and not line:
            raise StopIteration
        return head + line


# ---------------------------------------------------------------- password check


def dispatch(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """Every Firebase password hash of the export is the project's modified scrypt (others are not exported)."""
    if ids.FIREBASE_SCRYPT.pattern is not None and ids.FIREBASE_SCRYPT.pattern.fullmatch(stored):
        return ids.FIREBASE_SCRYPT
    raise UnknownHashSchemeError("firebase")


#: option key -> the field name the scheme reads
SCHEME_FIELDS = {"firebase_signer_key": "signer_key", "firebase_salt_separator": "salt_separator",
                 "firebase_rounds": "rounds", "firebase_mem_cost": "mem_cost"}
OPTIONS = (
    HashOption("firebase_signer_key", "LEGACY_FIREBASE_SIGNER_KEY", str, secret=True),
    HashOption("firebase_salt_separator", "LEGACY_FIREBASE_SALT_SEPARATOR", str, secret=True),
    HashOption("firebase_rounds", "LEGACY_FIREBASE_ROUNDS", int, minimum=1, maximum=8),
    HashOption("firebase_mem_cost", "LEGACY_FIREBASE_MEM_COST", int, minimum=1, maximum=14),
)
#: the dummy hash's salt: the dummy verification runs with the scheme options only (no row), so they carry one;
#: every real row brings its own ``salt`` field, which replaces it
DUMMY_SALT = "ZHVtbXktc2FsdA=="


def _base64_secret(option: HashOption, value: object) -> str:
    text = value.decode("ascii", "replace") if isinstance(value, bytes) else str(value)
    text = text.strip()
    try:
        raw = base64.b64decode(text.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        raise ConfigurationError(option.env, "must be base64 (as the Firebase console shows it)") from None
    if not raw:
        raise ConfigurationError(option.env, "must not be empty")
    return text


def unconfigured(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """The dispatch while the project's parameters are unset: the dummy hash only (dispatched without row fields;
    a row always brings its ``salt``), every real hash is refused, even one equal to the dummy's text."""
    if stored == DUMMY_HASH and not fields:
        return ids.FIREBASE_SCRYPT
    dispatch(stored, fields)  # an unknown value stays unknown
    raise CorruptHashError(ids.FIREBASE, "the project's hash parameters are not set (LEGACY_FIREBASE_SIGNER_KEY, "
                                         "LEGACY_FIREBASE_SALT_SEPARATOR, LEGACY_FIREBASE_ROUNDS, "
                                         "LEGACY_FIREBASE_MEM_COST)")


def configure(rules: AppRules, options: Mapping[str, Any]) -> tuple[AppRules, Mapping[str, Any]]:
    """The project's hash parameters as the fields the scheme reads; all four are needed to check a password.

    Partly set is a configuration error naming the first missing variable. Unset altogether (a context built
    for tooling: a scan's scheme census, tests), the dummy runs at Firebase's usual cost (rounds 8, mem_cost 14,
    the firebase/scrypt README's example parameters) with a throw-away key, and every real hash fails closed
    (:func:`unconfigured`).
    """
    missing = [o.env for o in OPTIONS if options.get(o.key) is None]
    if len(missing) == len(OPTIONS):
        throwaway = {"signer_key": DUMMY_SALT, "salt_separator": "Bw==", "rounds": 8, "mem_cost": 14}
        return replace(rules, dispatch=unconfigured), {**throwaway, "salt": DUMMY_SALT}
    if missing:
        raise ConfigurationError(missing[0], "required with the other LEGACY_FIREBASE_* parameters (Firebase "
                                             "console: Authentication > Users > Password hash parameters)")
    fields: dict[str, Any] = {"salt": DUMMY_SALT}
    for option in OPTIONS:
        value = options[option.key]
        fields[SCHEME_FIELDS[option.key]] = _base64_secret(option, value) if option.secret else value
    return rules, fields


# a firebase_scrypt value of the README example project (a hash of a throw-away password): the dummy's cost comes
# from the configured rounds and mem_cost
DUMMY_HASH = "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ=="
RULES = AppRules(transforms.raw, dispatch, None, ("",), DUMMY_HASH)

APP = App(
    name="firebase", title="Firebase Authentication (auth:export)", preset=FirebasePreset, rules=RULES,
    login_columns=(), hash_options=OPTIONS, configure=configure, loader=load,
    importability=Importability(refused={
        ids.FIREBASE: "modified scrypt: the stored value is the project's signer key encrypted under a key scrypt "
                      "derives from password + salt + separator, not an scrypt hash of the password"}),
)

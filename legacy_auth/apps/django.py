"""Django: table ``auth_user`` (``django.contrib.auth`` initial migration + 0008/0012 sizes).

Login rule (``ModelBackend.authenticate`` -> ``get_by_natural_key``): by ``username`` (USERNAME_FIELD), NFKC
normalised as ``UsernameField`` does. On MySQL the collation makes it case-insensitive, as Django is there;
on PostgreSQL/SQLite we also match case-insensitively (``lower()``), so two rows differing only in case are
ambiguous and refused rather than picked. The ``email_login`` option adds an ``email`` lookup
(allauth-style sites). ``is_active = false`` is INACTIVE; unusable passwords (``!...``, from
``set_unusable_password`` for social-only accounts) and empty ones are SSO_ONLY.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any, ClassVar

from legacy_auth.apps.app import App, Importability
from legacy_auth.errors import UnknownHashSchemeError
from legacy_auth.hashing import django_schemes as dj
from legacy_auth.hashing import transforms
from legacy_auth.hashing.base import Scheme
from legacy_auth.hashing.rules import AppRules
from legacy_auth.model import AccountState, LegacyUser
from legacy_auth.presets.sql import Column, Index, Lookup, looks_like_email
from legacy_auth.presets.table import OptionValue, TablePreset
from legacy_auth.presets.values import RowReader

UNUSABLE_PASSWORD_PREFIX = "!"  # noqa: S105 - django.contrib.auth.hashers marker, not a secret


class DjangoPreset(TablePreset):
    """Django ``auth_user``."""

    name = "django"
    default_prefix = ""
    base_table = "auth_user"
    primary_key = "id"
    columns = (
        Column("id", "int", null=False, auto=True),
        Column("password", "varchar(128)", null=False),
        Column("last_login", "datetime(6)"),
        Column("is_superuser", "bool", null=False),
        Column("username", "varchar(150)", null=False),
        Column("first_name", "varchar(150)", null=False),
        Column("last_name", "varchar(150)", null=False),
        Column("email", "varchar(254)", null=False),
        Column("is_staff", "bool", null=False),
        Column("is_active", "bool", null=False),
        Column("date_joined", "datetime(6)", null=False),
    )
    indexes = (Index("username", ("username",), unique=True),)
    read_columns = (
        "id", "username", "password", "email", "first_name", "last_name", "is_staff", "is_superuser", "is_active",
    )
    OPTIONS: ClassVar[dict[str, tuple[type, OptionValue]]] = {
        "email_login": (bool, False),  # also look up `email` for email-shaped input (not Django core)
    }

    def lookups(self, login: str) -> list[tuple[Lookup, str]]:
        out = [(Lookup("username", 150), unicodedata.normalize("NFKC", login))]
        value = login.strip()
        if self.opt_bool("email_login") and looks_like_email(value):
            out.append((Lookup("email", 254), value))
        return out

    def lower_index_columns(self) -> tuple[str, ...]:
        return ("username", "email")

    def read(self, row: RowReader) -> LegacyUser:
        states = [] if row.flag("is_active", default=True) else [AccountState.INACTIVE]
        password = row.blank_is_none("password")
        if password is not None and password.startswith(UNUSABLE_PASSWORD_PREFIX):
            password = None
        roles = [r for r, col in (("staff", "is_staff"), ("superuser", "is_superuser")) if row.flag(col)]
        names = [n for n in (row.blank_is_none("first_name"), row.blank_is_none("last_name")) if n]
        return LegacyUser(
            legacy_id=row.required_text("id"),
            username=row.blank_is_none("username"),
            email=row.blank_is_none("email"),
            email_verified=False,
            state=self.finish_state(states, password is not None),
            display_name=" ".join(names) or None,
            roles=tuple(roles),
            password_hash=password,
        )


# ---------------------------------------------------------------- password check


def dispatch(stored: str, fields: Mapping[str, Any]) -> Scheme:
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


RULES = AppRules(transforms.raw, dispatch, None, (),
                 "pbkdf2_sha256$1000000$z4Jzbif7bdsm$aD5dmbakWmdSKOB1+WOHjyy5ikq6q/EcietDH+7/8S8=")

APP = App(
    name="django", title="Django", preset=DjangoPreset, rules=RULES, login_columns=("username",),
    importability=Importability(
        candidates={"django_pbkdf2_sha256": "PBKDF2_SHA256", "django_argon2": "ARGON2ID", "django_scrypt": "SCRYPT"},
        refused={"django_bcrypt_sha256": "bcrypt over hex(sha256(password)), a pre-hash",
                 "django_bcrypt": "Python bcrypt<5 hashes NUL bytes, unlike C bcrypt; Cognito's rule is unknown"},
    ),
)

"""A q2a legacy database with realistic hashes, and real-shaped trigger events for the scenarios.

Hashes are what question2answer 1.8 itself stores: old accounts keep ``passsalt`` + ``passcheck``
(``sha1(salt[0:8] + password + salt[8:16])``, raw 20 bytes), accounts created or re-saved since 1.7 have
``passhash = password_hash(password)`` (bcrypt ``$2y$`` cost 10). Passwords are generated per run and
never printed.
"""

from __future__ import annotations

import hashlib
import secrets
import string
import uuid
from dataclasses import dataclass
from typing import Any

import bcrypt

from tests.reliability.secrets_check import remember
from tests.support.legacy_db import create_schema, insert_users

APP = "q2a"
POOL_ID = "eu-west-1_Reliab1ty"
CLIENT_ID = "2abcdefghijklmnopqrstuvw12"
_ALNUM = string.ascii_lowercase + string.digits


@dataclass(frozen=True, slots=True)
class LegacyAccount:
    """One seeded legacy user (the password is kept only in memory to drive the sign-ins)."""

    userid: int
    handle: str
    email: str
    password: str
    scheme: str  # "sha1" or "bcrypt"


def q2a_sha1(password: str, salt: str) -> bytes:
    """q2a's ``qa_db_calc_passcheck``: raw SHA-1 of ``salt[0:8] . password . salt[8:16]``."""
    return hashlib.sha1((salt[:8] + password + salt[8:]).encode("utf-8")).digest()  # noqa: S324 - legacy scheme


def bcrypt_y(password: str, cost: int = 10) -> str:
    """PHP ``password_hash`` output (``$2y$``)."""
    return "$2y$" + bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(cost))[4:].decode("ascii")


def make_accounts(count: int, bcrypt_every: int = 10, start: int = 1) -> list[LegacyAccount]:
    """``count`` accounts; every ``bcrypt_every``-th has a bcrypt passhash, the rest q2a SHA-1."""
    out = []
    for i in range(start, start + count):
        password = secrets.token_urlsafe(12)
        remember(password, "password")
        scheme = "bcrypt" if bcrypt_every and i % bcrypt_every == 0 else "sha1"
        out.append(LegacyAccount(i, f"user{i}", f"user{i}@example.org", password, scheme))
    return out


def row_for(account: LegacyAccount, bcrypt_cache: dict[str, str] | None = None) -> dict[str, Any]:
    """The ``qa_users`` row for ``account`` (email confirmed, level 0, not blocked)."""
    row: dict[str, Any] = {
        "userid": account.userid, "handle": account.handle, "email": account.email,
        "flags": 1, "level": 0, "passsalt": None, "passcheck": None, "passhash": None,
    }
    if account.scheme == "bcrypt":
        cache = bcrypt_cache if bcrypt_cache is not None else {}
        row["passhash"] = cache.setdefault(account.password, bcrypt_y(account.password))
        remember(row["passhash"], "hash")
        remember(row["passhash"][7:], "hash")  # salt + digest without the $2y$10$ prefix
    else:
        salt = "".join(secrets.choice(_ALNUM) for _ in range(16))
        row["passsalt"] = salt.encode("ascii")
        row["passcheck"] = q2a_sha1(account.password, salt)
        remember(row["passcheck"], "hash")
    return row


def seed(url: str, accounts: list[LegacyAccount]) -> None:
    """Create ``qa_users`` at ``url`` and insert ``accounts``."""
    create_schema(url, APP)
    insert_users(url, APP, [row_for(a) for a in accounts])


def migration_env(db_url: str, **extra: str) -> dict[str, str]:
    """Environment of the migration trigger for a q2a legacy DB at ``db_url`` (tracking on)."""
    env = {
        "LEGACY_APP": APP,
        "LEGACY_DB_URL": db_url,
        "LEGACY_TRACK_MIGRATION": "true",
        "POWERTOOLS_SERVICE_NAME": "reliability",
        "POWERTOOLS_METRICS_NAMESPACE": "Reliability",
        "AWS_REGION": "eu-west-1",
    }
    env.update(extra)
    return env


def _caller() -> dict[str, str]:
    return {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": CLIENT_ID}


def migration_event(login: str, password: str, source: str = "UserMigration_Authentication") -> dict[str, Any]:
    """A real-shaped UserMigration event (as Cognito sends it)."""
    request: dict[str, Any] = {"validationData": None, "clientMetadata": None}
    if source == "UserMigration_Authentication":
        request["password"] = password
    return {
        "version": "1", "triggerSource": source, "region": "eu-west-1", "userPoolId": POOL_ID,
        "userName": login, "callerContext": _caller(), "request": request,
        "response": {"userAttributes": None, "finalUserStatus": None, "messageAction": None,
                     "desiredDeliveryMediums": None, "forceAliasCreation": None, "enableSMSMFA": None},
    }


def confirmation_event(username: str, sub: str | None = None, legacy_id: str | None = None,
                       source: str = "PostConfirmation_ConfirmSignUp") -> dict[str, Any]:
    """A real-shaped PostConfirmation event."""
    attributes = {
        "sub": sub or str(uuid.uuid4()), "email_verified": "true", "cognito:user_status": "CONFIRMED",
        "email": f"{username}@example.org",
    }
    if legacy_id is not None:
        attributes["custom:legacy_id"] = legacy_id
    return {
        "version": "1", "triggerSource": source, "region": "eu-west-1", "userPoolId": POOL_ID,
        "userName": username, "callerContext": _caller(),
        "request": {"userAttributes": attributes, "clientMetadata": None}, "response": {},
    }

"""The local stack's default legacy database: a SQLite question2answer ``qa_users`` table with sample users.

The table is created with the q2a preset's own ``ddl()`` (the real q2a 1.8 schema) and the passwords are
hashed exactly as q2a does it: ``password_hash()`` bcrypt (``$2y$``, cost 10) for accounts created or
re-saved by q2a >= 1.5, and the older ``passsalt`` + ``passcheck = sha1(salt[0:8] . password . salt[8:16])``
pair for accounts from before. One account is blocked (``flags & 2``). These are throw-away demo accounts.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import string
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import bcrypt

from legacy_auth.apps import get_preset

Q2A_FLAG_EMAIL_CONFIRMED = 1
Q2A_FLAG_USER_BLOCKED = 2
Q2A_LEVEL_BASIC = 0


@dataclass(frozen=True, slots=True)
class SampleUser:
    """A seeded legacy account. ``scheme`` is ``bcrypt`` (q2a >= 1.5) or ``sha1`` (passsalt/passcheck)."""

    userid: int
    handle: str
    email: str
    password: str
    scheme: str
    blocked: bool = False


#: The demo's and end-to-end tests' accounts; each test uses its own, so the order of tests does not matter.
SAMPLE_USERS: tuple[SampleUser, ...] = (
    SampleUser(1, "alice", "alice@example.com", "alice-legacy-pass", "bcrypt"),
    SampleUser(2, "bob", "bob@example.com", "bob-legacy-pass", "sha1"),
    SampleUser(3, "mallory", "mallory@example.com", "mallory-legacy-pass", "bcrypt", blocked=True),
    SampleUser(4, "carol", "carol@example.com", "carol-legacy-pass", "bcrypt"),
    SampleUser(5, "dave", "dave@example.com", "dave-legacy-pass", "sha1"),
    SampleUser(6, "erin", "erin@example.com", "erin-legacy-pass", "bcrypt"),
    SampleUser(7, "frank", "frank@example.com", "frank-legacy-pass", "bcrypt"),
    SampleUser(8, "grace", "grace@example.com", "grace-legacy-pass", "sha1"),
    SampleUser(9, "heidi", "heidi@example.com", "heidi-legacy-pass", "bcrypt"),
    SampleUser(10, "ivan", "ivan@example.com", "ivan-legacy-pass", "bcrypt"),
)


def sample_user(handle: str) -> SampleUser:
    """The sample account with this handle."""
    for user in SAMPLE_USERS:
        if user.handle == handle:
            return user
    raise KeyError(handle)


def q2a_bcrypt(password: str, cost: int = 10) -> str:
    """``password_hash($password, PASSWORD_BCRYPT)`` as PHP writes it (``$2y$`` prefix)."""
    hashed = bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=cost)).decode("ascii")
    return "$2y$" + hashed[4:]


def q2a_salt() -> str:
    """``qa_random_alphanum(16)``."""
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(16))


def q2a_passcheck(password: str, salt: str) -> bytes:
    """``qa_db_calc_passcheck``: raw SHA-1 of ``salt[0:8] . password . salt[8:]``."""
    return hashlib.sha1((salt[:8] + password + salt[8:]).encode("utf-8")).digest()  # noqa: S324 - q2a's scheme


def seed_q2a_sqlite(path: Path, users: tuple[SampleUser, ...] = SAMPLE_USERS, prefix: str = "qa_") -> str:
    """Create ``path`` with the q2a users table and ``users``; return its ``sqlite:///`` URL.

    Parameters
    ----------
    path:
        The SQLite file (replaced if it exists).
    users:
        Accounts to insert.
    prefix:
        q2a's ``QA_MYSQL_TABLE_PREFIX``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    table = f"{prefix}users"
    conn = sqlite3.connect(path)
    try:
        for statement in get_preset("q2a").ddl(prefix=prefix, dialect="sqlite"):
            conn.execute(statement)
        for user in users:
            salt: bytes | None = None
            check: bytes | None = None
            passhash: str | None = None
            if user.scheme == "bcrypt":
                passhash = q2a_bcrypt(user.password)
            else:
                text_salt = q2a_salt()
                salt, check = text_salt.encode("ascii"), q2a_passcheck(user.password, text_salt)
            flags = Q2A_FLAG_EMAIL_CONFIRMED | (Q2A_FLAG_USER_BLOCKED if user.blocked else 0)
            conn.execute(
                f"INSERT INTO {table} (userid, created, createip, email, handle, passsalt, passcheck, passhash,"  # noqa: S608 - fixed identifiers
                " level, loggedin, loginip, flags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (user.userid, now, b"\x7f\x00\x00\x01", user.email, user.handle, salt, check, passhash,
                 Q2A_LEVEL_BASIC, now, b"\x7f\x00\x00\x01", flags),
            )
        conn.commit()
    finally:
        conn.close()
    return f"sqlite:///{path}"

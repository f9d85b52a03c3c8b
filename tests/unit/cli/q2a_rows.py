"""Real-shaped q2a ``qa_users`` rows for the CLI tests (every finding the scan reports, once or more)."""

from __future__ import annotations

import hashlib
from typing import Any

import bcrypt

PASSWORD = "correct horse battery"
SALT = "abcdefgh12345678"


def bcrypt_hash(password: str = PASSWORD, rounds: int = 4) -> str:
    """A PHP ``password_hash`` style ``$2y$`` hash (cheap cost for tests)."""
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds)).decode().replace("$2b$", "$2y$", 1)


def q2a_sha1(password: str = PASSWORD, salt: str = SALT) -> bytes:
    """q2a <= 1.7 ``passcheck``: sha1(salt[:8] . password . salt[8:]) as 20 raw bytes."""
    return hashlib.sha1((salt[:8] + password + salt[8:]).encode()).digest()  # noqa: S324 - the legacy scheme


def rows() -> list[dict[str, Any]]:
    """Twelve users: 5 clean, and one of each problem the scan must count."""
    strong = bcrypt_hash()
    return [
        {"userid": 1, "handle": "alice", "email": "alice@example.org", "passhash": strong, "flags": 1, "level": 0},
        {"userid": 2, "handle": "bob", "email": "bob@example.org", "passsalt": SALT.encode(),
         "passcheck": q2a_sha1(), "flags": 1, "level": 0},
        {"userid": 3, "handle": "carol", "email": "carol@example.org", "passhash": strong, "flags": 3, "level": 0},
        {"userid": 4, "handle": "dave", "email": "dave@example.org", "flags": 1, "level": 0},
        {"userid": 5, "handle": "eve", "email": "eve@example.org", "passhash": "$2y$10$tooshort", "flags": 1,
         "level": 0},
        {"userid": 6, "handle": "frank", "email": "frank@example.org", "passhash": "{SSHA}notaq2ahash", "flags": 1,
         "level": 0},
        {"userid": 7, "handle": "grace", "email": "Grace@Example.org", "passhash": strong, "flags": 1, "level": 0},
        {"userid": 8, "handle": "grace2", "email": "grace@example.org", "passhash": strong, "flags": 1, "level": 0},
        {"userid": 9, "handle": "heidi smith", "email": "heidi@example.org", "passhash": strong, "flags": 1,
         "level": 0},
        {"userid": 10, "handle": "ivan", "email": "ivan@@example", "passhash": strong, "flags": 1, "level": 0},
        {"userid": 11, "handle": "judy", "email": "judy@example.org", "passhash": strong, "flags": 0, "level": 0},
        {"userid": 12, "handle": "mallory", "email": "mallory,jr@example.org", "passhash": strong, "flags": 1,
         "level": 0},
    ]


def driver_rows() -> list[dict[str, Any]]:
    """``rows()`` as the driver returns them from the scan query (every read column present)."""
    columns = ("userid", "handle", "email", "passsalt", "passcheck", "passhash", "level", "flags")
    return [{c: r.get(c) for c in columns} for r in rows()]

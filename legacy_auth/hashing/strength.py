"""How well a stored hash resists offline cracking: :class:`Strength` (below :mod:`base` and :mod:`cost`)."""

from __future__ import annotations

from enum import StrEnum


class Strength(StrEnum):
    """How well a stored hash resists offline cracking (reported by the admin CLI)."""

    STRONG = "strong"  # modern adaptive KDF at a current cost (bcrypt, argon2, scrypt, PBKDF2 >= 100k)
    ACCEPTABLE = "acceptable"  # iterated or adaptive but below today's cost (Drupal $S$, PBKDF2-SHA1 1000)
    WEAK = "weak"  # iterated fast hash with a low count, or a salted single fast digest
    BROKEN = "broken"  # unsalted fast digest, MySQL PASSWORD(): crackable at GPU speed
    UNUSABLE = "unusable"  # no password can ever match (Django ``!`` marker)

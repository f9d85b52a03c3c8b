"""crypt_blowfish's ``$2x$`` and ``$2a$`` key setup, as PHP (``ext/standard/crypt_blowfish.c``, PHP 8.2) runs it.

PHP's bcrypt is Solar Designer's crypt_blowfish 1.3. Its ``BF_set_key`` builds the 18 key words from the
password as a C string (up to the first NUL, then the NUL, cycled) in two ways: correctly, and with the
historical sign-extension bug (``tmp |= (signed char)*ptr``: a byte >= 0x80 sets every higher bit of the word
being built to 1). The hash prefix chooses (``flags``):

- ``$2b$``/``$2y$``: the correct words (what Python ``bcrypt`` computes);
- ``$2x$``: the **buggy** words (hashes made by crypt_blowfish < 1.1, kept verifiable on purpose);
- ``$2a$``: the correct words, but if the password has a sign-extended byte whose extension changed nothing
  (``diff == 0`` with ``sign`` set, e.g. ``0xFF`` bytes after ``0xFF`` bytes) ``P[0] ^= 0x10000`` ("safety"), so
  a ``$2x$``-style collision never verifies as ``$2a$``.

Python ``bcrypt`` only does the correct words. Only the first 18 key words (72 bytes of the cycled key
stream) ever enter eksblowfish, and ``bcrypt.checkpw`` with a key of exactly 72 bytes uses those 72 bytes as
the stream; so ``$2x$`` is verified by handing ``bcrypt`` the 72 bytes of the buggy words under a ``$2b$``
prefix (:func:`bcrypt_x_key`). The ``$2a$`` safety case cannot be expressed as a key (it changes the initial
state); :func:`needs_2a_safety` detects it and the caller refuses the value rather than answer differently
from PHP. Checked against PHP 8.2.36's ``crypt()``/``password_verify`` (``tests/vectors/php-generated-issue15.jsonl``).
"""

from __future__ import annotations

WORDS = 18  # BF_N + 2


def _key_words(pw: bytes) -> tuple[list[int], list[int], int, int]:
    """``(correct, buggy, sign, diff)`` as crypt_blowfish's ``BF_set_key`` computes them (``pw``: C string)."""
    key = pw + b"\0"
    pos = 0
    correct: list[int] = []
    buggy: list[int] = []
    sign = diff = 0
    for _ in range(WORDS):
        good = bad = 0
        for j in range(4):
            byte = key[pos]
            good = ((good << 8) | byte) & 0xFFFFFFFF
            bad = ((bad << 8) | (byte | 0xFFFFFF00 if byte & 0x80 else byte)) & 0xFFFFFFFF
            if j:
                sign |= bad & 0x80
            pos = 0 if byte == 0 else pos + 1
        diff |= good ^ bad
        correct.append(good)
        buggy.append(bad)
    return correct, buggy, sign, diff


def bcrypt_x_key(pw: bytes) -> bytes:
    """The 72 key-stream bytes of ``$2x$`` (buggy words) for the C-string password ``pw``."""
    _correct, buggy, _sign, _diff = _key_words(pw)
    return b"".join(word.to_bytes(4, "big") for word in buggy)


def needs_2a_safety(pw: bytes) -> bool:
    """Whether crypt_blowfish flips ``P[0]`` for a ``$2a$`` hash of the C-string password ``pw``."""
    if not any(b & 0x80 for b in pw[:72]):
        return False
    _correct, _buggy, sign, diff = _key_words(pw)
    diff |= diff >> 16
    diff &= 0xFFFF
    diff += 0xFFFF
    return bool((sign << 9) & ~diff & 0x10000)

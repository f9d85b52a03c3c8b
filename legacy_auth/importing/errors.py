"""Errors of :mod:`legacy_auth.importing` (branches of :class:`legacy_auth.errors.LegacyAuthError`).

They carry the algorithm and a short machine-readable ``reason``; never the stored hash, salt or digest.
"""

from __future__ import annotations

from legacy_auth.errors import LegacyAuthError


class ImportingError(LegacyAuthError):
    """Root of the hashed-import errors."""


class HashNotImportableError(ImportingError):
    """A stored value is not an importable hash of ``algorithm``.

    ``reason`` is one of ``not_this_algorithm`` (another family or variant, e.g. argon2i for ARGON2ID),
    ``malformed`` (truncated, bad encoding) or ``parameters_out_of_range`` (beyond what the trigger verifies).
    """

    def __init__(self, algorithm: str, reason: str) -> None:
        super().__init__(f"not an importable {algorithm} hash: {reason}")
        self.algorithm = algorithm
        self.reason = reason


class CognitoHashFormatUnknownError(ImportingError):
    """AWS documents no CSV column or encoding for hashes of ``algorithm``: nothing is written (docs/strategy.md)."""

    reason = "cognito_hash_format_unknown"

    def __init__(self, algorithm: str) -> None:
        super().__init__(
            f"Cognito's CSV format for {algorithm} password hashes is not documented by AWS; "
            "no hashed import file is written (see docs/strategy.md)"
        )
        self.algorithm = algorithm

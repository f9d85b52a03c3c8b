"""The four ``PasswordHashingAlgorithm`` values of ``CreateUserImportJob`` and what is known of their CSV form.

Source: botocore's ``cognito-idp`` 2016-04-18 service model (installed botocore 1.44.18), shape
``PasswordHashingAlgorithmType`` = ``BCRYPT | SCRYPT | ARGON2ID | PBKDF2_SHA256``, documented on
``CreateUserImportJobRequest.PasswordHashingAlgorithm`` as "The password hashing algorithm used to generate the
hashes in the CSV file for this import job"; the AWS CLI reference for ``create-user-import-job`` lists
``--password-hashing-algorithm``. ``tests/unit/importing/test_algorithms.py`` checks this enum against the
installed model.

No AWS source reachable when this was written (developer guide, API reference, CLI reference, the model)
documents the CSV column or the encoding of each algorithm's hash (``docs/strategy.md`` lists what was searched).
:data:`COGNITO_HASH_FORMAT` therefore maps no algorithm, and :func:`cognito_encoding` refuses: a guessed format
must never ship as working.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from legacy_auth.errors import ConfigurationError
from legacy_auth.importing.errors import CognitoHashFormatUnknownError


class Algorithm(StrEnum):
    """``PasswordHashingAlgorithmType`` (one value per import job)."""

    BCRYPT = "BCRYPT"
    SCRYPT = "SCRYPT"
    ARGON2ID = "ARGON2ID"
    PBKDF2_SHA256 = "PBKDF2_SHA256"


#: Algorithm -> the AWS page that documents its CSV column and encoding. Empty: none is documented yet.
COGNITO_HASH_FORMAT: Mapping[Algorithm, str] = MappingProxyType({})


def parse_algorithm(text: str, *, setting: str = "--algorithm") -> Algorithm:
    """``text`` as an :class:`Algorithm` (case-insensitive); ``ConfigurationError`` naming ``setting`` otherwise."""
    try:
        return Algorithm(text.strip().upper())
    except ValueError:
        allowed = ", ".join(a.value for a in Algorithm)
        raise ConfigurationError(setting, f"unknown password hashing algorithm (expected one of {allowed})") \
            from None


def cognito_encoding(algorithm: Algorithm) -> str:
    """The AWS source of ``algorithm``'s CSV encoding.

    Raises
    ------
    CognitoHashFormatUnknownError
        AWS documents no CSV encoding for ``algorithm`` (today: every algorithm).
    """
    source = COGNITO_HASH_FORMAT.get(algorithm)
    if source is None:
        raise CognitoHashFormatUnknownError(algorithm.value)
    return source

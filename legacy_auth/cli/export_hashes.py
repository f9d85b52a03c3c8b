"""``legacy-auth export --with-hashes [--algorithm ALG]``: the flags and the check that runs before anything else.

A hashed export writes one file set per ``PasswordHashingAlgorithm`` and runs one import job per file with that
algorithm set (:func:`legacy_auth.cli.import_jobs.run_jobs` ``algorithm=``). AWS documents the parameter but
not the CSV column or the hash encodings (``docs/strategy.md``), so today the check refuses every algorithm with
one line and exit status 2, before the output directory, the database or AWS is touched: nothing is written.
"""

from __future__ import annotations

import argparse
from typing import Any

from legacy_auth.cli.errors import CliError, UsageError
from legacy_auth.errors import ConfigurationError
from legacy_auth.importing.algorithms import Algorithm, cognito_encoding, parse_algorithm
from legacy_auth.importing.errors import CognitoHashFormatUnknownError


def algorithm_type(text: str) -> Algorithm:
    """An argparse ``type`` for ``--algorithm``: one of the four ``PasswordHashingAlgorithm`` values."""
    try:
        return parse_algorithm(text)
    except ConfigurationError:
        allowed = ", ".join(a.value for a in Algorithm)
        raise argparse.ArgumentTypeError(f"must be one of {allowed}") from None


def add_flags(parser: Any) -> None:
    """Add ``--with-hashes`` and ``--algorithm`` to the ``export`` parser."""
    parser.add_argument("--with-hashes", action="store_true",
                        help="import users with their password hashes (one file set and job per algorithm); "
                             "refused while AWS documents no CSV format for hashes (docs/strategy.md)")
    parser.add_argument("--algorithm", type=algorithm_type, metavar="ALG",
                        help="with --with-hashes: only this PasswordHashingAlgorithm "
                             "(BCRYPT, SCRYPT, ARGON2ID, PBKDF2_SHA256)")


def check(args: argparse.Namespace) -> list[Algorithm]:
    """The algorithms of a hashed export (``[]`` without ``--with-hashes``).

    Raises
    ------
    UsageError
        ``--algorithm`` without ``--with-hashes``.
    CliError
        (exit status 2) an algorithm has no AWS-documented CSV encoding: today, every one.
    """
    algorithm: Algorithm | None = getattr(args, "algorithm", None)
    if not getattr(args, "with_hashes", False):
        if algorithm is not None:
            raise UsageError("--algorithm needs --with-hashes")
        return []
    algorithms = [algorithm] if algorithm is not None else list(Algorithm)
    for each in algorithms:
        try:
            cognito_encoding(each)
        except CognitoHashFormatUnknownError as exc:
            raise CliError(str(exc), exit_code=2) from None
    return algorithms

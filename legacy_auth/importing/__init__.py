"""Bulk import into Cognito *with* password hashes (issue #14): the AWS facts, the per-algorithm hash readers,
the per-app importability table and the route classifier.

**Status**: AWS documents the ``PasswordHashingAlgorithm`` parameter of ``CreateUserImportJob`` but not the CSV
column or the encoding of the hashes (``docs/strategy.md``), so no hashed import file is produced:
:func:`~legacy_auth.importing.algorithms.cognito_encoding` raises
:class:`~legacy_auth.importing.errors.CognitoHashFormatUnknownError` and :func:`~legacy_auth.importing.routes.classify`
routes every would-be importable user ``lazy`` (``cognito_hash_format_unknown``).

Modules: ``algorithms`` (the enum, the documented-format registry), ``algo_bcrypt`` / ``algo_pbkdf2_sha256`` /
``algo_argon2id`` / ``algo_scrypt`` (stored hash -> exact parameters, proven lossless by known-answer tests),
``importability`` (per-app table), ``routes`` (the classifier), ``errors``.
"""

from __future__ import annotations

"""Dispatch shared by the PHP apps: :func:`php_password_verify` (what PHP ``password_verify`` accepts).

An app's own dispatch (stored value => scheme, by the app's own prefix rules) lives in its module,
``legacy_auth/apps/<app>.py``. A dispatch takes the stored text (non-empty) and the row fields and returns a
:class:`Scheme` or raises :class:`UnknownHashSchemeError`. Only ``str.startswith`` / length tests: shape validation
happens once, afterwards, with the scheme's pre-compiled regex.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from legacy_auth.errors import UnknownHashSchemeError
from legacy_auth.hashing import bcrypt_schemes as bc
from legacy_auth.hashing import kdf_schemes as kdf
from legacy_auth.hashing.base import Scheme

Dispatch = Callable[[str, Mapping[str, Any]], Scheme]

#: A dummy hash for the PHP apps whose default is ``password_hash(PASSWORD_DEFAULT)`` at cost 10 (a throw-away
#: secret, made once with PHP).
BCRYPT10 = "$2y$10$Ihskht1EFj7z0vrmZvyyce7VxwGTzvZl//Aij3xplv0Quwzuxr6SC"

#: The bulk-import candidates of an app whose passwords go straight to ``password_verify`` (scheme -> Cognito
#: ``PasswordHashingAlgorithm``); argon2i/argon2d hashes are refused by the importer's parser.
BCRYPT_ARGON_IMPORT = {"bcrypt": "BCRYPT", "argon2": "ARGON2ID"}


def php_password_verify(stored: str, app: str) -> Scheme:
    """What PHP ``password_verify`` accepts: bcrypt and argon2 (the ``PASSWORD_*`` algorithms)."""
    if stored.startswith("$2"):
        return bc.BCRYPT
    if stored.startswith("$argon2"):
        return kdf.ARGON2
    raise UnknownHashSchemeError(app)

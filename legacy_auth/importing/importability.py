"""Per-app importability with password hashes, as data keyed by ``LEGACY_APP`` (moves to ``legacy_auth/apps/``).

A scheme is a *candidate* when its stored value is a hash of one of the four ``PasswordHashingAlgorithm``
families computed over the password exactly as typed: Cognito, given the hash, could only check the typed
password, so any app-side transform (trim, NFC, pre-hash, pepper, truncation, lower-casing, site-wide salt or
key) makes the user ``lazy``. Every "no" carries its reason; ``docs/strategy.md`` has the same table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from legacy_auth.importing.algorithms import Algorithm

NOT_A_FAMILY = "not one of BCRYPT, SCRYPT, ARGON2ID, PBKDF2_SHA256"


@dataclass(frozen=True, slots=True)
class AppImportability:
    """One app's row.

    Attributes
    ----------
    transform : str | None
        What the app does to every password before hashing it, when Cognito cannot repeat it; then no scheme of
        the app is a candidate.
    candidates : Mapping[str, Algorithm]
        Scheme name (:data:`legacy_auth.hashing.SCHEMES`) -> the algorithm its hashes would be imported as.
    refused : Mapping[str, str]
        Scheme name -> why its hashes cannot be imported (schemes not listed: :data:`NOT_A_FAMILY`).
    """

    transform: str | None = None
    candidates: Mapping[str, Algorithm] = field(default_factory=dict)
    refused: Mapping[str, str] = field(default_factory=dict)

    def why_not(self, scheme: str) -> str:
        """Why ``scheme``'s hashes are not importable for this app (``""`` for a candidate)."""
        if self.transform is not None:
            return self.transform
        if scheme in self.candidates:
            return ""
        return self.refused.get(scheme, NOT_A_FAMILY)


_PHP_TRIM = "PHP trim() of the password before hashing"
_BCRYPT_ARGON = {"bcrypt": Algorithm.BCRYPT, "argon2": Algorithm.ARGON2ID}  # argon2i/argon2d: refused by parse
_MAGENTO = ("argon2id over Magento's own input (hex output of earlier versions, salt padded to 16 bytes, raw "
            "digest in hex): not a PHC hash of the password")

APP_IMPORTABILITY: Mapping[str, AppImportability] = MappingProxyType({
    "q2a": AppImportability(transform=_PHP_TRIM + " and CRLF to LF (qa_post_text)"),
    "wordpress": AppImportability(transform=_PHP_TRIM + " (wp_authenticate); 6.8+ $wp$ bcrypt is over "
                                  "base64(HMAC-SHA384(password)), a pre-hash"),
    "drupal7": AppImportability(transform=_PHP_TRIM + " (login form)"),
    "drupal": AppImportability(transform=_PHP_TRIM + " (login form), also for 10.1+ password_hash hashes"),
    "phpbb3": AppImportability(transform="phpBB request-var pipeline before hashing (CRLF, NUL/BOM removal, "
                               "htmlspecialchars, Unicode NFC); $H\\2y$ is bcrypt over phpass over md5"),
    "joomla": AppImportability(candidates=_BCRYPT_ARGON),
    "magento2": AppImportability(refused={"magento2_argon2id13": _MAGENTO}),
    "laravel": AppImportability(candidates=_BCRYPT_ARGON),
    "symfony": AppImportability(
        candidates={"argon2": Algorithm.ARGON2ID},
        refused={"symfony_bcrypt": "Symfony bcrypt pre-hashes base64(sha512(password)) when the password is over "
                                   "72 bytes or holds a NUL byte"},
    ),
    "django": AppImportability(
        candidates={"django_pbkdf2_sha256": Algorithm.PBKDF2_SHA256, "django_argon2": Algorithm.ARGON2ID,
                    "django_scrypt": Algorithm.SCRYPT},
        refused={"django_bcrypt_sha256": "bcrypt over hex(sha256(password)), a pre-hash",
                 "django_bcrypt": "Python bcrypt<5 hashes NUL bytes, unlike C bcrypt; Cognito's rule is unknown"},
    ),
    "devise": AppImportability(refused={"devise_bcrypt": "Devise appends the pepper before bcrypt; bcrypt-ruby "
                                                         "refuses NUL bytes, Cognito's rule is unknown"}),
    "aspnet_identity": AppImportability(candidates={"aspnet_identity_v3": Algorithm.PBKDF2_SHA256},
                                        refused={"aspnet_identity_v2": "PBKDF2-HMAC-SHA1, " + NOT_A_FAMILY}),
    "generic": AppImportability(candidates=_BCRYPT_ARGON),
})

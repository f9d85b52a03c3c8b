"""Per-app importability with password hashes, read from each app's module (``legacy_auth/apps/<app>.py``,
``App.importability``) with the algorithm names as :class:`~legacy_auth.importing.algorithms.Algorithm`.

A scheme is a *candidate* when its stored value is a hash of one of the four ``PasswordHashingAlgorithm``
families computed over the password exactly as typed: Cognito, given the hash, could only check the typed
password, so any app-side transform (trim, NFC, pre-hash, pepper, truncation, lower-casing, site-wide salt or
key) makes the user ``lazy``. Every "no" carries its reason; ``docs/strategy.md`` has the same table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from legacy_auth.apps import all_apps
from legacy_auth.apps.app import NOT_A_FAMILY
from legacy_auth.importing.algorithms import Algorithm


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


APP_IMPORTABILITY: Mapping[str, AppImportability] = MappingProxyType({
    app.name: AppImportability(
        transform=app.importability.transform,
        candidates={scheme: Algorithm(value) for scheme, value in app.importability.candidates.items()},
        refused=dict(app.importability.refused),
    )
    for app in all_apps()
})
"""App name -> its row (every registered app has one)."""

__all__ = ["APP_IMPORTABILITY", "NOT_A_FAMILY", "AppImportability"]

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
from legacy_auth.apps.app import NOT_A_FAMILY, Importability
from legacy_auth.importing.algorithms import Algorithm


@dataclass(frozen=True, slots=True)
class AppImportability(Importability):
    """One app's row (:class:`~legacy_auth.apps.app.Importability`, ``why_not`` included) with its candidates'
    algorithm names read as :class:`Algorithm`: scheme name (:data:`legacy_auth.hashing.SCHEMES`) -> the
    algorithm its hashes would be imported as."""

    candidates: Mapping[str, Algorithm] = field(default_factory=dict)


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

"""The registry of every scheme, by name (for the admin CLI's strength report)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from legacy_auth.hashing import (
    bcrypt_schemes,
    digest_schemes,
    django_schemes,
    identity_schemes,  # issue 15 schemes (not yet wired into apps)
    kdf_schemes,
    phpass_schemes,
)
from legacy_auth.hashing.base import Scheme

_ISSUE15 = (identity_schemes,)


def _build() -> dict[str, Scheme]:
    out: dict[str, Scheme] = {}
    for module in (bcrypt_schemes, phpass_schemes, digest_schemes, kdf_schemes, django_schemes, *_ISSUE15):
        for scheme in module.ALL:
            if scheme.name in out:
                raise RuntimeError(f"duplicate scheme name {scheme.name!r}")
            out[scheme.name] = scheme
    return out


SCHEMES: Mapping[str, Scheme] = MappingProxyType(_build())

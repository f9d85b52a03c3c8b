"""The registry of every scheme, by name (for the admin CLI's strength report)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from legacy_auth.hashing import (  # issue 15, part A
    bcrypt_schemes,
    cms_schemes,
    digest_schemes,
    django_schemes,
    forum_schemes,
    kdf_schemes,
    phpass_schemes,
    shop_schemes,
)
from legacy_auth.hashing.base import Scheme


def _build() -> dict[str, Scheme]:
    out: dict[str, Scheme] = {}
    modules = (bcrypt_schemes, phpass_schemes, digest_schemes, kdf_schemes, django_schemes)
    for module in (*modules, forum_schemes, cms_schemes, shop_schemes):
        for scheme in module.ALL:
            if scheme.name in out:
                raise RuntimeError(f"duplicate scheme name {scheme.name!r}")
            out[scheme.name] = scheme
    return out


SCHEMES: Mapping[str, Scheme] = MappingProxyType(_build())

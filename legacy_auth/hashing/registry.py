"""The registry of every scheme, by name (for the admin CLI's strength report)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from legacy_auth.hashing import (
    bcrypt_schemes,
    cms_schemes,
    crypt_schemes,
    digest_schemes,
    django_schemes,
    forum_schemes,
    framework_schemes,
    identity_schemes,
    kdf_schemes,
    ldap_schemes,
    phpass_schemes,
    shop_schemes,
    spring_schemes,
)
from legacy_auth.hashing.base import Scheme

#: issue 15 scheme modules: registered here, not yet wired into any app (legacy_auth/apps/)
_ISSUE15 = (crypt_schemes, identity_schemes, ldap_schemes, framework_schemes, spring_schemes)


def _build() -> dict[str, Scheme]:
    out: dict[str, Scheme] = {}
    for module in (bcrypt_schemes, phpass_schemes, digest_schemes, kdf_schemes, django_schemes, *_ISSUE15,
                   forum_schemes, cms_schemes, shop_schemes):
        for scheme in module.ALL:
            if scheme.name in out:
                raise RuntimeError(f"duplicate scheme name {scheme.name!r}")
            out[scheme.name] = scheme
    return out


SCHEMES: Mapping[str, Scheme] = MappingProxyType(_build())

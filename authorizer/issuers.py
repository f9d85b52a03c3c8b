"""The accepted token issuers: several user pools, both Cognito issuer forms, replica regions.

Amazon Cognito names a pool's issuer in one of two forms (API reference, ``IssuerConfigurationType``,
https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_IssuerConfigurationType.html):

* ``original``: ``https://cognito-idp.{region}.amazonaws.com/{poolId}``, "hosted in the user pool's region";
* ``updated``: ``https://issuer-cognito-idp.{region}.amazonaws.com/{poolId}``, "where region is the primary
  AWS Region of your user pool" (recommended for Multi-Region Replication).

A replicated pool that keeps the original form issues tokens whose ``iss`` names the region that signed them
in (the replica's; reported in awslabs/aws-jwt-verify issue #282 and handled there by ``additionalRegions``,
PR #285); AWS's documentation does not spell this out, so replica regions must be listed explicitly and only
widen the ``original`` form. The accepted issuers are exactly the configured ones, compared as whole strings,
and each one's JWKS URL is derived from the configured issuer (``{issuer}/.well-known/jwks.json``), never from
a token.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from .errors import ConfigurationError

ORIGINAL = "original"
UPDATED = "updated"
OVERRIDE = "override"  # an emulator's issuer (cognito-local), configured verbatim
FORMS = (ORIGINAL, UPDATED)
MAX_POOLS = 16
MAX_REGIONS = 16
# aws-jwt-verify's pool-id pattern; its region part alone is the region pattern.
POOL_ID_RE = re.compile(r"^[a-z]{2}-(gov-)?[a-z]+-\d_[a-zA-Z0-9]+$")
REGION_RE = re.compile(r"^[a-z]{2}-(gov-)?[a-z]+-\d$")
LOOSE_POOL_ID_RE = re.compile(r"^[A-Za-z0-9-]{1,40}_[A-Za-z0-9]{1,64}$")
CLIENT_ID_RE = re.compile(r"^[\w+]{1,128}$")
_POOL_KEYS = frozenset({"pool_id", "client_ids", "issuer_forms", "replica_regions", "issuer", "jwks_url"})


@dataclass(frozen=True, slots=True)
class IssuerConfig:
    """One accepted ``iss`` value and where its keys live.

    Attributes
    ----------
    issuer:
        The exact ``iss`` string accepted.
    jwks_url:
        Where this issuer's keys are fetched (None with preloaded keys).
    pool_id:
        The user pool (``""`` for an emulator issuer configured without one).
    region:
        The region named by the issuer (the replica's for a replica-region issuer; ``""`` if unknown).
    form:
        ``original``, ``updated`` or ``override`` (emulator).
    client_ids:
        The pool's accepted app client ids (``client_id`` / ``aud``).
    """

    issuer: str
    jwks_url: str | None
    pool_id: str
    region: str
    form: str
    client_ids: frozenset[str]


def issuer_url(form: str, region: str, pool_id: str) -> str:
    """The ``iss`` Cognito puts in a token for ``pool_id`` in ``form`` naming ``region``."""
    host = "cognito-idp" if form == ORIGINAL else "issuer-cognito-idp"
    return f"https://{host}.{region}.amazonaws.com/{pool_id}"


def pool_issuers(
    pool_id: str, forms: tuple[str, ...], replicas: tuple[str, ...], client_ids: frozenset[str]
) -> list[IssuerConfig]:
    """Every issuer of one pool: each form in the primary region, and the original form in each replica region."""
    primary = pool_id.split("_", 1)[0]
    out = [IssuerConfig(issuer_url(f, primary, pool_id), None, pool_id, primary, f, client_ids) for f in forms]
    out += [IssuerConfig(issuer_url(ORIGINAL, r, pool_id), None, pool_id, r, ORIGINAL, client_ids) for r in replicas]
    return [replace(c, jwks_url=f"{c.issuer}/.well-known/jwks.json") for c in out]


def parse_forms(value: str, variable: str) -> tuple[str, ...]:
    """``original``, ``updated`` or both (comma-separated, during a switch-over), without repeats."""
    forms = tuple(x.strip() for x in value.split(",") if x.strip()) or (ORIGINAL,)
    if not set(forms) <= set(FORMS) or len(set(forms)) != len(forms):
        raise ConfigurationError(variable, "must be original, updated or original,updated")
    return forms


def parse_regions(items: list[str], primary: str, variable: str, forms: tuple[str, ...]) -> tuple[str, ...]:
    """Replica regions: valid region names, not the primary, no repeats, only with the original form."""
    regions = tuple(items)
    if len(regions) > MAX_REGIONS or not all(REGION_RE.match(r) for r in regions):
        raise ConfigurationError(variable, f"must list at most {MAX_REGIONS} region names like us-east-1")
    if len(set(regions)) != len(regions) or primary in regions:
        raise ConfigurationError(variable, "lists a region twice or the pool's primary region")
    if regions and ORIGINAL not in forms:
        raise ConfigurationError(variable, "only applies to the original issuer form (the updated names the primary)")
    return regions


def client_id_set(items: list[str], variable: str) -> frozenset[str]:
    """A non-empty set of app client ids."""
    ids = frozenset(items)
    if not ids:
        raise ConfigurationError(variable, "is required (app client ids)")
    if not all(CLIENT_ID_RE.match(x) for x in ids):
        raise ConfigurationError(variable, "holds a value that is not an app client id")
    return ids


def parse_user_pools(text: str, variable: str, url_ok: Any) -> tuple[IssuerConfig, ...]:
    """Parse ``USER_POOLS`` (a JSON array of pools) into the accepted issuers.

    Parameters
    ----------
    text:
        The JSON text.
    variable:
        The variable name, for errors (which never quote a value).
    url_ok:
        ``(url) -> bool``: whether an override URL is acceptable (HTTPS, or HTTP on loopback).

    Returns
    -------
    tuple of IssuerConfig
        In configuration order, pools first-to-last.

    Raises
    ------
    ConfigurationError
        Naming ``variable`` and the pool's position.
    """
    try:
        raw = json.loads(text)
    except ValueError:
        raise ConfigurationError(variable, "is not valid JSON") from None
    except RecursionError:
        raise ConfigurationError(variable, "is nested too deeply") from None
    if type(raw) is not list or not 0 < len(raw) <= MAX_POOLS:
        raise ConfigurationError(variable, f"must be a JSON array of 1 to {MAX_POOLS} pools")
    out: list[IssuerConfig] = []
    pools: set[str] = set()
    for i, item in enumerate(raw):
        configs = _pool(item, f"{variable} (pool {i})", url_ok)
        if configs[0].pool_id and configs[0].pool_id in pools:
            raise ConfigurationError(variable, f"names the same pool twice (pool {i})")
        pools.add(configs[0].pool_id)
        out += configs
    if len({c.issuer for c in out}) != len(out):
        raise ConfigurationError(variable, "names the same issuer twice")
    return tuple(out)


def _strings(item: Mapping[str, Any], key: str, where: str) -> list[str]:
    value = item.get(key, [])
    if type(value) is not list or not all(type(v) is str and v.strip() == v and v for v in value):
        raise ConfigurationError(where, f"{key} must be a list of non-empty strings")
    return value


def _pool(item: object, where: str, url_ok: Any) -> list[IssuerConfig]:
    if type(item) is not dict:
        raise ConfigurationError(where, "must be an object")
    if set(item) - _POOL_KEYS:
        raise ConfigurationError(where, f"has unknown keys (known: {', '.join(sorted(_POOL_KEYS))})")
    pool_id = item.get("pool_id", "")
    clients = client_id_set(_strings(item, "client_ids", where), where)
    override = item.get("issuer")
    if override is not None:
        if type(override) is not str or not url_ok(override):
            raise ConfigurationError(where, "issuer must be an https URL (or http on 127.0.0.1/localhost)")
        if "issuer_forms" in item or "replica_regions" in item:
            raise ConfigurationError(where, "an issuer override excludes issuer_forms and replica_regions")
        if type(pool_id) is not str or (pool_id and not LOOSE_POOL_ID_RE.match(pool_id)):
            raise ConfigurationError(where, "pool_id is not a user pool id")
        prefix = pool_id.split("_", 1)[0]
        region = prefix if REGION_RE.match(prefix) else ""
        configs = [IssuerConfig(override, f"{override}/.well-known/jwks.json", pool_id, region, OVERRIDE, clients)]
    else:
        if type(pool_id) is not str or not POOL_ID_RE.match(pool_id):
            raise ConfigurationError(where, "pool_id is not a Cognito user pool id like eu-west-1_AbC123")
        forms = parse_forms(",".join(_strings(item, "issuer_forms", where)), where)
        replicas = parse_regions(_strings(item, "replica_regions", where), pool_id.split("_")[0], where, forms)
        configs = pool_issuers(pool_id, forms, replicas, clients)
    jwks_url = item.get("jwks_url")
    if jwks_url is not None:
        if type(jwks_url) is not str or not url_ok(jwks_url):
            raise ConfigurationError(where, "jwks_url must be an https URL (or http on 127.0.0.1/localhost)")
        if len(configs) != 1:
            raise ConfigurationError(where, "jwks_url is only allowed for a pool with exactly one issuer")
        configs = [replace(configs[0], jwks_url=jwks_url)]
    return configs

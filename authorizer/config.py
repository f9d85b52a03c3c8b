"""Authorizer settings, read once per cold start from the environment (see docs/authorizer.md)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from .errors import ConfigurationError, KeyFetchError
from .issuers import (
    CLIENT_ID_RE,
    LOOSE_POOL_ID_RE,
    OVERRIDE,
    POOL_ID_RE,
    REGION_RE,
    IssuerConfig,
    client_id_set,
    parse_forms,
    parse_regions,
    parse_user_pools,
    pool_issuers,
)
from .jwks import parse_jwks
from .jwks_fetch import LOOPBACK_HOSTS
from .rules import RouteRule, parse_rules

USER_POOL_ID = "USER_POOL_ID"
USER_POOLS = "USER_POOLS"
USER_POOL_ISSUER_FORMS = "USER_POOL_ISSUER_FORMS"
USER_POOL_REPLICA_REGIONS = "USER_POOL_REPLICA_REGIONS"
APP_CLIENT_IDS = "APP_CLIENT_IDS"
TOKEN_USE = "TOKEN_USE"  # noqa: S105 - a variable name, not a secret
ISSUER = "ISSUER"
JWKS_URL = "JWKS_URL"
JWKS_JSON = "JWKS_JSON"
JWKS_FILE = "JWKS_FILE"
LEEWAY_SECONDS = "LEEWAY_SECONDS"
MAX_TOKEN_BYTES = "MAX_TOKEN_BYTES"  # noqa: S105 - a variable name, not a secret
MAX_SESSION_AGE_SECONDS = "MAX_SESSION_AGE_SECONDS"
REQUIRE_USERNAME = "REQUIRE_USERNAME"
ROUTE_RULES = "ROUTE_RULES"
ROUTE_DEFAULT = "ROUTE_DEFAULT"
REVOKED_JTIS = "REVOKED_JTIS"
REVOKED_JTIS_FILE = "REVOKED_JTIS_FILE"
HTTP_API_RESPONSE = "HTTP_API_RESPONSE"
TOKEN_CACHE_SIZE = "TOKEN_CACHE_SIZE"  # noqa: S105 - a variable name, not a secret
JWKS_TIMEOUT_SECONDS = "JWKS_TIMEOUT_SECONDS"
JWKS_MAX_AGE_SECONDS = "JWKS_MAX_AGE_SECONDS"
JWKS_REFETCH_INTERVAL_SECONDS = "JWKS_REFETCH_INTERVAL_SECONDS"
JWKS_KID_COOLDOWN_SECONDS = "JWKS_KID_COOLDOWN_SECONDS"

# Pool-id patterns (aws-jwt-verify's; a looser one with an ISSUER override) live in issuers.py.
__all__ = ["CLIENT_ID_RE", "LOOSE_POOL_ID_RE", "POOL_ID_RE", "IssuerConfig", "Settings"]
# Variables the several-pool USER_POOLS configuration replaces (setting both is a configuration error).
_SINGLE_POOL_VARIABLES = (USER_POOL_ID, APP_CLIENT_IDS, ISSUER, JWKS_URL, JWKS_JSON, JWKS_FILE,
                          USER_POOL_ISSUER_FORMS, USER_POOL_REPLICA_REGIONS)
BUNDLED_DIR = Path(__file__).parent


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the authorizer needs, validated (defaults check everything)."""

    issuer: str
    client_ids: frozenset[str]
    token_use: str = "access"  # noqa: S105 - a claim name, not a secret
    jwks_url: str | None = None
    static_keys: Mapping[str, RSAPublicKey] | None = None
    leeway: int = 5
    max_token_bytes: int = 8192
    max_session_age: int | None = None
    require_username: bool = True
    route_rules: tuple[RouteRule, ...] = ()
    route_default_allow: bool = False
    revoked_jtis: frozenset[str] = frozenset()
    http_api_response: str = "simple"
    token_cache_size: int = 1000
    jwks_timeout: float = 2.0
    jwks_max_age: int = 3600
    jwks_refetch_interval: float = 5.0
    jwks_kid_cooldown: float = 60.0
    # Every accepted issuer (several pools, issuer forms, replica regions); derived from ``issuer``,
    # ``jwks_url`` and ``client_ids`` when left empty (one issuer, as before USER_POOLS existed).
    issuers: tuple[IssuerConfig, ...] = ()
    # Put ``pool_id`` and ``issuer_region`` in the context (USER_POOLS, or more than one issuer configured).
    tag_pool: bool = False

    def __post_init__(self) -> None:
        if not self.issuers:
            pool = self.issuer.rstrip("/").rsplit("/", 1)[-1]
            region = pool.split("_", 1)[0]
            one = IssuerConfig(self.issuer, self.jwks_url, pool, region if REGION_RE.match(region) else "",
                               OVERRIDE, self.client_ids)
            object.__setattr__(self, "issuers", (one,))

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Build settings from environment variables.

        Parameters
        ----------
        environ:
            Usually ``os.environ``.

        Returns
        -------
        Settings
            Validated settings.

        Raises
        ------
        ConfigurationError
            Naming the first missing or invalid variable.
        """
        env = {k: v.strip() for k, v in environ.items()}
        if env.get(USER_POOLS):
            issuers = _several_pools(env)
            static_keys = None
        else:
            issuers, static_keys = _one_pool(env)
        rules = _rules(env)
        default = env.get(ROUTE_DEFAULT, "allow" if not rules else "deny")
        if default not in ("allow", "deny"):
            raise ConfigurationError(ROUTE_DEFAULT, "must be allow or deny")
        pools = {c.pool_id for c in issuers}
        if any(not rule.pools <= pools for rule in rules):
            raise ConfigurationError(ROUTE_RULES, "a rule names a pool that is not configured")
        return cls(
            issuer=issuers[0].issuer,
            client_ids=frozenset().union(*(c.client_ids for c in issuers)),
            token_use=_choice(env, TOKEN_USE, ("access", "id", "any"), "access"),
            jwks_url=issuers[0].jwks_url,
            static_keys=static_keys,
            leeway=_int(env, LEEWAY_SECONDS, 5, 0, 300),
            max_token_bytes=_int(env, MAX_TOKEN_BYTES, 8192, 1024, 65536),
            max_session_age=_opt_int(env, MAX_SESSION_AGE_SECONDS, 60, 10 * 365 * 86400),
            require_username=_bool(env, REQUIRE_USERNAME, True),
            route_rules=rules,
            route_default_allow=default == "allow",
            revoked_jtis=_revoked(env),
            # Simple responses open or close every route for a cached identity: with route rules, IAM by default.
            http_api_response=_choice(env, HTTP_API_RESPONSE, ("simple", "iam"), "iam" if rules else "simple"),
            token_cache_size=_int(env, TOKEN_CACHE_SIZE, 1000, 0, 100_000),
            jwks_timeout=float(_int(env, JWKS_TIMEOUT_SECONDS, 2, 1, 3)),
            jwks_max_age=_int(env, JWKS_MAX_AGE_SECONDS, 3600, 60, 86400),
            jwks_refetch_interval=float(_int(env, JWKS_REFETCH_INTERVAL_SECONDS, 5, 1, 300)),
            jwks_kid_cooldown=float(_int(env, JWKS_KID_COOLDOWN_SECONDS, 60, 1, 3600)),
            issuers=issuers,
            tag_pool=bool(env.get(USER_POOLS)) or len(issuers) > 1,
        )


def _several_pools(env: Mapping[str, str]) -> tuple[IssuerConfig, ...]:
    for name in _SINGLE_POOL_VARIABLES:
        if env.get(name):
            raise ConfigurationError(name, f"cannot be combined with {USER_POOLS} (set the pool there)")
    return parse_user_pools(env[USER_POOLS], USER_POOLS, lambda url: _is_url(url, allow_loopback_http=True))


def _one_pool(env: Mapping[str, str]) -> tuple[tuple[IssuerConfig, ...], Mapping[str, RSAPublicKey] | None]:
    """The single-pool variables (``USER_POOL_ID``, ``APP_CLIENT_IDS``, ``ISSUER``, ...), as before ``USER_POOLS``,
    plus the pool's issuer forms and replica regions."""
    issuer, jwks_url = _issuer_and_jwks_url(env)
    static_keys = _static_keys(env)
    if static_keys is not None and JWKS_URL in env and env[JWKS_URL]:
        raise ConfigurationError(JWKS_URL, f"set either {JWKS_URL} or preloaded keys, not both")
    clients = _client_ids(env)
    pool = env.get(USER_POOL_ID, "")
    forms_set, regions_set = env.get(USER_POOL_ISSUER_FORMS, ""), env.get(USER_POOL_REPLICA_REGIONS, "")
    if env.get(ISSUER):
        for name, value in ((USER_POOL_ISSUER_FORMS, forms_set), (USER_POOL_REPLICA_REGIONS, regions_set)):
            if value:
                raise ConfigurationError(name, f"does not apply with an {ISSUER} override (emulators)")
        region = pool.split("_", 1)[0]
        one = IssuerConfig(issuer, jwks_url, pool, region if REGION_RE.match(region) else "", OVERRIDE, clients)
        issuers: tuple[IssuerConfig, ...] = (one,)
    else:
        forms = parse_forms(forms_set, USER_POOL_ISSUER_FORMS)
        regions = [x.strip() for x in regions_set.split(",") if x.strip()]
        replicas = parse_regions(regions, pool.split("_", 1)[0], USER_POOL_REPLICA_REGIONS, forms)
        issuers = tuple(pool_issuers(pool, forms, replicas, clients))
        if len(issuers) == 1:
            issuers = (replace(issuers[0], jwks_url=jwks_url),)
        elif env.get(JWKS_URL):
            raise ConfigurationError(JWKS_URL, "applies to one issuer only; several are configured")
    if static_keys is not None:
        if len(issuers) > 1:
            raise ConfigurationError(JWKS_FILE if env.get(JWKS_FILE) and not env.get(JWKS_JSON) else JWKS_JSON,
                                     "preloaded keys apply to one issuer only; several are configured")
        issuers = (replace(issuers[0], jwks_url=None),)
    return issuers, static_keys


def _issuer_and_jwks_url(env: Mapping[str, str]) -> tuple[str, str]:
    pool = env.get(USER_POOL_ID, "")
    override = env.get(ISSUER, "")
    if override:
        if not _is_url(override, allow_loopback_http=True):
            raise ConfigurationError(ISSUER, "must be an https URL (or http on 127.0.0.1/localhost)")
        if pool and not LOOSE_POOL_ID_RE.match(pool):
            raise ConfigurationError(USER_POOL_ID, "is not a user pool id")
        issuer = override
    else:
        if not pool:
            raise ConfigurationError(USER_POOL_ID, "is required (or set ISSUER for an emulator)")
        if not POOL_ID_RE.match(pool):
            raise ConfigurationError(USER_POOL_ID, "is not a Cognito user pool id like eu-west-1_AbC123")
        region = pool.split("_", 1)[0]
        issuer = f"https://cognito-idp.{region}.amazonaws.com/{pool}"
    jwks_url = env.get(JWKS_URL) or f"{issuer}/.well-known/jwks.json"
    if not _is_url(jwks_url, allow_loopback_http=True):
        raise ConfigurationError(JWKS_URL, "must be an https URL (or http on 127.0.0.1/localhost)")
    return issuer, jwks_url


def _is_url(value: str, *, allow_loopback_http: bool) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    if not parts.hostname or any(c.isspace() for c in value) or parts.username or parts.password:
        return False
    if parts.scheme == "https":
        return True
    return allow_loopback_http and parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS


def _static_keys(env: Mapping[str, str]) -> Mapping[str, RSAPublicKey] | None:
    text, source = env.get(JWKS_JSON, ""), JWKS_JSON
    if not text and env.get(JWKS_FILE):
        source = JWKS_FILE
        path = Path(env[JWKS_FILE])
        path = path if path.is_absolute() else BUNDLED_DIR / path
        text = _read_text(path, JWKS_FILE)
    if not text:
        return None
    try:
        keys = parse_jwks(text)
    except KeyFetchError as exc:
        raise ConfigurationError(source, f"is not a JWKS document ({exc.reason})") from None
    if not keys:
        raise ConfigurationError(source, "holds no usable RS256 signing key (RSA >= 2048 bits, use sig)")
    return keys


def _read_text(path: Path, variable: str) -> str:
    """Read a configuration file as UTF-8; any failure (missing, a directory, not UTF-8, a NUL in the
    path) is a ``ConfigurationError`` naming ``variable``, so the cold start fails closed instead of crashing."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, ValueError) as exc:  # UnicodeDecodeError and "embedded null byte" are ValueErrors
        raise ConfigurationError(variable, f"cannot read the file as UTF-8 text ({type(exc).__name__})") from None


def _client_ids(env: Mapping[str, str]) -> frozenset[str]:
    ids = [x.strip() for x in env.get(APP_CLIENT_IDS, "").split(",") if x.strip()]
    if not ids:
        raise ConfigurationError(APP_CLIENT_IDS, "is required (comma-separated app client ids)")
    return client_id_set(ids, APP_CLIENT_IDS)


def _rules(env: Mapping[str, str]) -> tuple[RouteRule, ...]:
    text = env.get(ROUTE_RULES, "")
    if not text:
        return ()
    try:
        return parse_rules(text)
    except ValueError as exc:
        raise ConfigurationError(ROUTE_RULES, str(exc)) from None
    except RecursionError:  # json.loads on absurdly nested input
        raise ConfigurationError(ROUTE_RULES, "is nested too deeply") from None


def _revoked(env: Mapping[str, str]) -> frozenset[str]:
    items = env.get(REVOKED_JTIS, "").split(",")
    if env.get(REVOKED_JTIS_FILE):
        items += _read_text(Path(env[REVOKED_JTIS_FILE]), REVOKED_JTIS_FILE).splitlines()
    return frozenset(s for x in items if (s := x.strip()) and not s.startswith("#"))


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = env.get(name) or default
    if value not in allowed:
        raise ConfigurationError(name, f"must be one of {', '.join(allowed)}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    """A copy of ``legacy_auth.env.env_bool`` (this package must not import ``legacy_auth``), pinned to the same
    semantics by ``tests/unit/test_env.py``: blank = ``default``; true/1/yes/on, false/0/no/off, any case."""
    value = env.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigurationError(name, "must be true or false (also 1/0, yes/no, on/off)")


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    value = _opt_int(env, name, low, high)
    return default if value is None else value


def _opt_int(env: Mapping[str, str], name: str, low: int, high: int) -> int | None:
    value = env.get(name, "")
    if not value:
        return None
    if not re.fullmatch(r"\d{1,12}", value) or not low <= int(value) <= high:
        raise ConfigurationError(name, f"must be an integer from {low} to {high}")
    return int(value)

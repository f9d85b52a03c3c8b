"""JWKS parsing and the per-container key cache (TTL, per-kid penalty box, single-flight refresh).

Design (docs/authorizer.md, "Keys"):

* keys are imported once into ``cryptography`` objects and looked up by ``kid`` in a dict;
* a fetched key set lives for ``max-age`` (the server's, clamped to the configured maximum); a refresh
  that fails or returns garbage keeps the previous good keys (stale-if-error), a successful one drops
  removed keys;
* an unknown ``kid`` triggers a refetch only if (a) that kid is not in the penalty box and (b) no fetch
  was attempted during the last ``refetch_interval`` seconds (global floor). After a successful fetch
  that still lacks the kid, the kid (not the URL) is penalised for ``kid_cooldown`` seconds, so a junk
  kid never blocks a real rotation for longer than the floor, and a storm of distinct junk kids costs at
  most one fetch per floor interval;
* one fetch at a time (a lock; waiters re-check after it);
* ``jku``/``x5u``/``x5c``/``jwk`` token headers are never consulted: the URL comes from configuration;
* a JWKS URL answering 403 or 404 (a pool not switched to the updated issuer form answers 403 there:
  awslabs/aws-jwt-verify issue #279) marks this issuer *unavailable*: its tokens get 401 and the URL is
  retried no sooner than ``kid_cooldown`` seconds later (the penalty box), while other issuers, each with
  its own cache, are unaffected.
"""

from __future__ import annotations

import binascii
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey, RSAPublicNumbers

from .errors import KeyFetchError
from .jwks_fetch import FetchedJwks, fetch_jwks
from .strictjson import StrictJsonError, loads_object

MIN_RSA_BITS = 2048
MAX_RSA_BITS = 8192
UNAVAILABLE_STATUSES = frozenset({"status 403", "status 404"})
SUPPORTED_ALG = "RS256"
Fetcher = Callable[[str, float], FetchedJwks]
_log = logging.getLogger("authorizer.jwks")  # a child of the Powertools "authorizer" logger


def _b64url_uint(value: object) -> int:
    if type(value) is not str or not value or "=" in value:
        raise ValueError("bad base64url integer")
    raw = binascii.a2b_base64(value.translate(str.maketrans("-_", "+/")) + "=" * (-len(value) % 4), strict_mode=True)
    return int.from_bytes(raw, "big")


def import_rsa_jwk(jwk: Mapping[str, Any]) -> RSAPublicKey | None:
    """Import one JWK as an RS256 verification key, or return None if it is not one.

    Hand-written (four fields) instead of PyJWT's ``RSAAlgorithm.from_jwk`` so the authorizer never
    imports ``jwt``, which costs ~70 ms of cold start; the checks are stricter than PyJWT's.

    Parameters
    ----------
    jwk:
        One entry of the JWKS ``keys`` array.

    Returns
    -------
    RSAPublicKey or None
        None for keys of another type, use or algorithm, or with a modulus outside 2048-8192 bits.
    """
    if jwk.get("kty") != "RSA" or jwk.get("use", "sig") != "sig" or jwk.get("alg", SUPPORTED_ALG) != SUPPORTED_ALG:
        return None
    ops = jwk.get("key_ops")
    if ops is not None and (type(ops) is not list or "verify" not in ops):
        return None
    try:
        n = _b64url_uint(jwk.get("n"))
        e = _b64url_uint(jwk.get("e"))
    except (ValueError, binascii.Error):
        return None
    if not MIN_RSA_BITS <= n.bit_length() <= MAX_RSA_BITS or e < 3 or e % 2 == 0 or e.bit_length() > 64:
        return None
    try:
        return RSAPublicNumbers(e, n).public_key()
    except ValueError:
        return None


def parse_jwks(body: bytes | str | Mapping[str, Any]) -> dict[str, RSAPublicKey]:
    """Parse a JWKS document into ``{kid: key}`` for its usable RS256 signing keys.

    Parameters
    ----------
    body:
        The document (bytes, text or already-decoded mapping).

    Returns
    -------
    dict
        Usable keys by kid. A kid that appears twice is dropped entirely (ambiguous).

    Raises
    ------
    KeyFetchError
        The document is not a strict JSON object with a ``keys`` array.
    """
    if isinstance(body, Mapping):
        doc: Mapping[str, Any] = body
    else:
        try:
            doc = loads_object(body.encode("utf-8") if isinstance(body, str) else body)
        except StrictJsonError as exc:
            raise KeyFetchError("not a json object") from exc
    keys = doc.get("keys")
    if type(keys) is not list:
        raise KeyFetchError("no keys array")
    out: dict[str, RSAPublicKey] = {}
    seen: set[str] = set()
    for jwk in keys:
        if type(jwk) is not dict:
            continue
        kid = jwk.get("kid")
        if type(kid) is not str or not kid:
            continue
        if kid in seen:
            out.pop(kid, None)
            continue
        seen.add(kid)
        key = import_rsa_jwk(jwk)
        if key is not None:
            out[kid] = key
    return out


def _numbers(key: RSAPublicKey) -> tuple[int, int]:
    numbers = key.public_numbers()
    return numbers.n, numbers.e


class JwksCache:
    """Keys by kid for one JWKS URL (or a static key set), shared by every warm invocation.

    Parameters
    ----------
    url:
        JWKS URL, or None when only ``static_keys`` are used (no network at all).
    static_keys:
        Preloaded keys (``JWKS_JSON`` / ``JWKS_FILE``); they never expire.
    fetcher:
        Function ``(url, timeout) -> FetchedJwks`` (``fetch_jwks`` by default).
    timeout, max_age, min_age, refetch_interval, kid_cooldown, penalty_size:
        Fetch budget; longest and shortest key-set lifetime; global floor between fetches; per-kid
        penalty; maximum number of penalised kids remembered.
    clock:
        Monotonic clock (tests inject a fake one).
    """

    def __init__(
        self,
        url: str | None,
        *,
        static_keys: Mapping[str, RSAPublicKey] | None = None,
        fetcher: Fetcher = fetch_jwks,
        timeout: float = 2.0,
        max_age: float = 3600.0,
        min_age: float = 60.0,
        refetch_interval: float = 5.0,
        kid_cooldown: float = 60.0,
        penalty_size: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self._static = url is None
        self._keys: dict[str, RSAPublicKey] = dict(static_keys or {})
        self._expires = float("inf") if self._static else float("-inf")
        self._fetcher = fetcher
        self._timeout = timeout
        self._max_age = max_age
        self._min_age = min(min_age, max_age)
        self._interval = refetch_interval
        self._cooldown = kid_cooldown
        self._penalty: dict[str, float] = {}
        self._penalty_size = penalty_size
        self._last_attempt = float("-inf")
        self._clock = clock
        self._lock = threading.Lock()
        self.fetch_count = 0
        self.last_error: str | None = None
        self.generation = 0  # bumped when a refresh drops or replaces a key (verified-token caches start over)
        self.unavailable = False  # the last fetch answered 403/404: penalised like an unknown kid

    def get(self, kid: str) -> RSAPublicKey | None:
        """Return the verification key for ``kid``, refreshing the key set when allowed; None if unknown."""
        key = self._keys.get(kid)
        if key is not None and self._clock() < self._expires:
            return key
        if self._static:
            return key
        return self._slow_get(kid)

    def fresh(self) -> bool:
        """True while the key set is within its lifetime (always for preloaded keys).

        The verified-token cache is only consulted while this holds: once the set expires, a repeat token
        goes through ``get`` like any other, which refreshes the set (and a withdrawn key then stops working).
        """
        return self._clock() < self._expires

    def _slow_get(self, kid: str) -> RSAPublicKey | None:
        with self._lock:  # single flight: waiters re-check what the fetch brought
            now = self._clock()
            key = self._keys.get(kid)
            if key is not None and now < self._expires:
                return key
            if key is None and self._penalty.get(kid, float("-inf")) > now:
                return None
            if now - self._last_attempt < self._interval:
                return key  # stale-if-error for a known kid; unknown kid waits for the floor
            if self._refresh(now):
                key = self._keys.get(kid)
                if key is None:
                    self._penalise(kid, now)
            return self._keys.get(kid)

    def _refresh(self, now: float) -> bool:
        self._last_attempt = now
        self.fetch_count += 1
        assert self.url is not None
        try:
            fetched = self._fetcher(self.url, self._timeout)
            keys = parse_jwks(fetched.body)
        except KeyFetchError as exc:
            self.last_error = exc.reason
            if exc.reason in UNAVAILABLE_STATUSES:
                # Not switched to this issuer form (yet), or a wrong pool: ask again only after the penalty.
                self.unavailable = True
                self._last_attempt = now + max(self._cooldown - self._interval, 0.0)
                _log.warning("JWKS URL answered %s: issuer unavailable; its tokens are refused", exc.reason)
                return False
            _log.warning("JWKS fetch failed; keeping %d cached keys", len(self._keys), extra={"reason": exc.reason})
            return False
        if not keys:
            self.last_error = "no usable keys"
            _log.warning("JWKS holds no usable key; keeping %d cached keys", len(self._keys))
            return False  # never replace good keys by an empty set
        if any(kid not in keys or _numbers(keys[kid]) != _numbers(old) for kid, old in self._keys.items()):
            self.generation += 1  # a key was withdrawn or replaced under the same kid
        age = self._max_age if fetched.max_age is None else min(max(fetched.max_age, self._min_age), self._max_age)
        self._keys = keys
        self._expires = self._clock() + age
        self.last_error = None
        self.unavailable = False
        return True

    def _penalise(self, kid: str, now: float) -> None:
        if len(self._penalty) >= self._penalty_size:
            self._penalty = {k: t for k, t in self._penalty.items() if t > now}
            while len(self._penalty) >= self._penalty_size:
                self._penalty.pop(next(iter(self._penalty)))
        self._penalty[kid] = now + self._cooldown

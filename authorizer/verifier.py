"""The hot path: strict parse, issuer match, pinned-algorithm signature check with ``cryptography``, claims.

Order of work: size cap, ASCII and segment count (no JSON, no crypto yet), then the header (strictly parsed
once per distinct header segment, then looked up by its exact text), the base64url alphabet, the payload
(strict JSON, unauthenticated: only its ``iss`` is read before the signature), the issuer (one dict lookup
on the exact ``iss`` string: an issuer that is not configured is refused before any key lookup), that
issuer's key, the RSA signature, and only then the claims, with the matched issuer's rules. Keys are never
looked up across issuers, and the JWKS URL is the configured issuer's, never taken from the token.

Hand-written, inline and allocation-lean because every microsecond counts against a ~17 us RSA verify
(docs/authorizer.md, "Performance", lists what each step costs).
"""

from __future__ import annotations

import binascii
import time
from collections.abc import Callable, Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.hashes import SHA256

from .config import Settings
from .errors import TokenRejectedError
from .jwks import SUPPORTED_ALG, JwksCache
from .jws import CANONICAL_LAST_CHARS, parse_header
from .principal import Principal
from .strictjson import StrictJsonError, loads_object
from .token_cache import TokenCache
from .trust import TrustedIssuer

MAX_KID_LENGTH = 256
HEADER_CACHE_SIZE = 64  # a pool signs with two keys: a handful of distinct header segments
_a2b = binascii.a2b_base64
PADDING_STR = ("", "", "==", "=")


class CognitoVerifier:
    """Verifies Cognito user-pool tokens against the configured issuers, each with its own keys.

    Parameters
    ----------
    settings:
        Validated settings (issuers, client ids, token use, leeway, caps, deny-list, cache size).
    keys:
        One key cache per configured issuer (``{issuer: JwksCache}``), or one ``JwksCache`` when exactly one
        issuer is configured.
    clock:
        Wall clock (Unix seconds); tests inject a fixed one.
    """

    def __init__(
        self, settings: Settings, keys: JwksCache | Mapping[str, JwksCache], clock: Callable[[], float] = time.time
    ) -> None:
        self.settings = settings
        caches = trusted_caches(settings, keys)
        self.issuers: dict[str, TrustedIssuer] = {
            c.issuer: TrustedIssuer(c, caches[c.issuer], settings) for c in settings.issuers
        }
        self.keys = caches[settings.issuers[0].issuer]
        self._time = clock
        self._max_len = settings.max_token_bytes
        self._headers: dict[str, str] = {}  # exact header segment -> kid, for headers that passed parse_header
        size = settings.token_cache_size
        self._cache = TokenCache(size, settings.revoked_jtis) if size else None
        self._padding = PKCS1v15()  # created once: the signature call allocates nothing else of ours
        self._hash = SHA256()

    def verify(self, token: str) -> Principal:
        """Verify ``token`` (a bare compact JWS) and return the caller.

        A repeat token is served from the verified-token cache only while its issuer's key set is fresh and
        has not lost or changed a key since, and while the token's time window and the deny-list admit it.

        Parameters
        ----------
        token:
            The JWT, without any ``Bearer`` prefix.

        Returns
        -------
        Principal
            The verified caller.

        Raises
        ------
        TokenRejectedError
            For any problem with the token (including an issuer not configured, an unknown kid and an
            unreachable or unavailable JWKS).
        """
        now = self._time()
        cache = self._cache
        if cache is not None:
            hit = cache.get(token, now)
            if hit is not None:
                source = hit.source
                # A withdrawn or replaced key, or an expired key set (the full path below refreshes it): re-verify.
                if source is not None and hit.generation == source.keys.generation and source.keys.fresh():
                    return hit
        # One function on purpose (every frame and temporary counts on this path); it works on the str itself:
        # str.find/replace are memchr-fast and a2b_base64 takes ASCII str (a bytes translate costs 3x more).
        size = len(token)
        if size > self._max_len:
            raise TokenRejectedError("too large")
        if not token.isascii():
            raise TokenRejectedError("malformed")
        first = token.find(".")
        second = token.find(".", first + 1)
        # three non-empty segments: 0 < first, first + 1 < second, second + 1 < size, and no third dot
        if not 0 < first < second - 1 < size - 2 or token.find(".", second + 1) != -1:
            raise TokenRejectedError("malformed", "segments")
        header = token[:first]
        kid = self._headers.get(header)
        known_header = kid is not None
        if kid is None:
            kid = parse_header(header.encode(), SUPPORTED_ALG, MAX_KID_LENGTH)
        # The base64url alphabet of payload and signature: '+', '/' and '=' are refused here, '-' and '_' mapped
        # to the standard alphabet, and a2b_base64(strict_mode=True) refuses every other character.
        if "+" in token or "/" in token or "=" in token:
            raise TokenRejectedError("malformed", "base64url")
        payload_rem = (second - first - 1) & 3
        if payload_rem == 1 or (payload_rem and token[second - 1] not in CANONICAL_LAST_CHARS[payload_rem]):
            raise TokenRejectedError("malformed", "base64url trailing bits")
        std = token.replace("-", "+").replace("_", "/")
        try:
            payload_json = _a2b(std[first + 1 : second] + PADDING_STR[payload_rem], strict_mode=True)
        except binascii.Error:
            raise TokenRejectedError("malformed", "base64url") from None
        try:
            payload = loads_object(payload_json)  # strict; nothing in it is trusted before the signature
        except StrictJsonError:
            raise TokenRejectedError("malformed", "payload") from None
        iss = payload.get("iss")
        source = self.issuers.get(iss) if type(iss) is str else None  # exact string: no normalisation at all
        if source is None:
            raise TokenRejectedError("invalid claim", "iss")
        keys = source.keys
        key = keys.get(kid)
        if key is None:
            raise TokenRejectedError("unknown key", "kid")
        if not known_header:
            if len(self._headers) >= HEADER_CACHE_SIZE:
                self._headers.clear()  # bounded: a flood of distinct headers only costs their parsing again
            self._headers[header] = kid
        sig_chars = (((key.key_size + 7) >> 3) * 8 + 5) // 6
        if size - second - 1 != sig_chars:  # empty, truncated or one byte too long: refused before decoding
            raise TokenRejectedError("signature")
        sig_rem = sig_chars & 3
        if sig_rem and token[size - 1] not in CANONICAL_LAST_CHARS[sig_rem]:
            raise TokenRejectedError("malformed", "base64url trailing bits")
        try:
            signature = _a2b(std[second + 1 :] + PADDING_STR[sig_rem], strict_mode=True)
        except binascii.Error:
            raise TokenRejectedError("malformed", "base64url") from None
        generation = keys.generation  # read before the check: a refresh racing with it re-verifies next time
        try:
            key.verify(signature, token[:second].encode(), self._padding, self._hash)
        except InvalidSignature:
            raise TokenRejectedError("signature") from None
        principal = Principal(payload, source.check(payload, now), source, generation)
        if cache is not None:
            cache.put(token, principal)
        return principal


def trusted_caches(settings: Settings, keys: JwksCache | Mapping[str, JwksCache]) -> dict[str, JwksCache]:
    """``{issuer: key cache}`` for every configured issuer (a lone ``JwksCache`` serves a lone issuer only).

    Raises
    ------
    ValueError
        A lone cache for several issuers (keys must never be shared across issuers), or a missing issuer.
    """
    if isinstance(keys, JwksCache):
        if len(settings.issuers) != 1:
            raise ValueError("one key cache per issuer is required when several issuers are configured")
        return {settings.issuers[0].issuer: keys}
    missing = [c.issuer for c in settings.issuers if c.issuer not in keys]
    if missing:
        raise ValueError(f"no key cache for {len(missing)} configured issuer(s)")
    return {c.issuer: keys[c.issuer] for c in settings.issuers}

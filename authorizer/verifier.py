"""The hot path: strict parse, pinned-algorithm signature check with ``cryptography``, Cognito claims.

Order of work: size cap and one regular expression (no JSON, no crypto yet), then the header (parsed
once per distinct header segment), then the key lookup, then the RSA signature, and only then the
payload JSON: an unauthenticated payload is never parsed.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.hashes import SHA256

from .claims import check_claims
from .config import Settings
from .errors import TokenRejectedError
from .jwks import SUPPORTED_ALG, JwksCache
from .jws import b64url_decode, parse_header
from .principal import Principal
from .strictjson import StrictJsonError, loads_object
from .token_cache import TokenCache

MAX_KID_LENGTH = 256
_HEADER_CACHE_SIZE = 64


class CognitoVerifier:
    """Verifies Cognito user-pool tokens against one issuer and its keys.

    Parameters
    ----------
    settings:
        Validated settings (issuer, client ids, token use, leeway, caps, deny-list, cache size).
    keys:
        The JWKS cache for the issuer.
    clock:
        Wall clock (Unix seconds); tests inject a fixed one.
    """

    def __init__(self, settings: Settings, keys: JwksCache, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.keys = keys
        self._time = clock
        self._max_len = settings.max_token_bytes
        self._headers: dict[bytes, str] = {}
        self._cache = (
            TokenCache(settings.token_cache_size, settings.leeway, settings.revoked_jtis)
            if settings.token_cache_size
            else None
        )
        self._generation = keys.generation
        self._padding = PKCS1v15()
        self._hash = SHA256()

    def verify(self, token: str) -> Principal:
        """Verify ``token`` (a bare compact JWS) and return the caller.

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
            For any problem with the token (including an unknown kid and an unreachable JWKS).
        """
        now = self._time()
        cache = self._cache
        if cache is not None:
            if self.keys.generation != self._generation:  # a key was removed: re-verify everything
                self._generation = self.keys.generation
                cache.clear()
            hit = cache.get(token, now)
            if hit is not None:
                return hit
        if len(token) > self._max_len:
            raise TokenRejectedError("too large")
        try:
            raw = token.encode("ascii")
        except UnicodeEncodeError:
            raise TokenRejectedError("malformed") from None
        parts = raw.split(b".")
        if len(parts) != 3:
            raise TokenRejectedError("malformed", "segments")
        header_seg, payload_seg, sig_seg = parts
        kid = self._headers.get(header_seg)
        if kid is None:
            kid = parse_header(header_seg, SUPPORTED_ALG, MAX_KID_LENGTH)
        key = self.keys.get(kid)
        if key is None:
            raise TokenRejectedError("unknown key", "kid")
        if len(self._headers) < _HEADER_CACHE_SIZE:
            self._headers[header_seg] = kid
        signature = b64url_decode(sig_seg)
        if len(signature) != (key.key_size + 7) >> 3:
            raise TokenRejectedError("signature")
        payload_json = b64url_decode(payload_seg)  # alphabet check before any crypto work
        try:
            key.verify(signature, raw[: len(header_seg) + 1 + len(payload_seg)], self._padding, self._hash)
        except InvalidSignature:
            raise TokenRejectedError("signature") from None
        try:
            payload = loads_object(payload_json)
        except StrictJsonError:
            raise TokenRejectedError("malformed", "payload") from None
        principal = Principal(payload, check_claims(payload, self.settings, now))
        if cache is not None:
            cache.put(token, principal)
        return principal

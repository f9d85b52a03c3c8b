"""A bounded LRU of verified tokens for warm containers.

A hit re-checks everything about the token that can change with time or configuration: its time window
(``exp`` plus leeway, ``iat``/``nbf``, and ``auth_time`` plus ``MAX_SESSION_AGE_SECONDS``: the window computed
by ``claims.ClaimRules``) and the deny-list. The verifier bypasses the cache when the key set has expired
or lost a key (see ``verifier.CognitoVerifier.verify``), so no entry outlives its signing key.
"""

from __future__ import annotations

from collections import OrderedDict

from .principal import Principal


class TokenCache:
    """Token string -> ``Principal``, at most ``maxsize`` entries, least recently used evicted first.

    Parameters
    ----------
    maxsize:
        Capacity (> 0).
    revoked:
        The revocation deny-list (``jti``/``origin_jti``), re-checked on every hit.
    """

    def __init__(self, maxsize: int, revoked: frozenset[str] = frozenset()) -> None:
        self._data: OrderedDict[str, Principal] = OrderedDict()
        self._maxsize = maxsize
        self._revoked = revoked

    def get(self, token: str, now: float) -> Principal | None:
        """Return the cached principal for ``token`` if it is still acceptable at ``now`` (Unix seconds)."""
        principal = self._data.get(token)
        if principal is None:
            return None
        if not principal.not_before <= now < principal.not_after or (
            self._revoked and not self._revoked.isdisjoint(principal.jtis)
        ):
            del self._data[token]
            return None
        self._data.move_to_end(token)
        return principal

    def put(self, token: str, principal: Principal) -> None:
        """Remember a verified token, evicting the least recently used entry when full."""
        self._data[token] = principal
        if len(self._data) > self._maxsize:
            self._data.popitem(last=False)

    def clear(self) -> None:
        """Forget every entry (after a signing key was removed from the JWKS or replaced)."""
        self._data.clear()

    def __len__(self) -> int:
        return len(self._data)

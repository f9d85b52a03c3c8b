"""A bounded LRU of verified tokens for warm containers (honours ``exp`` and the deny-list)."""

from __future__ import annotations

from collections import OrderedDict

from .principal import Principal


class TokenCache:
    """Token string -> ``Principal``, at most ``maxsize`` entries, least recently used evicted first.

    Parameters
    ----------
    maxsize:
        Capacity (> 0).
    leeway:
        Seconds of ``exp`` leeway, the same as the verifier's.
    revoked:
        The revocation deny-list (``jti``/``origin_jti``), re-checked on every hit.
    """

    def __init__(self, maxsize: int, leeway: int, revoked: frozenset[str] = frozenset()) -> None:
        self._data: OrderedDict[str, Principal] = OrderedDict()
        self._maxsize = maxsize
        self._leeway = leeway
        self._revoked = revoked

    def get(self, token: str, now: float) -> Principal | None:
        """Return the cached principal for ``token`` if it is still valid at ``now``."""
        principal = self._data.get(token)
        if principal is None:
            return None
        if principal.exp + self._leeway <= now or (self._revoked and not self._revoked.isdisjoint(principal.jtis)):
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
        """Forget every entry (after a signing key was removed from the JWKS)."""
        self._data.clear()

    def __len__(self) -> int:
        return len(self._data)

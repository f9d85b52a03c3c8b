"""What a warm container keeps per accepted issuer: its configuration, its own key cache and claim checks.

Keys are never looked up across issuers: each issuer has its own ``JwksCache`` (deadline, penalty box,
stale-if-error and withdrawal rules unchanged), reached only after the token's ``iss`` matched this issuer
exactly (one dict lookup on the ``iss`` string in ``verifier.CognitoVerifier``).
"""

from __future__ import annotations

from .claims import ClaimRules
from .config import Settings
from .issuers import IssuerConfig
from .jwks import JwksCache


class TrustedIssuer:
    """One accepted issuer at run time.

    Parameters
    ----------
    config:
        The configured issuer (pool, region, form, app clients, JWKS URL).
    keys:
        This issuer's key cache.
    settings:
        The rest of the claim rules (token use, leeway, session age, username, deny-list).
    """

    __slots__ = ("check", "config", "context", "keys")

    def __init__(self, config: IssuerConfig, keys: JwksCache, settings: Settings) -> None:
        self.config = config
        self.keys = keys
        self.check = ClaimRules(settings, config).check
        # Added to the backend's context (USER_POOLS, or more than one issuer): which pool and region signed in.
        self.context: dict[str, str] = (
            {"pool_id": config.pool_id, "issuer_region": config.region} if settings.tag_pool else {}
        )

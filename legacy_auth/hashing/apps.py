"""Per-app rules: input transform, dispatch, password length cap, empty-password rule and the dummy hash
(the app's default modern scheme at its usual cost) used to make unknown users cost as much as real ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from legacy_auth.hashing import dispatch, transforms
from legacy_auth.hashing.dispatch import Dispatch

# Dummy hashes of a throw-away secret, made once with the libraries below at each app's default cost.
_BCRYPT10 = "$2y$10$Ihskht1EFj7z0vrmZvyyce7VxwGTzvZl//Aij3xplv0Quwzuxr6SC"
_BCRYPT12 = "$2y$12$roesvbJyifXyWgivJ6B8VusTvsjbkZ7RZPxgIuRgUbIN58wJUdO7m"
_BCRYPT13 = "$2y$13$m/xJKKH0Ti0ZHpKEjYse5OIwcR5P/RwvdFCoDjAYYQk0PfutTTOFK"
_DEVISE12 = "$2a$12$5Mc9REozx7LD.FhXYiMhEe3D.WybWcrqz21kP/os/YceNNFAuluWm"
_WP10 = "$wp$2y$10$uUVfr5r7k3uv.TRNjxoBCOljc1BmLdcvkf642ISA/SKvB8D2cM86G"
_PHPBB_ARGON2 = "$argon2id$v=19$m=65536,t=4,p=2$xHRkD9dOHfUH/FsoWzxtNg$GrRbL1Rmt1op1PlAcMSS2dGMguBWD+kFXJSHTa5aDQM"
_MAGENTO = (
    "37eed4413790772648d50c7443f059320867fd2caca911e8339dc98178a946c2:epyiiBprrxaijsvEBbkCcupstBaEulEc:3_32_2_67108864"
)
_DJANGO = "pbkdf2_sha256$1000000$z4Jzbif7bdsm$aD5dmbakWmdSKOB1+WOHjyy5ikq6q/EcietDH+7/8S8="
_ASPNET = "AQAAAAIAAYagAAAAEOElcEWCqmzQkvYcdEnakMD7voV5ahw5MoYiRv/DfWhDOq2lknXPU7qB5f3Xvk/q5g=="
_DRUPAL7 = "$S$DWejIXC1gp9Qzqj4COl2qxs0Ix6FGdc/BVQFy24z0MARkWZt9zJj"
_DRUPAL_MD5_FIRST = frozenset({"drupal_upgraded_md5"})


@dataclass(frozen=True, slots=True)
class AppRules:
    """How one legacy app checks a password.

    Attributes
    ----------
    transform : Callable[[str], list[str]]
        Input transform; returns the candidate strings to try, in order.
    dispatch : Dispatch
        Stored value => scheme, by the app's own prefix rules.
    max_bytes : int | None
        The app refuses longer (transformed) passwords; ``None`` = no cap.
    reject_empty : tuple[str, ...]
        Transformed values the app refuses before hashing (Symfony ``''``; phpBB ``''`` and ``'0'``).
    dummy_hash : str
        A hash of the app's default scheme and cost, for :meth:`HashContext.dummy_verify`.
    uncapped : frozenset[str]
        Schemes ``max_bytes`` does not apply to, because the app transforms the password before its length
        check (Drupal ``U$``: ``md5()`` first, then ``_password_crypt``'s 512-byte limit sees 32 characters).
    """

    transform: Callable[[str], list[str]]
    dispatch: Dispatch
    max_bytes: int | None
    reject_empty: tuple[str, ...]
    dummy_hash: str
    uncapped: frozenset[str] = frozenset()


APPS: dict[str, AppRules] = {
    # q2a: dispatch is the passsalt/passcheck rule in the context; passhash goes through password_verify
    "q2a": AppRules(transforms.q2a_input, lambda s, f: dispatch.php_password_verify(s, "q2a"), None, (), _BCRYPT10),
    "wordpress": AppRules(transforms.php_trim, dispatch.wordpress, 4096, (), _WP10),
    "drupal7": AppRules(transforms.php_trim, dispatch.drupal7, 512, (), _DRUPAL7, _DRUPAL_MD5_FIRST),
    "drupal": AppRules(transforms.php_trim, dispatch.drupal, 512, (), _BCRYPT10, _DRUPAL_MD5_FIRST),
    "phpbb3": AppRules(transforms.phpbb_input, dispatch.phpbb3, 4096, ("", "0"), _PHPBB_ARGON2),
    "joomla": AppRules(transforms.raw, dispatch.joomla, None, (), _BCRYPT10),
    "magento2": AppRules(transforms.raw, dispatch.magento2, None, (), _MAGENTO),
    "laravel": AppRules(transforms.raw, dispatch.laravel, None, (), _BCRYPT12),
    "symfony": AppRules(transforms.raw, dispatch.symfony, 4096, ("",), _BCRYPT13),
    "django": AppRules(transforms.raw, dispatch.django, None, (), _DJANGO),
    "devise": AppRules(transforms.raw, dispatch.devise, None, (), _DEVISE12),
    "aspnet_identity": AppRules(transforms.raw, dispatch.aspnet_identity, None, (), _ASPNET),
    "generic": AppRules(transforms.raw, dispatch.generic, None, (), _BCRYPT10),
}

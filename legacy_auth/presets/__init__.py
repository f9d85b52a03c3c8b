"""Per-app presets for the legacy users table. ``get_preset(name, **options)`` returns an ``AppPreset``.

Options are keyword arguments named like their environment variables without the ``LEGACY_`` prefix
(``email_login`` <- ``LEGACY_EMAIL_LOGIN``); each preset accepts only its own (see ``docs/presets.md``),
``None`` means "not set". Values may be Python values or the raw environment text.
"""

from __future__ import annotations

from legacy_auth.errors import ConfigurationError
from legacy_auth.presets.aspnet import AspNetIdentityPreset
from legacy_auth.presets.base import AppPreset, Dialect, Query
from legacy_auth.presets.devise import DevisePreset
from legacy_auth.presets.django import DjangoPreset
from legacy_auth.presets.drupal import Drupal7Preset, DrupalPreset
from legacy_auth.presets.generic import GenericPreset
from legacy_auth.presets.joomla import JoomlaPreset
from legacy_auth.presets.laravel import LaravelPreset
from legacy_auth.presets.magento import Magento2Preset
from legacy_auth.presets.phpbb import PhpbbPreset
from legacy_auth.presets.q2a import Q2aPreset
from legacy_auth.presets.symfony import SymfonyPreset
from legacy_auth.presets.table import TablePreset
from legacy_auth.presets.wordpress import WordPressPreset

PRESETS: dict[str, type[TablePreset]] = {
    cls.name: cls
    for cls in (
        Q2aPreset,
        WordPressPreset,
        Drupal7Preset,
        DrupalPreset,
        PhpbbPreset,
        JoomlaPreset,
        Magento2Preset,
        LaravelPreset,
        SymfonyPreset,
        DjangoPreset,
        DevisePreset,
        AspNetIdentityPreset,
        GenericPreset,
    )
}


def get_preset(name: str, **options: object) -> AppPreset:
    """The preset for ``LEGACY_APP=name`` configured with ``options``.

    Parameters
    ----------
    name
        A ``LEGACY_APP`` value: ``q2a``, ``wordpress``, ``drupal7``, ``drupal``, ``phpbb3``, ``joomla``,
        ``magento2``, ``laravel``, ``symfony``, ``django``, ``devise``, ``aspnet_identity``, ``generic``.
    **options
        Preset options (``None`` values are ignored).

    Returns
    -------
    AppPreset
        An object building the app's lookup/scan queries, mapping rows and producing its DDL.

    Raises
    ------
    ConfigurationError
        Unknown ``name`` (names ``LEGACY_APP``) or an option the preset does not have or cannot parse.
    """
    cls = PRESETS.get(name) if isinstance(name, str) else None
    if cls is None:
        raise ConfigurationError("LEGACY_APP", f"unknown app {name!r}; expected one of {', '.join(sorted(PRESETS))}")
    return cls(**{key: value for key, value in options.items() if value is not None})


__all__ = ["PRESETS", "AppPreset", "Dialect", "Query", "get_preset"]

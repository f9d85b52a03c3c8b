"""Per-app presets for the legacy users table. ``get_preset(name, **options)`` returns an ``AppPreset``."""

from __future__ import annotations

from legacy_auth.presets.base import AppPreset, Dialect, Query

__all__ = ["AppPreset", "Dialect", "Query"]

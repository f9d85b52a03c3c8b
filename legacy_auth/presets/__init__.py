"""The shared machinery of the legacy users-table presets.

:class:`~legacy_auth.presets.table.TablePreset` (query building, identifier checks, option parsing, error
conversion), :mod:`.sql` (columns, indexes, lookups, DDL), :mod:`.values` (reading row values) and the
:class:`AppPreset` protocol. Each app's own preset (its real table, login rule, row mapping and account states)
lives in its module, ``legacy_auth/apps/<app>.py``; :func:`legacy_auth.apps.get_preset` builds one.
"""

from __future__ import annotations

from legacy_auth.presets.base import AppPreset, Dialect, Query

__all__ = ["AppPreset", "Dialect", "Query"]

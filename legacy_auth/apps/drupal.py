"""Drupal 8+: ``LEGACY_APP=drupal``.

Its users sign in with ``name`` (the Cognito username of a username pool).
"""

from __future__ import annotations

from legacy_auth.apps.app import App

APP = App(name="drupal", title="Drupal 8+", login_columns=("name",))

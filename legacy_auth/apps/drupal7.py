"""Drupal 7: ``LEGACY_APP=drupal7``.

Its users sign in with ``name`` (the Cognito username of a username pool).
"""

from __future__ import annotations

from legacy_auth.apps.app import App

APP = App(name="drupal7", title="Drupal 7", login_columns=("name",))

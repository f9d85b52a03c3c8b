"""Joomla 3/4/5: ``LEGACY_APP=joomla``.

Its users sign in with ``username`` (the Cognito username of a username pool).
"""

from __future__ import annotations

from legacy_auth.apps.app import App

APP = App(name="joomla", title="Joomla 3/4/5", login_columns=("username",))

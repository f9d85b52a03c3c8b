"""phpBB 3: ``LEGACY_APP=phpbb3``.

Its users sign in with ``username`` (the Cognito username of a username pool).
"""

from __future__ import annotations

from legacy_auth.apps.app import App

APP = App(name="phpbb3", title="phpBB 3", login_columns=("username",))

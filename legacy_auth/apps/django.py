"""Django: ``LEGACY_APP=django``.

Its users sign in with ``username`` (the Cognito username of a username pool).
"""

from __future__ import annotations

from legacy_auth.apps.app import App

APP = App(name="django", title="Django", login_columns=("username",))

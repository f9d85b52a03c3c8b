"""WordPress: ``LEGACY_APP=wordpress``.

Its users sign in with ``user_login`` (the Cognito username of a username pool).
"""

from __future__ import annotations

from legacy_auth.apps.app import App

APP = App(name="wordpress", title="WordPress", login_columns=("user_login",))

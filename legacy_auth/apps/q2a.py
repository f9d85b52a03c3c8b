"""question2answer: ``LEGACY_APP=q2a``.

Its users sign in with ``handle`` (the Cognito username of a username pool).
"""

from __future__ import annotations

from legacy_auth.apps.app import App

APP = App(name="q2a", title="question2answer", login_columns=("handle",))

"""ASP.NET Identity: ``LEGACY_APP=aspnet_identity``.

Its users sign in with ``UserName`` (the Cognito username of a username pool).
"""

from __future__ import annotations

from legacy_auth.apps.app import App

APP = App(name="aspnet_identity", title="ASP.NET Identity", login_columns=("UserName",))

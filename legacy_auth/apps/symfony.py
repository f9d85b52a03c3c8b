"""Symfony (make:user / FOSUserBundle): ``LEGACY_APP=symfony``.

Its users sign in with ``username`` (the Cognito username of a username pool).
"""

from __future__ import annotations

from legacy_auth.apps.app import App

APP = App(name="symfony", title="Symfony (make:user / FOSUserBundle)", login_columns=("username",))

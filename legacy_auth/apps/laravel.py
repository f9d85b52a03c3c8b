"""Laravel: ``LEGACY_APP=laravel``.

No username column: its users sign in by email.
"""

from __future__ import annotations

from legacy_auth.apps.app import App

APP = App(name="laravel", title="Laravel", login_columns=())

"""any other table (generic): ``LEGACY_APP=generic``.

No username column: its users sign in by email.
"""

from __future__ import annotations

from legacy_auth.apps.app import App

APP = App(name="generic", title="any other table (generic)", login_columns=())

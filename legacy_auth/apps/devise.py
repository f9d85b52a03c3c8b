"""Rails / Devise: ``LEGACY_APP=devise``.

No username column: its users sign in by email.
"""

from __future__ import annotations

from legacy_auth.apps.app import App

APP = App(name="devise", title="Rails / Devise", login_columns=())

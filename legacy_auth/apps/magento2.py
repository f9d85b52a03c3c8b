"""Magento 2 customers: ``LEGACY_APP=magento2``.

No username column: its users sign in by email.
"""

from __future__ import annotations

from legacy_auth.apps.app import App

APP = App(name="magento2", title="Magento 2 customers", login_columns=())

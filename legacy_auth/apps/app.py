"""What the registry knows about one legacy app (:class:`App`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class App:
    """One legacy application the service can migrate from.

    Attributes
    ----------
    name : str
        The ``LEGACY_APP`` value.
    title : str
        What the app is, for humans (docs, CLI).
    login_columns : tuple[str, ...]
        The column(s) its users sign in with that become the Cognito username of a username pool (the admin CLI's
        scans); empty when they sign in by email only.
    import_routes : tuple[str, ...]
        Bulk-import routes for this app (a slot for the hybrid-import issue; empty until then).
    """

    name: str
    title: str
    login_columns: tuple[str, ...] = ()
    import_routes: tuple[str, ...] = ()

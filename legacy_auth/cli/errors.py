"""Errors of the admin CLI (branches of :class:`legacy_auth.errors.LegacyAuthError`)."""

from __future__ import annotations

from legacy_auth.errors import LegacyAuthError


class CliError(LegacyAuthError):
    """A command cannot run as asked (missing optional dependency, unusable file, AWS refusal).

    ``exit_code`` is the process exit status the CLI uses for it; the message is one line, without secrets.
    """

    exit_code = 3

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(CliError):
    """The command line or configuration is unusable (exit status 2)."""

    exit_code = 2

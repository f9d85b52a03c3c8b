"""The admin CLI ``legacy-auth``: ``scan``, ``check``, ``status``, ``reconcile`` and ``export``.

Entry point :func:`legacy_auth.cli.main.main` (console script ``legacy-auth``). Each command lives in its own
module under ``commands/`` (``scan``, ``check``, ``status``, ``reconcile``, ``export``, ...) with the pure logic
beside it (``scan``, ``timing``, ``cognito_rules``, ``import_csv``, ``import_jobs``, ``chart``); see
``docs/cli.md`` for every command with example output.
"""

from __future__ import annotations

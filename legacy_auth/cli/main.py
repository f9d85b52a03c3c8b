"""``legacy-auth``: the admin CLI's entry point, argument parsing and the one error-mapping step.

Exit statuses (every command): 0 success; 1 the command's own "not OK" answer (``scan``: blocking findings,
``check``: the trigger would refuse, ``reconcile``: some users could not be repaired); 2 bad command line or
configuration (one line on stderr naming the variable or flag); 3 the database or AWS could not be reached
or refused (one line, never a traceback); 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from typing import NoReturn, TextIO

from legacy_auth.cli import check_cmd, export_cmd, reconcile_cmd, scan_cmd, status_cmd
from legacy_auth.cli.errors import CliError
from legacy_auth.errors import ConfigurationError, LegacyAuthError, StoreError

PROG = "legacy-auth"


class OneLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose usage errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        """Print ``prog: error: message`` and exit 2 (no usage block)."""
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The parser with every sub-command."""
    common = OneLineParser(add_help=False)
    common.add_argument("--json", action="store_true", help="machine-readable JSON on stdout")
    parser = OneLineParser(
        prog=PROG,
        description="Admin tool of the Cognito legacy-user migration: readiness scan, single-user check, "
                    "progress, reconciliation and bulk export. Configuration comes from the trigger's "
                    "LEGACY_* environment (flags override it).",
        epilog="Exit status: 0 ok, 1 not ok (command-specific), 2 bad configuration, 3 database/AWS error.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    sub.required = True
    for module in (scan_cmd, check_cmd, status_cmd, reconcile_cmd, export_cmd):
        module.register(sub, [common])
    return parser


def _store_message(exc: StoreError) -> str:
    reason = getattr(exc, "reason", None) or type(exc).__name__
    dialect = getattr(exc, "dialect", None)
    return f"database error: {reason}" + (f" ({dialect})" if dialect else "")


def _aws_message(exc: Exception) -> str | None:
    if not type(exc).__module__.startswith(("botocore", "boto3")):
        return None
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error", {})
        return f"AWS error: {error.get('Code', type(exc).__name__)}: {error.get('Message', '')}".rstrip(": ")
    return f"AWS error: {type(exc).__name__}: {exc}"


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None,
         stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run ``legacy-auth`` with ``argv``; return the exit status (never raises for expected failures).

    Parameters
    ----------
    argv : Sequence[str] or None
        Arguments without the program name (default ``sys.argv[1:]``).
    environ : Mapping[str, str] or None
        Configuration environment (default ``os.environ``).
    stdout, stderr : TextIO or None
        Output streams (default ``sys.stdout`` / ``sys.stderr``).

    Returns
    -------
    int
        The exit status (see the module docstring).
    """
    err = stderr or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2): argparse already printed
        return int(exc.code or 0)
    try:
        return int(args.func(args, environ if environ is not None else os.environ, stdout, err))
    except ConfigurationError as exc:
        err.write(f"{PROG}: configuration error: {exc}\n")
        return 2
    except CliError as exc:
        err.write(f"{PROG}: {exc}\n")
        return exc.exit_code
    except StoreError as exc:
        err.write(f"{PROG}: {_store_message(exc)}\n")
        return 3
    except LegacyAuthError as exc:
        err.write(f"{PROG}: {type(exc).__name__}: {exc}\n")
        return 3
    except KeyboardInterrupt:
        err.write(f"{PROG}: interrupted\n")
        return 130
    except Exception as exc:
        message = _aws_message(exc)
        if message is None:
            raise
        err.write(f"{PROG}: {message}\n")
        return 3


if __name__ == "__main__":
    sys.exit(main())

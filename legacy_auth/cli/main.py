"""``legacy-auth``: the admin CLI's entry point, argument parsing and the one error-mapping step.

Exit statuses (every command): 0 success; 1 the command's own "not OK" answer (``scan``: blocking findings,
``check``: the trigger would refuse, ``reconcile``: some users could not be repaired, ``export --start``: a job
did not succeed), and also an unexpected error (a bug: one line naming the exception type, the traceback only
with ``--debug``); 2 bad command line or configuration (one line on stderr naming the variable or flag); 3 the
database or AWS could not be reached or refused (one line, never a traceback); 130 interrupted.

With ``--json`` every failure is also one JSON object on stdout: ``{"error": <the line>, "kind": ...,
"exit_status": N}`` (a database error adds ``reason`` and ``cause``), so stdout is always valid JSON
(``--help`` excepted: it prints text).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import NoReturn, TextIO

from legacy_auth.cli import environment
from legacy_auth.cli.commands import check as check_cmd
from legacy_auth.cli.commands import clients as clients_cmd
from legacy_auth.cli.commands import export as export_cmd
from legacy_auth.cli.commands import load as load_cmd
from legacy_auth.cli.commands import plan as plan_cmd
from legacy_auth.cli.commands import reconcile as reconcile_cmd
from legacy_auth.cli.commands import release as release_cmd
from legacy_auth.cli.commands import scan as scan_cmd
from legacy_auth.cli.commands import sql as sql_cmd
from legacy_auth.cli.commands import status as status_cmd
from legacy_auth.cli.db_errors import explain
from legacy_auth.cli.errors import CliError, UsageError
from legacy_auth.cli.output import print_json
from legacy_auth.errors import ConfigurationError, LegacyAuthError, StoreError

PROG = "legacy-auth"


class ArgumentsError(UsageError):
    """A command-line error, raised by :class:`OneLineParser` instead of exiting (``main`` prints it).

    ``str()`` is the whole line (``legacy-auth scan: error: ... (see --help)``); ``message`` is argparse's.
    """

    def __init__(self, prog: str, message: str) -> None:
        super().__init__(f"{prog}: error: {message} (see --help)")
        self.message = message


class OneLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose usage errors are one line (exit status 2, printed by :func:`main`)."""

    def error(self, message: str) -> NoReturn:
        """Raise :class:`ArgumentsError` with ``prog: error: message (see --help)`` (no usage block)."""
        raise ArgumentsError(self.prog, message)


def build_parser() -> argparse.ArgumentParser:
    """The parser with every sub-command."""
    common = OneLineParser(add_help=False)
    common.add_argument("--json", action="store_true", help="machine-readable JSON on stdout (errors too)")
    common.add_argument("--debug", action="store_true",
                        help="on an unexpected error, print the traceback (it may show data from the database)")
    parser = OneLineParser(
        prog=PROG,
        description="Admin tool of the Cognito legacy-user migration: readiness scan, single-user check, "
                    "migration plan, progress, reconciliation, bulk export and releasing a migrated account. "
                    "Configuration comes from the trigger's LEGACY_* environment (flags override it).",
        epilog="Exit status: 0 ok, 1 not ok (command-specific) or unexpected error, 2 bad configuration, "
               "3 database/AWS error, 130 interrupted.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    sub.required = True
    for module in (scan_cmd, plan_cmd, check_cmd, status_cmd, reconcile_cmd, export_cmd, release_cmd, clients_cmd,
                   sql_cmd, load_cmd):
        module.register(sub, [common])
    return parser


def _store_message(exc: StoreError, args: argparse.Namespace, environ: Mapping[str, str]) -> str:
    """``database error: <reason> (<dialect>)`` and, when known, the cause in words and where it happened."""
    reason = getattr(exc, "reason", None) or type(exc).__name__
    dialect = getattr(exc, "dialect", None)
    line = f"database error: {reason}" + (f" ({dialect})" if dialect else "")
    cause = getattr(exc, "cause", None)
    table = _hint(reconcile_cmd.expected_table if args.command == "reconcile" else environment.expected_table,
                  args, environ) if cause in ("missing_table", "statement") else None
    column = _hint(environment.expected_columns, args, environ) if cause == "missing_column" else None
    text = explain(exc, table, column)
    return f"{line}: {text}" if text else line


def _hint(fn: Callable[[argparse.Namespace, Mapping[str, str]], str | None], args: argparse.Namespace,
          environ: Mapping[str, str]) -> str | None:
    """A hint about the configuration (``None`` if it cannot be built)."""
    try:
        return fn(args, environ)
    except Exception:  # noqa: BLE001 - a hint must never hide the error it explains
        return None


def _aws_message(exc: Exception) -> str | None:
    if not type(exc).__module__.startswith(("botocore", "boto3")):
        return None
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error", {})
        return f"AWS error: {error.get('Code', type(exc).__name__)}: {error.get('Message', '')}".rstrip(": ")
    return f"AWS error: {type(exc).__name__}: {exc}"


def describe_error(exc: Exception, args: argparse.Namespace, environ: Mapping[str, str]) -> tuple[str, int, str]:
    """The one line (without the program name), exit status and kind of a command's failure.

    Mapping by exception type, in one place: ``ConfigurationError`` 2, ``CliError`` its ``exit_code``,
    ``StoreError`` 3 (the cause in words: host/port tried, unknown database, authentication, TLS, missing
    table or column...; :mod:`legacy_auth.cli.db_errors`), other ``LegacyAuthError`` 3, botocore /
    boto3 errors 3, anything else 1 (``unexpected error: <type>``: the message could quote data, so it is
    not shown).
    """
    if isinstance(exc, ConfigurationError):
        return f"configuration error: {exc}", 2, "configuration"
    if isinstance(exc, CliError):
        return str(exc), exc.exit_code, "usage" if exc.exit_code == 2 else "failure"
    if isinstance(exc, StoreError):
        return _store_message(exc, args, environ), 3, "database"
    if isinstance(exc, LegacyAuthError):
        return f"{type(exc).__name__}: {exc}", 3, "failure"
    message = _aws_message(exc)
    if message is not None:
        return message, 3, "aws"
    return f"unexpected error: {type(exc).__name__} (a bug; --debug shows the traceback)", 1, "unexpected"


def _report(line: str, error: str, status: int, kind: str, *, as_json: bool, out: TextIO, err: TextIO,
            extra: Mapping[str, object] | None = None) -> int:
    """Write ``line`` on ``err`` (and ``{"error": error, ...}`` on ``out`` with ``--json``); return ``status``.

    ``extra`` adds keys to the JSON object (a database error's ``reason`` and ``cause``).
    """
    err.write(f"{line}\n")
    if as_json:
        print_json({"error": error, "kind": kind, "exit_status": status, **(extra or {})}, out)
    return status


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None,
         stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run ``legacy-auth`` with ``argv``; return the exit status (never raises, never prints a traceback).

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
    out, err = stdout or sys.stdout, stderr or sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    env = environ if environ is not None else os.environ
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help: argparse printed it
        return int(exc.code or 0)
    except ArgumentsError as exc:
        return _report(str(exc), exc.message, 2, "usage", as_json="--json" in argv, out=out, err=err)
    try:
        return int(args.func(args, env, stdout, err))
    except KeyboardInterrupt:
        return _report(f"{PROG}: interrupted", "interrupted", 130, "interrupted", as_json=args.json, out=out,
                       err=err)
    except Exception as exc:  # noqa: BLE001 - the last-resort guard: one line, never a traceback
        message, status, kind = describe_error(exc, args, env)
        if kind == "unexpected" and args.debug:
            traceback.print_exception(exc, file=err)
        extra = {"reason": getattr(exc, "reason", None), "cause": getattr(exc, "cause", None)} \
            if isinstance(exc, StoreError) else None
        return _report(f"{PROG}: {message}", message, status, kind, as_json=args.json, out=out, err=err,
                       extra=extra)


if __name__ == "__main__":
    sys.exit(main())

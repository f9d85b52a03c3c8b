"""The CLI shell: --help everywhere, one-line errors with the documented exit status, JSON errors, the guard."""

from __future__ import annotations

import argparse
import io
import json

import pytest

from legacy_auth.cli.commands import export as export_cmd
from legacy_auth.cli.commands import reconcile as reconcile_cmd
from legacy_auth.cli.commands import status as status_cmd
from legacy_auth.cli.environment import int_in_range
from legacy_auth.cli.main import build_parser, describe_error, main
from legacy_auth.db.failures import store_error

COMMANDS = ["scan", "plan", "check", "status", "reconcile", "export", "release", "clients", "sql", "routes"]


def _run(argv: list[str], env: dict[str, str] | None = None) -> tuple[int, str]:
    err = io.StringIO()
    code = main(argv, environ=env or {}, stdout=io.StringIO(), stderr=err)
    return code, err.getvalue()


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_every_command_has_help(command: str | None, capsys: pytest.CaptureFixture[str]) -> None:
    code = main([command, "--help"] if command else ["--help"], environ={})
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith(f"usage: legacy-auth{' ' + command if command else ''}")
    if command:
        assert "--json" in out


def test_help_stays_text_with_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--json", "--help"], environ={}) == 0
    assert capsys.readouterr().out.startswith("usage: legacy-auth export")


@pytest.mark.parametrize(("env", "expected"), [
    ({}, "legacy-auth: configuration error: LEGACY_APP: required; one of q2a, wordpress"),
    ({"LEGACY_APP": "nope"}, "legacy-auth: configuration error: LEGACY_APP: must be one of"),
    ({"LEGACY_APP": "q2a"}, "legacy-auth: configuration error: LEGACY_DB_URL: set LEGACY_DB_URL or"),
    ({"LEGACY_APP": "q2a", "LEGACY_DB_URL": "ftp://x/y"}, "legacy-auth: configuration error: LEGACY_DB_URL:"),
    ({"LEGACY_APP": "q2a", "LEGACY_DB_URL": "sqlite:///x.db", "LEGACY_TABLE_PREFIX": "qa-"},
     "legacy-auth: configuration error: LEGACY_TABLE_PREFIX:"),
    ({"LEGACY_APP": "generic", "LEGACY_DB_URL": "sqlite:///x.db"},
     "legacy-auth: configuration error: LEGACY_GENERIC_"),
])
@pytest.mark.parametrize("command", ["scan", "status", "export"])
def test_bad_configuration_is_one_line_and_exit_2(env: dict[str, str], expected: str, command: str) -> None:
    code, err = _run([command], env)
    assert code == 2
    assert err.startswith(expected)
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_flags_override_the_environment() -> None:
    code, err = _run(["scan", "--app", "nope"], {"LEGACY_APP": "q2a", "LEGACY_DB_URL": "sqlite:///x.db"})
    assert code == 2
    assert "LEGACY_APP: must be one of" in err


def test_password_in_db_url_never_appears_in_errors() -> None:
    code, err = _run(["scan", "--app", "q2a", "--db-url", "mysql://root:s3cr3tpw@127.0.0.1:1/db"])
    assert code == 3
    assert "s3cr3tpw" not in err
    assert err == ("legacy-auth: database error: db_unavailable (mysql): 127.0.0.1:1 refused the connection: is the "
                   "server running, and is the port right?\n")


def test_unknown_command_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["frobnicate"], environ={})
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert "invalid choice: 'frobnicate'" in err


def test_usage_error_message_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["scan", "--lambda-memory", "lots"], environ={})
    err = capsys.readouterr().err
    assert code == 2
    assert err == "legacy-auth scan: error: argument --lambda-memory: invalid int value: 'lots' (see --help)\n"


# ---------------------------------------------------------------- the last-resort guard and --json errors


def _boom(*_: object) -> int:
    raise RuntimeError("detail that may quote data: s3cr3t")


@pytest.mark.parametrize("command", ["status", "reconcile", "export"])
def test_unexpected_error_is_one_line_naming_its_type_and_exit_1(command: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    module = {"status": status_cmd, "reconcile": reconcile_cmd, "export": export_cmd}[command]
    monkeypatch.setattr(module, "run", _boom)
    code, err = _run([command])
    assert code == 1
    assert err == "legacy-auth: unexpected error: RuntimeError (a bug; --debug shows the traceback)\n"
    assert "s3cr3t" not in err


def test_debug_flag_shows_the_traceback_of_an_unexpected_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(status_cmd, "run", _boom)
    code, err = _run(["status", "--debug"])
    assert code == 1
    assert err.startswith("Traceback (most recent call last):")
    assert "RuntimeError: detail that may quote data" in err
    assert err.endswith("legacy-auth: unexpected error: RuntimeError (a bug; --debug shows the traceback)\n")


def test_interrupt_is_exit_130(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*_: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(status_cmd, "run", interrupted)
    assert _run(["status"]) == (130, "legacy-auth: interrupted\n")


def _json_run(argv: list[str], env: dict[str, str] | None = None) -> tuple[int, dict[str, object], str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, environ=env or {}, stdout=out, stderr=err)
    return code, json.loads(out.getvalue()), err.getvalue()


@pytest.mark.parametrize(("argv", "status", "kind"), [
    (["scan", "--json"], 2, "configuration"),
    (["check", "bob", "--json"], 2, "configuration"),
    (["status", "--json"], 2, "configuration"),
    (["reconcile", "--json"], 2, "usage"),
    (["export", "--json"], 2, "configuration"),
    (["export", "--json", "--max-rows", "0"], 2, "usage"),
    (["--json", "frobnicate"], 2, "usage"),
])
def test_json_errors_are_one_json_object_with_an_error_key(argv: list[str], status: int, kind: str) -> None:
    code, data, err = _json_run(argv)
    assert code == status
    assert set(data) == {"error", "kind", "exit_status"}
    assert (data["kind"], data["exit_status"]) == (kind, status)
    assert isinstance(data["error"], str)
    assert data["error"] in err  # the same line as on stderr, without the program name
    assert not str(data["error"]).startswith("legacy-auth")


def test_json_database_error_names_the_reason() -> None:
    code, data, err = _json_run(["status", "--json"], {"LEGACY_APP": "q2a",
                                                       "LEGACY_DB_URL": "mysql://root:pw9x@127.0.0.1:1/db"})
    assert code == 3
    assert data == {"error": "database error: db_unavailable (mysql): 127.0.0.1:1 refused the connection: is the "
                             "server running, and is the port right?", "kind": "database", "exit_status": 3,
                    "reason": "db_unavailable", "cause": "connection_refused"}
    assert "pw9x" not in err


def test_json_unexpected_error_is_json_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export_cmd, "run", _boom)
    code, data, _ = _json_run(["export", "--json"])
    assert code == 1
    assert data["kind"] == "unexpected"


# ---------------------------------------------------------------- db_statement names the expected table


def _statement_error() -> Exception:
    return store_error(None, "statement", "sqlite", None)


def test_statement_error_names_the_users_table_and_the_prefix_variable() -> None:
    args = build_parser().parse_args(["status", "--app", "q2a", "--db-url", "sqlite:///x.db", "--table-prefix", "zz_"])
    message, status, kind = describe_error(_statement_error(), args, {})
    assert (status, kind) == (3, "database")
    assert message == ("database error: db_statement (sqlite): expected the q2a users table 'zz_users' "
                       "(LEGACY_TABLE_PREFIX='zz_'): check the prefix (--table-prefix) and that the table exists")


def test_statement_error_of_reconcile_names_the_app_tables() -> None:
    args = build_parser().parse_args(["reconcile"])
    message, _, _ = describe_error(_statement_error(), args, {"HOOKS_APP_USERS_TABLE": "members"})
    assert message == ("database error: db_statement (sqlite): expected the app users table 'members' "
                       "(HOOKS_APP_USERS_TABLE) and 'provisioning_failures' (HOOKS_PROVISIONING_FAILURES_TABLE): "
                       "create them (docs/hooks.md) or check HOOKS_APP_DB_URL")


def test_other_database_errors_keep_the_short_line() -> None:
    args = build_parser().parse_args(["status", "--app", "q2a", "--db-url", "sqlite:///x.db"])
    message, _, _ = describe_error(store_error(None, "connect", "sqlite", None), args, {})
    assert message == "database error: db_unavailable (sqlite)"


# ---------------------------------------------------------------- the shared argparse types


def test_int_in_range_accepts_the_bounds_and_refuses_outside_them() -> None:
    memory = int_in_range(128, 10240)
    assert (memory("128"), memory("10240")) == (128, 10240)
    for bad, message in (("127", "from 128 to 10,240, not 127"), ("-5", "not -5"), ("10241", "not 10,241"),
                         ("1e3", "invalid int value: '1e3'")):
        with pytest.raises(argparse.ArgumentTypeError, match=message):
            memory(bad)
    with pytest.raises(argparse.ArgumentTypeError, match="must be an integer >= 1, not -1"):
        int_in_range(1)("-1")


@pytest.mark.parametrize(("flag", "value"), [
    ("--lambda-memory", "-5"), ("--lambda-memory", "127"), ("--lambda-memory", "10241"),
    ("--workers", "-1"), ("--workers", "0"), ("--batch", "0"), ("--repeats", "0"),
])
def test_scan_refuses_out_of_range_numbers_in_one_line(flag: str, value: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = main(["scan", flag, value], environ={}, stdout=out, stderr=err)
    assert code == 2
    lines = err.getvalue().strip().splitlines()
    assert f"argument {flag}: must be an integer" in lines[-1]
    assert "Traceback" not in err.getvalue()
    assert f"not {int(value):,}" in lines[-1]

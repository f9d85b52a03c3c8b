"""The CLI shell: --help everywhere, one-line configuration and usage errors with exit status 2."""

from __future__ import annotations

import io

import pytest

from legacy_auth.cli.main import main

COMMANDS = ["scan", "check", "status", "reconcile", "export"]


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
    assert err == "legacy-auth: database error: db_unavailable (mysql)\n"


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

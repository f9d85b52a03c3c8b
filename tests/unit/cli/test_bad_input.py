"""Bad flags, files and URLs give one line (no traceback) and the documented exit status, before any I/O."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from legacy_auth.cli.main import main

POOL = "eu-west-1_TestPool1"


def _run(argv: list[str], env: dict[str, str] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, environ=env or {}, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _one_line(err: str) -> str:
    assert err.count("\n") == 1, err
    assert err.endswith("\n")
    assert "Traceback" not in err
    return err.rstrip("\n")


@pytest.fixture
def legacy_env(tmp_path: Path) -> dict[str, str]:
    """A configuration that validates; its SQLite file does not exist (these errors come before any query)."""
    return {"LEGACY_APP": "q2a", "LEGACY_DB_URL": f"sqlite:///{tmp_path / 'never-opened.db'}",
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@pytest.fixture
def header_file(tmp_path: Path) -> Path:
    path = tmp_path / "header.json"
    path.write_text(json.dumps({"CSVHeader": ["cognito:username", "cognito:mfa_enabled", "email",
                                              "email_verified"]}), "utf-8")
    return path


@pytest.mark.parametrize("url", ["bogus", "ftp://host/db", "mysql://host", "sqlite://relative.db"])
def test_reconcile_bad_app_db_url_flag_is_a_configuration_error(url: str) -> None:
    code, _, err = _run(["reconcile", "--user-pool-id", POOL, "--app-db-url", url])
    assert code == 2
    assert _one_line(err).startswith("legacy-auth: configuration error: HOOKS_APP_DB_URL: ")


def test_reconcile_bad_app_db_url_variable_never_shows_the_password() -> None:
    code, _, err = _run(["reconcile", "--user-pool-id", POOL], {"HOOKS_APP_DB_URL": "mysql://u:hunter2pw@h:x/db"})
    assert code == 2
    assert _one_line(err) == ("legacy-auth: configuration error: HOOKS_APP_DB_URL: database URL has an invalid "
                              "host or port")
    assert "hunter2pw" not in err


@pytest.mark.parametrize("endpoint", ["notaurl", "ftp://example.org", "http://", "http://host:99999"])
def test_export_bad_endpoint_url_is_a_usage_error(endpoint: str, legacy_env: dict[str, str]) -> None:
    code, _, err = _run(["export", "--user-pool-id", POOL, "--endpoint-url", endpoint], legacy_env)
    assert code == 2
    assert _one_line(err) == "legacy-auth: --endpoint-url must be an http(s) URL, e.g. http://127.0.0.1:9229"


def test_export_bad_region_is_a_usage_error(legacy_env: dict[str, str]) -> None:
    code, _, err = _run(["export", "--user-pool-id", POOL, "--region", "not a region"], legacy_env)
    assert code == 2
    assert _one_line(err).startswith("legacy-auth: cannot create the Cognito client: Provided region_name")


def test_export_out_dir_that_is_a_file_is_a_usage_error(legacy_env: dict[str, str], header_file: Path) -> None:
    code, _, err = _run(["export", "--header-file", str(header_file), "--out-dir", str(header_file)], legacy_env)
    assert code == 2
    assert _one_line(err) == f"legacy-auth: --out-dir {header_file}: exists and is not a directory"


def test_export_out_dir_that_cannot_be_created_is_a_usage_error(legacy_env: dict[str, str],
                                                                header_file: Path) -> None:
    code, _, err = _run(["export", "--header-file", str(header_file), "--out-dir", "/proc/x"], legacy_env)
    assert code == 2
    assert _one_line(err).startswith("legacy-auth: --out-dir /proc/x: cannot create it (")


def test_export_binary_header_file_is_a_usage_error(legacy_env: dict[str, str], tmp_path: Path) -> None:
    png = tmp_path / "chart.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe")
    code, _, err = _run(["export", "--header-file", str(png), "--out-dir", str(tmp_path)], legacy_env)
    assert code == 2
    assert _one_line(err) == (f"legacy-auth: --header-file {png}: not UTF-8 text (expected get-csv-header JSON "
                              "or a CSV line)")


@pytest.mark.parametrize(("content", "expected"), [
    ("", "empty file"), ("{not json", "not valid JSON"), ('{"UserPoolId": "x"}', "no CSVHeader list"),
])
def test_export_unusable_header_file_says_why(legacy_env: dict[str, str], tmp_path: Path, content: str,
                                              expected: str) -> None:
    path = tmp_path / "h.json"
    path.write_text(content, "utf-8")
    code, _, err = _run(["export", "--header-file", str(path), "--out-dir", str(tmp_path)], legacy_env)
    assert code == 2
    assert _one_line(err) == f"legacy-auth: --header-file {path}: {expected}"


def test_export_missing_header_file_names_the_os_reason(legacy_env: dict[str, str], tmp_path: Path) -> None:
    code, _, err = _run(["export", "--header-file", str(tmp_path / "nope.json"), "--out-dir", str(tmp_path)],
                        legacy_env)
    assert code == 2
    assert _one_line(err) == f"legacy-auth: --header-file {tmp_path / 'nope.json'}: No such file or directory"


@pytest.mark.parametrize(("argv", "expected"), [
    (["export", "--max-bytes", "100000001"], "argument --max-bytes: must be an integer from 1,024 to 100,000,000, "
                                             "not 100,000,001"),
    (["export", "--max-bytes", "1023"], "argument --max-bytes: must be an integer from 1,024 to 100,000,000"),
    (["export", "--max-rows", "500001"], "argument --max-rows: must be an integer from 1 to 500,000, not 500,001"),
    (["export", "--max-rows", "0"], "argument --max-rows: must be an integer from 1 to 500,000, not 0"),
    (["export", "--poll-interval", "-1"], "argument --poll-interval: must be a number >= 0, not -1"),
    (["export", "--wait-timeout", "inf"], "argument --wait-timeout: must be a number >= 0, not inf"),
    (["export", "--stem", "../elsewhere"], "argument --stem: must be letters, digits"),
    (["status", "--days", "-1"], "argument --days: must be an integer >= 0, not -1"),
    (["reconcile", "--limit", "0"], "argument --limit: must be an integer >= 1, not 0"),
    (["reconcile", "--limit", "many"], "argument --limit: invalid int value: 'many'"),
])
def test_out_of_range_flags_are_refused_by_the_parser(argv: list[str], expected: str) -> None:
    code, _, err = _run(argv)
    assert code == 2
    assert _one_line(err).startswith(f"legacy-auth {argv[0]}: error: {expected}")
    assert err.endswith(" (see --help)\n")

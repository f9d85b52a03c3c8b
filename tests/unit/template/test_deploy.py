"""Deploy-time safety of template.yaml: retained pool and logs, a required DB URL, table prefix, CA bundle, tracing."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.unit.template.support import TEMPLATE, TRIGGER_FUNCTIONS, resolve, sam_functions, transform_sam

DB_FUNCTIONS = ("MigrationFunction", "PreSignUpFunction", "PostConfirmationFunction")
DB_URL = "mysql://legacy_ro@legacy-db.internal:3306/legacy"


def _retained(sam: dict[str, Any]) -> set[str]:
    return {k for k, v in sam["Resources"].items()
            if v.get("DeletionPolicy") == "Retain" and v.get("UpdateReplacePolicy") == "Retain"}


def _environment(sam: dict[str, Any], logical_id: str, overrides: dict[str, str]) -> dict[str, Any]:
    merged = dict(sam["Globals"]["Function"]["Environment"]["Variables"])
    merged |= sam_functions(sam)[logical_id]["Properties"]["Environment"]["Variables"]
    return dict(resolve(merged, sam, {"LegacyDbUrl": DB_URL, **overrides}))


def test_the_user_pool_and_every_log_group_survive_stack_deletion_and_replacement(sam: dict[str, Any]) -> None:
    log_groups = {k for k, v in sam["Resources"].items() if v["Type"] == "AWS::Logs::LogGroup"}
    assert len(log_groups) == 6
    assert {"UserPool", *log_groups} <= _retained(sam)
    assert sam["Resources"]["UserPool"]["Properties"]["DeletionProtection"] == "ACTIVE"


def test_cfn_lint_informational_checks_find_no_stateful_resource_without_retention() -> None:
    exe = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run([str(exe), "--include-checks", "I", "--", str(TEMPLATE)], capture_output=True,
                            text=True, timeout=180, check=False)
    assert "I3011" not in result.stdout, result.stdout
    assert not re.search(r"^[EW]\d{4}", result.stdout, re.MULTILINE), result.stdout


def test_the_legacy_database_url_has_no_default_and_refuses_placeholders(sam: dict[str, Any]) -> None:
    parameter = sam["Parameters"]["LegacyDbUrl"]
    assert "Default" not in parameter  # CloudFormation requires it; `sam deploy --guided` prompts for it
    pattern = parameter["AllowedPattern"]
    for good in (DB_URL, "postgresql://migrator@proxy.proxy-abc.eu-west-1.rds.amazonaws.com:5432/app", ""):
        assert re.fullmatch(pattern, good), good
    for bad in ("mysql://<db-user>@<host>:3306/<database>", "oracle://x@y/z", "legacy-db.internal", "mysql://a b/c"):
        assert not re.fullmatch(pattern, bad), bad


@pytest.mark.parametrize(("prefix", "variable", "table_prefix"), [
    ("", None, None),  # the app's default
    ("wp2_", "wp2_", "wp2_"),
    ("-", "-", ""),  # no prefix
])
def test_table_prefix_means_the_same_in_the_template_and_the_handlers(
        sam: dict[str, Any], prefix: str, variable: str | None, table_prefix: str | None) -> None:
    from legacy_auth.migration.config import Settings

    assert re.fullmatch(sam["Parameters"]["LegacyTablePrefix"]["AllowedPattern"], prefix)
    for logical_id in DB_FUNCTIONS:
        env = _environment(sam, logical_id, {"LegacyTablePrefix": prefix})
        assert env.get("LEGACY_TABLE_PREFIX") == variable
        assert Settings.from_env({k: str(v) for k, v in env.items()}).table_prefix == table_prefix


def test_the_ca_bundle_parameter_points_the_database_functions_at_the_packaged_file(sam: dict[str, Any]) -> None:
    from legacy_auth.migration.config import Settings

    for logical_id in DB_FUNCTIONS:
        assert "LEGACY_DB_TLS_CA_FILE" not in _environment(sam, logical_id, {})
        env = _environment(sam, logical_id, {"LegacyDbCaBundle": "global-bundle.pem"})
        assert env["LEGACY_DB_TLS_CA_FILE"] == "/var/task/certs/global-bundle.pem"
        settings = Settings.from_env({k: str(v) for k, v in env.items()})
        assert settings.db_options.tls.ca_file == "/var/task/certs/global-bundle.pem"
        assert settings.db_options.tls.mode == "verify-full"
    pattern = sam["Parameters"]["LegacyDbCaBundle"]["AllowedPattern"]
    assert re.fullmatch(pattern, "global-bundle.pem")
    assert not re.fullmatch(pattern, "../etc/passwd.pem")
    assert not re.fullmatch(pattern, "/abs/bundle.pem")


def _functions(cfn: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in cfn["Resources"].items() if v["Type"] == "AWS::Lambda::Function"}


def _xray_policy(cfn: dict[str, Any], function: dict[str, Any]) -> bool:
    role = cfn["Resources"][function["Properties"]["Role"]["Fn::GetAtt"][0]]
    return any("AWSXray" in str(arn) for arn in role["Properties"].get("ManagedPolicyArns", []))


def test_tracing_is_off_by_default_with_no_xray_config_policy_or_tracer(sam: dict[str, Any],
                                                                      cfn: dict[str, Any]) -> None:
    assert sam["Parameters"]["Tracing"]["Default"] == "Disabled"
    for name, function in _functions(cfn).items():
        assert "TracingConfig" not in function["Properties"], name
        assert not _xray_policy(cfn, function), name
    for logical_id in TRIGGER_FUNCTIONS:
        assert _environment(sam, logical_id, {})["LEGACY_AUTH_TRACING"] == "Disabled"


def test_tracing_active_turns_on_lambda_active_tracing_the_xray_policy_and_the_tracer(sam: dict[str, Any]) -> None:
    from triggers.observability import TracingSettings

    cfn = transform_sam(sam, {"Tracing": "Active", "LegacyDbUrl": DB_URL})
    for name, function in _functions(cfn).items():
        assert resolve(function["Properties"]["TracingConfig"], sam, {"Tracing": "Active"}) == {"Mode": "Active"}, name
        assert _xray_policy(cfn, function), name
    for logical_id in TRIGGER_FUNCTIONS:
        env = _environment(sam, logical_id, {"Tracing": "Active"})
        assert TracingSettings.from_env({k: str(v) for k, v in env.items()}).active is True

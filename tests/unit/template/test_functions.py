"""The template's functions: handler paths, runtime, timeouts, memory, log groups and the environment they get."""

from __future__ import annotations

import ast
from typing import Any

import pytest

from tests.unit.template.env_names import code_environment_names, powertools_environment_names
from tests.unit.template.support import ROOT, resolve, sam_functions


@pytest.mark.parametrize(
    "logical_id",
    ["MigrationFunction", "PreSignUpFunction", "PostConfirmationFunction", "PreTokenGenerationFunction",
     "AuthorizerFunction", "ExampleBackendFunction"],
)
def test_every_handler_path_exists_as_module_and_function(sam: dict[str, Any], logical_id: str) -> None:
    handler = sam_functions(sam)[logical_id]["Properties"]["Handler"]
    module, _, function = handler.rpartition(".")
    path = ROOT / (module.replace(".", "/") + ".py")
    assert path.exists(), f"{logical_id}: handler module {module} ({path.relative_to(ROOT)}) does not exist yet"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    names |= {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
    assert function in names, f"{module} defines no top-level {function!r}"


def test_every_function_runs_python_3_13(sam: dict[str, Any]) -> None:
    assert sam["Globals"]["Function"]["Runtime"] == "python3.13"
    assert all("Runtime" not in f["Properties"] for f in sam_functions(sam).values())


def test_trigger_functions_time_out_before_cognitos_5_second_limit(sam: dict[str, Any]) -> None:
    default = sam["Globals"]["Function"]["Timeout"]
    for logical_id, function in sam_functions(sam).items():
        assert function["Properties"].get("Timeout", default) < 5, logical_id


def test_migration_memory_is_sized_for_hash_cost(sam: dict[str, Any]) -> None:
    memory = sam_functions(sam)["MigrationFunction"]["Properties"]["MemorySize"]
    assert memory == {"Ref": "MigrationMemorySize"}
    parameter = sam["Parameters"]["MigrationMemorySize"]
    assert parameter["Default"] >= 1024
    assert parameter["MinValue"] >= 1024


def test_every_function_has_a_log_group_with_retention(sam: dict[str, Any]) -> None:
    for logical_id, function in sam_functions(sam).items():
        group = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        assert sam["Resources"][group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, logical_id


def test_metrics_namespace_reaches_every_function_as_powertools_variable(sam: dict[str, Any]) -> None:
    variables = sam["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == {"Ref": "MetricsNamespace"}


def test_environment_variable_names_are_ones_the_code_reads(sam: dict[str, Any]) -> None:
    known = code_environment_names() | powertools_environment_names()
    for logical_id, function in sam_functions(sam).items():
        names = set(function["Properties"].get("Environment", {}).get("Variables", {}))
        assert names <= known, f"{logical_id}: {sorted(names - known)} are read by nothing"
    assert set(sam["Globals"]["Function"]["Environment"]["Variables"]) <= known


def _function_env(sam: dict[str, Any], logical_id: str, overrides: dict[str, str]) -> dict[str, str]:
    merged = dict(sam["Globals"]["Function"]["Environment"]["Variables"])
    merged |= sam_functions(sam)[logical_id]["Properties"].get("Environment", {}).get("Variables", {})
    env = resolve(merged, sam, overrides)
    return {k: str(v) for k, v in env.items()}


REQUIRED = {"LegacyDbUrl": "mysql://legacy_ro@legacy-db.internal:3306/legacy"}  # no Default: every deploy names it


@pytest.mark.parametrize("overrides", [REQUIRED, {**REQUIRED, "EmailMode": "username", "LegacyTablePrefix": "qa_",
                                                  "LegacyDbSecretArn": "arn:aws:secretsmanager:eu-west-1:1:secret:x",
                                                  "TrackMigration": "true", "AppDbUrl": "mysql://app@db:3306/app"},
                                       {**REQUIRED, "LegacyTablePrefix": "-", "LegacyDbCaBundle": "global-bundle.pem",
                                        "Tracing": "Active"}])
def test_each_function_accepts_the_environment_the_template_gives_it(sam: dict[str, Any],
                                                                    overrides: dict[str, str]) -> None:
    from authorizer.config import Settings as AuthorizerSettings
    from legacy_auth.hooks.config import HookSettings
    from legacy_auth.migration.config import Settings as LegacySettings

    for logical_id in ("MigrationFunction", "PreSignUpFunction", "PostConfirmationFunction"):
        env = _function_env(sam, logical_id, overrides)
        LegacySettings.from_env(env)
        HookSettings.from_env(env)
    HookSettings.from_env(_function_env(sam, "PreTokenGenerationFunction", overrides))
    settings = AuthorizerSettings.from_env(_function_env(sam, "AuthorizerFunction", overrides))
    assert settings.issuer == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123"

"""template.yaml checked offline: cfn-lint 1.53.3, the SAM transform, handler paths, aliases, permissions, packages.

cfn-lint is pinned to 1.53.3 because 1.54+ no longer runs aws-sam-translator and silently stops checking
``AWS::Serverless::*`` resources (see ../shared/reference/tooling.md §4); a negative control proves the
installed version still catches an invalid runtime inside a SAM function.
"""

from __future__ import annotations

import ast
import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
LAMBDA_BUILD = ROOT / "devstack" / "lambda"
TRIGGER_KEYS = ("UserMigration", "PreSignUp", "PostConfirmation")
RUNTIME_PROVIDED = {"boto3", "botocore", "s3transfer", "jmespath", "urllib3", "dateutil", "six"}
# botocore is not forbidden: Powertools' user-agent module imports it when present (the runtime has it).
FORBIDDEN_IN_AUTHORIZER = {"pymysql", "passlib", "boto3", "psycopg", "bcrypt", "argon2", "legacy_auth", "triggers"}


# ---------------------------------------------------------------- helpers


def _load_sam() -> dict[str, Any]:
    from samtranslator.yaml_helper import yaml_parse

    return yaml_parse(TEMPLATE.read_text(encoding="utf-8"))


def _transform(template: dict[str, Any]) -> dict[str, Any]:
    """SAM -> CloudFormation with a no-op loader and placeholder code (no AWS, no network)."""
    from samtranslator.translator.transform import transform

    template = copy.deepcopy(template)
    template.get("Globals", {}).get("Function", {}).pop("CodeUri", None)
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = "s3://placeholder-bucket/placeholder.zip"

    class NoOpLoader:
        def load(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
            return {}

    saved = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = saved or "eu-west-1"  # the translator needs a region, never AWS
    try:
        return transform(template, {}, NoOpLoader())
    finally:
        if saved is None:
            del os.environ["AWS_DEFAULT_REGION"]


@pytest.fixture(scope="module")
def sam() -> dict[str, Any]:
    return _load_sam()


@pytest.fixture(scope="module")
def cfn(sam: dict[str, Any]) -> dict[str, Any]:
    return _transform(sam)


def _functions(sam: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in sam["Resources"].items() if v["Type"] == "AWS::Serverless::Function"}


def _cfn_lint(path: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "cfn-lint"
    assert exe.exists(), f"cfn-lint is not installed next to {sys.executable}: pip install -e '.[dev]'"
    return subprocess.run([str(exe), str(path)], capture_output=True, text=True, timeout=120, check=False)


def _alias_target(cfn: dict[str, Any], value: Any) -> str | None:
    """The function logical id behind ``{"Ref": <alias>}``; None unless it is an AWS::Lambda::Alias."""
    if not isinstance(value, dict) or set(value) != {"Ref"}:
        return None
    resource = cfn["Resources"].get(value["Ref"])
    if resource is None or resource["Type"] != "AWS::Lambda::Alias":
        return None
    return str(resource["Properties"]["FunctionName"]["Ref"])


def _permissions(cfn: dict[str, Any], principal: str) -> list[dict[str, Any]]:
    return [r["Properties"] for r in cfn["Resources"].values()
            if r["Type"] == "AWS::Lambda::Permission" and r["Properties"]["Principal"] == principal]


# ---------------------------------------------------------------- lint and transform


def test_installed_cfn_lint_is_the_version_that_still_checks_sam_resources() -> None:
    from cfnlint.version import __version__

    assert __version__ == "1.53.3"


def test_template_passes_cfn_lint_with_no_errors_or_warnings() -> None:
    result = _cfn_lint(TEMPLATE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_cfn_lint_catches_an_invalid_runtime_inside_a_sam_function(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(TEMPLATE.read_text(encoding="utf-8").replace("Runtime: python3.13", "Runtime: python3.99"))
    result = _cfn_lint(broken)
    assert result.returncode != 0
    assert "python3.99" in result.stdout


def test_sam_transform_succeeds_and_publishes_an_alias_per_function(cfn: dict[str, Any], sam: dict[str, Any]) -> None:
    aliases = {_alias_target(cfn, {"Ref": k}) for k, v in cfn["Resources"].items() if v["Type"] == "AWS::Lambda::Alias"}
    assert aliases == set(_functions(sam))


# ---------------------------------------------------------------- handlers and functions


@pytest.mark.parametrize(
    "logical_id",
    ["MigrationFunction", "PreSignUpFunction", "PostConfirmationFunction", "PreTokenGenerationFunction",
     "AuthorizerFunction", "ExampleBackendFunction"],
)
def test_every_handler_path_exists_as_module_and_function(sam: dict[str, Any], logical_id: str) -> None:
    handler = _functions(sam)[logical_id]["Properties"]["Handler"]
    module, _, function = handler.rpartition(".")
    path = ROOT / (module.replace(".", "/") + ".py")
    assert path.exists(), f"{logical_id}: handler module {module} ({path.relative_to(ROOT)}) does not exist yet"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    names |= {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
    assert function in names, f"{module} defines no top-level {function!r}"


def test_every_function_runs_python_3_13(sam: dict[str, Any]) -> None:
    assert sam["Globals"]["Function"]["Runtime"] == "python3.13"
    assert all("Runtime" not in f["Properties"] for f in _functions(sam).values())


def test_trigger_functions_time_out_before_cognitos_5_second_limit(sam: dict[str, Any]) -> None:
    default = sam["Globals"]["Function"]["Timeout"]
    for logical_id, function in _functions(sam).items():
        assert function["Properties"].get("Timeout", default) < 5, logical_id


def test_migration_memory_is_sized_for_hash_cost(sam: dict[str, Any]) -> None:
    memory = _functions(sam)["MigrationFunction"]["Properties"]["MemorySize"]
    assert memory == {"Ref": "MigrationMemorySize"}
    parameter = sam["Parameters"]["MigrationMemorySize"]
    assert parameter["Default"] >= 1024
    assert parameter["MinValue"] >= 1024


def test_every_function_has_a_log_group_with_retention(sam: dict[str, Any]) -> None:
    for logical_id, function in _functions(sam).items():
        group = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        assert sam["Resources"][group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, logical_id


# ---------------------------------------------------------------- triggers, permissions, IAM


def test_every_trigger_points_at_an_alias(cfn: dict[str, Any]) -> None:
    config = cfn["Resources"]["UserPool"]["Properties"]["LambdaConfig"]
    targets = {key: _alias_target(cfn, config[key]) for key in TRIGGER_KEYS}
    targets["PreTokenGeneration"] = _alias_target(cfn, config["PreTokenGenerationConfig"]["LambdaArn"])
    assert targets == {
        "UserMigration": "MigrationFunction",
        "PreSignUp": "PreSignUpFunction",
        "PostConfirmation": "PostConfirmationFunction",
        "PreTokenGeneration": "PreTokenGenerationFunction",
    }
    assert config["PreTokenGenerationConfig"]["LambdaVersion"] == "V2_0"
    assert cfn["Resources"]["UserPool"]["Properties"]["UserPoolTier"] in {"ESSENTIALS", "PLUS"}


def test_cognito_may_invoke_each_trigger_alias_only_for_this_pool(cfn: dict[str, Any]) -> None:
    permissions = _permissions(cfn, "cognito-idp.amazonaws.com")
    invoked = set()
    for permission in permissions:
        target = _alias_target(cfn, permission["FunctionName"])
        assert target is not None, f"permission on a non-alias: {permission['FunctionName']}"
        assert permission["SourceArn"] == {"Fn::GetAtt": ["UserPool", "Arn"]}
        invoked.add(target)
    assert invoked == {"MigrationFunction", "PreSignUpFunction", "PostConfirmationFunction",
                       "PreTokenGenerationFunction"}


def test_api_gateway_invokes_the_authorizer_and_backend_aliases(cfn: dict[str, Any]) -> None:
    permissions = _permissions(cfn, "apigateway.amazonaws.com")
    assert {_alias_target(cfn, p["FunctionName"]) for p in permissions} == {"AuthorizerFunction",
                                                                            "ExampleBackendFunction"}
    authorizer = cfn["Resources"]["ApiAuthorizer"]["Properties"]
    assert authorizer["Type"] == {"Ref": "AuthorizerType"}
    assert authorizer["AuthorizerResultTtlInSeconds"] == {"Ref": "AuthorizerResultTtl"}
    assert "AuthorizerFunctionAliaslive" in json.dumps(authorizer["AuthorizerUri"])


def test_app_client_allows_password_auth_for_migration_and_hides_user_existence(cfn: dict[str, Any]) -> None:
    client = cfn["Resources"]["UserPoolClient"]["Properties"]
    assert {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"} <= set(
        client["ExplicitAuthFlows"])
    assert client["PreventUserExistenceErrors"] == "ENABLED"
    pool = cfn["Resources"]["UserPool"]["Properties"]
    assert pool["UsernameConfiguration"] == {"CaseSensitive": False}
    assert {a["Name"] for a in pool["Schema"]} >= {"email", "legacy_id", "app_user_id"}


def _statements(cfn: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for resource in cfn["Resources"].values():
        documents = []
        if resource["Type"] == "AWS::IAM::Role":
            for policy in resource["Properties"].get("Policies", []):
                policy = policy["Fn::If"][1] if "Fn::If" in policy else policy
                documents.append(policy["PolicyDocument"])
        elif resource["Type"] == "AWS::IAM::Policy":
            documents.append(resource["Properties"]["PolicyDocument"])
        for document in documents:
            out.extend(document["Statement"])
    return out


def test_iam_statements_are_scoped_to_named_resources(cfn: dict[str, Any]) -> None:
    for statement in _statements(cfn):
        assert statement["Resource"] != "*", statement
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all("*" not in action for action in actions), statement
        if any(a.startswith("cognito-idp:") for a in actions):
            assert statement["Resource"] == {"Fn::GetAtt": ["UserPool", "Arn"]}
        if "secretsmanager:GetSecretValue" in actions:
            assert statement["Resource"] == {"Ref": "LegacyDbSecretArn"}


def test_metrics_namespace_reaches_every_function_as_powertools_variable(sam: dict[str, Any]) -> None:
    variables = sam["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == {"Ref": "MetricsNamespace"}


def test_environment_variable_names_are_ones_the_code_reads(sam: dict[str, Any]) -> None:
    sources = {
        "triggers": [ROOT / "legacy_auth" / "config.py", ROOT / "legacy_auth" / "hooks_config.py"],
        "authorizer": [ROOT / "authorizer" / "config.py"],
    }
    known = {"POWERTOOLS_SERVICE_NAME"}
    for paths in sources.values():
        for path in paths:
            known |= set(re.findall(r'^[A-Z_]+ = "([A-Z0-9_]+)"', path.read_text(encoding="utf-8"), re.MULTILINE))
    for logical_id, function in _functions(sam).items():
        names = set(function["Properties"].get("Environment", {}).get("Variables", {}))
        assert names <= known, f"{logical_id}: {sorted(names - known)} are read by nothing"


# ---------------------------------------------------------------- per-function packages


def _requirement_closure(requirements_file: Path) -> set[str]:
    """Normalised distribution names a requirements list installs (following installed metadata)."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    seen: set[str] = set()
    todo = [Requirement(line.split("#", 1)[0].strip()) for line in requirements_file.read_text().splitlines()
            if line.split("#", 1)[0].strip()]
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        if name in seen:
            continue
        seen.add(name)
        for raw in metadata.requires(req.name) or []:
            sub = Requirement(raw)
            env = {"extra": next(iter(req.extras), ""), "python_version": "3.13", "sys_platform": "linux",
                   "implementation_name": "cpython", "platform_python_implementation": "CPython"}
            if sub.marker is None or sub.marker.evaluate(env):
                todo.append(sub)
    return seen


def _build_sources(logical_id: str, out: Path) -> None:
    subprocess.run(["make", "-s", "-f", str(LAMBDA_BUILD / "Makefile"), f"build-{logical_id}",
                    f"ARTIFACTS_DIR={out}", "SKIP_DEPS=1"], check=True, timeout=60, capture_output=True)


def _imported_top_level(package_dir: Path, module: str) -> dict[str, str]:
    """Import ``module`` from the built package in a fresh interpreter; top-level module -> file it came from."""
    code = (
        "import importlib, json, sys\n"
        "before = set(sys.modules)\n"
        f"sys.path.insert(0, {str(package_dir)!r})\n"
        f"importlib.import_module({module!r})\n"
        "out = {}\n"
        "for name, mod in list(sys.modules.items()):\n"
        "    top = name.split('.')[0]\n"
        "    if name in before or top in sys.stdlib_module_names or top in out or '.' in name:\n"
        "        continue\n"
        "    out[top] = str(getattr(mod, '__file__', '') or '')\n"
        "print(json.dumps(out))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEGACY_", "HOOKS_"))}
    result = subprocess.run([sys.executable, "-c", code], cwd=package_dir, env=env, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0, f"importing {module} from its package failed:\n{result.stderr[-2000:]}"
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


PACKAGES = {
    "MigrationFunction": ("triggers.user_migration", "requirements-migration.txt"),
    "PreSignUpFunction": ("triggers.pre_signup", "requirements-hooks-db.txt"),
    "PostConfirmationFunction": ("triggers.post_confirmation", "requirements-hooks-db.txt"),
    "PreTokenGenerationFunction": ("triggers.pre_token_generation", "requirements-pre-token.txt"),
    "AuthorizerFunction": ("authorizer.handler", "requirements-authorizer.txt"),
    "ExampleBackendFunction": ("authorizer.example_backend", None),
}


@pytest.mark.parametrize("logical_id", sorted(PACKAGES))
def test_each_package_ships_what_its_handler_imports_and_nothing_it_does_not(logical_id: str, tmp_path: Path) -> None:
    from importlib import metadata

    from packaging.utils import canonicalize_name

    module, requirements = PACKAGES[logical_id]
    _build_sources(logical_id, tmp_path)
    imported = _imported_top_level(tmp_path, module)
    first_party = {"legacy_auth", "triggers", "authorizer", "devstack", "tests"}
    for top, origin in imported.items():
        if top in first_party:
            assert origin.startswith(str(tmp_path)), f"{top} imported from outside the package: {origin}"
    shipped = _requirement_closure(LAMBDA_BUILD / requirements) if requirements else set()
    dists = metadata.packages_distributions()
    allowed_runtime = RUNTIME_PROVIDED if logical_id != "AuthorizerFunction" else {"botocore"}
    for top in set(imported) - first_party:
        if top in allowed_runtime or (top.startswith("_") and top not in dists):
            continue
        owners = {canonicalize_name(d) for d in dists.get(top, [])}
        assert owners & shipped, f"{logical_id} imports {top} ({sorted(owners)}) but does not ship it"


def test_authorizer_package_contains_no_database_driver_hash_library_or_boto3(tmp_path: Path) -> None:
    _build_sources("AuthorizerFunction", tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["authorizer"]
    shipped = _requirement_closure(LAMBDA_BUILD / "requirements-authorizer.txt")
    assert not shipped & {"pymysql", "libpass", "passlib", "boto3", "botocore", "psycopg", "bcrypt", "argon2-cffi"}
    imported = _imported_top_level(tmp_path, "authorizer.handler")
    assert not set(imported) & FORBIDDEN_IN_AUTHORIZER


# ---------------------------------------------------------------- operations


def test_dashboard_body_is_valid_json_with_the_5_second_line(sam: dict[str, Any]) -> None:
    body, variables = sam["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    names = set(re.findall(r"\$\{([^}]+)\}", body))
    assert names <= set(variables) | set(sam["Parameters"]) | {"AWS::Region", "AWS::StackName"}
    dashboard = json.loads(re.sub(r"\$\{[^}]+\}", "x", body))
    titles = [w["properties"]["title"] for w in dashboard["widgets"]]
    assert any("by outcome" in t for t in titles)
    assert any("Authorizer denials" in t for t in titles)
    annotations = [w["properties"].get("annotations", {}) for w in dashboard["widgets"]]
    lines = [a["value"] for group in annotations for a in group.get("horizontal", [])]
    assert 5000 in lines


def test_alarms_watch_failure_rate_duration_and_throttles(sam: dict[str, Any]) -> None:
    alarms = {k: v["Properties"] for k, v in sam["Resources"].items() if v["Type"] == "AWS::CloudWatch::Alarm"}
    rate = alarms["MigrationFailureRateAlarm"]["Metrics"]
    assert [m["Id"] for m in rate if m.get("ReturnData")] == ["rate"]
    assert alarms["MigrationDurationAlarm"]["Threshold"] < 5000
    assert {a["MetricName"] for a in alarms.values() if "MetricName" in a} >= {"Duration", "Throttles"}
    filters = {v["Properties"]["MetricTransformations"][0]["MetricName"] for v in sam["Resources"].values()
               if v["Type"] == "AWS::Logs::MetricFilter"}
    assert {"MigrationFailedLogged", "MigrationSucceededLogged"} <= filters


def test_metric_filters_match_the_handlers_log_messages() -> None:
    """The filters count log lines by message: those messages must still be what the handlers log."""
    migration = (ROOT / "triggers" / "user_migration.py").read_text(encoding="utf-8")
    authorizer = (ROOT / "authorizer" / "handler.py").read_text(encoding="utf-8")
    assert '"user migrated"' in migration
    assert '"user migration failed"' in migration
    assert '"token rejected"' in authorizer


# ---------------------------------------------------------------- the functions' configuration as deployed

FAKE_REFS = {"UserPool": "eu-west-1_AbCdEf123", "UserPoolClient": "4example5client6id7", "AWS::Region": "eu-west-1"}


def _resolve(value: Any, sam: dict[str, Any], overrides: dict[str, str]) -> Any:
    """Resolve Ref / Fn::If / Fn::Equals / Fn::Not with parameter defaults (plus overrides); None = NoValue."""
    params = {k: str(v.get("Default", "")) for k, v in sam["Parameters"].items()} | overrides
    if isinstance(value, dict) and "Ref" in value:
        ref = value["Ref"]
        if ref == "AWS::NoValue":
            return None
        return params.get(ref, FAKE_REFS.get(ref))
    if isinstance(value, dict) and "Fn::If" in value:
        name, yes, no = value["Fn::If"]
        return _resolve(yes if _resolve(sam["Conditions"][name], sam, overrides) else no, sam, overrides)
    if isinstance(value, dict) and "Fn::Equals" in value:
        left, right = (_resolve(v, sam, overrides) for v in value["Fn::Equals"])
        return left == right
    if isinstance(value, dict) and "Fn::Not" in value:
        return not _resolve(value["Fn::Not"][0], sam, overrides)
    return value


def _function_env(sam: dict[str, Any], logical_id: str, overrides: dict[str, str]) -> dict[str, str]:
    merged = dict(sam["Globals"]["Function"]["Environment"]["Variables"])
    merged |= _functions(sam)[logical_id]["Properties"].get("Environment", {}).get("Variables", {})
    env = {k: _resolve(v, sam, overrides) for k, v in merged.items()}
    return {k: str(v) for k, v in env.items() if v is not None}


@pytest.mark.parametrize("overrides", [{}, {"EmailMode": "username", "LegacyTablePrefix": "qa_",
                                            "LegacyDbSecretArn": "arn:aws:secretsmanager:eu-west-1:1:secret:x",
                                            "TrackMigration": "true", "AppDbUrl": "mysql://app@db:3306/app"}])
def test_each_function_accepts_the_environment_the_template_gives_it(sam: dict[str, Any],
                                                                    overrides: dict[str, str]) -> None:
    from authorizer.config import Settings as AuthorizerSettings
    from legacy_auth.config import Settings as LegacySettings
    from legacy_auth.hooks_config import HookSettings

    for logical_id in ("MigrationFunction", "PreSignUpFunction", "PostConfirmationFunction"):
        env = _function_env(sam, logical_id, overrides)
        LegacySettings.from_env(env)
        HookSettings.from_env(env)
    HookSettings.from_env(_function_env(sam, "PreTokenGenerationFunction", overrides))
    settings = AuthorizerSettings.from_env(_function_env(sam, "AuthorizerFunction", overrides))
    assert settings.issuer == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123"


def test_http_api_variant_uses_the_same_authorizer_alias_with_simple_responses(cfn: dict[str, Any]) -> None:
    authorizer = cfn["Resources"]["HttpApiAuthorizer"]
    assert authorizer["Condition"] == "WithHttpApi"
    properties = authorizer["Properties"]
    assert properties["AuthorizerPayloadFormatVersion"] == "2.0"
    assert properties["EnableSimpleResponses"] is True
    assert "AuthorizerFunctionAliaslive" in json.dumps(properties["AuthorizerUri"])
    integration = cfn["Resources"]["HttpApiBackendIntegration"]["Properties"]
    assert _alias_target(cfn, integration["IntegrationUri"]) == "ExampleBackendFunction"

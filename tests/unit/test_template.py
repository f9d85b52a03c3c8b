"""template.yaml checked offline: cfn-lint 1.53.3, the SAM transform, handler paths, aliases, permissions, packages,
alarms and metric filters against what the real handlers print, rules, and the README configuration table.

cfn-lint is pinned to 1.53.3 because 1.54+ no longer runs aws-sam-translator and silently stops checking
``AWS::Serverless::*`` resources (see ../shared/reference/tooling.md §4); a negative control proves the
installed version still catches an invalid runtime inside a SAM function.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import fnmatch
import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
README = ROOT / "README.md"
LAMBDA_BUILD = ROOT / "devstack" / "lambda"
TRIGGER_KEYS = ("UserMigration", "PreSignUp", "PostConfirmation")
TRIGGER_FUNCTIONS = ("MigrationFunction", "PreSignUpFunction", "PostConfirmationFunction",
                     "PreTokenGenerationFunction")
RUNTIME_PROVIDED = {"boto3", "botocore", "s3transfer", "jmespath", "urllib3", "dateutil", "six"}
# botocore is not forbidden: Powertools' user-agent module imports it when present (the runtime has it).
FORBIDDEN_IN_AUTHORIZER = {"pymysql", "passlib", "boto3", "psycopg", "bcrypt", "argon2", "legacy_auth", "triggers"}
FAKE_REFS = {"UserPool": "eu-west-1_AbCdEf123", "UserPoolClient": "4example5client6id7", "AWS::Region": "eu-west-1"}
NO_VALUE = object()


# ---------------------------------------------------------------- helpers


def _load_sam() -> dict[str, Any]:
    from samtranslator.yaml_helper import yaml_parse

    return yaml_parse(TEMPLATE.read_text(encoding="utf-8"))


def _transform(template: dict[str, Any], parameters: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """SAM -> CloudFormation with a no-op loader and placeholder code (no AWS, no network).

    ``parameters`` are the deploy-time parameter values CloudFormation hands the transform (defaults otherwise).
    """
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
        return transform(template, dict(parameters or {}), NoOpLoader())
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


def _parameter_values(template: dict[str, Any], overrides: Mapping[str, str]) -> dict[str, Any]:
    """Parameter values as CloudFormation sees them: strings, lists for CommaDelimitedList."""
    values: dict[str, Any] = {}
    for name, spec in template["Parameters"].items():
        raw = str(overrides.get(name, spec.get("Default", "")))
        values[name] = raw.split(",") if spec["Type"] == "CommaDelimitedList" else raw
    return values


def _resolve(value: Any, template: dict[str, Any], overrides: Mapping[str, str] | None = None) -> Any:
    """Evaluate parameter Refs, conditions and rule functions with parameter defaults plus ``overrides``.

    Refs to resources stay as they are (except the fakes in ``FAKE_REFS``); ``AWS::NoValue`` and the
    branches it stands in disappear (``NO_VALUE`` at the top level).
    """
    overrides = overrides or {}
    params = _parameter_values(template, overrides)

    def ev(v: Any) -> Any:
        return _resolve(v, template, overrides)

    if isinstance(value, list):
        return [x for x in (ev(v) for v in value) if x is not NO_VALUE]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        ref = value["Ref"]
        if ref == "AWS::NoValue":
            return NO_VALUE
        return params[ref] if ref in params else FAKE_REFS.get(ref, value)
    if set(value) == {"Condition"}:
        return ev(template["Conditions"][value["Condition"]])
    if len(value) == 1:
        (name, args), = value.items()
        if name == "Fn::If":
            condition, yes, no = args
            return ev(yes if ev(template["Conditions"][condition]) else no)
        if name == "Fn::Equals":
            left, right = (ev(a) for a in args)
            return str(left) == str(right)
        if name == "Fn::Not":
            return not ev(args[0])
        if name == "Fn::And":
            return all(ev(a) for a in args)
        if name == "Fn::Or":
            return any(ev(a) for a in args)
        if name == "Fn::Join":
            return str(args[0]).join(str(x) for x in ev(args[1]))
        if name == "Fn::EachMemberEquals":
            members, expected = ev(args[0]), ev(args[1])
            return all(str(m) == str(expected) for m in members)
        if name == "Fn::Contains":
            return str(ev(args[1])) in [str(m) for m in ev(args[0])]
    return {k: r for k, r in ((k, ev(v)) for k, v in value.items()) if r is not NO_VALUE}


def _active(template: dict[str, Any], logical_id: str, overrides: Mapping[str, str] | None = None) -> bool:
    """Whether a resource exists for these parameters (its Condition, if any, holds)."""
    condition = template["Resources"][logical_id].get("Condition")
    return condition is None or bool(_resolve({"Condition": condition}, template, overrides))


def _rule_failures(sam: dict[str, Any], overrides: Mapping[str, str]) -> list[str]:
    """Descriptions of the template Rules' assertions that fail for these parameter values (as CloudFormation)."""
    failures = []
    for rule in sam.get("Rules", {}).values():
        if "RuleCondition" in rule and not _resolve(rule["RuleCondition"], sam, overrides):
            continue
        failures += [a["AssertDescription"] for a in rule["Assertions"] if not _resolve(a["Assert"], sam, overrides)]
    return failures


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


def _trigger_targets(cfn: dict[str, Any], overrides: Mapping[str, str] | None = None) -> dict[str, str | None]:
    config = _resolve(cfn["Resources"]["UserPool"]["Properties"]["LambdaConfig"], cfn, overrides)
    targets = {key: _alias_target(cfn, config[key]) for key in TRIGGER_KEYS if key in config}
    targets["PreTokenGeneration"] = _alias_target(cfn, config["PreTokenGenerationConfig"]["LambdaArn"])
    return targets


def test_every_trigger_points_at_an_alias(cfn: dict[str, Any]) -> None:
    assert _trigger_targets(cfn) == {
        "UserMigration": "MigrationFunction",
        "PreSignUp": "PreSignUpFunction",
        "PostConfirmation": "PostConfirmationFunction",
        "PreTokenGeneration": "PreTokenGenerationFunction",
    }
    config = cfn["Resources"]["UserPool"]["Properties"]["LambdaConfig"]
    assert config["PreTokenGenerationConfig"]["LambdaVersion"] == "V2_0"
    assert cfn["Resources"]["UserPool"]["Properties"]["UserPoolTier"] in {"ESSENTIALS", "PLUS"}


def test_cognito_may_invoke_each_trigger_alias_only_for_this_pool(cfn: dict[str, Any]) -> None:
    invoked = set()
    for logical_id, resource in cfn["Resources"].items():
        permission = resource["Properties"]
        if resource["Type"] != "AWS::Lambda::Permission" or permission["Principal"] != "cognito-idp.amazonaws.com":
            continue
        target = _alias_target(cfn, permission["FunctionName"])
        assert target is not None, f"permission on a non-alias: {permission['FunctionName']}"
        assert permission["SourceArn"] == {"Fn::GetAtt": ["UserPool", "Arn"]}
        assert permission["SourceAccount"] == {"Ref": "AWS::AccountId"}
        if _active(cfn, logical_id):
            invoked.add(target)
    assert invoked == set(TRIGGER_FUNCTIONS)


def _client_flows(cfn: dict[str, Any], overrides: Mapping[str, str] | None = None) -> set[str]:
    return set(_resolve(cfn["Resources"]["UserPoolClient"]["Properties"]["ExplicitAuthFlows"], cfn, overrides))


def test_app_client_allows_password_auth_for_migration_and_hides_user_existence(cfn: dict[str, Any]) -> None:
    assert _client_flows(cfn) == {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
    client = cfn["Resources"]["UserPoolClient"]["Properties"]
    assert client["PreventUserExistenceErrors"] == "ENABLED"
    pool = cfn["Resources"]["UserPool"]["Properties"]
    assert pool["UsernameConfiguration"] == {"CaseSensitive": False}
    assert {a["Name"] for a in pool["Schema"]} >= {"email", "legacy_id", "app_user_id"}


@pytest.mark.parametrize(("phase", "password_auth", "trigger"), [
    ("migrating", True, True),
    ("reset-only", False, True),  # SRP only; remaining users still migrate through forgot password
    ("complete", False, False),
])
def test_migration_phase_switches_password_auth_off_then_the_migration_trigger(
    cfn: dict[str, Any], phase: str, password_auth: bool, trigger: bool
) -> None:
    overrides = {"MigrationPhase": phase}
    flows = _client_flows(cfn, overrides)
    assert ("ALLOW_USER_PASSWORD_AUTH" in flows) is password_auth
    assert {"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"} <= flows
    assert ("UserMigration" in _trigger_targets(cfn, overrides)) is trigger
    assert _active(cfn, "MigrationInvokePermission", overrides) is trigger
    assert _trigger_targets(cfn, overrides)["PreTokenGeneration"] == "PreTokenGenerationFunction"


def _statements(cfn: dict[str, Any], overrides: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """Every IAM statement of the roles and policies, for these parameters (conditional ones resolved)."""
    out = []
    for resource in cfn["Resources"].values():
        documents = []
        if resource["Type"] == "AWS::IAM::Role":
            documents = [p["PolicyDocument"] for p in _resolve(resource["Properties"].get("Policies", []), cfn,
                                                              overrides)]
        elif resource["Type"] == "AWS::IAM::Policy":
            documents.append(resource["Properties"]["PolicyDocument"])
        for document in documents:
            out.extend(document["Statement"])
    return out


ALL_OPTIONAL_GRANTS = {"LegacyDbSecretArn": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:legacy-AbCdEf",
                       "LegacyDbSecretKmsKeyArn": "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd",
                       "RdsIamAuth": "true", "RdsDbResourceId": "prx-0123456789abcdef0"}


@pytest.mark.parametrize("overrides", [{}, ALL_OPTIONAL_GRANTS], ids=["defaults", "every-optional-grant"])
def test_iam_statements_are_scoped_to_named_resources(cfn: dict[str, Any], overrides: dict[str, str]) -> None:
    statements = _statements(cfn, overrides)
    assert statements
    for statement in statements:
        assert statement["Resource"] != "*", statement
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all("*" not in action for action in actions), statement
        if any(a.startswith("cognito-idp:") for a in actions):
            assert statement["Resource"] == {"Fn::GetAtt": ["UserPool", "Arn"]}
        if "secretsmanager:GetSecretValue" in actions:
            assert statement["Resource"] == overrides["LegacyDbSecretArn"]


def _kms_statements(cfn: dict[str, Any], overrides: Mapping[str, str]) -> list[dict[str, Any]]:
    return [s for s in _statements(cfn, overrides) if "kms:Decrypt" in json.dumps(s["Action"])]


def test_customer_managed_secret_key_is_decryptable_only_through_secrets_manager(cfn: dict[str, Any]) -> None:
    statements = _kms_statements(cfn, ALL_OPTIONAL_GRANTS)
    assert len(statements) == 3  # the three functions that read the legacy DB secret
    for statement in statements:
        assert statement["Action"] == "kms:Decrypt"
        assert statement["Resource"] == ALL_OPTIONAL_GRANTS["LegacyDbSecretKmsKeyArn"]
        assert statement["Condition"] == {
            "StringEquals": {"kms:ViaService": {"Fn::Sub": "secretsmanager.${AWS::Region}.amazonaws.com"}}}


@pytest.mark.parametrize("overrides", [
    {},
    {"LegacyDbSecretArn": ALL_OPTIONAL_GRANTS["LegacyDbSecretArn"]},  # AWS-managed key: nothing to grant
    {"LegacyDbSecretKmsKeyArn": ALL_OPTIONAL_GRANTS["LegacyDbSecretKmsKeyArn"]},  # a key without a secret
])
def test_no_kms_grant_without_both_a_secret_and_its_customer_managed_key(cfn: dict[str, Any],
                                                                         overrides: dict[str, str]) -> None:
    assert _kms_statements(cfn, overrides) == []


@pytest.mark.parametrize(("overrides", "refused"), [
    ({}, False),
    ({"SubnetIds": "subnet-1,subnet-2", "SecurityGroupIds": "sg-1"}, False),
    ({"SecurityGroupIds": "sg-1"}, True),
    ({"SubnetIds": "subnet-1"}, True),
    ({"RdsIamAuth": "true", "RdsDbResourceId": "prx-1", "LegacyDbTls": "require"}, False),
    ({"RdsIamAuth": "true", "RdsDbResourceId": "prx-1", "LegacyDbTls": "disable"}, True),
    ({"RdsIamAuth": "true", "LegacyDbTls": "verify-full"}, True),  # no resource id for rds-db:connect
    ({"RdsIamAuth": "false", "LegacyDbTls": "disable"}, False),
])
def test_rules_refuse_half_a_vpc_and_iam_auth_without_tls(sam: dict[str, Any], overrides: dict[str, str],
                                                          refused: bool) -> None:
    assert bool(_rule_failures(sam, overrides)) is refused, _rule_failures(sam, overrides)


def test_metrics_namespace_reaches_every_function_as_powertools_variable(sam: dict[str, Any]) -> None:
    variables = sam["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == {"Ref": "MetricsNamespace"}


def test_environment_variable_names_are_ones_the_code_reads(sam: dict[str, Any]) -> None:
    known = _code_environment_names() | _powertools_environment_names()
    for logical_id, function in _functions(sam).items():
        names = set(function["Properties"].get("Environment", {}).get("Variables", {}))
        assert names <= known, f"{logical_id}: {sorted(names - known)} are read by nothing"
    assert set(sam["Globals"]["Function"]["Environment"]["Variables"]) <= known


# ---------------------------------------------------------------- the REST API and its deployment


def _rest_api(cfn: dict[str, Any]) -> tuple[dict[str, Any], str, dict[str, Any]]:
    """(OpenAPI body, the stage's deployment logical id, the Lambda authorizer) of the transformed REST API."""
    resources = cfn["Resources"]
    body = resources["RestApi"]["Properties"]["Body"]
    stages = [r["Properties"] for r in resources.values()
              if r["Type"] == "AWS::ApiGateway::Stage" and r["Properties"]["RestApiId"] == {"Ref": "RestApi"}]
    assert len(stages) == 1, "one stage only (SAM's extra 'Stage' stage is off)"
    deployment = stages[0]["DeploymentId"]["Ref"]
    assert resources[deployment]["Type"] == "AWS::ApiGateway::Deployment"
    schemes = body["components"]["securitySchemes"]
    return body, deployment, schemes["CognitoJwt"]["x-amazon-apigateway-authorizer"]


def test_get_me_goes_through_the_authorizer_alias_to_the_backend_alias(cfn: dict[str, Any]) -> None:
    body, _, authorizer = _rest_api(cfn)
    method = body["paths"]["/me"]["get"]
    assert method["security"] == [{"CognitoJwt": []}]
    integration = method["x-amazon-apigateway-integration"]
    assert integration["type"] == "aws_proxy"
    assert "${ExampleBackendFunctionAliaslive}" in json.dumps(integration["uri"])
    assert authorizer["authorizerUri"]["Fn::Sub"][1]["__FunctionArn__"] == {"Ref": "AuthorizerFunctionAliaslive"}
    permissions = _permissions(cfn, "apigateway.amazonaws.com")
    assert {_alias_target(cfn, p["FunctionName"]) for p in permissions} == {"AuthorizerFunction",
                                                                            "ExampleBackendFunction"}


@pytest.mark.parametrize(("kind", "ttl"), [("TOKEN", "300"), ("REQUEST", "0"), ("REQUEST", "600")])
def test_authorizer_type_and_result_ttl_come_from_the_parameters(sam: dict[str, Any], kind: str, ttl: str) -> None:
    _, _, authorizer = _rest_api(_transform(sam, {"AuthorizerType": kind, "AuthorizerResultTtl": ttl}))
    assert authorizer["type"] == kind.lower()
    assert str(authorizer["authorizerResultTtlInSeconds"]) == ttl
    if kind == "REQUEST":
        assert authorizer["identitySource"] == "method.request.header.Authorization"


def test_gateway_responses_are_plain_json_without_details(cfn: dict[str, Any]) -> None:
    body, _, _ = _rest_api(cfn)
    responses = body["x-amazon-apigateway-gateway-responses"]
    assert responses["UNAUTHORIZED"]["statusCode"] == "401"
    assert responses["UNAUTHORIZED"]["responseTemplates"] == {"application/json": '{"message": "Unauthorized"}'}
    assert responses["ACCESS_DENIED"]["responseTemplates"] == {"application/json": '{"message": "Forbidden"}'}


@pytest.mark.parametrize("change", [{"AuthorizerType": "REQUEST"}, {"AuthorizerResultTtl": "0"}])
def test_changing_the_authorizer_creates_a_new_deployment_for_the_stage(sam: dict[str, Any],
                                                                        change: dict[str, str]) -> None:
    _, before, _ = _rest_api(_transform(sam, {"AuthorizerType": "TOKEN", "AuthorizerResultTtl": "300"}))
    _, again, _ = _rest_api(_transform(sam, {"AuthorizerType": "TOKEN", "AuthorizerResultTtl": "300"}))
    _, after, _ = _rest_api(_transform(sam, {"AuthorizerType": "TOKEN", "AuthorizerResultTtl": "300"} | change))
    assert before == again, "the same inputs must keep the deployment (no redeploy on every stack update)"
    assert after != before


def test_http_api_variant_uses_the_same_authorizer_alias_with_simple_responses(cfn: dict[str, Any]) -> None:
    authorizer = cfn["Resources"]["HttpApiAuthorizer"]
    assert authorizer["Condition"] == "WithHttpApi"
    properties = authorizer["Properties"]
    assert properties["AuthorizerPayloadFormatVersion"] == "2.0"
    assert properties["EnableSimpleResponses"] is True
    assert "AuthorizerFunctionAliaslive" in json.dumps(properties["AuthorizerUri"])
    integration = cfn["Resources"]["HttpApiBackendIntegration"]["Properties"]
    assert _alias_target(cfn, integration["IntegrationUri"]) == "ExampleBackendFunction"
    assert cfn["Resources"]["HttpApiStage"]["Properties"]["AutoDeploy"] is True  # never a stale deployment


# ---------------------------------------------------------------- dashboard and alarms


def _alarms(sam: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v["Properties"] for k, v in sam["Resources"].items() if v["Type"] == "AWS::CloudWatch::Alarm"}


def _lambda_alarms(sam: dict[str, Any], metric: str, function: str) -> list[dict[str, Any]]:
    return [a for a in _alarms(sam).values() if a.get("Namespace") == "AWS/Lambda" and a["MetricName"] == metric
            and a["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": function}}]]


def test_dashboard_body_is_valid_json_with_the_5_second_line(sam: dict[str, Any]) -> None:
    body, variables = sam["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    names = set(re.findall(r"\$\{([^}]+)\}", body))
    assert names <= set(variables) | set(sam["Parameters"]) | {"AWS::Region", "AWS::StackName"}
    numbers = {n for n in sam["Parameters"] if sam["Parameters"][n]["Type"] == "Number"}
    filled = re.sub(r"\$\{([^}]+)\}", lambda m: "1" if m[1] in numbers else "x", body)
    dashboard = json.loads(filled)
    titles = [w["properties"]["title"] for w in dashboard["widgets"]]
    assert any("by outcome" in t for t in titles)
    assert any("Authorizer denials" in t for t in titles)
    annotations = [w["properties"].get("annotations", {}) for w in dashboard["widgets"]]
    lines = [a["value"] for group in annotations for a in group.get("horizontal", [])]
    assert 5000 in lines
    assert "${DurationAlarmThresholdMs}" in body  # the alarm line is the alarm's own threshold


def test_authorizer_denials_on_the_dashboard_are_the_emf_metrics_the_handler_prints(sam: dict[str, Any]) -> None:
    from authorizer.metrics import DENIED, REJECTED

    body = sam["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"][0]
    widget = next(w for w in json.loads(re.sub(r"\$\{[^}]+\}", "1", body))["widgets"]
                  if "Authorizer denials" in w["properties"]["title"])
    rows = widget["properties"]["metrics"]
    # Printed at every log level (authorizer/metrics.py), with the one dimension service = POWERTOOLS_SERVICE_NAME.
    service = _functions(sam)["AuthorizerFunction"]["Properties"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]
    assert rows[0][:4] == ["1", REJECTED, "service", service]  # ${MetricsNamespace} filled with "1"
    assert rows[1][:4] == [".", DENIED, ".", "."]
    assert ["AWS/ApiGateway", "4XXError"] in [row[:2] for row in rows]


@pytest.mark.parametrize("function", [*TRIGGER_FUNCTIONS, "AuthorizerFunction"])
def test_every_trigger_and_the_authorizer_alarm_on_the_first_throttle(sam: dict[str, Any], function: str) -> None:
    (alarm,) = _lambda_alarms(sam, "Throttles", function)
    assert (alarm["Statistic"], alarm["Threshold"], alarm["ComparisonOperator"]) == ("Sum", 0, "GreaterThanThreshold")
    assert alarm["AlarmActions"] == {"Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]}


@pytest.mark.parametrize("function", list(TRIGGER_FUNCTIONS))
def test_every_trigger_alarms_when_its_p99_duration_nears_the_limit(sam: dict[str, Any], function: str) -> None:
    (alarm,) = _lambda_alarms(sam, "Duration", function)
    assert alarm["ExtendedStatistic"] == "p99"
    assert alarm["Threshold"] == {"Ref": "DurationAlarmThresholdMs"}
    timeout_ms = 1000 * _functions(sam)[function]["Properties"].get("Timeout", sam["Globals"]["Function"]["Timeout"])
    parameter = sam["Parameters"]["DurationAlarmThresholdMs"]
    assert parameter["Default"] < parameter["MaxValue"] < timeout_ms < 5000  # fires before timeouts, never after


def test_error_alarms_watch_the_triggers_that_never_raise_on_purpose(sam: dict[str, Any]) -> None:
    for function in ("PostConfirmationFunction", "PreTokenGenerationFunction"):
        (alarm,) = _lambda_alarms(sam, "Errors", function)
        assert alarm["Threshold"] == 0
    # UserMigration and PreSignUp refuse by raising, and the authorizer's 401 is a raised Unauthorized: their
    # Errors count refusals, so the failure-rate alarm (EMF-based) watches the migration instead.
    for function in ("MigrationFunction", "PreSignUpFunction", "AuthorizerFunction"):
        assert _lambda_alarms(sam, "Errors", function) == []


def _filters(sam: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Metric name -> the metric filter producing it."""
    out = {}
    for resource in sam["Resources"].values():
        if resource["Type"] == "AWS::Logs::MetricFilter":
            (transformation,) = resource["Properties"]["MetricTransformations"]
            out[transformation["MetricName"]] = resource["Properties"]
    return out


def test_failure_rate_alarm_divides_system_failures_by_all_counted_attempts(sam: dict[str, Any]) -> None:
    alarm = _alarms(sam)["MigrationFailureRateAlarm"]
    metrics = {m["Id"]: m for m in alarm["Metrics"]}
    assert [i for i, m in metrics.items() if m.get("ReturnData")] == ["rate"]
    failed = metrics["failed"]["MetricStat"]["Metric"]["MetricName"]
    succeeded = metrics["succeeded"]["MetricStat"]["Metric"]["MetricName"]
    filters = _filters(sam)
    for name in (failed, succeeded):
        assert filters[name]["LogGroupName"] == {"Ref": "MigrationLogGroup"}
        assert filters[name]["MetricTransformations"][0]["MetricNamespace"] == {"Ref": "MetricsNamespace"}
    assert "failed" in metrics["rate"]["Expression"]
    assert "succeeded" in metrics["rate"]["Expression"]


def test_no_metric_filter_counts_log_messages_that_vanish_at_higher_log_levels(sam: dict[str, Any]) -> None:
    for name, properties in _filters(sam).items():
        assert "$.message" not in properties["FilterPattern"], name
        assert "$.level" not in properties["FilterPattern"], name


# ---------------------------------------------------------------- metric filter patterns vs the handler's output
#
# A matcher for the subset of CloudWatch Logs JSON filter patterns the template uses, per the CloudWatch Logs
# "filter pattern syntax" documentation: { SELECTOR OP VALUE && ... || ... } with selectors $.key, $.key.sub and
# $.key[N]; = and != take a quoted string (with * wildcards) or a number, > < >= <= a number. A selector that is
# absent (or the wrong type) matches nothing. Any other syntax raises, so the template cannot drift beyond it.

_CONDITION = re.compile(r'\s*(\$(?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])+)\s*(=|!=|>=|<=|>|<)\s*'
                        r'("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?)\s*')
_MISSING = object()


def _select(event: Any, selector: str) -> Any:
    value = event
    for key, index in re.findall(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]", selector[1:]):
        if key and isinstance(value, dict) and key in value:
            value = value[key]
        elif index and isinstance(value, list) and int(index) < len(value):
            value = value[int(index)]
        else:
            return _MISSING
    return value


def _condition(event: Any, text: str) -> bool:
    m = _CONDITION.fullmatch(text)
    if m is None:
        raise ValueError(f"filter condition outside the supported subset: {text!r}")
    selector, op, literal = m.groups()
    value = _select(event, selector)
    if value is _MISSING or isinstance(value, (dict, list)) or value is None:
        return False
    if literal.startswith('"'):
        if op not in ("=", "!="):
            raise ValueError(f"string comparison with {op}: {text!r}")
        if not isinstance(value, str):
            return False
        wildcard = json.loads(literal).replace("[", "[[]").replace("?", "[?]")  # only * is a wildcard
        equal = fnmatch.fnmatchcase(value, wildcard)
        return equal if op == "=" else not equal
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    number = float(literal)
    return {"=": value == number, "!=": value != number, ">": value > number, "<": value < number,
            ">=": value >= number, "<=": value <= number}[op]


def filter_matches(pattern: str, line: str) -> bool:
    """Whether a CloudWatch Logs JSON filter ``pattern`` (the subset above) matches one log ``line``."""
    text = pattern.strip()
    if not (text.startswith("{") and text.endswith("}")) or "(" in text:
        raise ValueError(f"not a JSON filter pattern of the supported subset: {pattern!r}")
    try:
        event = json.loads(line)
    except ValueError:
        return False  # JSON patterns never match non-JSON lines
    if not isinstance(event, dict):
        return False
    return any(all(_condition(event, c) for c in alt.split("&&")) for alt in text[1:-1].split("||"))


@pytest.mark.parametrize(("pattern", "line", "expected"), [
    ('{ $.a[0] > 0 }', '{"a": [1.0]}', True),
    ('{ $.a[0] > 0 }', '{"a": 1}', False),  # not an array
    ('{ $.a[0] > 0 }', '{"b": [1]}', False),
    ('{ $.a[0] > 0 && $.r != "x_*" }', '{"a": [1.0], "r": "x_blocked"}', False),
    ('{ $.a[0] > 0 && $.r != "x_*" }', '{"a": [1.0], "r": "db_timeout"}', True),
    ('{ $.a[0] > 0 && $.r != "x_*" }', '{"a": [1.0]}', False),  # absent selector matches nothing
    ('{ $.r = "ok" || $.s.t = "y" }', '{"r": "no", "s": {"t": "y"}}', True),
    ('{ $.r = "ok" }', 'START RequestId: 1 Version: 3', False),
])
def test_filter_matcher_follows_the_documented_json_pattern_rules(pattern: str, line: str, expected: bool) -> None:
    assert filter_matches(pattern, line) is expected


def test_filter_matcher_refuses_syntax_it_does_not_implement() -> None:
    with pytest.raises(ValueError, match="supported subset"):
        filter_matches('{ ($.a = 1) }', '{"a": 1}')
    with pytest.raises(ValueError, match="supported subset"):
        filter_matches('{ $.a IS NULL }', '{"a": 1}')


_SCENARIOS = r'''
import json, os, socket, sqlite3, sys
from pathlib import Path

from devstack.context import LocalLambdaContext
from devstack.legacy_seed import sample_user, seed_q2a_sqlite

url = seed_q2a_sqlite(Path(sys.argv[1]) / "legacy.sqlite3")
db = sqlite3.connect(url[len("sqlite:///"):])
db.execute("UPDATE qa_users SET passhash = '$2y$10$truncated' WHERE handle = 'heidi'")
db.execute("UPDATE qa_users SET passhash = 'not-a-hash-at-all' WHERE handle = 'erin'")
db.commit()
db.close()
os.environ.update({"LEGACY_APP": "q2a", "LEGACY_DB_URL": url})
from triggers import user_migration as um

closed = socket.socket()
closed.bind(("127.0.0.1", 0))
dead_url = f"mysql://legacy@127.0.0.1:{closed.getsockname()[1]}/legacy"
closed.close()
base = json.loads(Path("tests/events/cognito_user_migration_authentication.json").read_text())


def event(login, password, source=None):
    e = json.loads(json.dumps(base))
    e["userName"], e["request"]["password"] = login, password
    if source:
        e["triggerSource"] = source
    return e


scenarios = [
    ("migrated", {}, event("alice", sample_user("alice").password), 5000),
    ("wrong_password", {}, event("carol", "not-carols-password"), 5000),
    ("unknown_user", {}, event("nobody-here", "whatever-1"), 5000),
    ("blocked", {}, event("mallory", sample_user("mallory").password), 5000),
    ("unsupported_trigger", {}, event("alice", "x", "UserMigration_Somethingelse"), 5000),
    ("corrupt_hash", {}, event("heidi", sample_user("heidi").password), 5000),
    ("unknown_hash", {}, event("erin", sample_user("erin").password), 5000),
    ("time_budget", {}, event("bob", sample_user("bob").password), 520),
    ("database_down", {"LEGACY_DB_URL": dead_url}, event("alice", "x"), 5000),
    ("configuration", {"LEGACY_APP": "no-such-app"}, event("alice", "x"), 5000),
]
for name, env, payload, timeout_ms in scenarios:
    saved = dict(os.environ)
    os.environ.update(env)
    um.reset_runtime()
    print("=== " + name, flush=True)
    try:
        um.handler(payload, LocalLambdaContext(timeout_ms=timeout_ms))
    except um.MigrationRefusedError:
        pass
    sys.stdout.flush()
    os.environ.clear()
    os.environ.update(saved)
    um.reset_runtime()
'''
#: Scenario -> outcome the run must show: "ok", a refusal (the user's problem) or a system failure (ours).
EXPECTED = {"migrated": "ok", "wrong_password": "refused", "unknown_user": "refused", "blocked": "refused",
            "unsupported_trigger": "refused", "corrupt_hash": "failed", "unknown_hash": "failed",
            "time_budget": "failed", "database_down": "failed", "configuration": "failed"}


@pytest.fixture(scope="module")
def handler_output(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, list[str]]]:
    """Stdout of the real migrate-user handler per log level and scenario, as Lambda sends it to CloudWatch Logs.

    A fresh interpreter per level (``POWERTOOLS_LOG_LEVEL`` is read at import, as at a cold start).
    """
    out: dict[str, dict[str, list[str]]] = {}
    for level in ("INFO", "WARNING"):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LEGACY_", "HOOKS_", "POWERTOOLS_"))}
        env |= {"POWERTOOLS_LOG_LEVEL": level, "POWERTOOLS_METRICS_NAMESPACE": "LegacyAuth",
                "POWERTOOLS_SERVICE_NAME": "user-migration", "PYTHONPATH": str(ROOT)}
        result = subprocess.run([sys.executable, "-c", _SCENARIOS, str(tmp_path_factory.mktemp(level))], cwd=ROOT,
                                env=env, capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode == 0, result.stderr[-3000:]
        scenarios: dict[str, list[str]] = {}
        for line in result.stdout.splitlines():
            if line.startswith("=== "):
                scenarios[line[4:]] = []
            elif line.strip():
                scenarios[list(scenarios)[-1]].append(line)
        assert set(scenarios) == set(EXPECTED)
        out[level] = scenarios
    return out


def _count(pattern: str, lines: list[str]) -> int:
    return sum(filter_matches(pattern, line) for line in lines)


def _messages(lines: list[str]) -> list[str]:
    return [json.loads(line).get("message") for line in lines if line.startswith("{") and "message" in line]


@pytest.mark.integration
@pytest.mark.parametrize("level", ["INFO", "WARNING"])
def test_migration_filters_count_each_outcome_from_the_emf_lines_at_every_log_level(
    sam: dict[str, Any], handler_output: dict[str, dict[str, list[str]]], level: str
) -> None:
    filters = _filters(sam)
    succeeded = filters["MigrationsSucceeded"]["FilterPattern"]
    failed = filters["MigrationSystemFailures"]["FilterPattern"]
    for scenario, lines in handler_output[level].items():
        outcome = EXPECTED[scenario]
        emf = [json.loads(line) for line in lines if line.startswith('{"_aws"')]
        assert len(emf) == 1, (scenario, lines)  # one EMF line per invocation, whatever the level
        assert emf[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "LegacyAuth"
        assert (_count(succeeded, lines), _count(failed, lines)) == (
            (1, 0) if outcome == "ok" else (0, 1) if outcome == "failed" else (0, 0)), (scenario, emf[0]["reason"])


@pytest.mark.integration
def test_system_failure_filter_agrees_with_the_handlers_own_classification(
    sam: dict[str, Any], handler_output: dict[str, dict[str, list[str]]]
) -> None:
    failed = _filters(sam)["MigrationSystemFailures"]["FilterPattern"]
    for scenario, lines in handler_output["INFO"].items():
        messages = _messages(lines)
        if EXPECTED[scenario] == "failed":
            assert messages == ["user migration failed"], scenario  # ERROR: our problem, by exception type
        elif EXPECTED[scenario] == "refused":
            assert messages == ["user migration refused"], scenario  # INFO: the user's problem
        else:
            assert messages == [], scenario  # success: DEBUG only, so log lines cannot count successes
        assert (_count(failed, lines) == 1) is (messages == ["user migration failed"]), scenario
    # At WARNING the refusals' log lines are gone too: only the EMF lines carry every outcome.
    assert not any("user migration refused" in _messages(lines) for lines in handler_output["WARNING"].values())


def _credential_errors() -> list[BaseException]:
    from legacy_auth import errors
    from triggers.user_migration import UnsupportedTriggerError

    found: list[BaseException] = [UnsupportedTriggerError("x")]
    todo = [errors.CredentialError]
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls is errors.AccountStateError:
            found += [cls(state) for state in ("blocked", "inactive", "unconfirmed", "locked", "sso_only", "spam")]
        else:
            found.append(cls())
    return found


def _system_errors() -> list[BaseException]:
    from legacy_auth import errors

    timeout, down = errors.StoreTimeoutError("t"), errors.StoreUnavailableError("u")
    timeout.reason, down.reason = "db_timeout", "db_unavailable"  # type: ignore[attr-defined]
    return [timeout, down, errors.StoreError("s"), errors.CorruptHashError("bcrypt"), errors.UnknownHashSchemeError(),
            errors.BudgetExceededError("b"), errors.ConfigurationError("LEGACY_APP", "bad"),
            errors.CorruptRowError("q2a", "flags"), RuntimeError("bug")]


@pytest.mark.parametrize(("errors", "counted"), [(_credential_errors, False), (_system_errors, True)],
                         ids=["user-caused", "system"])
def test_system_failure_filter_excludes_exactly_the_user_caused_reasons(sam: dict[str, Any], errors: Any,
                                                                       counted: bool) -> None:
    from triggers.user_migration import reason_of

    failed = _filters(sam)["MigrationSystemFailures"]["FilterPattern"]
    for exc in errors():
        line = json.dumps({"_aws": {}, "reason": reason_of(exc), "scheme": "none", "MigrationFailed": [1.0]})
        assert filter_matches(failed, line) is counted, (type(exc).__name__, reason_of(exc))


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




# ---------------------------------------------------------------- the functions' configuration as deployed


def _function_env(sam: dict[str, Any], logical_id: str, overrides: dict[str, str]) -> dict[str, str]:
    merged = dict(sam["Globals"]["Function"]["Environment"]["Variables"])
    merged |= _functions(sam)[logical_id]["Properties"].get("Environment", {}).get("Variables", {})
    env = _resolve(merged, sam, overrides)
    return {k: str(v) for k, v in env.items()}


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


# ---------------------------------------------------------------- README: the configuration table
#
# The names come from the code, so a variable added in legacy_auth/, triggers/ or authorizer/ fails this test
# until the README documents it. Sources: (1) module-level string constants holding a variable name (house
# style: "env-var names are module constants"): LEGACY_*/HOOKS_*/POWERTOOLS_* values, and constants whose value
# is their own name (USER_POOL_ID = "USER_POOL_ID", AWS_REGION = "AWS_REGION"); (2) literal names read through
# environ/env/os.environ (.get, [...], getenv); (3) names read at run time, recorded by calling the settings
# loaders with a mapping that logs every key looked up (the preset options LEGACY_<OPTION>, built with an
# f-string, for every LEGACY_APP).

_CODE_PACKAGES = ("legacy_auth", "triggers", "authorizer")
_PREFIXED = re.compile(r"^(LEGACY|HOOKS|POWERTOOLS|AUTHZ?)_[A-Z0-9_]+$")
_UPPER = re.compile(r"^[A-Z][A-Z0-9_]+$")


def _is_environ(node: ast.expr) -> bool:
    if isinstance(node, ast.Name):
        return node.id in {"environ", "env"}
    return isinstance(node, ast.Attribute) and node.attr == "environ" and isinstance(node.value, ast.Name) \
        and node.value.id == "os"


def _static_environment_names(tree: ast.Module) -> set[str]:
    names = set()
    for statement in tree.body:
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target] if isinstance(
            statement, ast.AnnAssign) else []
        value = getattr(statement, "value", None)
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            for target in targets:
                if isinstance(target, ast.Name) and (_PREFIXED.match(value.value) or (
                        target.id == value.value and _UPPER.match(value.value))):
                    names.add(value.value)
    for node in ast.walk(tree):
        key: ast.expr | None = None
        if isinstance(node, ast.Call) and node.args and isinstance(node.func, ast.Attribute):
            environ_get = node.func.attr == "get" and _is_environ(node.func.value)
            os_getenv = node.func.attr == "getenv" and isinstance(node.func.value, ast.Name) \
                and node.func.value.id == "os"
            if environ_get or os_getenv:
                key = node.args[0]
        elif isinstance(node, ast.Subscript) and _is_environ(node.value):
            key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str) and _UPPER.match(key.value):
            names.add(key.value)
    return names


class _RecordingEnviron(dict[str, str]):
    """A mapping that remembers every key looked up in it."""

    def __init__(self, values: Mapping[str, str]) -> None:
        super().__init__(values)
        self.seen: set[str] = set()

    def get(self, key: Any, default: Any = None) -> Any:
        self.seen.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> str:
        self.seen.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.seen.add(str(key))
        return super().__contains__(key)


def _runtime_environment_names() -> set[str]:
    from legacy_auth.config import APPS, Settings
    from legacy_auth.errors import ConfigurationError
    from legacy_auth.hooks_config import HookSettings

    seen: set[str] = set()
    for app in APPS:
        env = _RecordingEnviron({"LEGACY_APP": app, "LEGACY_DB_URL": "sqlite:////tmp/legacy.sqlite3"})
        with contextlib.suppress(ConfigurationError):  # what was read before the error still counts
            Settings.from_env(env)
        seen |= env.seen
    env = _RecordingEnviron({})
    HookSettings.from_env(env)
    return seen | env.seen


def _code_environment_names() -> set[str]:
    names: set[str] = set()
    for package in _CODE_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            names |= _static_environment_names(ast.parse(path.read_text(encoding="utf-8")))
    return names | _runtime_environment_names()


def _powertools_environment_names() -> set[str]:
    """Variables Powertools itself reads (its own constants), e.g. POWERTOOLS_LOG_LEVEL."""
    from aws_lambda_powertools.shared import constants

    return {v for v in vars(constants).values() if isinstance(v, str) and v.startswith("POWERTOOLS_")}


def _template_environment_names(sam: dict[str, Any]) -> set[str]:
    names = set(sam["Globals"]["Function"]["Environment"]["Variables"])
    for function in _functions(sam).values():
        names |= set(function["Properties"].get("Environment", {}).get("Variables", {}))
    return names


def _readme_configuration_names() -> set[str]:
    """Names in the first column of every table of the README's "## Configuration" section."""
    text = README.read_text(encoding="utf-8")
    m = re.search(r"^## Configuration\b.*?(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert m is not None, "README.md has no '## Configuration' section"
    names = set()
    for line in m[0].splitlines():
        cells = line.strip().split("|")
        if len(cells) < 3 or set(cells[1].strip()) <= set("-: "):
            continue
        names |= set(re.findall(r"`([A-Za-z][A-Za-z0-9_]*)`", cells[1]))
    return names


def test_environment_name_collector_finds_names_from_each_kind_of_source() -> None:
    names = _code_environment_names()
    assert {"LEGACY_APP", "LEGACY_BUDGET_MS", "HOOKS_BUDGET_MS", "HOOKS_SIGNUP_GUARD"} <= names  # constants
    assert {"USER_POOL_ID", "APP_CLIENT_IDS", "TOKEN_USE", "JWKS_URL", "ISSUER", "JWKS_JSON"} <= names  # authorizer
    assert {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "AWS_DEFAULT_REGION"} <= names  # literals
    assert {"LEGACY_EMAIL_LOGIN", "LEGACY_MULTISITE", "LEGACY_GENERIC_TABLE"} <= names  # preset options (runtime)
    assert not {"LEGACY_", "REST_TOKEN", "UNAUTHORIZED", "GENERIC_MESSAGE"} & names  # not variables


def test_readme_keeps_the_two_commands_first() -> None:
    head = README.read_text(encoding="utf-8").split("\n")[:8]
    assert head == [
        "# cognito-legacy-auth",
        "",
        "```sh",
        "make demo   # a legacy user signs in with an old password through a local Cognito emulator, is migrated, "
        "calls an API",
        "make test   # the whole test suite: real MariaDB and PostgreSQL, the Cognito emulator, lint and type checks",
        "```",
        "",
        "Both commands bootstrap their own virtualenv (`.venv`), the pinned npm tools and the local databases.",
    ]


def test_readme_configuration_table_lists_every_template_parameter(sam: dict[str, Any]) -> None:
    missing = set(sam["Parameters"]) - _readme_configuration_names()
    assert not missing, f"add these template.yaml parameters to README.md's configuration table: {sorted(missing)}"


def test_readme_configuration_table_lists_every_environment_variable_read_or_set(sam: dict[str, Any]) -> None:
    wanted = _code_environment_names() | _template_environment_names(sam)
    missing = wanted - _readme_configuration_names()
    assert not missing, f"add these environment variables to README.md's configuration table: {sorted(missing)}"


def test_readme_configuration_table_names_only_real_parameters_and_variables(sam: dict[str, Any]) -> None:
    known = (set(sam["Parameters"]) | _code_environment_names() | _template_environment_names(sam)
             | _powertools_environment_names())
    unknown = _readme_configuration_names() - known
    assert not unknown, f"README.md's configuration table names what nothing reads: {sorted(unknown)}"


def test_docs_point_at_the_readme_configuration_section() -> None:
    assert "## Configuration" in README.read_text(encoding="utf-8")
    for doc in ("deploy.md", "local-stack.md", "architecture.md"):
        text = (ROOT / "docs" / doc).read_text(encoding="utf-8")
        assert "../README.md#configuration" in text, doc

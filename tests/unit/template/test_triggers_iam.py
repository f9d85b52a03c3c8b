"""The pool's triggers, Cognito's invoke permissions, the app client's auth flows, IAM statements and Rules."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

from tests.unit.template.support import TRIGGER_FUNCTIONS, alias_target, is_active, resolve

TRIGGER_KEYS = ("UserMigration", "PreSignUp", "PostConfirmation")


DB_URL = {"LegacyDbUrl": "mysql://legacy_ro@legacy-db.internal:3306/legacy"}  # required: no Default


def _rule_failures(sam: dict[str, Any], overrides: Mapping[str, str]) -> list[str]:
    """Descriptions of the template Rules' assertions that fail for these parameter values (as CloudFormation).

    ``LegacyDbUrl`` (no Default) is given unless ``overrides`` names it.
    """
    overrides = {**DB_URL, **overrides}
    failures = []
    for rule in sam.get("Rules", {}).values():
        if "RuleCondition" in rule and not resolve(rule["RuleCondition"], sam, overrides):
            continue
        failures += [a["AssertDescription"] for a in rule["Assertions"] if not resolve(a["Assert"], sam, overrides)]
    return failures


def _trigger_targets(cfn: dict[str, Any], overrides: Mapping[str, str] | None = None) -> dict[str, str | None]:
    config = resolve(cfn["Resources"]["UserPool"]["Properties"]["LambdaConfig"], cfn, overrides)
    targets = {key: alias_target(cfn, config[key]) for key in TRIGGER_KEYS if key in config}
    targets["PreTokenGeneration"] = alias_target(cfn, config["PreTokenGenerationConfig"]["LambdaArn"])
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
        target = alias_target(cfn, permission["FunctionName"])
        assert target is not None, f"permission on a non-alias: {permission['FunctionName']}"
        assert permission["SourceArn"] == {"Fn::GetAtt": ["UserPool", "Arn"]}
        assert permission["SourceAccount"] == {"Ref": "AWS::AccountId"}
        if is_active(cfn, logical_id):
            invoked.add(target)
    assert invoked == set(TRIGGER_FUNCTIONS)


def _client_flows(cfn: dict[str, Any], overrides: Mapping[str, str] | None = None) -> set[str]:
    return set(resolve(cfn["Resources"]["UserPoolClient"]["Properties"]["ExplicitAuthFlows"], cfn, overrides))


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
    assert is_active(cfn, "MigrationInvokePermission", overrides) is trigger
    assert _trigger_targets(cfn, overrides)["PreTokenGeneration"] == "PreTokenGenerationFunction"


def _statements(cfn: dict[str, Any], overrides: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """Every IAM statement of the roles and policies, for these parameters (conditional ones resolved)."""
    out = []
    for resource in cfn["Resources"].values():
        documents = []
        if resource["Type"] == "AWS::IAM::Role":
            documents = [p["PolicyDocument"] for p in resolve(resource["Properties"].get("Policies", []), cfn,
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


@pytest.mark.parametrize(("overrides", "refused"), [
    ({"LegacyDbUrl": ""}, True),  # neither a URL nor a secret: the handlers could not start
    ({"LegacyDbUrl": "", "LegacyDbSecretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db"}, False),
    ({"LegacyDbCaBundle": "global-bundle.pem"}, False),  # LegacyDbTls defaults to verify-full
    ({"LegacyDbCaBundle": "global-bundle.pem", "LegacyDbTls": "verify-ca"}, False),
    ({"LegacyDbCaBundle": "global-bundle.pem", "LegacyDbTls": "require"}, True),
    ({"LegacyDbCaBundle": "global-bundle.pem", "LegacyDbTls": "disable"}, True),
])
def test_rules_refuse_no_database_and_a_ca_bundle_without_certificate_checks(
        sam: dict[str, Any], overrides: dict[str, str], refused: bool) -> None:
    assert bool(_rule_failures(sam, overrides)) is refused, _rule_failures(sam, overrides)

"""The REST API (authorizer alias, result TTL, gateway responses, redeployments) and the HTTP API variant."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.unit.template.support import alias_target, transform_sam


def _permissions(cfn: dict[str, Any], principal: str) -> list[dict[str, Any]]:
    return [r["Properties"] for r in cfn["Resources"].values()
            if r["Type"] == "AWS::Lambda::Permission" and r["Properties"]["Principal"] == principal]


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
    assert {alias_target(cfn, p["FunctionName"]) for p in permissions} == {"AuthorizerFunction",
                                                                            "ExampleBackendFunction"}


@pytest.mark.parametrize(("kind", "ttl"), [("TOKEN", "300"), ("REQUEST", "0"), ("REQUEST", "600")])
def test_authorizer_type_and_result_ttl_come_from_the_parameters(sam: dict[str, Any], kind: str, ttl: str) -> None:
    _, _, authorizer = _rest_api(transform_sam(sam, {"AuthorizerType": kind, "AuthorizerResultTtl": ttl}))
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
    _, before, _ = _rest_api(transform_sam(sam, {"AuthorizerType": "TOKEN", "AuthorizerResultTtl": "300"}))
    _, again, _ = _rest_api(transform_sam(sam, {"AuthorizerType": "TOKEN", "AuthorizerResultTtl": "300"}))
    _, after, _ = _rest_api(transform_sam(sam, {"AuthorizerType": "TOKEN", "AuthorizerResultTtl": "300"} | change))
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
    assert alias_target(cfn, integration["IntegrationUri"]) == "ExampleBackendFunction"
    assert cfn["Resources"]["HttpApiStage"]["Properties"]["AutoDeploy"] is True  # never a stale deployment

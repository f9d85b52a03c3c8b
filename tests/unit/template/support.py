"""Shared helpers of the template.yaml tests: load, transform and resolve the template offline (no AWS).

Also finds its functions, the function behind an alias, and the metric filters by metric name.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = ROOT / "template.yaml"
README = ROOT / "README.md"
LAMBDA_BUILD = ROOT / "devstack" / "lambda"
TRIGGER_FUNCTIONS = ("MigrationFunction", "PreSignUpFunction", "PostConfirmationFunction",
                     "PreTokenGenerationFunction")
FAKE_REFS = {"UserPool": "eu-west-1_AbCdEf123", "UserPoolClient": "4example5client6id7", "AWS::Region": "eu-west-1"}
NO_VALUE = object()


def load_sam() -> dict[str, Any]:
    """template.yaml as the SAM translator parses it (intrinsic functions kept as dicts)."""
    from samtranslator.yaml_helper import yaml_parse

    return yaml_parse(TEMPLATE.read_text(encoding="utf-8"))


def transform_sam(template: dict[str, Any], parameters: Mapping[str, Any] | None = None) -> dict[str, Any]:
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


def sam_functions(sam: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Logical id -> resource of every ``AWS::Serverless::Function``."""
    return {k: v for k, v in sam["Resources"].items() if v["Type"] == "AWS::Serverless::Function"}


def alias_target(cfn: dict[str, Any], value: Any) -> str | None:
    """The function logical id behind ``{"Ref": <alias>}``; None unless it is an AWS::Lambda::Alias."""
    if not isinstance(value, dict) or set(value) != {"Ref"}:
        return None
    resource = cfn["Resources"].get(value["Ref"])
    if resource is None or resource["Type"] != "AWS::Lambda::Alias":
        return None
    return str(resource["Properties"]["FunctionName"]["Ref"])


def _parameter_values(template: dict[str, Any], overrides: Mapping[str, str]) -> dict[str, Any]:
    """Parameter values as CloudFormation sees them: strings, lists for CommaDelimitedList."""
    values: dict[str, Any] = {}
    for name, spec in template["Parameters"].items():
        raw = str(overrides.get(name, spec.get("Default", "")))
        values[name] = raw.split(",") if spec["Type"] == "CommaDelimitedList" else raw
    return values


def resolve(value: Any, template: dict[str, Any], overrides: Mapping[str, str] | None = None) -> Any:
    """Evaluate parameter Refs, conditions and rule functions with parameter defaults plus ``overrides``.

    Refs to resources stay as they are (except the fakes in ``FAKE_REFS``); ``AWS::NoValue`` and the
    branches it stands in disappear (``NO_VALUE`` at the top level).
    """
    overrides = overrides or {}
    params = _parameter_values(template, overrides)

    def ev(v: Any) -> Any:
        return resolve(v, template, overrides)

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
        if name == "Fn::Sub" and isinstance(args, str):  # template parameters substituted; anything else kept
            def sub(m: re.Match[str]) -> str:
                return str(params[m[1]]) if m[1] in template["Parameters"] else m[0]

            text = re.sub(r"\$\{([A-Za-z0-9:]+)\}", sub, args)
            return text if "${" not in text else {"Fn::Sub": text}
    return {k: r for k, r in ((k, ev(v)) for k, v in value.items()) if r is not NO_VALUE}


def is_active(template: dict[str, Any], logical_id: str, overrides: Mapping[str, str] | None = None) -> bool:
    """Whether a resource exists for these parameters (its Condition, if any, holds)."""
    condition = template["Resources"][logical_id].get("Condition")
    return condition is None or bool(resolve({"Condition": condition}, template, overrides))


def metric_filters(sam: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Metric name -> the metric filter producing it."""
    out = {}
    for resource in sam["Resources"].values():
        if resource["Type"] == "AWS::Logs::MetricFilter":
            (transformation,) = resource["Properties"]["MetricTransformations"]
            out[transformation["MetricName"]] = resource["Properties"]
    return out

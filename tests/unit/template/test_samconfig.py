"""samconfig.toml: a valid SAM CLI configuration whose overrides name real parameters and cannot deploy unedited."""

from __future__ import annotations

import re
import shlex
import tomllib
from typing import Any

import pytest

from tests.unit.template.support import ROOT, resolve, sam_functions

SAMCONFIG = ROOT / "samconfig.toml"
PLACEHOLDER = re.compile(r"<[a-z0-9-]+>")


def _overrides() -> dict[str, str]:
    config = tomllib.loads(SAMCONFIG.read_text(encoding="utf-8"))
    text = config["default"]["deploy"]["parameters"]["parameter_overrides"]
    pairs = [item.partition("=") for item in shlex.split(text)]
    assert all(sep == "=" for _, sep, _ in pairs), text
    return {name: value for name, _, value in pairs}


def _filled(overrides: dict[str, str]) -> dict[str, str]:
    """The example with its placeholders replaced the way an admin would."""
    real = {"<db-user>": "legacy_ro", "<legacy-db-host>": "legacy-db.example.internal", "<database>": "forum",
            "<aws-region>": "eu-west-1", "<account-id>": "123456789012", "<secret-name>": "legacy-db-AbCdEf"}
    return {k: PLACEHOLDER.sub(lambda m: real[m[0]], v) for k, v in overrides.items()}


def test_samconfig_is_valid_toml_of_version_0_1_with_a_stack_and_iam_capability() -> None:
    config = tomllib.loads(SAMCONFIG.read_text(encoding="utf-8"))
    assert config["version"] == 0.1
    assert config["default"]["global"]["parameters"]["stack_name"]
    assert config["default"]["deploy"]["parameters"]["capabilities"] == "CAPABILITY_IAM"


def test_samconfig_overrides_name_only_template_parameters_and_every_required_one(sam: dict[str, Any]) -> None:
    overrides = _overrides()
    assert set(overrides) <= set(sam["Parameters"]), sorted(set(overrides) - set(sam["Parameters"]))
    required = {name for name, spec in sam["Parameters"].items() if "Default" not in spec}
    assert required == {"LegacyDbUrl"}  # guided deploys prompt for it; no usable default exists
    assert required <= set(overrides)


def test_samconfig_values_are_allowed_by_the_template_once_the_placeholders_are_filled(sam: dict[str, Any]) -> None:
    for name, value in _filled(_overrides()).items():
        spec = sam["Parameters"][name]
        if "AllowedValues" in spec:
            assert value in [str(v) for v in spec["AllowedValues"]], name
        if "AllowedPattern" in spec:
            assert re.fullmatch(spec["AllowedPattern"], value), (name, value)


def test_an_unedited_samconfig_database_url_is_refused_by_the_template(sam: dict[str, Any]) -> None:
    url = _overrides()["LegacyDbUrl"]
    assert PLACEHOLDER.search(url)
    assert not re.fullmatch(sam["Parameters"]["LegacyDbUrl"]["AllowedPattern"], url)


@pytest.mark.parametrize("logical_id", ["MigrationFunction", "PreSignUpFunction", "PostConfirmationFunction"])
def test_the_filled_in_example_gives_each_database_function_an_environment_it_accepts(
        sam: dict[str, Any], logical_id: str) -> None:
    from legacy_auth.hooks.config import HookSettings
    from legacy_auth.migration.config import Settings

    merged = dict(sam["Globals"]["Function"]["Environment"]["Variables"])
    merged |= sam_functions(sam)[logical_id]["Properties"]["Environment"]["Variables"]
    env = {k: str(v) for k, v in resolve(merged, sam, _filled(_overrides())).items()}
    settings = Settings.from_env(env)
    HookSettings.from_env(env)
    assert settings.db_url is not None
    assert settings.db_url.dialect == "mysql"
    assert settings.db_options.secret_arn == "arn:aws:secretsmanager:eu-west-1:123456789012:secret:legacy-db-AbCdEf"

"""The README's configuration table against the template's parameters and every variable the code reads."""

from __future__ import annotations

import re
from typing import Any

from tests.unit.template.env_names import code_environment_names, powertools_environment_names
from tests.unit.template.support import README, ROOT, sam_functions


def _template_environment_names(sam: dict[str, Any]) -> set[str]:
    names = set(sam["Globals"]["Function"]["Environment"]["Variables"])
    for function in sam_functions(sam).values():
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
    names = code_environment_names()
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
    wanted = code_environment_names() | _template_environment_names(sam)
    missing = wanted - _readme_configuration_names()
    assert not missing, f"add these environment variables to README.md's configuration table: {sorted(missing)}"


def test_readme_configuration_table_names_only_real_parameters_and_variables(sam: dict[str, Any]) -> None:
    known = (set(sam["Parameters"]) | code_environment_names() | _template_environment_names(sam)
             | powertools_environment_names())
    unknown = _readme_configuration_names() - known
    assert not unknown, f"README.md's configuration table names what nothing reads: {sorted(unknown)}"


def test_docs_point_at_the_readme_configuration_section() -> None:
    assert "## Configuration" in README.read_text(encoding="utf-8")
    for doc in ("deploy.md", "local-stack.md", "architecture.md"):
        text = (ROOT / "docs" / doc).read_text(encoding="utf-8")
        assert "../README.md#configuration" in text, doc

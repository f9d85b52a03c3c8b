"""The environment variable names the code reads, collected from legacy_auth/, triggers/ and authorizer/.

The names come from the code, so a variable added in legacy_auth/, triggers/ or authorizer/ fails the README
test (test_readme_config.py) until the README documents it. Sources: (1) module-level string constants
holding a variable name (house style: "env-var names are module constants"): LEGACY_*/HOOKS_*/POWERTOOLS_*
values, and constants whose value is their own name (USER_POOL_ID = "USER_POOL_ID", AWS_REGION =
"AWS_REGION"); (2) literal names read through environ/env/os.environ (.get, [...], getenv); (3) names read at
run time, recorded by calling the settings loaders with a mapping that logs every key looked up (the preset
options LEGACY_<OPTION>, built with an f-string, for every LEGACY_APP).
"""

from __future__ import annotations

import ast
import contextlib
import re
from collections.abc import Mapping
from typing import Any

from tests.unit.template.support import ROOT

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
    from legacy_auth.errors import ConfigurationError
    from legacy_auth.hooks.config import HookSettings
    from legacy_auth.migration.config import APPS, Settings

    seen: set[str] = set()
    for app in APPS:
        env = _RecordingEnviron({"LEGACY_APP": app, "LEGACY_DB_URL": "sqlite:////tmp/legacy.sqlite3"})
        with contextlib.suppress(ConfigurationError):  # what was read before the error still counts
            Settings.from_env(env)
        seen |= env.seen
    env = _RecordingEnviron({})
    HookSettings.from_env(env)
    return seen | env.seen


def code_environment_names() -> set[str]:
    """Every variable name the three code packages read (sources (1) to (3) of the module docstring)."""
    names: set[str] = set()
    for package in _CODE_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            names |= _static_environment_names(ast.parse(path.read_text(encoding="utf-8")))
    return names | _runtime_environment_names()


def powertools_environment_names() -> set[str]:
    """Variables Powertools itself reads (its own constants), e.g. POWERTOOLS_LOG_LEVEL."""
    from aws_lambda_powertools.shared import constants

    return {v for v in vars(constants).values() if isinstance(v, str) and v.startswith("POWERTOOLS_")}

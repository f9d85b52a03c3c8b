"""No module outside ``legacy_auth/apps/`` names a legacy app: adding an app is one file (issue 13)."""

from __future__ import annotations

import ast
from pathlib import Path

from legacy_auth.apps import NAMES

ROOT = Path(__file__).resolve().parents[3]
PRODUCTION = ("legacy_auth", "triggers", "authorizer")
#: (module, literal) that spell an app's name without meaning the app
NOT_THE_APP = {
    ("legacy_auth/hashing/spring_schemes.py", "ldap"): "Spring Security's DelegatingPasswordEncoder id {ldap}",
}


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _app_literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text("utf-8"), str(path))
    skip = _docstrings(tree)
    where = str(path.relative_to(ROOT))
    return [f"{where}:{node.lineno}: {node.value!r}" for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in NAMES
            and id(node) not in skip and (where, node.value) not in NOT_THE_APP]


def test_no_production_module_outside_the_apps_package_names_an_app() -> None:
    found = [hit for package in PRODUCTION for path in sorted((ROOT / package).rglob("*.py"))
             if "apps" not in path.relative_to(ROOT).parts[:2] for hit in _app_literals(path)]
    assert found == []


def test_each_app_module_names_only_itself_or_the_apps_it_builds_on() -> None:
    for name in NAMES:
        path = ROOT / "legacy_auth" / "apps" / f"{name}.py"
        named = {hit.rsplit(": ", 1)[1].strip("'") for hit in _app_literals(path)}
        assert named <= {name}, f"{name}.py names {sorted(named - {name})}"


def test_the_checks_see_an_app_name_when_one_is_written() -> None:
    tree = ast.parse('X = "wordpress"\n')
    assert [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)] == ["wordpress"]
    assert "wordpress" in NAMES

"""Fitness test of the package layout (issue 13): which package may import which, and no import circles.

Imports are read with :mod:`ast` from the source (every ``import`` and ``from ... import``, including the lazy ones
inside functions and the ``TYPE_CHECKING`` ones: a circle through a type-only import is still a design circle).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIRST_PARTY = ("legacy_auth", "triggers", "authorizer", "devstack", "tests")

# The shared top-level modules of legacy_auth; every other module lives in a package.
SHARED = {"legacy_auth", "legacy_auth.errors", "legacy_auth.deadline", "legacy_auth.env", "legacy_auth.model",
          "legacy_auth.log_safety"}
# Group -> the groups it may import (besides itself). "shared" = SHARED.
ALLOWED: dict[str, set[str]] = {
    "shared": set(),
    "legacy_auth.db": {"shared"},
    "legacy_auth.hashing": {"shared"},
    "legacy_auth.presets": {"shared"},
    "legacy_auth.apps": {"shared", "legacy_auth.hashing", "legacy_auth.presets"},
    "legacy_auth.migration": {"shared", "legacy_auth.apps", "legacy_auth.db", "legacy_auth.hashing",
                              "legacy_auth.presets"},
    "legacy_auth.hooks": {"shared", "legacy_auth.apps", "legacy_auth.db", "legacy_auth.presets",
                          "legacy_auth.migration"},
    "legacy_auth.importing": {"shared", "legacy_auth.apps", "legacy_auth.db", "legacy_auth.hashing",
                              "legacy_auth.presets", "legacy_auth.migration"},
    "legacy_auth.cli": {"shared", "legacy_auth.apps", "legacy_auth.db", "legacy_auth.hashing", "legacy_auth.presets",
                        "legacy_auth.migration", "legacy_auth.hooks", "legacy_auth.importing"},
    "triggers": {"shared", "legacy_auth.apps", "legacy_auth.db", "legacy_auth.hashing", "legacy_auth.presets",
                 "legacy_auth.migration", "legacy_auth.hooks"},
    "authorizer": set(),
}


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in ("legacy_auth", "triggers", "authorizer"):
        for path in sorted((ROOT / package).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """First-party modules ``name`` imports: the module named, or the package when a name is imported from it."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package
                for _ in range(node.level - 1):
                    anchor = anchor.rpartition(".")[0]
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return {m for m in found if m.split(".")[0] in FIRST_PARTY and m != name}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _group(module: str) -> str:
    if module in SHARED:
        return "shared"
    parts = module.split(".")
    return parts[0] if parts[0] != "legacy_auth" else ".".join(parts[:2])


def test_every_legacy_auth_module_is_shared_or_inside_a_feature_package() -> None:
    flat = sorted(m for m, p in MODULES.items()
                  if m.startswith("legacy_auth") and m not in SHARED and p.parent == ROOT / "legacy_auth")
    assert flat == [], f"put these in a package (or add them to SHARED if every package needs them): {flat}"


def test_every_package_has_a_dependency_rule() -> None:
    groups = {_group(m) for m in MODULES}
    assert groups - set(ALLOWED) == set(), "add the new package to ALLOWED (and to docs/architecture.md)"


@pytest.mark.parametrize("group", sorted(ALLOWED))
def test_a_package_imports_only_the_packages_below_it(group: str) -> None:
    allowed = ALLOWED[group] | {group}
    wrong = sorted(f"{m} -> {t}" for m, targets in GRAPH.items() if _group(m) == group
                   for t in targets if t not in MODULES or _group(t) not in allowed)
    assert wrong == []


def test_there_are_no_import_circles() -> None:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in GRAPH.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    assert circles == []


def test_the_import_reader_sees_lazy_type_only_and_relative_imports(tmp_path: Path) -> None:
    source = tmp_path / "probe.py"
    source.write_text("from typing import TYPE_CHECKING\n"
                      "if TYPE_CHECKING:\n    from legacy_auth.model import LegacyUser\n"
                      "def f():\n    import legacy_auth.errors\n    from legacy_auth.db import database\n", "utf-8")
    assert _imports("legacy_auth.probe", source) == {"legacy_auth.model", "legacy_auth.errors",
                                                     "legacy_auth.db.database"}

"""One lazy-wiring idiom for every handler (issue 13): :class:`triggers.lazy.Lazy`, and nothing else.

The handlers' module state (settings, database handles, clients, the migrate-user runtime) lives in ``Lazy`` cells:
no ``global`` statement, no ``None`` / one-element-tuple placeholders filled in later. The authorizer builds its one
object at import (``authorizer.handler.AUTHORIZER``: its cold start fetches nothing) and has no ``global`` either.
"""

from __future__ import annotations

import ast
import threading
import time
from pathlib import Path

import pytest

from triggers import hook_wiring, post_confirmation, pre_signup, pre_token_generation, user_migration
from triggers.lazy import UNBUILT, Lazy

ROOT = Path(__file__).resolve().parents[3]
HANDLER_MODULES = [*sorted((ROOT / "triggers").glob("*.py")), ROOT / "authorizer" / "handler.py"]


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text("utf-8"), str(path))


@pytest.mark.parametrize("path", HANDLER_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_handler_module_rebinds_module_state_with_global(path: Path) -> None:
    found = [n.lineno for n in ast.walk(_tree(path)) if isinstance(n, ast.Global | ast.Nonlocal)]
    assert found == [], f"{path.name}: use a triggers.lazy.Lazy cell instead of `global` (lines {found})"


@pytest.mark.parametrize("path", sorted((ROOT / "triggers").glob("*.py")), ids=lambda p: p.name)
def test_no_trigger_module_keeps_a_placeholder_to_fill_in_later(path: Path) -> None:
    placeholders = []
    for node in _tree(path).body:
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        empty = isinstance(value, ast.Constant) and value.value is None
        sentinel = isinstance(value, ast.Tuple) and len(value.elts) == 1
        if empty or sentinel:
            placeholders.append(node.lineno)
    assert placeholders == [], f"{path.name}: module-level None / 1-tuple placeholders at lines {placeholders}"


@pytest.mark.parametrize(
    ("module", "cells"),
    [
        (user_migration, ["runtime"]),
        (post_confirmation, ["settings", "app_db", "tracker"]),
        (pre_signup, ["settings", "guard"]),
        (pre_token_generation, ["settings", "app_db"]),
        (hook_wiring, ["cognito_client", "legacy_database"]),
    ],
    ids=lambda v: getattr(v, "__name__", "cells"),
)
def test_every_handler_keeps_its_lazily_built_state_in_lazy_cells(module: object, cells: list[str]) -> None:
    assert [name for name in cells if not isinstance(getattr(module, name), Lazy)] == []


def test_reset_runtime_is_still_the_migrate_user_reset() -> None:
    assert user_migration.reset_runtime == user_migration.runtime.reset


def test_a_cell_builds_once_and_returns_the_same_value() -> None:
    calls: list[int] = []
    cell = Lazy(lambda: calls.append(1) or object())
    assert not cell.built
    first = cell()
    assert cell.get() is first
    assert cell() is first
    assert cell.built
    assert calls == [1]


def test_a_failed_build_leaves_the_cell_empty_and_the_next_call_tries_again() -> None:
    attempts: list[int] = []

    def build() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise ValueError("first attempt fails")
        return "ready"

    cell = Lazy(build)
    with pytest.raises(ValueError, match="first attempt"):
        cell()
    assert not cell.built
    assert cell() == "ready"
    assert len(attempts) == 2


def test_none_is_a_built_value_not_an_empty_cell() -> None:
    calls: list[int] = []
    cell: Lazy[None] = Lazy(lambda: calls.append(1))
    assert cell() is None
    assert cell() is None
    assert cell.built
    assert calls == [1]


def test_reset_closes_the_value_and_the_next_call_rebuilds() -> None:
    closed: list[object] = []
    cell = Lazy(object, close=closed.append)
    first = cell()
    cell.reset()
    assert closed == [first]
    assert not cell.built
    assert cell() is not first
    Lazy(object, close=closed.append).reset()  # an empty cell has nothing to close
    assert closed == [first]


def test_an_injected_value_is_served_without_building(monkeypatch: pytest.MonkeyPatch) -> None:
    cell = Lazy(lambda: pytest.fail("must not build"))
    monkeypatch.setattr(cell, "value", "fake")
    assert cell() == "fake"
    monkeypatch.undo()
    assert cell.value is UNBUILT


def test_concurrent_first_calls_build_once() -> None:
    calls: list[int] = []
    gate = threading.Barrier(8)

    def build() -> object:
        calls.append(1)
        time.sleep(0.01)  # widen the race window: every thread is past the unlocked check by now
        return object()

    cell = Lazy(build)
    seen: list[object] = []

    def call() -> None:
        gate.wait()
        seen.append(cell())

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [1]
    assert len({id(v) for v in seen}) == 1

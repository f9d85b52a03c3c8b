"""Simulated Lambda containers: a fresh copy of a handler module per container, with its own module state.

A Lambda container imports the handler once (cold start) and keeps its module-scope ``Database``, settings
and caches across warm invocations. :func:`cold_start` loads the handler file again under a unique module
name, so each simulated container has its own globals (its own connection), exactly as 32 concurrent
containers would, without 32 processes. Environment variables are set with :func:`environment` around
the cold start *and* the invocations (handlers may read settings lazily on their first call).
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from devstack.context import LocalLambdaContext

ROOT = Path(__file__).resolve().parents[2]
HANDLERS = {
    "user_migration": ROOT / "triggers" / "user_migration.py",
    "pre_signup": ROOT / "triggers" / "pre_signup.py",
    "post_confirmation": ROOT / "triggers" / "post_confirmation.py",
    "pre_token_generation": ROOT / "triggers" / "pre_token_generation.py",
    "authorizer": ROOT / "authorizer" / "handler.py",
}
PACKAGES = {"authorizer": "authorizer"}
BUDGET_S = 4.5  # the hard bound on wall time from invocation (Cognito's own limit is 5 s)
_ids = itertools.count(1)


def handler_exists(name: str) -> bool:
    """Whether the handler module has landed in this checkout."""
    return HANDLERS[name].exists()


@contextmanager
def environment(values: Mapping[str, str], remove: tuple[str, ...] = ()) -> Iterator[None]:
    """Set (and remove) environment variables for the block; restore them afterwards."""
    saved = {k: os.environ.get(k) for k in (*values, *remove)}
    try:
        for k in remove:
            os.environ.pop(k, None)
        os.environ.update(values)
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def cold_start(name: str) -> ModuleType:
    """Load handler ``name`` as a new module (a new container). Call inside :func:`environment`."""
    path = HANDLERS[name]
    package = PACKAGES.get(name, "triggers")
    mod_name = f"{package}._reliability_container_{next(_ids)}_{name}"
    spec = importlib.util.spec_from_file_location(mod_name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(mod_name, None)  # the container keeps its own reference
    return module


@dataclass(frozen=True, slots=True)
class Invocation:
    """What one handler call did: its result or the exception, and the wall time."""

    result: Any
    error: BaseException | None
    seconds: float

    @property
    def error_type(self) -> str:
        """``"-"`` when it returned, else the exception class name."""
        return "-" if self.error is None else type(self.error).__name__

    @property
    def message(self) -> str:
        """The exception text shown to the user (Cognito shows it), ``""`` when it returned."""
        return "" if self.error is None else str(self.error)


def invoke(module: ModuleType, event: Any, timeout_ms: int = 5000) -> Invocation:
    """Call ``module.handler(event, context)`` with a fresh 5 s :class:`LocalLambdaContext`; time it."""
    context = LocalLambdaContext(function_name=module.__name__.rsplit("_", 1)[-1], timeout_ms=timeout_ms)
    fn: Callable[[Any, Any], Any] = module.handler
    start = time.monotonic()
    try:
        result = fn(event, context)
    except Exception as exc:
        return Invocation(None, exc, time.monotonic() - start)
    return Invocation(result, None, time.monotonic() - start)

"""Driving the real migrate-user handler from integration tests: real-shaped events, a fresh 5 s context per call,
and an environment setter that resets the handler's runtime (settings are read once per cold start)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest

from devstack.context import LocalLambdaContext
from tests.conftest import load_event
from triggers import user_migration as um


def sign_in(login: str, password: str) -> dict[str, Any]:
    """``UserMigration_Authentication`` for ``login`` / ``password`` through the real handler."""
    event = load_event("cognito_user_migration_authentication")
    event["userName"] = login
    event["request"]["password"] = password
    return um.handler(event, LocalLambdaContext(timeout_ms=5000))


def forgot(login: str) -> dict[str, Any]:
    """``UserMigration_ForgotPassword`` for ``login`` through the real handler."""
    event = load_event("cognito_user_migration_forgot_password")
    event["userName"] = login
    return um.handler(event, LocalLambdaContext(timeout_ms=5000))


def env_setter(monkeypatch: pytest.MonkeyPatch, base: Mapping[str, str]) -> Callable[..., None]:
    """``apply(**extra)``: the handler's environment is ``base`` plus ``extra`` (variables of an earlier ``extra``
    not repeated are removed), and the runtime is rebuilt on the next call. Applied once before returning."""
    touched: set[str] = set()

    def apply(**extra: str) -> None:
        for key in touched - set(extra):
            monkeypatch.delenv(key, raising=False)
        for key, value in {**base, **extra}.items():
            monkeypatch.setenv(key, value)
        touched.update(extra)
        um.reset_runtime()

    apply()
    return apply

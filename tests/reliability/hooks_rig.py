"""An app database on the real MariaDB (behind the fault proxy) and PostConfirmation containers.

::

    with HooksRig(ctx) as rig:
        c = rig.container()                          # cold PostConfirmation container (own app DB handle)
        inv = rig.confirm(c, event)                  # Invocation
        rig.app_rows(sub), rig.failure_rows(sub)     # rows for one sub, read directly (not via the proxy)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType, TracebackType
from typing import Any

from legacy_auth.hooks.app_schema import schema_ddl
from legacy_auth.hooks.config import AppUsersSchema
from tests.reliability.containers import Invocation, cold_start, environment, invoke
from tests.reliability.proxy import FaultProxy
from tests.reliability.scenario import RunContext
from tests.support.legacy_db import connect, run_query

LEGACY_VARS = ("LEGACY_APP", "LEGACY_DB_URL", "LEGACY_TRACK_MIGRATION")


@contextmanager
def isolated_hook_wiring() -> Iterator[None]:
    """A fresh ``triggers.hook_wiring`` legacy handle for the block (the module keeps one per process, shared by
    every container copy); the previous handle is put back afterwards so other tests are unaffected."""
    import triggers.hook_wiring as wiring
    from triggers.lazy import UNBUILT

    saved = wiring.legacy_database.value
    wiring.legacy_database.value = UNBUILT
    try:
        yield
    finally:
        if wiring.legacy_database.built:
            wiring.legacy_database.value[1].close()
        wiring.legacy_database.value = saved


class HooksRig:
    """App database (default schema: ``app_users`` + ``provisioning_failures``) for PostConfirmation."""

    def __init__(self, ctx: RunContext, *, via_proxy: bool = True, dialect: str = "mysql", **env: str) -> None:
        self.dialect = dialect
        self.url = ctx.databases.postgres("relapp") if dialect == "postgresql" else ctx.databases.mysql("relapp")
        self.proxy = FaultProxy("127.0.0.1", 5432 if dialect == "postgresql" else 3306)
        self.via_proxy = via_proxy
        self.extra_env = env
        self.env: dict[str, str] = {}

    def __enter__(self) -> HooksRig:
        conn = connect(self.url)
        try:
            cur = conn.cursor()
            for stmt in schema_ddl(self.dialect, AppUsersSchema()):
                cur.execute(stmt)
        finally:
            conn.close()
        self.proxy.start()
        self.env = {
            "HOOKS_APP_DB_URL": self.proxy.rewrite(self.url) if self.via_proxy else self.url,
            "HOOKS_PROVISION": "true",
            "POWERTOOLS_SERVICE_NAME": "reliability",
            "POWERTOOLS_METRICS_NAMESPACE": "Reliability",
            "AWS_REGION": "eu-west-1",
            **self.extra_env,
        }
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.proxy.stop()

    def container(self) -> ModuleType:
        """A new PostConfirmation container (cold start, own app DB handle)."""
        with environment(self.env, remove=LEGACY_VARS):
            return cold_start("post_confirmation")  # no LEGACY_*: never touches hook_wiring's legacy handle

    def confirm(self, module: ModuleType, event: dict[str, Any]) -> Invocation:
        """One PostConfirmation invocation with a 5 s context."""
        with environment(self.env, remove=LEGACY_VARS):
            return invoke(module, event)

    def app_rows(self, sub: str) -> int:
        """``app_users`` rows for ``sub``."""
        return int(run_query(self.url, "SELECT COUNT(*) AS n FROM app_users WHERE cognito_sub = %s", (sub,))[0]["n"])

    def failure_rows(self, sub: str) -> list[dict[str, Any]]:
        """``provisioning_failures`` rows for ``sub``."""
        return run_query(self.url, "SELECT reason, attempts FROM provisioning_failures WHERE cognito_sub = %s", (sub,))

    @staticmethod
    def returned_event(inv: Invocation, event: dict[str, Any]) -> bool:
        """The documented no-op answer: the event itself, no exception."""
        return inv.error is None and inv.result == event

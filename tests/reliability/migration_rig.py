"""A q2a legacy database on the real MariaDB, optionally behind the fault proxy, and migration containers.

::

    with MigrationRig(ctx, accounts=4) as rig:          # seeds qa_users + the tracking table
        c = rig.container()                              # a cold UserMigration container (own connection)
        inv = rig.sign_in(c, rig.accounts[0])            # Invocation (result or generic refusal, seconds)
        rig.succeeded(inv, rig.accounts[0]); rig.refused(inv)
        rig.proxy.blackhole(); ...; rig.proxy.pass_through()
        rig.tracking()                                   # {legacy_id: events}
"""

from __future__ import annotations

from types import ModuleType, TracebackType
from typing import Any

from legacy_auth.migration.tracking import ddl as tracking_ddl
from tests.reliability.containers import BUDGET_S, Invocation, cold_start, environment, invoke
from tests.reliability.dbadmin import DbUser
from tests.reliability.legacy import LegacyAccount, make_accounts, migration_env, migration_event, seed
from tests.reliability.proxy import FaultProxy
from tests.reliability.scenario import Outcome, RunContext
from tests.support.legacy_db import connect, dialect_of, run_query

GENERIC = "Incorrect username or password."


def create_tracking(url: str) -> None:
    """Create the documented tracking table at ``url``."""
    conn = connect(url)
    try:
        cur = conn.cursor()
        for stmt in tracking_ddl(dialect_of(url)):
            cur.execute(stmt)
    finally:
        conn.close()


class MigrationRig:
    """Legacy DB + proxy + environment for UserMigration scenarios.

    Parameters
    ----------
    ctx:
        The run context (database factory).
    accounts:
        How many q2a accounts to seed (every 10th bcrypt, the rest SHA-1).
    user:
        Connect as this dedicated account instead of root (credentials / connection-limit scenarios); the
        rig creates the database itself when ``user`` is given with ``url``.
    url:
        Use this existing database instead of creating one.
    dialect:
        ``mysql`` (MariaDB on 3306) or ``postgresql`` (PostgreSQL on 5432) when the rig creates the database.
    env:
        Extra environment variables for the containers (e.g. ``LEGACY_BUDGET_MS``).
    """

    def __init__(self, ctx: RunContext, accounts: int = 4, *, user: DbUser | None = None, url: str | None = None,
                 dialect: str = "mysql", env: dict[str, str] | None = None) -> None:
        self.ctx = ctx
        self.url = url or (ctx.databases.postgres("rel") if dialect == "postgresql" else ctx.databases.mysql("rel"))
        self.dialect = dialect_of(self.url)
        self.accounts: list[LegacyAccount] = make_accounts(accounts)
        self.user = user
        self.proxy = FaultProxy("127.0.0.1", 5432 if self.dialect == "postgresql" else 3306)
        self.extra_env = env or {}
        self.env: dict[str, str] = {}

    def __enter__(self) -> MigrationRig:
        seed(self.url, self.accounts)
        create_tracking(self.url)
        self.proxy.start()
        direct = self.user.url() if self.user else self.url
        self.env = migration_env(self.proxy.rewrite(direct), **self.extra_env)
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.proxy.stop()

    def container(self) -> ModuleType:
        """A new UserMigration container (cold start)."""
        with environment(self.env):
            return cold_start("user_migration")

    def sign_in(self, module: ModuleType, account: LegacyAccount, password: str | None = None) -> Invocation:
        """One UserMigration_Authentication invocation with a 5 s context."""
        event = migration_event(account.handle, account.password if password is None else password)
        with environment(self.env):
            return invoke(module, event)

    @staticmethod
    def succeeded(inv: Invocation, account: LegacyAccount) -> bool:
        """Migrated: CONFIRMED, SUPPRESS and the right legacy id."""
        if inv.error is not None or not isinstance(inv.result, dict):
            return False
        response = inv.result.get("response") or {}
        attrs = response.get("userAttributes") or {}
        return (response.get("finalUserStatus") == "CONFIRMED" and response.get("messageAction") == "SUPPRESS"
                and attrs.get("custom:legacy_id") == str(account.userid))

    @staticmethod
    def refused(inv: Invocation) -> bool:
        """The documented generic refusal (exact message, the handler's own exception type)."""
        return inv.error is not None and type(inv.error).__name__ == "MigrationRefusedError" \
            and str(inv.error) == GENERIC

    def tracking(self) -> dict[str, int]:
        """``{legacy_id: events}`` of the tracking table (read directly, not through the proxy)."""
        rows = run_query(self.url, "SELECT legacy_id, events FROM legacy_auth_migrations")
        return {str(r["legacy_id"]): int(r["events"]) for r in rows}

    def tracking_count(self) -> int:
        """Rows in the tracking table (duplicates are impossible by key; count them anyway)."""
        return int(run_query(self.url, "SELECT COUNT(*) AS n FROM legacy_auth_migrations")[0]["n"])


def describe(inv: Invocation) -> str:
    """``ok``, ``generic`` or the exception type, with the wall time."""
    kind = "ok" if inv.error is None else ("generic" if MigrationRig.refused(inv) else inv.error_type)
    return f"{kind} in {inv.seconds:.2f}s"


def expect_refused_in_budget(out: Outcome, inv: Invocation, what: str) -> None:
    """Record: generic refusal, and within the 4.5 s bound."""
    out.timed(inv.seconds)
    out.check(f"{what}: generic error", MigrationRig.refused(inv), describe(inv))
    out.check(f"{what}: within {BUDGET_S}s", inv.seconds < BUDGET_S, f"{inv.seconds:.2f}s")


def expect_migrated(out: Outcome, inv: Invocation, account: LegacyAccount, what: str) -> None:
    """Record: the sign-in migrated the user, within the bound."""
    out.check(f"{what}: migrated", MigrationRig.succeeded(inv, account), describe(inv))
    out.check(f"{what}: within {BUDGET_S}s", inv.seconds < BUDGET_S, f"{inv.seconds:.2f}s")


def expect_tracking(out: Outcome, rig: MigrationRig, expected: dict[str, int]) -> None:
    """Record: exactly the expected tracking rows (legacy_id -> events), nothing lost or duplicated."""
    seen: dict[str, Any] = rig.tracking()
    out.check("tracking rows exact (no loss, no duplicate)", seen == expected and rig.tracking_count() == len(expected),
              f"expected {expected}, saw {seen}")

"""Legacy database faults under the UserMigration trigger (real MariaDB behind the fault proxy).

Each scenario: a warm container signs a user in (connection established), the fault is applied, a
sign-in must get the generic error within 4.5 s, the fault is lifted, and the next sign-in in the same
warm container must succeed. Tracking rows must match the successful sign-ins exactly.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from tests.reliability.dbadmin import dbname, kill_db_sessions, kill_pg_sessions, mysql_user
from tests.reliability.migration_rig import (
    MigrationRig,
    describe,
    expect_migrated,
    expect_refused_in_budget,
    expect_tracking,
)
from tests.reliability.scenario import Outcome, RunContext, Scenario

RECOVERY = "generic error < 4.5 s; next warm invocation migrates; tracking rows exact"


def _budget(ctx: RunContext, dialect: str) -> dict[str, str]:
    """Production default budget (3500 ms) at full scale; shorter in the fast runs to save time.

    Fast: 1500 ms on MariaDB, 2500 ms on PostgreSQL (libpq's 2 s minimum connect timeout needs more than 2 s).
    """
    if ctx.full:
        return {}
    return {"LEGACY_BUDGET_MS": "1500" if dialect == "mysql" else "2500"}


def _fault_then_recover(ctx: RunContext, fault: Callable[[MigrationRig], None], label: str,
                        rounds_fast: int = 1, rounds_full: int = 3, dialect: str = "mysql") -> Outcome:
    """Warm up, then ``rounds`` times: fault -> generic error in budget -> lift -> migrate the next user."""
    out = Outcome()
    rounds = ctx.n(rounds_fast, rounds_full)
    with MigrationRig(ctx, accounts=2 + rounds, dialect=dialect, env=_budget(ctx, dialect)) as rig:
        c = rig.container()
        first = rig.sign_in(c, rig.accounts[0])
        expect_migrated(out, first, rig.accounts[0], "warm-up")
        expected = {str(rig.accounts[0].userid): 1}
        times = []
        for i in range(rounds):
            victim, survivor = rig.accounts[1], rig.accounts[2 + i]
            fault(rig)
            inv = rig.sign_in(c, victim)
            times.append(inv.seconds)
            expect_refused_in_budget(out, inv, f"{label} #{i + 1}")
            rig.proxy.pass_through()
            rig.proxy.cap(None)
            after = rig.sign_in(c, survivor)
            expect_migrated(out, after, survivor, f"recovery #{i + 1}")
            expected[str(survivor.userid)] = 1
        expect_tracking(out, rig, expected)
        out.note(f"{label}: generic error in {', '.join(f'{t:.2f}s' for t in times)}; "
                 f"recovery {describe(after)}; {len(expected)} tracking rows, none lost/duplicated")
    return out


def refused(ctx: RunContext) -> Outcome:
    """The DB stops listening (and live connections are reset)."""
    return _fault_then_recover(ctx, lambda rig: rig.proxy.refuse(), "refused")


def blackholed(ctx: RunContext) -> Outcome:
    """The DB accepts and never answers; the warm connection goes silent too."""
    return _fault_then_recover(ctx, lambda rig: rig.proxy.blackhole(), "black-holed")


def blackholed_cold(ctx: RunContext, dialect: str = "mysql") -> Outcome:
    """A cold container whose very first connect is black-holed (greeting never arrives)."""
    out = Outcome()
    with MigrationRig(ctx, accounts=2, dialect=dialect, env=_budget(ctx, dialect)) as rig:
        rig.proxy.blackhole()
        c = rig.container()
        inv = rig.sign_in(c, rig.accounts[0])
        expect_refused_in_budget(out, inv, "cold black-holed connect")
        rig.proxy.pass_through()
        after = rig.sign_in(c, rig.accounts[1])
        expect_migrated(out, after, rig.accounts[1], "recovery")
        expect_tracking(out, rig, {str(rig.accounts[1].userid): 1})
        out.note(f"cold connect black-holed: {describe(inv)}; recovery {describe(after)}")
    return out


def slow(ctx: RunContext) -> Outcome:
    """Every answer from the DB is held 6 s (past the 3.5 s budget)."""
    return _fault_then_recover(ctx, lambda rig: rig.proxy.delay(6.0), "slow (6 s per answer)")


def reset_midstream(ctx: RunContext) -> Outcome:
    """Live connections are reset on their next packet and new ones after the greeting."""
    return _fault_then_recover(ctx, lambda rig: rig.proxy.reset(after_bytes=40), "reset mid-stream")


def capped(ctx: RunContext) -> Outcome:
    """The proxy caps connections at the one a warm container holds: a second (cold) container cannot connect."""
    out = Outcome()
    with MigrationRig(ctx, accounts=4) as rig:
        warm, cold = rig.container(), rig.container()
        expect_migrated(out, rig.sign_in(warm, rig.accounts[0]), rig.accounts[0], "warm-up")
        rig.proxy.cap(rig.proxy.active)
        inv = rig.sign_in(cold, rig.accounts[1])
        expect_refused_in_budget(out, inv, "second container over the cap")
        still = rig.sign_in(warm, rig.accounts[2])
        expect_migrated(out, still, rig.accounts[2], "warm container keeps its connection")
        rig.proxy.cap(None)
        after = rig.sign_in(cold, rig.accounts[3])
        expect_migrated(out, after, rig.accounts[3], "second container after the cap is lifted")
        expect_tracking(out, rig, {str(rig.accounts[i].userid): 1 for i in (0, 2, 3)})
        out.note(f"cap = 1 connection: cold container {describe(inv)}, warm container {describe(still)}; "
                 f"after lifting: {describe(after)}; rejected at accept: {rig.proxy.stats.rejected_by_cap}")
    return out


def killed_between_warm(ctx: RunContext, dialect: str = "mysql") -> Outcome:
    """The server kills the warm connection between invocations (server-side kill, and a proxy RST)."""
    out = Outcome()
    rounds = ctx.n(2, 10)
    with MigrationRig(ctx, accounts=1 + rounds, dialect=dialect) as rig:
        c = rig.container()
        first = rig.sign_in(c, rig.accounts[0])
        expect_migrated(out, first, rig.accounts[0], "warm-up")
        expected = {str(rig.accounts[0].userid): 1}
        worst = 0.0
        previous_ok = True
        for i in range(rounds):
            if i % 2 == 0:
                killed = kill_pg_sessions(rig.url) if dialect == "postgresql" else kill_db_sessions(dbname(rig.url))
            else:
                killed = rig.proxy.kill_all()
            if previous_ok:  # a warm connection existed: the kill must have hit it
                out.check(f"kill #{i + 1} hit the warm connection", killed >= 1, f"{killed} killed")
            account = rig.accounts[1 + i]
            inv = rig.sign_in(c, account)
            worst = max(worst, inv.seconds)
            expect_migrated(out, inv, account, f"after kill #{i + 1}")
            previous_ok = rig.succeeded(inv, account)
            if previous_ok:
                expected[str(account.userid)] = 1
        out.timed(worst)
        expect_tracking(out, rig, expected)
        how = "pg_terminate_backend" if dialect == "postgresql" else "KILL CONNECTION"
        ok = len(expected) - 1
        out.note(f"{rounds} kills ({how} + proxy RST alternately, each just before the next sign-in): {ok}/{rounds} "
                 f"next sign-ins migrated (worst {worst:.2f}s); {len(expected)} tracking rows")
    return out


def killed_mid_invocation(ctx: RunContext, dialect: str = "mysql") -> Outcome:
    """The server kills the warm connection but its goodbye is held 0.3 s in the proxy, so the kill lands after
    the container's liveness check, in the middle of the lookup (a restart or failover during an invocation)."""
    out = Outcome()
    rounds = ctx.n(2, 5)
    with MigrationRig(ctx, accounts=1 + 2 * rounds, dialect=dialect) as rig:
        c = rig.container()
        spare = iter(rig.accounts[1 + rounds:])
        expect_migrated(out, rig.sign_in(c, rig.accounts[0]), rig.accounts[0], "warm-up")
        expected = {str(rig.accounts[0].userid): 1}
        seen: list[str] = []
        previous_ok = True
        for i in range(rounds):
            if not previous_ok:  # re-warm: the failed call dropped the connection
                again = next(spare)
                if rig.succeeded(rig.sign_in(c, again), again):
                    expected[str(again.userid)] = 1
            rig.proxy.delay(0.3)
            killed = kill_pg_sessions(rig.url) if dialect == "postgresql" else kill_db_sessions(dbname(rig.url))
            account = rig.accounts[1 + i]
            inv = rig.sign_in(c, account)
            rig.proxy.pass_through()
            out.timed(inv.seconds)
            out.check(f"kill #{i + 1} hit the warm session", killed >= 1, f"{killed} killed")
            expect_migrated(out, inv, account, f"killed mid-invocation #{i + 1} (read retried on a fresh connection)")
            previous_ok = rig.succeeded(inv, account)
            if previous_ok:
                expected[str(account.userid)] = 1
            seen.append(describe(inv))
        expect_tracking(out, rig, expected)
        out.note(f"{rounds} kills landing after the liveness check: {', '.join(seen)}")
    return out


def credentials_rotated(ctx: RunContext) -> Outcome:
    """The DB user's password changes between invocations (sessions dropped), then is restored."""
    out = Outcome()
    url = ctx.databases.mysql("relcreds")
    with mysql_user(dbname(url)) as user, MigrationRig(ctx, accounts=3, user=user, url=url) as rig:
        c = rig.container()
        expect_migrated(out, rig.sign_in(c, rig.accounts[0]), rig.accounts[0], "warm-up")
        user.set_password(user.password + "-rotated")
        warm = rig.sign_in(c, rig.accounts[1])  # the live session survives a password change
        user.kill_sessions()
        rig.proxy.kill_all()
        inv = rig.sign_in(c, rig.accounts[1])
        expect_refused_in_budget(out, inv, "stale password")
        user.restore_password()
        after = rig.sign_in(c, rig.accounts[2])
        expect_migrated(out, after, rig.accounts[2], "after restore")
        expected = {str(rig.accounts[0].userid): 1, str(rig.accounts[2].userid): 1}
        if rig.succeeded(warm, rig.accounts[1]):
            expected[str(rig.accounts[1].userid)] = 1
        expect_tracking(out, rig, expected)
        out.note(f"live session after rotation: {describe(warm)}; reconnect with stale password: {describe(inv)}; "
                 f"after restore: {describe(after)}")
    return out


def max_user_connections(ctx: RunContext) -> Outcome:
    """A DB account limited to 2 connections, both held by others: a cold container must fail fast."""
    out = Outcome()
    url = ctx.databases.mysql("relmaxconn")
    with mysql_user(dbname(url), max_connections=2) as user, MigrationRig(ctx, accounts=2, user=user, url=url) as rig:
        from tests.support.legacy_db import connect

        hogs = [connect(user.url()) for _ in range(2)]
        try:
            c = rig.container()
            start = time.monotonic()
            inv = rig.sign_in(c, rig.accounts[0])
            expect_refused_in_budget(out, inv, "MAX_USER_CONNECTIONS reached")
            out.check("failed fast (error, not timeout)", time.monotonic() - start < 1.5, describe(inv))
        finally:
            for h in hogs:
                h.close()
        time.sleep(0.2)
        after = rig.sign_in(c, rig.accounts[1])
        expect_migrated(out, after, rig.accounts[1], "after connections freed")
        expect_tracking(out, rig, {str(rig.accounts[1].userid): 1})
        out.note(f"account limit exhausted: {describe(inv)} (MariaDB error 1226); after release: {describe(after)}")
    return out


SCENARIOS = [
    Scenario("legacy DB refused", RECOVERY, refused),
    Scenario("legacy DB black-holed (warm connection)", RECOVERY, blackholed),
    Scenario("legacy DB black-holed (cold connect)", RECOVERY, blackholed_cold),
    Scenario("legacy DB slow past budget (6 s/answer)", RECOVERY, slow),
    Scenario("legacy DB reset mid-stream", RECOVERY, reset_midstream),
    Scenario("legacy DB killed between warm invocations",
             "every next sign-in migrates (transparent reconnect); tracking rows exact", killed_between_warm),
    Scenario("legacy DB connection killed mid-invocation (after the liveness check)",
             "the read is retried once on a fresh connection: the sign-in migrates < 4.5 s", killed_mid_invocation),
    Scenario("legacy DB credentials rotated, then restored", RECOVERY, credentials_rotated),
    Scenario("legacy DB max_connections exhausted (MAX_USER_CONNECTIONS=2)", RECOVERY, max_user_connections),
    Scenario("legacy DB connection cap reached (proxy: one connection, two containers)",
             "over-cap container: generic error < 4.5 s; warm one keeps serving; both migrate after; tracking exact",
             capped),
    Scenario("PostgreSQL legacy DB refused", RECOVERY,
             lambda ctx: _fault_then_recover(ctx, lambda rig: rig.proxy.refuse(), "refused", dialect="postgresql")),
    Scenario("PostgreSQL legacy DB black-holed (warm connection)", RECOVERY,
             lambda ctx: _fault_then_recover(ctx, lambda rig: rig.proxy.blackhole(), "black-holed",
                                             dialect="postgresql")),
    Scenario("PostgreSQL legacy DB black-holed (cold connect)", RECOVERY,
             lambda ctx: blackholed_cold(ctx, dialect="postgresql")),
    Scenario("PostgreSQL legacy DB slow past budget (6 s/answer)", RECOVERY,
             lambda ctx: _fault_then_recover(ctx, lambda rig: rig.proxy.delay(6.0), "slow (6 s per answer)",
                                             dialect="postgresql")),
    Scenario("PostgreSQL legacy DB killed between warm invocations",
             "every next sign-in migrates (transparent reconnect); tracking rows exact",
             lambda ctx: killed_between_warm(ctx, dialect="postgresql")),
    Scenario("PostgreSQL connection terminated mid-invocation (after the liveness check)",
             "the read is retried once on a fresh connection: the sign-in migrates < 4.5 s",
             lambda ctx: killed_mid_invocation(ctx, dialect="postgresql")),
]

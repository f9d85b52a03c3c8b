"""JWKS outages under the authorizer: fail closed on a cold cache, keep serving on a warm one.

Each fault is one of the JWKS server's modes (500, hang, slow, redirect, oversized, garbage). Hits are
counted to show that an outage does not turn every request into a fetch.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from tests.reliability.authz import ALLOW, UNAUTHORIZED, PoolKeys, authorize, authorizer_container, authorizer_env
from tests.reliability.containers import BUDGET_S
from tests.reliability.jwks_server import FaultyJwksServer
from tests.reliability.scenario import Outcome, RunContext, Scenario

FAULTS: dict[str, Callable[[FaultyJwksServer], None]] = {
    "down (500)": lambda s: s.down(),
    "hang": lambda s: s.hang(),
    "slow (5 s)": lambda s: s.slow(5.0),
    "redirect": lambda s: s.redirect(),
    "oversized (200 KiB)": lambda s: s.oversized(),
    "garbage": lambda s: s.garbage(),
}

FAST_FAULTS = ("down (500)", "hang")


def _faults(ctx: RunContext) -> list[tuple[str, Callable[[FaultyJwksServer], None]]]:
    """Every fault at full scale; the fast subset keeps an error status and no answer at all."""
    return [(k, v) for k, v in FAULTS.items() if ctx.full or k in FAST_FAULTS]


def cold_cache(ctx: RunContext) -> Outcome:
    """A cold container during each outage: every request 401 within budget, fetches bounded; then recovery."""
    out = Outcome()
    keys = PoolKeys()
    burst = ctx.n(2, 20)
    floor = 1 if not ctx.full else 5  # full scale: the production default refetch floor
    summary = []
    for name, fault in _faults(ctx):
        with FaultyJwksServer(keys.document()) as server:
            fault(server)
            c = authorizer_container(authorizer_env(server.url, refetch_floor_s=floor))
            token = f"Bearer {keys.token()}"
            start = time.monotonic()
            results = []
            for _ in range(burst):  # spread over several refetch floors at full scale
                results.append(authorize(c, token))
                time.sleep(0.25 if ctx.full else 0.0)
            elapsed = time.monotonic() - start
            worst = max(t for _, t in results)
            out.timed(worst)
            outcomes = {o for o, _ in results}
            out.check(f"{name}: all {burst} refused 401", outcomes == {UNAUTHORIZED}, str(outcomes))
            out.check(f"{name}: each within {BUDGET_S}s", worst < BUDGET_S, f"{worst:.2f}s")
            allowed_hits = 1 + int(elapsed / floor) + 1  # one fetch per refetch floor
            blocked = sum(1 for _, t in results if t > 1.0)
            out.check(f"{name}: fetches bounded", server.hits <= allowed_hits, f"{server.hits} hits in {elapsed:.1f}s")
            server.ok()
            time.sleep(floor + 0.05)  # the refetch floor
            recovered, _ = authorize(c, f"Bearer {keys.token()}")
            out.check(f"{name}: recovers when the JWKS is back", recovered == ALLOW, recovered)
            summary.append(f"{name}: {burst}x401 worst {worst:.2f}s ({blocked} waited on a fetch), "
                           f"{server.hits} fetches incl. recovery")
    out.note(f"refetch floor {floor}s; " + "; ".join(summary) + "; all recovered")
    return out


def warm_cache(ctx: RunContext) -> Outcome:
    """A warm container keeps allowing valid tokens through each outage, refuses hostile ones, few fetches."""
    out = Outcome()
    keys = PoolKeys()
    burst, storm = ctx.n(50, 1000), ctx.n(2, 300)
    floor = 1 if not ctx.full else 5  # full scale: the production default refetch floor
    summary = []
    for name, fault in _faults(ctx):
        with FaultyJwksServer(keys.document()) as server:
            c = authorizer_container(authorizer_env(server.url, refetch_floor_s=floor))
            first, _ = authorize(c, f"Bearer {keys.token()}")
            out.check(f"{name}: warm-up allowed", first == ALLOW, first)
            fault(server)
            hits_before = server.hits
            start = time.monotonic()
            tokens = [f"Bearer {keys.token()}" for _ in range(min(burst, 50))]
            results = [authorize(c, tokens[i % len(tokens)]) for i in range(burst)]
            forged, t1 = authorize(c, f"Bearer {keys.forged()}")
            time.sleep(floor + 0.05)  # past the refetch floor: junk kids may now trigger (bounded) fetch attempts
            junk = [authorize(c, f"Bearer {keys.junk_kid(i)}") for i in range(storm)]  # distinct unknown kids
            unknown, t2 = authorize(c, f"Bearer {keys.unknown_kid()}")
            worst = max([t for _, t in results + junk] + [t1, t2])
            fetches = server.hits - hits_before
            floor_bound = 1 + int((time.monotonic() - start) / floor)  # one attempt per refetch floor
            waited = sum(1 for _, t in junk if t > 0.5)
            out.timed(worst)
            outcomes = {o for o, _ in results}
            out.check(f"{name}: valid tokens still allowed", outcomes == {ALLOW}, str(outcomes))
            out.check(f"{name}: forged signature refused", forged == UNAUTHORIZED, forged)
            out.check(f"{name}: unknown kid refused", unknown == UNAUTHORIZED, unknown)
            out.check(f"{name}: within {BUDGET_S}s", worst < BUDGET_S, f"{worst:.2f}s")
            out.check(f"{name}: {storm} distinct junk kids refused", {o for o, _ in junk} == {UNAUTHORIZED},
                      str({o for o, _ in junk}))
            out.check(f"{name}: fetches bounded by the refetch floor", fetches <= floor_bound,
                      f"{fetches} fetches, bound {floor_bound}")
            summary.append(f"{name}: {burst} allowed, forged + {storm} junk kids 401 ({waited} waited on a fetch), "
                           f"worst {worst:.2f}s, {fetches} fetch")
    out.note(f"refetch floor {floor}s; " + "; ".join(summary))
    return out


SCENARIOS = [
    Scenario("JWKS outage, cold cache (500/hang/slow/redirect/oversized/garbage)",
             "fail closed: every request 401 < 4.5 s, fetches bounded by the refetch floor; Allow once back",
             cold_cache, "authorizer"),
    Scenario("JWKS outage, warm cache (same faults)",
             "keeps serving: valid tokens Allow; forged and junk-kid storms 401; fetches bounded by the refetch floor",
             warm_cache, "authorizer"),
]

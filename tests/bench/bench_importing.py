"""Benchmark: the route classifier of issue #14 (``legacy_auth.importing.routes.classify``) per legacy user.

Run: ``.venv/bin/python tests/bench/run.py importing``. Exits 1 if the target is missed.

``legacy-auth routes`` classifies every row of the legacy table. Per user, ``classify`` identifies the scheme
(what ``legacy-auth scan`` already does per row), then reads the candidate hash's parameters (base64 decoding,
range checks). Baseline, measured in the same run and interleaved round by round (CPU time, robust on a busy
machine): ``HashContext.identify`` of the same stored value. Identification reads a prefix; classification then reads
every field of a candidate hash (a full-match regex, strict base64 decoding with a canonical re-encoding check,
range checks) and builds the route record, so it costs a few identifications, never a hash computation.
Target: classify p50 <= 5x identify p50 for every case. The absolute figure is printed too, as CPU seconds per
million users (what ``legacy-auth routes`` adds to streaming the table).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(HERE)]

from benchutil import interleaved, median, pct, save, table  # noqa: E402

from legacy_auth.apps import get_context  # noqa: E402
from legacy_auth.importing.routes import classify  # noqa: E402
from legacy_auth.migration.policy import MigrationPolicy  # noqa: E402
from legacy_auth.model import AccountState, LegacyUser  # noqa: E402
from tests.conftest import load_vectors  # noqa: E402

ROUNDS = 3000
TARGET = 5.0


def _hash(app: str, scheme: str) -> str:
    return str(next(v for v in load_vectors() if v["app"] == app and v["scheme"] == scheme and v["expect"])["hash"])


CASES = [
    ("laravel", "laravel", "bcrypt", "lazy/cognito_hash_format_unknown (BCRYPT)"),
    ("django", "django", "django_pbkdf2_sha256", "lazy/cognito_hash_format_unknown (PBKDF2_SHA256)"),
    ("django", "django", "django_argon2", "lazy/cognito_hash_format_unknown (ARGON2ID)"),
    ("django", "django", "django_scrypt", "lazy/cognito_hash_format_unknown (SCRYPT)"),
    ("aspnet_identity", "aspnet_identity", "aspnet_identity_v3", "PBKDF2_SHA256 (ASP.NET v3 binary header)"),
    ("wordpress", "wordpress", "phpass", "lazy/app_transforms_password"),
]


def main() -> int:
    policy = MigrationPolicy()
    rows = []
    results = {}
    for app, vector_app, scheme, label in CASES:
        stored = _hash(vector_app, scheme)
        ctx = get_context(app)
        user = LegacyUser(legacy_id="1", username="u", email="u@example.org", email_verified=True,
                          state=AccountState.ACTIVE, password_hash=stored)
        samples = interleaved({"identify": lambda ctx=ctx, stored=stored: ctx.identify(stored),
                               "classify": lambda app=app, user=user, ctx=ctx: classify(app, user, policy,
                                                                                      context=ctx)},
                              ROUNDS, warmup=50, clock=time.thread_time_ns)
        base, ours = median(samples["identify"]), median(samples["classify"])
        ratio = ours / base
        rows.append((f"{app}/{scheme}", label, base / 1000, ours / 1000, pct(samples["classify"], 0.99) / 1000,
                     ours / 1000, ratio, "ok" if ratio <= TARGET else "MISSED"))
        results[f"{app}/{scheme}"] = {"identify_p50_us": base / 1000, "classify_p50_us": ours / 1000,
                                      "ratio": ratio}
    table(f"classify vs identify, CPU time, {ROUNDS} interleaved rounds (target ratio <= {TARGET})",
          ["case", "route", "identify p50 us", "classify p50 us", "classify p99 us", "s per 1M users", "ratio",
           "target"], rows)
    save("importing", results)
    return 0 if all(r[-1] == "ok" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

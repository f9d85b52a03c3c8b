"""Capacity of the migration's routes (``legacy-auth plan``): quotas, Lambda concurrency, connections, import.

Sources (every AWS figure here is the documented default; each is overridable by a flag):

- Cognito request-rate quotas, developer guide "Quotas in Amazon Cognito",
  https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html (formerly ``limits.html``; table
  "Amazon Cognito user pools API operation categories and request rate quotas"): ``UserAuthentication``
  (``InitiateAuth``, ``AdminInitiateAuth``; ``RespondToAuthChallenge`` has its own quota of three times it)
  **120** requests per second by default, adjustable; ``UserCreation`` (``SignUp``, ``ConfirmSignUp``,
  ``AdminCreateUser``, ``AdminConfirmSignUp``) **50** RPS by default, adjustable; both per account and Region,
  across all user pools. A lazy sign-in is one ``InitiateAuth`` (``USER_PASSWORD_AUTH``) or
  ``AdminInitiateAuth``: one ``UserAuthentication`` request. **AWS does not document** whether the user that
  Cognito creates from the migration trigger's answer counts against ``UserCreation``: the plan shows the use
  *if it does* (the safe reading) and says so.
- CSV import files, developer guide "Creating the user import CSV file"
  (https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-using-import-tool-csv-header.html,
  already applied by :mod:`legacy_auth.cli.import_csv`): at most 500,000 rows and 100 MB per file; one import
  job active at a time (:mod:`legacy_auth.cli.import_jobs`). **AWS documents no import throughput**, so the
  duration of a bulk import is computed only from ``--import-rate`` (users per second, e.g. measured on a
  first job: ``ImportedUsers`` over its ``StartDate``..``CompletionDate``); without it the plan says so.
- Lambda concurrency, by Little's law: concurrent executions = arrival rate x mean time in the system. The
  time is the verification time that ``scan`` measures per ``(scheme, cost)`` group
  (:func:`legacy_auth.cli.timing.estimate`, scaled to the Lambda memory size), weighted by the lazy users of
  each group; the slowest group gives the worst case (every sign-in at the peak being of that group). The
  database lookup and cold starts come on top: measure them on the target.
- Legacy database connections: the trigger keeps one connection per execution environment and reuses it
  across warm invocations (``docs/architecture.md``), so the database sees up to one connection per
  concurrent execution. RDS Proxy pools them into fewer database connections (its ``MaxConnectionsPercent``
  caps them); without a proxy, the database's own connection limit must hold them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from legacy_auth.cli.import_csv import MAX_BYTES, MAX_ROWS
from legacy_auth.cli.timing import SchemeTiming
from legacy_auth.importing.routes import RouteKind

QUOTAS_URL = "https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html"
CSV_URL = "https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-using-import-tool-csv-header.html"
#: ``UserAuthentication`` default request rate (RPS, per account and Region), :data:`QUOTAS_URL`
USER_AUTHENTICATION_RPS = 120.0
#: ``UserCreation`` default request rate (RPS, per account and Region), :data:`QUOTAS_URL`
USER_CREATION_RPS = 50.0
#: routes whose users reach the pool through a CSV import job (``reset``: without a hash, ``RESET_REQUIRED``)
IMPORT_ROUTES = (RouteKind.IMPORT_WITH_HASH.value, RouteKind.RESET.value)
CREATION_NOTE = ("AWS does not document whether the user Cognito creates from the migration trigger counts "
                 "against UserCreation: shown as if it does")
IMPORT_RATE_NOTE = "AWS documents no import throughput: pass --import-rate USERS_PER_S (measured on a first job)"
RDS_PROXY_NOTE = ("one connection per concurrent execution (the trigger reuses its connection); RDS Proxy pools "
                  "them, else the database's max connections must hold them")


@dataclass(frozen=True, slots=True)
class CapacityInputs:
    """The figures the estimate starts from (flags; quotas default to AWS's documented values)."""

    peak_sign_ins: float | None = None
    auth_rps: float = USER_AUTHENTICATION_RPS
    creation_rps: float = USER_CREATION_RPS
    import_rate: float | None = None
    max_rows: int = MAX_ROWS
    lambda_memory_mb: int = 1769


def mean_verify_ms(timings: Sequence[SchemeTiming]) -> float | None:
    """The lazy users' mean verification time on Lambda (weighted by users), or ``None`` when none was timed."""
    users = sum(t.users for t in timings)
    if not users:
        return None
    return sum(t.lambda_ms * t.users for t in timings) / users


def concurrency(rate_per_s: float, duration_ms: float) -> int:
    """Little's law, rounded up: executions in flight for ``rate_per_s`` arrivals of ``duration_ms`` each."""
    return math.ceil(rate_per_s * duration_ms / 1000.0 - 1e-9)


def _percent(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 2) if whole else 0.0


def capacity(by_route: Mapping[str, int], timings: Sequence[SchemeTiming], inputs: CapacityInputs) -> dict[str, Any]:
    """The capacity estimate as JSON-ready data (the text table renders the same keys).

    Parameters
    ----------
    by_route : Mapping[str, int]
        Users per route (:meth:`legacy_auth.cli.plan.PlanReport.by_route`).
    timings : Sequence[SchemeTiming]
        The lazy users' verify-time estimate per cost group.
    inputs : CapacityInputs
        Peak sign-ins, quotas, import rate, rows per file.
    """
    total = sum(by_route.values())
    peak = inputs.peak_sign_ins if inputs.peak_sign_ins is not None else inputs.auth_rps
    mean = mean_verify_ms(timings)
    slowest = max((t.lambda_ms for t in timings), default=None)
    imported = sum(by_route.get(r, 0) for r in IMPORT_ROUTES)
    files = math.ceil(imported / inputs.max_rows) if imported else 0
    duration = imported / inputs.import_rate if inputs.import_rate and imported else (0.0 if not imported else None)
    lambda_c = None if mean is None or slowest is None else {
        "mean": concurrency(peak, mean), "slowest": concurrency(peak, slowest)}
    return {
        "users": total,
        "shares": [{"route": r, "users": n, "percent": _percent(n, total)} for r, n in by_route.items()],
        "quotas": {
            "UserAuthentication": {"rps": inputs.auth_rps, "default": inputs.auth_rps == USER_AUTHENTICATION_RPS,
                                   "source": QUOTAS_URL},
            "UserCreation": {"rps": inputs.creation_rps, "default": inputs.creation_rps == USER_CREATION_RPS,
                             "source": QUOTAS_URL, "note": CREATION_NOTE},
        },
        "peak_sign_ins_per_s": peak,
        "peak_from": "--peak-sign-ins" if inputs.peak_sign_ins is not None else "UserAuthentication quota",
        "quota_use_percent": {"UserAuthentication": _percent(peak, inputs.auth_rps),
                              "UserCreation": _percent(peak, inputs.creation_rps)},
        "verify_ms": {"mean": None if mean is None else round(mean, 1), "slowest": slowest,
                      "lambda_memory_mb": inputs.lambda_memory_mb},
        "lambda_concurrency": lambda_c,
        "legacy_db_connections": None if lambda_c is None else {**lambda_c, "note": RDS_PROXY_NOTE},
        "bulk_import": {
            "users": imported, "files": files, "max_rows_per_file": inputs.max_rows, "max_bytes_per_file": MAX_BYTES,
            "source": CSV_URL, "import_rate_per_s": inputs.import_rate,
            "duration_s": None if duration is None else round(duration, 1),
            "note": None if duration is not None else IMPORT_RATE_NOTE,
        },
    }


def capacity_lines(data: Mapping[str, Any]) -> list[str]:
    """The capacity table as text lines (same figures as the JSON)."""
    q, use = data["quotas"], data["quota_use_percent"]
    peak_note = ("--peak-sign-ins" if data["peak_from"] == "--peak-sign-ins"
                 else "the UserAuthentication quota (the most the pool accepts); --peak-sign-ins sets yours")
    lines = [f"Capacity (Cognito quotas: {QUOTAS_URL})",
             f"  {'peak lazy sign-ins/s':<26}{data['peak_sign_ins_per_s']:>10,.1f}  {peak_note}"]
    for name in ("UserAuthentication", "UserCreation"):
        default = "AWS default" if q[name]["default"] else "your quota"
        lines.append(f"  {name + ' RPS':<26}{q[name]['rps']:>10,.0f}  {default}; the peak uses {use[name]:.1f}%"
                     + (" (*)" if name == "UserCreation" else ""))
    verify, lam = data["verify_ms"], data["lambda_concurrency"]
    if lam is None:
        lines.append(f"  {'Lambda concurrency':<26}{'-':>10}  no lazy user to verify")
    else:
        lines += [
            f"  {'verify ms (Lambda)':<26}{verify['mean']:>10,.1f}  mean; slowest group {verify['slowest']:,.1f} ms, "
            f"at {verify['lambda_memory_mb']:,} MB",
            f"  {'Lambda concurrency':<26}{lam['mean']:>10,}  peak x mean verify time (Little's law); "
            f"{lam['slowest']:,} at the slowest",
            f"  {'legacy DB connections':<26}{lam['mean']:>10,}  up to {lam['slowest']:,} (**)",
        ]
    bulk = data["bulk_import"]
    lines.append(f"  {'bulk import users':<26}{bulk['users']:>10,}  in at least {bulk['files']:,} file(s) of <= "
                 f"{bulk['max_rows_per_file']:,} rows / {bulk['max_bytes_per_file'] // 1_000_000:,} MB")
    if bulk["duration_s"] is not None and bulk["users"]:
        lines.append(f"  {'bulk import seconds':<26}{bulk['duration_s']:>10,.0f}  at {bulk['import_rate_per_s']:,} "
                     "users/s (--import-rate), one job at a time")
    elif bulk["users"]:
        lines.append(f"  {'bulk import seconds':<26}{'?':>10}  {bulk['note']}")
    lines += [f"  (*) {CREATION_NOTE}", f"  (**) {RDS_PROXY_NOTE}"]
    return lines

"""Scan the legacy table in primary-key ranges, one process per range, and merge the counters.

Why: a million-row scan is bound by Python work per row (the preset's row mapping, ``identify``, the
Cognito rules) and by the driver's row decoding, both single-threaded; ranges in separate processes use
every core. Each worker streams its own range through its own server-side cursor (memory stays flat per
worker) and returns only its report (a :class:`~legacy_auth.cli.scan.ScanReport` for ``scan``, a
:class:`~legacy_auth.cli.plan.PlanReport` for ``plan``: :class:`RangeJob`). Used when the preset is a
:class:`~legacy_auth.presets.table.TablePreset` with an integer primary key; otherwise the scan runs in one
stream (:meth:`AppPreset.scan_query`).
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import queue
import signal
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from legacy_auth.cli.environment import Legacy, hash_context, open_legacy
from legacy_auth.cli.errors import CliError
from legacy_auth.cli.scan import ScanReport, ScanRules, scan_rows
from legacy_auth.errors import LegacyAuthError, StoreError
from legacy_auth.migration.config import Settings
from legacy_auth.presets.sql import quote
from legacy_auth.presets.table import TablePreset

POLL_S = 0.2


def key_range(legacy: Legacy) -> tuple[int, int] | None:
    """``(min, max)`` of an integer primary key over the scanned rows, or ``None`` (not partitionable)."""
    preset = legacy.preset
    if not isinstance(preset, TablePreset) or not preset.partitionable:
        return None
    dialect = legacy.db.dialect
    pk = quote(preset.primary_key, dialect)
    conditions, params = preset.filters(dialect)
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    sql = f"SELECT MIN({pk}) AS lo, MAX({pk}) AS hi FROM {quote(legacy.table, dialect)}{where}"  # noqa: S608
    row = legacy.db.fetch_one(sql, tuple(params), deadline=None)
    if row is None or not isinstance(row["lo"], int) or not isinstance(row["hi"], int):
        return None
    return int(row["lo"]), int(row["hi"])


def range_query(legacy: Legacy, lo: int, hi: int) -> tuple[str, tuple[Any, ...]]:
    """The preset's scan query restricted to ``lo <= pk <= hi`` (same columns, filters and order)."""
    preset = legacy.preset
    assert isinstance(preset, TablePreset)
    query = preset.scan_query(prefix=legacy.prefix, dialect=legacy.db.dialect, between=(lo, hi))
    return query.sql, query.params


def split(lo: int, hi: int, parts: int) -> list[tuple[int, int]]:
    """``[lo, hi]`` cut into at most ``parts`` contiguous, non-overlapping ranges."""
    size = max(1, (hi - lo + 1 + parts - 1) // parts)
    return [(a, min(hi, a + size - 1)) for a in range(lo, hi + 1, size)]


class RangeJob(Protocol):
    """What one range worker runs: stream ``rows`` (the range's driver rows) into a report with ``merge``-able
    counters. Must be picklable (a module-level dataclass): it is sent to the worker process."""

    def run(self, legacy: Legacy, rows: Iterable[Mapping[str, Any]], on_row: Callable[[int], None]) -> Any:
        """The range's report; ``on_row(count)`` is called while streaming; ``.rows`` is its row count."""
        ...


@dataclasses.dataclass(frozen=True, slots=True)
class ScanJob:
    """The ``scan`` command's range job: :func:`~legacy_auth.cli.scan.scan_rows` with its rules."""

    rules: ScanRules

    def run(self, legacy: Legacy, rows: Iterable[Mapping[str, Any]], on_row: Callable[[int], None]) -> ScanReport:
        """Scan ``rows``."""
        return scan_rows(rows, legacy, hash_context(legacy.settings), self.rules, on_row=on_row)


def _worker(settings: Settings, job: RangeJob, lo: int, hi: int, batch: int, counter: Any, out: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it terminates the workers
    try:
        legacy = open_legacy(settings)
        sql, params = range_query(legacy, lo, hi)

        def progress(n: int) -> None:
            counter.value = n

        report = job.run(legacy, legacy.db.stream(sql, params, batch=batch), progress)
        counter.value = report.rows
        out.put(("ok", (lo, report)))
    except StoreError as exc:
        out.put(("store", f"{getattr(exc, 'reason', 'db_error')} ({getattr(exc, 'dialect', '?')})"))
    except LegacyAuthError as exc:
        out.put(("error", type(exc).__name__))


def merge(reports: list[ScanReport]) -> ScanReport:
    """One report from several ranges (counters added; cost groups merged under the same per-scheme cap, first
    sample per group kept; examples kept in range order)."""
    total = ScanReport()
    for r in reports:
        total.rows += r.rows
        total.unreadable += r.unreadable
        total.unsupported += r.unsupported
        total.unsupported_active += r.unsupported_active
        total.corrupt_active += r.corrupt_active
        total.weak_active += r.weak_active
        total.no_email_active += r.no_email_active
        total.unverified_email_active += r.unverified_email_active
        for mine, theirs in ((total.states, r.states), (total.schemes, r.schemes), (total.corrupt, r.corrupt),
                             (total.bad_usernames, r.bad_usernames), (total.bad_emails, r.bad_emails)):
            mine.update(theirs)
        for group in r.cost_groups():
            total.add_cost_group(dataclasses.replace(group))
        for name, strength in r.weakest.items():
            total.note_strength(name, strength)
        for name, n in r.cheaper.items():
            total.cheaper[name] = total.cheaper.get(name, 0) + n
        for finding, ids in r.examples.items():
            for legacy_id in ids:
                total.example(finding, legacy_id)
    return total


def parallel_scan(legacy: Legacy, rules: ScanRules, ranges: list[tuple[int, int]], *, batch: int,
                  on_rows: Callable[[int], None]) -> ScanReport:
    """The ``scan`` of ``ranges``, one process each (:func:`parallel_run` with :class:`ScanJob`)."""
    return merge(parallel_run(legacy, ScanJob(rules), ranges, batch=batch, on_rows=on_rows))


def parallel_run(legacy: Legacy, job: RangeJob, ranges: list[tuple[int, int]], *, batch: int,
                 on_rows: Callable[[int], None]) -> list[Any]:
    """Run ``job`` over ``ranges`` in one process each; call ``on_rows(total so far)`` while waiting.

    Returns
    -------
    list
        The workers' reports in range order (stable examples once merged).

    Raises
    ------
    CliError
        A worker failed (database error: exit status 3) or died.
    """
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    ctx: Any = multiprocessing.get_context(method)
    legacy.db.close()  # never share a live connection with forked children
    results = ctx.Queue()
    counters = [ctx.Value("q", 0, lock=False) for _ in ranges]
    procs = [ctx.Process(target=_worker, args=(legacy.settings, job, lo, hi, batch, c, results), daemon=True)
             for (lo, hi), c in zip(ranges, counters, strict=True)]
    for p in procs:
        p.start()
    reports: list[tuple[int, Any]] = []
    try:
        while len(reports) < len(procs):
            try:
                status, payload = results.get(timeout=POLL_S)
            except queue.Empty:
                on_rows(sum(c.value for c in counters))
                if not any(p.is_alive() for p in procs) and results.empty():
                    raise CliError("a scan worker died before reporting") from None
                continue
            if status != "ok":
                prefix = "database error: " if status == "store" else "scan worker failed: "
                raise CliError(prefix + str(payload), exit_code=3)
            reports.append(payload)
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
            p.join(timeout=5)
    on_rows(sum(r.rows for _, r in reports))
    return [r for _, r in sorted(reports, key=lambda item: item[0])]  # range order: stable examples

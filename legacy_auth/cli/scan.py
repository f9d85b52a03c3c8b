"""The readiness scan: stream every legacy row once and count what would happen to it (``legacy-auth scan``).

Memory stays flat whatever the table size: rows come from a server-side cursor
(:meth:`legacy_auth.db.Database.stream`), only counters and one sample hash per scheme (for the timing
estimate, never printed) are kept, and duplicate emails are found by the database
(``GROUP BY lower(email) HAVING COUNT(*) > 1``) rather than by holding every address in memory.
Only ``ACTIVE`` rows could ever migrate, so username, email and hash problems block only for them; the
scheme distribution covers every row with a password.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from legacy_auth.cli.cognito_rules import email_problem, username_problem
from legacy_auth.cli.environment import Legacy
from legacy_auth.errors import CorruptHashError, CorruptRowError, UnknownHashSchemeError
from legacy_auth.hashing import HashContext, Strength
from legacy_auth.model import AccountState
from legacy_auth.presets.sql import quote
from legacy_auth.presets.table import TablePreset

WEAK = frozenset({Strength.WEAK, Strength.BROKEN})
EMAIL_COLUMNS = ("email", "user_email", "mail", "Email")
EXAMPLES = 5  # legacy ids kept per finding (ids are not secret; values such as emails are never kept)


@dataclass(slots=True)
class Sample:
    """One stored hash of a scheme, kept to time a verification. Never printed or serialised."""

    stored: Any = field(repr=False)
    fields: Mapping[str, Any] = field(repr=False)


@dataclass(slots=True)
class ScanReport:
    """Counters of one scan (see ``docs/cli.md`` for what each means and which ones block)."""

    rows: int = 0
    unreadable: int = 0
    states: Counter[str] = field(default_factory=Counter)
    schemes: Counter[str] = field(default_factory=Counter)
    strengths: dict[str, str] = field(default_factory=dict)
    unsupported: int = 0
    unsupported_active: int = 0
    corrupt: Counter[str] = field(default_factory=Counter)
    corrupt_active: int = 0
    weak_active: int = 0
    no_email_active: int = 0
    unverified_email_active: int = 0
    bad_usernames: Counter[str] = field(default_factory=Counter)
    bad_emails: Counter[str] = field(default_factory=Counter)
    duplicate_email_groups: int = 0
    duplicate_email_users: int = 0
    examples: dict[str, list[str]] = field(default_factory=dict)
    samples: dict[str, Sample] = field(default_factory=dict, repr=False)

    def example(self, finding: str, legacy_id: str) -> None:
        """Remember up to ``EXAMPLES`` legacy ids for ``finding``."""
        ids = self.examples.setdefault(finding, [])
        if len(ids) < EXAMPLES:
            ids.append(legacy_id)


@dataclass(frozen=True, slots=True)
class ScanRules:
    """What the pool accepts: ``pool_sign_in`` (``username``/``email``), aliases, trusted emails."""

    pool_sign_in: str = "username"
    aliases: bool = True
    trust_emails: bool = False


def scan_rows(rows: Iterable[Mapping[str, Any]], legacy: Legacy, ctx: HashContext, rules: ScanRules,
              *, report: ScanReport | None = None, on_row: Callable[[int], None] | None = None) -> ScanReport:
    """Classify every row of ``rows`` into ``report``.

    Parameters
    ----------
    rows : Iterable[Mapping[str, Any]]
        Driver rows of the preset's scan query (streamed).
    legacy : Legacy
        Preset and prefix.
    ctx : HashContext
        The app's hashing context (``identify`` only: nothing is verified here).
    rules : ScanRules
        The pool's username/email rules.
    report : ScanReport or None
        Counters to add to (a new one by default).
    on_row : Callable[[int], None] or None
        Called with the running row count every 1024 rows (progress bar).

    Returns
    -------
    ScanReport
        The counters.
    """
    report = report or ScanReport()
    to_user, identify = legacy.preset.to_user, ctx.identify
    states, schemes, samples = report.states, report.schemes, report.samples
    check_username = rules.pool_sign_in == "username"
    active = AccountState.ACTIVE
    count = report.rows
    for row in rows:
        count += 1
        if on_row is not None and not count & 1023:
            on_row(count)
        try:
            user = to_user(row)
        except CorruptRowError:
            report.unreadable += 1
            continue
        state = user.state
        states[state.value] += 1
        is_active = state is active
        if user.has_password:
            try:
                scheme = identify(user.password_hash, **user.hash_fields)
            except UnknownHashSchemeError:
                report.unsupported += 1
                if is_active:
                    report.unsupported_active += 1
                    report.example("unsupported_hash", user.legacy_id)
            except CorruptHashError as exc:
                report.corrupt[exc.scheme] += 1
                if is_active:
                    report.corrupt_active += 1
                    report.example("corrupt_hash", user.legacy_id)
            else:
                name = scheme.name
                schemes[name] += 1
                if name not in samples:
                    samples[name] = Sample(user.password_hash, dict(user.hash_fields))
                    report.strengths[name] = scheme.strength.value
                if is_active and scheme.strength in WEAK:
                    report.weak_active += 1
        if not is_active:
            continue
        if check_username:
            problem = username_problem(user.username, aliases=rules.aliases)
            if problem is not None:
                report.bad_usernames[problem] += 1
                report.example(f"username_{problem}", user.legacy_id)
        email = (user.email or "").strip()
        if not email:
            report.no_email_active += 1
            continue
        problem = email_problem(email)
        if problem is not None:
            report.bad_emails[problem] += 1
            report.example(f"email_{problem}", user.legacy_id)
        if not (user.email_verified or rules.trust_emails):
            report.unverified_email_active += 1
    report.rows = count
    return report


# ---------------------------------------------------------------- queries the database answers


def _table_preset(legacy: Legacy) -> TablePreset | None:
    return legacy.preset if isinstance(legacy.preset, TablePreset) else None


def _where(legacy: Legacy, extra: list[str]) -> tuple[str, tuple[Any, ...]]:
    preset = _table_preset(legacy)
    conditions, params = (preset.filters(legacy.db.dialect) if preset else ([], ()))
    conditions = [*conditions, *extra]
    return (f" WHERE {' AND '.join(conditions)}" if conditions else ""), tuple(params)


def count_query(legacy: Legacy) -> tuple[str, tuple[Any, ...]]:
    """``SELECT COUNT(*)`` over the rows the scan query returns (the progress bar's total)."""
    dialect = legacy.db.dialect
    where, params = _where(legacy, [])
    return f"SELECT COUNT(*) AS n FROM {quote(legacy.table, dialect)}{where}", params  # noqa: S608 - validated


def email_column(legacy: Legacy) -> str | None:
    """The users table's email column (``None`` when the app or configuration has none)."""
    preset = legacy.preset
    mapping = getattr(preset, "columns_map", None)
    if isinstance(mapping, dict):
        return mapping.get("email")
    if isinstance(preset, TablePreset):
        names = {c.name for c in preset.all_columns()}
        return next((c for c in EMAIL_COLUMNS if c in names), None)
    return None


def duplicate_email_query(legacy: Legacy) -> tuple[str, tuple[Any, ...]] | None:
    """Groups of rows sharing an email case-insensitively: ``n`` per group, no address returned."""
    column = email_column(legacy)
    if column is None:
        return None
    dialect = legacy.db.dialect
    col = quote(column, dialect)
    where, params = _where(legacy, [f"{col} IS NOT NULL", f"{col} <> ''"])
    sql = (f"SELECT COUNT(*) AS n FROM {quote(legacy.table, dialect)}{where} "  # noqa: S608 - validated identifiers
           f"GROUP BY lower({col}) HAVING COUNT(*) > 1")
    return sql, params


def count_rows(legacy: Legacy) -> int:
    """The number of rows the scan will stream."""
    sql, params = count_query(legacy)
    row = legacy.db.fetch_one(sql, params, deadline=None)
    return int(row["n"]) if row else 0


def count_duplicate_emails(legacy: Legacy, report: ScanReport) -> None:
    """Fill ``duplicate_email_groups`` / ``duplicate_email_users`` (streamed: constant memory)."""
    query = duplicate_email_query(legacy)
    if query is None:
        return
    for row in legacy.db.stream(query[0], query[1], batch=1000):
        report.duplicate_email_groups += 1
        report.duplicate_email_users += int(row["n"])

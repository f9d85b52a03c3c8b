"""The readiness scan: stream every legacy row once and count what would happen to it (``legacy-auth scan``).

Memory stays flat whatever the table size: rows come from a server-side cursor
(:meth:`legacy_auth.db.Database.stream`), only counters and one sample hash per ``(scheme, cost)`` group (at
most :data:`~legacy_auth.cli.timing.MAX_COST_GROUPS` per scheme, for the timing estimate, never printed) are
kept, and duplicate emails and usernames are found by the database (``GROUP BY lower(...) HAVING COUNT(*) >
1``) rather than by holding every value in memory. Each hash is graded at its own cost
(:meth:`~legacy_auth.hashing.HashContext.assess`): a cost-4 bcrypt is ``acceptable``, not ``strong``.
Only ``ACTIVE`` rows could ever migrate, so username, email and hash problems block only for them; the
scheme distribution covers every row with a password.

Usernames that differ only by case: the pool's usernames are case-insensitive (``template.yaml``:
``UsernameConfiguration.CaseSensitive: false``), so of "Bob" and "bob" only the first to sign in can migrate
and a user-import CSV holding both fails. MariaDB/MySQL compare ``lower(CONVERT(col USING utf8mb4))`` as
binary (exact, not the column's accent-insensitive collation), only over the rows whose value has a twin under
a ``_ci`` column's own collation (found through its index); PostgreSQL's ``lower()`` folds Unicode under a
UTF-8 ``LC_CTYPE``. SQLite's ``lower()`` folds ASCII only (as does PostgreSQL under the ``C`` ctype; probed
at run time): there the database groups the ASCII names, and names with non-ASCII characters are grouped
here with Python's ``str.lower()`` (memory proportional to the number of such names only).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from legacy_auth.cli.cognito_rules import email_problem, username_problem
from legacy_auth.cli.environment import Legacy
from legacy_auth.cli.timing import CostGroup, add_group, group_of
from legacy_auth.errors import CorruptHashError, CorruptRowError, UnknownHashSchemeError
from legacy_auth.hashing import HashContext, Strength
from legacy_auth.model import AccountState
from legacy_auth.presets.sql import quote
from legacy_auth.presets.table import TablePreset

WEAK = frozenset({Strength.WEAK.value, Strength.BROKEN.value})
_RANK = {s.value: i for i, s in enumerate((Strength.UNUSABLE, Strength.BROKEN, Strength.WEAK, Strength.ACCEPTABLE,
                                          Strength.STRONG))}
EMAIL_COLUMNS = ("email", "user_email", "mail", "Email")
#: the column each app's users sign in with, and which becomes the Cognito username (username pools)
USERNAME_COLUMNS = {"q2a": "handle", "wordpress": "user_login", "drupal7": "name", "drupal": "name",
                    "phpbb3": "username", "joomla": "username", "django": "username", "symfony": "username",
                    "aspnet_identity": "UserName"}
EXAMPLES = 5  # legacy ids kept per finding (ids are not secret; values such as emails are never kept)


@dataclass(slots=True)
class ScanReport:
    """Counters of one scan (see ``docs/cli.md`` for what each means and which ones block)."""

    rows: int = 0
    unreadable: int = 0
    states: Counter[str] = field(default_factory=Counter)
    schemes: Counter[str] = field(default_factory=Counter)
    weakest: dict[str, str] = field(default_factory=dict)  # scheme -> weakest per-hash strength seen
    groups: dict[str, dict[str, CostGroup]] = field(default_factory=dict, repr=False)  # scheme -> cost -> group
    cheaper: dict[str, int] = field(default_factory=dict)  # scheme -> users in dropped (cheapest) cost groups
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
    duplicate_username_groups: int = 0
    duplicate_username_users: int = 0
    examples: dict[str, list[str]] = field(default_factory=dict)

    def example(self, finding: str, legacy_id: str) -> None:
        """Remember up to ``EXAMPLES`` legacy ids for ``finding``."""
        ids = self.examples.setdefault(finding, [])
        if len(ids) < EXAMPLES:
            ids.append(legacy_id)

    def add_cost_group(self, group: CostGroup) -> None:
        """Count ``group`` (a new row, or a worker's group when merging) and track the weakest strength."""
        add_group(self.groups, self.cheaper, group)
        self.note_strength(group.scheme, group.strength)

    def note_strength(self, scheme: str, strength: str) -> None:
        """Remember ``strength`` if it is the weakest seen for ``scheme``."""
        seen = self.weakest.get(scheme)
        if seen is None or _RANK[strength] < _RANK[seen]:
            self.weakest[scheme] = strength

    def cost_groups(self) -> list[CostGroup]:
        """Every kept group, by scheme then most expensive first."""
        return [g for name in sorted(self.groups) for g in sorted(self.groups[name].values(), key=lambda g: -g.work)]


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
    to_user, assess = legacy.preset.to_user, ctx.assess
    states, schemes, groups = report.states, report.schemes, report.groups
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
                graded = assess(user.password_hash, **user.hash_fields)
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
                name = graded.scheme
                schemes[name] += 1
                group = groups.get(name, {}).get(graded.cost)
                if group is not None:
                    group.users += 1
                else:
                    report.add_cost_group(group_of(graded, user.password_hash, user.hash_fields))
                if is_active and graded.strength.value in WEAK:
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


def username_column(legacy: Legacy) -> str | None:
    """The column holding what becomes the Cognito username (``None``: the app has no username)."""
    preset = legacy.preset
    mapping = getattr(preset, "columns_map", None)
    if isinstance(mapping, dict):
        return mapping.get("username")
    column = USERNAME_COLUMNS.get(legacy.settings.app)
    if column is None or not isinstance(preset, TablePreset) or column not in preset.selected_columns():
        return None  # e.g. Symfony without FOSUserBundle: no username column is read
    return column


def _exact_key(col: str, dialect: str) -> str:
    # MariaDB/MySQL: Unicode lower() whatever the column's charset, compared as bytes (exact: the column's
    # collation would also merge accents and trailing spaces, which Cognito keeps apart)
    if dialect == "mysql":
        return f"CAST(lower(CONVERT({col} USING utf8mb4)) AS BINARY)"
    return f"lower({col})"


def _ascii_only(col: str, dialect: str) -> str:
    if dialect == "sqlite":
        return f"length(CAST({col} AS BLOB)) = length({col})"
    if dialect == "postgresql":
        return f"octet_length({col}) = char_length({col})"
    return f"length({col}) = char_length({col})"


def _groups_query(legacy: Legacy, column: str, key: str, extra: list[str] | None = None,
                  extra_params: tuple[Any, ...] = ()) -> tuple[str, tuple[Any, ...]]:
    """``n`` and the lowest legacy id of each group of non-empty ``column`` values sharing ``key`` (no value)."""
    dialect = legacy.db.dialect
    col = quote(column, dialect)
    where, params = _where(legacy, [f"{col} IS NOT NULL", f"{col} <> ''", *(extra or [])])
    pk = _primary_key(legacy)
    first = f"MIN({quote(pk, dialect)})" if pk else "NULL"
    sql = (f"SELECT COUNT(*) AS n, {first} AS first_id FROM {quote(legacy.table, dialect)}{where} "  # noqa: S608
           f"GROUP BY {key} HAVING COUNT(*) > 1")
    return sql, (*params, *extra_params)


def mysql_case_insensitive(legacy: Legacy, column: str) -> bool:
    """Whether a MariaDB/MySQL column's collation ignores case (``*_ci``): ``GROUP BY col`` then groups values
    equal but for case (and accents, trailing spaces) through the column's index, in a fraction of the time a
    ``GROUP BY lower(col)`` needs (0.4 s against 11-14 s for a million q2a users)."""
    row = legacy.db.fetch_one("SELECT COLLATION_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = "
                              "DATABASE() AND TABLE_NAME = %s AND COLUMN_NAME = %s", (legacy.table, column),
                              deadline=None)
    return row is not None and str(row["c"] or "").lower().endswith("_ci")


def duplicate_email_query(legacy: Legacy) -> tuple[str, tuple[Any, ...]] | None:
    """Groups of rows sharing an email case-insensitively: ``n`` per group, no address returned.

    ``lower(email)`` under the column's collation; on a MariaDB/MySQL ``_ci`` column that is the same grouping
    as the column itself, which the index answers.
    """
    column = email_column(legacy)
    if column is None:
        return None
    dialect = legacy.db.dialect
    col = quote(column, dialect)
    plain = dialect == "mysql" and mysql_case_insensitive(legacy, column)
    return _groups_query(legacy, column, col if plain else f"lower({col})")


def _primary_key(legacy: Legacy) -> str | None:
    preset = _table_preset(legacy)
    return str(preset.primary_key) if preset is not None else None


def count_rows(legacy: Legacy) -> int:
    """The number of rows the scan will stream."""
    sql, params = count_query(legacy)
    row = legacy.db.fetch_one(sql, params, deadline=None)
    return int(row["n"]) if row else 0


def _groups(legacy: Legacy, query: tuple[str, tuple[Any, ...]]) -> list[tuple[int, Any]]:
    return [(int(row["n"]), row["first_id"]) for row in legacy.db.stream(query[0], query[1], batch=1000)]


def count_duplicate_emails(legacy: Legacy, report: ScanReport) -> None:
    """Fill ``duplicate_email_groups`` / ``duplicate_email_users`` (streamed: constant memory)."""
    query = duplicate_email_query(legacy)
    if query is None:
        return
    for n, first_id in _groups(legacy, query):
        report.duplicate_email_groups += 1
        report.duplicate_email_users += n
        if first_id is not None:
            report.example("duplicate_email", str(first_id))


def lower_folds_unicode(legacy: Legacy) -> bool:
    """Whether the database's ``lower()`` folds non-ASCII letters (SQLite and PostgreSQL's ``C`` ctype do not)."""
    if legacy.db.dialect == "mysql":
        return True  # lower(CONVERT(.. USING utf8mb4)): Unicode case mapping of the utf8mb4 collation
    row = legacy.db.fetch_one("SELECT lower('\u00c9\u00c5') AS x", (), deadline=None)
    return row is not None and row["x"] == "\u00e9\u00e5"


def count_duplicate_usernames(legacy: Legacy, report: ScanReport) -> None:
    """Fill ``duplicate_username_groups`` / ``duplicate_username_users``: usernames equal but for case.

    Where ``lower()`` folds ASCII only, the database groups the ASCII usernames and the others (usually few)
    are grouped here; a non-ASCII name that lowers to an ASCII one (the Kelvin sign ``K``) is matched against
    the ASCII rows with one query per such name.
    """
    column = username_column(legacy)
    if column is None:
        return
    folds = lower_folds_unicode(legacy)
    groups = _exact_groups(legacy, column, ascii_only=not folds)
    if not folds:
        extra_groups, joined = _non_ascii_groups(legacy, column)
        groups += extra_groups
        report.duplicate_username_users += joined
    for n, first_id in groups:
        report.duplicate_username_groups += 1
        report.duplicate_username_users += n
        if first_id is not None:
            report.example("duplicate_username", str(first_id))


def _exact_groups(legacy: Legacy, column: str, *, ascii_only: bool) -> list[tuple[int, Any]]:
    """Groups equal under :func:`_exact_key`. On a MariaDB/MySQL ``_ci`` column the collation's own groups (the
    index) are the candidates, and only their rows are grouped exactly, 500 candidate values per query (memory:
    the candidate values, i.e. the values that have a collation-equal twin)."""
    dialect = legacy.db.dialect
    col = quote(column, dialect)
    key = _exact_key(col, dialect)
    extra = [_ascii_only(col, dialect)] if ascii_only else []
    if dialect != "mysql" or not mysql_case_insensitive(legacy, column):
        return _groups(legacy, _groups_query(legacy, column, key, extra))
    where, params = _where(legacy, [f"{col} IS NOT NULL", f"{col} <> ''"])
    sql = f"SELECT MIN({col}) AS v FROM {quote(legacy.table, dialect)}{where} GROUP BY {col} HAVING COUNT(*) > 1"  # noqa: S608
    candidates = [row["v"] for row in legacy.db.stream(sql, params, batch=1000)]
    out: list[tuple[int, Any]] = []
    for i in range(0, len(candidates), 500):
        batch = tuple(candidates[i : i + 500])
        within = f"{col} IN ({', '.join(['%s'] * len(batch))})"
        out += _groups(legacy, _groups_query(legacy, column, key, [*extra, within], batch))
    return out


def _non_ascii_groups(legacy: Legacy, column: str) -> tuple[list[tuple[int, Any]], int]:
    """New groups among non-ASCII usernames, and how many of them join a group the database already found."""
    dialect = legacy.db.dialect
    col = quote(column, dialect)
    pk = _primary_key(legacy)
    where, params = _where(legacy, [f"{col} IS NOT NULL", f"NOT ({_ascii_only(col, dialect)})"])
    select = f"{col} AS v, " + (f"{quote(pk, dialect)} AS id" if pk else "NULL AS id")
    sql = f"SELECT {select} FROM {quote(legacy.table, dialect)}{where}"  # noqa: S608 - validated identifiers
    found: dict[str, list[Any]] = {}  # lowered name -> [count, lowest id]
    for row in legacy.db.stream(sql, params, batch=1000):
        key = str(row["v"]).lower()
        seen = found.setdefault(key, [0, row["id"]])
        seen[0] += 1
        seen[1] = _lowest(seen[1], row["id"])
    groups: list[tuple[int, Any]] = []
    joined = 0
    for key, (n, first_id) in found.items():
        ascii_rows = _ascii_matches(legacy, column, key) if key.isascii() else 0
        if ascii_rows >= 2:
            joined += n  # the database already counted that group
        elif n + ascii_rows >= 2:
            groups.append((n + ascii_rows, first_id))
    return groups, joined


def _ascii_matches(legacy: Legacy, column: str, key: str) -> int:
    dialect = legacy.db.dialect
    col = quote(column, dialect)
    where, params = _where(legacy, [f"lower({col}) = %s", _ascii_only(col, dialect)])
    row = legacy.db.fetch_one(f"SELECT COUNT(*) AS n FROM {quote(legacy.table, dialect)}{where}",  # noqa: S608
                              (*params, key), deadline=None)
    return int(row["n"]) if row else 0


def _lowest(a: Any, b: Any) -> Any:
    try:
        return b if a is None or (b is not None and b < a) else a
    except TypeError:
        return a

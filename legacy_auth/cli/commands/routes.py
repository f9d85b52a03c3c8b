"""``legacy-auth routes``: how many legacy users take each route into Cognito (``docs/strategy.md``).

Every row of the legacy table is classified by :func:`legacy_auth.importing.routes.classify` with the
trigger's settings (account states, ``LEGACY_TRUST_EMAILS``, the app's hash options): ``never``, ``reset``,
``lazy`` (with the reason) or ``import-with-hash`` (with the algorithm). Only the stored value's scheme and
parameters are read (no password is verified, no hash is printed); the table is streamed and only the counts are
kept. ``hash_format_documented`` says whether AWS documents the CSV encoding of each algorithm: while it does not,
the would-be importable users are counted as ``lazy`` / ``cognito_hash_format_unknown`` with their algorithm.

Exit status: 0 (the counts were written); 2 configuration; 3 database error.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TextIO

from legacy_auth.cli.environment import add_legacy_flags, hash_context, open_legacy, preset_and_prefix, settings_from
from legacy_auth.cli.output import fmt_int, print_json
from legacy_auth.errors import CorruptRowError
from legacy_auth.hashing import HashContext
from legacy_auth.importing.algorithms import COGNITO_HASH_FORMAT, Algorithm
from legacy_auth.importing.routes import classify
from legacy_auth.migration.policy import MigrationPolicy
from legacy_auth.model import LegacyUser

HELP = "count each legacy user's route into Cognito: import-with-hash, lazy, reset or never"


def register(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Add the ``routes`` sub-command."""
    p = sub.add_parser("routes", help=HELP, description=HELP + " (docs/strategy.md).", parents=parents)
    add_legacy_flags(p)
    p.set_defaults(func=run)


@dataclass(slots=True)
class RouteCounts:
    """Users per ``(route, reason, algorithm)``; rows the preset cannot read apart."""

    counts: Counter[tuple[str, str, str | None]] = field(default_factory=Counter)
    unreadable: int = 0

    @property
    def users(self) -> int:
        """Users classified."""
        return sum(self.counts.values())


def count_routes(app: str, users: Iterable[LegacyUser | None], policy: MigrationPolicy,
                 context: HashContext) -> RouteCounts:
    """Classify ``users`` (``None`` = an unreadable row) and count them."""
    out = RouteCounts()
    for user in users:
        if user is None:
            out.unreadable += 1
            continue
        route = classify(app, user, policy, context=context)
        out.counts[(route.kind.value, route.reason, route.algorithm.value if route.algorithm else None)] += 1
    return out


def run(args: argparse.Namespace, environ: Mapping[str, str], stdout: TextIO | None = None,
        stderr: TextIO | None = None) -> int:
    """Stream the legacy table, print the counts; 0."""
    out = stdout or sys.stdout
    settings = settings_from(args, environ)
    preset_and_prefix(settings)
    legacy = open_legacy(settings)
    query = legacy.preset.scan_query(prefix=legacy.prefix, dialect=legacy.db.dialect)

    def users() -> Iterable[LegacyUser | None]:
        for row in legacy.db.stream(query.sql, query.params, batch=2000):
            try:
                yield legacy.preset.to_user(row)
            except CorruptRowError:
                yield None

    counts = count_routes(settings.app, users(), MigrationPolicy.from_settings(settings), hash_context(settings))
    data = {
        "app": settings.app,
        "users": counts.users,
        "unreadable": counts.unreadable,
        "hash_format_documented": {a.value: a in COGNITO_HASH_FORMAT for a in Algorithm},
        "routes": [{"route": k, "reason": r, "algorithm": a, "users": n}
                   for (k, r, a), n in sorted(counts.counts.items(), key=lambda i: (i[0][0], i[0][1], i[0][2] or ""))],
    }
    if args.json:
        print_json(data, out)
    else:
        out.write(render(data))
    return 0


def render(data: dict[str, Any]) -> str:
    """The human summary."""
    lines = [f"legacy-auth routes: {fmt_int(data['users'])} {data['app']} users"
             + (f" ({fmt_int(data['unreadable'])} unreadable rows apart)" if data["unreadable"] else "")]
    for item in data["routes"]:
        algorithm = f" [{item['algorithm']}]" if item["algorithm"] else ""
        lines.append(f"  {item['route']:<17}{item['reason'] + algorithm:<48}{fmt_int(item['users']):>10}")
    if not any(data["hash_format_documented"].values()):
        lines.append("  import-with-hash is off: AWS documents no CSV format for password hashes (docs/strategy.md)")
    return "\n".join(lines) + "\n"

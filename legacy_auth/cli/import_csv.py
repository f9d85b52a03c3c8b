"""Cognito user-import CSV files for legacy users who never signed in (``legacy-auth export``).

Format (Cognito developer guide, "Creating the user import .csv file"): the first row is the header exactly
as ``GetCSVHeader`` returns it for the pool (every column present, order free); ``cognito:username`` and
``cognito:mfa_enabled`` are required and ``email_verified`` or ``phone_number_verified`` must be ``TRUE``
for every user (with the matching ``email`` / ``phone_number``); values are **not** quoted, a comma inside a
value is written ``\\,``; UTF-8 without BOM; leading/trailing spaces are trimmed by Cognito; the username
cannot contain spaces or tabs; at most 16,000 characters per row, 500,000 rows and 100 MB per file.

The attributes are the migrate-user trigger's own (:func:`legacy_auth.migration.attributes.user_attributes`), so an
imported user looks like a migrated one (``custom:legacy_id`` when the pool has that attribute). The username
follows the trigger too: in a pool with aliases, a user whose legacy username Cognito refuses migrates under the
trigger's answer for an email sign-in (the legacy username if usable, else ``legacy_<id>``), so the CSV uses
that same answer (it is *computed by* ``user_attributes``, not re-implemented). ``custom:legacy_roles``, when the
header has it, carries :attr:`LegacyUser.roles` for the pre-token-generation hook's role-to-group mapping.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from legacy_auth.cli.cognito_rules import email_problem, username_problem
from legacy_auth.cli.errors import CliError, UsageError
from legacy_auth.errors import AccountStateError
from legacy_auth.migration.attributes import user_attributes
from legacy_auth.migration.policy import MigrationPolicy
from legacy_auth.model import AccountState, LegacyUser

MAX_ROWS = 500_000
MAX_BYTES = 100_000_000  # "100 MB": the decimal reading is the safe one
MAX_ROW_CHARS = 16_000
REQUIRED = ("cognito:username", "cognito:mfa_enabled")
BOOLEANS = frozenset({"email_verified", "phone_number_verified", "cognito:mfa_enabled"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def escape(value: str) -> str:
    """A CSV value as Cognito reads it: control characters become spaces, trimmed, ``,`` -> ``\\,``."""
    return _CONTROL.sub(" ", value).strip().replace(",", "\\,")


def check_header(header: Sequence[str]) -> list[str]:
    """Validate a ``GetCSVHeader`` header; ``CliError`` when a required column is missing."""
    columns = [str(c) for c in header]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise CliError(f"CSV header lacks required column(s) {', '.join(missing)}", exit_code=2)
    if "email_verified" not in columns and "phone_number_verified" not in columns:
        raise CliError("CSV header has neither email_verified nor phone_number_verified", exit_code=2)
    return columns


@dataclass(frozen=True, slots=True)
class ExportRules:
    """How users become rows: the trigger's policy (which also names the roles attribute), MFA flag, alias rules.

    The attributes, the legacy roles included (``policy.roles_attribute``, as
    :func:`legacy_auth.migration.attributes.user_attributes` writes them), are the trigger's own: a bulk-imported user
    gets exactly what a user migrated at sign-in gets.
    """

    policy: MigrationPolicy
    mfa_enabled: bool = False
    aliases: bool = True


#: ``user_row``'s note for a row written under the trigger's fallback username (counted as ``renamed``).
RENAMED = "renamed"


def _login(user: LegacyUser, rules: ExportRules) -> tuple[str | None, str | None]:
    """``(login given to user_attributes, skip reason)``: the username, else (alias pools) the email."""
    if rules.policy.pool_sign_in == "email":
        email = (user.email or "").strip()
        return (email, None) if email and email_problem(email) is None else (None, "email_invalid")
    if username_problem(user.username, aliases=rules.aliases) is None:
        return (user.username or "").strip(), None
    email = (user.email or "").strip()
    if rules.aliases and email and email_problem(email) is None:
        return email, None  # the trigger's case: an alias pool, the user signs in by email
    return None, "username_invalid"


def user_row(user: LegacyUser, header: Sequence[str], rules: ExportRules) -> tuple[list[str] | None, str | None]:
    """The CSV values of ``user`` in ``header`` order, or ``(None, reason)`` when it cannot be imported.

    A written row comes with ``None``, or with :data:`RENAMED` when its ``cognito:username`` is the trigger's
    fallback (the legacy username is unusable: ``legacy_<id>``, the user signs in by email).
    """
    if user.state is not AccountState.ACTIVE:
        return None, f"state_{user.state.value}"
    login, reason = _login(user, rules)
    if login is None:
        return None, reason
    try:
        attrs = user_attributes(user, login, rules.policy)
    except AccountStateError:
        return None, "no_email"
    if "email" in attrs and email_problem(attrs["email"]) is not None:
        return None, "email_invalid"
    verified = attrs.get("email_verified") == "true" or attrs.get("phone_number_verified") == "true"
    if not verified:
        return None, "no_verified_contact"
    note = None
    username = login
    if rules.policy.pool_sign_in == "username" and username_problem(user.username, aliases=rules.aliases):
        username = attrs.get("username", "")  # the trigger's answer to an email sign-in
        if username_problem(username, aliases=True) is not None:
            return None, "username_invalid"
        note = RENAMED
    attrs.pop("username", None)  # the trigger's alias-pool username answer; the CSV has its own column
    attrs["cognito:username"] = username
    attrs["cognito:mfa_enabled"] = "true" if rules.mfa_enabled else "false"
    values = []
    for column in header:
        value = attrs.get(column, "")
        values.append(value.upper() if column in BOOLEANS and value else escape(value))
    return values, note


#: Reasons a user is left out that the Cognito import itself would reject (the job would count them failed):
#: they make ``export`` exit with status 1.
KNOWN_TO_FAIL = frozenset({"duplicate_username"})

#: For each reason a user is left out: the setting or route that would include them (shown beside the count).
ROUTES: dict[str, str] = {
    "already_migrated": "already in Cognito (tracking table); --all exports them anyway",
    "no_verified_contact": "email not verified: LEGACY_TRUST_EMAILS=true counts the legacy app's emails as "
                           "verified (only if it confirmed them); otherwise they migrate at sign-in",
    "no_email": "no email: they can only migrate at sign-in (the import needs a verified email or phone)",
    "email_invalid": "Cognito refuses the email: fix it in the legacy app; otherwise they migrate at sign-in",
    "username_invalid": "Cognito refuses the username and there is no usable email: fix it in the legacy app",
    "unreadable": "the preset cannot read the row: legacy-auth scan names examples",
    "row_too_long": "over Cognito's 16,000 characters per CSV row: shorten the attributes; they migrate at sign-in",
    "duplicate_username": "their username differs only by case from a user already in the file: the import would "
                          "fail them; merge or rename them in the legacy app (legacy-auth scan lists examples)",
}


def route(reason: str) -> str:
    """The setting or route that would include users left out for ``reason``."""
    if reason.startswith("state_"):
        return f"refused by design ({reason[6:]}): the trigger refuses them too"
    return ROUTES.get(reason, "see docs/cli.md")


@dataclass(slots=True)
class ExportResult:
    """Files written, users skipped (by reason) and users written under a ``legacy_<id>`` username."""

    files: list[Path] = field(default_factory=list)
    rows_per_file: list[int] = field(default_factory=list)
    id_files: list[Path] = field(default_factory=list)  # with ``tags``: one ``.ids`` file beside each CSV
    exported: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    renamed: int = 0

    @property
    def known_to_fail(self) -> int:
        """Users left out because the import would reject them (:data:`KNOWN_TO_FAIL`)."""
        return sum(n for reason, n in self.skipped.items() if reason in KNOWN_TO_FAIL)


class CsvSplitter:
    """Writes rows to ``<stem>-001.csv``, ``-002`` ... starting a new file before a limit would be crossed.

    With ``tags``, each row's tag (``export --start``: the legacy id and its fingerprint, one JSON array per line,
    :mod:`legacy_auth.cli.import_tracking`) goes to ``<stem>-001.ids`` beside its CSV, line for line: what a job
    imported is read back from there, so memory stays flat. The ``.ids`` files are never uploaded.
    """

    def __init__(self, directory: Path, stem: str, header: Sequence[str], *, max_rows: int = MAX_ROWS,
                 max_bytes: int = MAX_BYTES, tags: bool = False) -> None:
        if not 1 <= max_rows <= MAX_ROWS or not 1024 <= max_bytes <= MAX_BYTES:
            raise UsageError(f"--max-rows must be 1..{MAX_ROWS} and --max-bytes 1024..{MAX_BYTES}")
        self.directory, self.stem = directory, stem
        self.header_line = (",".join(escape(h) for h in header) + "\n").encode("utf-8")
        self.max_rows, self.max_bytes = max_rows, max_bytes
        self.result = ExportResult()
        self.tags = tags
        self._fh: IO[bytes] | None = None
        self._ids: IO[str] | None = None
        self._rows = 0
        self._bytes = 0

    def _open(self) -> None:
        self.close()
        path = self.directory / f"{self.stem}-{len(self.result.files) + 1:03d}.csv"
        try:
            self._fh = path.open("wb")  # bytes: exact size accounting, UTF-8 without BOM, \n line ends
            self._fh.write(self.header_line)
            if self.tags:
                self._ids = path.with_suffix(".ids").open("w", encoding="utf-8", newline="\n")
                self.result.id_files.append(path.with_suffix(".ids"))
        except OSError as exc:
            raise CliError(f"cannot write {path}: {exc.strerror or type(exc).__name__}") from None
        self._rows, self._bytes = 0, len(self.header_line)
        self.result.files.append(path)
        self.result.rows_per_file.append(0)

    def write(self, values: Sequence[str], tag: str | None = None) -> bool:
        """Append one row (and its ``tag`` line to the ``.ids`` file); ``False`` (skipped as ``row_too_long``) past
        Cognito's 16,000 characters."""
        text = ",".join(values)
        if len(text) > MAX_ROW_CHARS:
            self.result.skipped["row_too_long"] += 1
            return False
        line = (text + "\n").encode("utf-8")
        if self._fh is None or self._rows >= self.max_rows or self._bytes + len(line) > self.max_bytes:
            self._open()
        assert self._fh is not None
        try:
            self._fh.write(line)
            if self._ids is not None:
                self._ids.write((tag or "") + "\n")
        except OSError as exc:  # disk full, quota
            raise CliError(f"cannot write {self.result.files[-1]}: {exc.strerror or type(exc).__name__}") from None
        self._rows += 1
        self._bytes += len(line)
        self.result.rows_per_file[-1] += 1
        self.result.exported += 1
        return True

    def close(self) -> None:
        """Close the current file."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        if self._ids is not None:
            self._ids.close()
            self._ids = None


def export_users(users: Iterable[LegacyUser], header: Sequence[str], rules: ExportRules, splitter: CsvSplitter,
                 *, skip_ids: Container[str] = frozenset(), check_case: bool = True,
                 tag: Callable[[LegacyUser], str] | None = None) -> ExportResult:
    """Write every importable user of ``users`` not in ``skip_ids`` (already in Cognito).

    With ``check_case`` (the caller knows the table holds usernames equal but for case), a user whose
    ``cognito:username`` equals one already written but for case is left out as ``duplicate_username``: the
    pool's usernames are case-insensitive, so the import would fail that row. Only the case-folded usernames
    written are held in memory, and only then. ``tag(user)`` is written beside each row (``CsvSplitter`` ``tags``).
    """
    result = splitter.result
    column = list(header).index("cognito:username")
    written: set[str] = set()
    try:
        for user in users:
            if user.legacy_id in skip_ids:
                result.skipped["already_migrated"] += 1
                continue
            values, reason = user_row(user, header, rules)
            if values is None:
                result.skipped[reason or "unknown"] += 1
                continue
            if check_case:
                key = values[column].replace("\\,", ",").casefold()
                if key in written:
                    result.skipped["duplicate_username"] += 1
                    continue
                written.add(key)
            if splitter.write(values, tag(user) if tag is not None else None) and reason == RENAMED:
                result.renamed += 1
    finally:
        splitter.close()
    return result

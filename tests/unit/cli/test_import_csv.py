"""Cognito user-import CSV rules: escaping, required columns, who is importable, file splitting."""

from __future__ import annotations

from pathlib import Path

import pytest

from legacy_auth.cli.errors import CliError, UsageError
from legacy_auth.cli.import_csv import (
    RENAMED,
    CsvSplitter,
    ExportRules,
    check_header,
    escape,
    export_users,
    user_row,
)
from legacy_auth.migration.attributes import user_attributes
from legacy_auth.migration.policy import MigrationPolicy
from legacy_auth.model import AccountState, LegacyUser

HEADER = ["cognito:username", "name", "email", "email_verified", "phone_number", "phone_number_verified",
          "preferred_username", "cognito:mfa_enabled", "custom:legacy_id"]
RULES = ExportRules(policy=MigrationPolicy())


def _user(**kw: object) -> LegacyUser:
    base: dict[str, object] = {"legacy_id": "7", "username": "alice", "email": "alice@example.org",
                               "email_verified": True, "state": AccountState.ACTIVE, "password_hash": "x"}
    base.update(kw)
    return LegacyUser(**base)  # type: ignore[arg-type]


def test_commas_are_backslash_escaped_and_controls_become_spaces() -> None:
    assert escape("Doe, John") == "Doe\\, John"
    assert escape("  line\nbreak\t ") == "line break"


def test_header_without_required_columns_is_refused() -> None:
    with pytest.raises(CliError, match="cognito:mfa_enabled"):
        check_header(["cognito:username", "email", "email_verified"])
    with pytest.raises(CliError, match="neither email_verified"):
        check_header(["cognito:username", "cognito:mfa_enabled", "email"])


def test_active_verified_user_becomes_a_row_in_header_order() -> None:
    values, reason = user_row(_user(display_name="Alice, A."), HEADER, RULES)
    assert reason is None
    assert values == ["alice", "Alice\\, A.", "alice@example.org", "TRUE", "", "", "alice", "FALSE", "7"]


def test_email_pool_uses_the_email_as_username() -> None:
    rules = ExportRules(policy=MigrationPolicy(pool_sign_in="email"), mfa_enabled=True)
    values, _ = user_row(_user(username="has space"), HEADER, rules)
    assert values is not None
    assert values[0] == "alice@example.org"
    assert values[HEADER.index("cognito:mfa_enabled")] == "TRUE"


@pytest.mark.parametrize(("user", "reason"), [
    (_user(state=AccountState.BLOCKED), "state_blocked"),
    (_user(username="two words", email=None, phone_number="+15555550100", phone_verified=True), "username_invalid"),
    (_user(username="two words", email="not-an-email"), "username_invalid"),
    (_user(email_verified=False), "no_verified_contact"),
    (_user(email=None), "no_verified_contact"),
    (_user(email="not-an-email"), "email_invalid"),
])
def test_users_cognito_cannot_import_are_skipped_with_a_reason(user: LegacyUser, reason: str) -> None:
    assert user_row(user, HEADER, RULES) == (None, reason)


def test_trusted_emails_make_unverified_users_importable() -> None:
    rules = ExportRules(policy=MigrationPolicy(trust_emails=True))
    values, reason = user_row(_user(email_verified=False), HEADER, rules)
    assert reason is None
    assert values is not None
    assert values[HEADER.index("email_verified")] == "TRUE"


def test_files_split_at_the_row_limit(tmp_path: Path) -> None:
    users = [_user(legacy_id=str(i), username=f"user{i}", email=f"u{i}@example.org") for i in range(5)]
    splitter = CsvSplitter(tmp_path, "out", HEADER, max_rows=2)
    result = export_users(users, HEADER, RULES, splitter, skip_ids={"3"})
    assert [p.name for p in result.files] == ["out-001.csv", "out-002.csv"]
    assert result.rows_per_file == [2, 2]
    assert result.skipped == {"already_migrated": 1}
    lines = (tmp_path / "out-002.csv").read_text("utf-8").splitlines()
    assert lines[0] == ",".join(HEADER)
    assert lines[1].startswith("user2,")
    assert lines[2].startswith("user4,")
    assert not (tmp_path / "out-001.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # no BOM


def test_files_split_before_the_byte_limit(tmp_path: Path) -> None:
    users = [_user(legacy_id=str(i), username=f"user{i}", email=f"u{i}@example.org") for i in range(40)]
    splitter = CsvSplitter(tmp_path, "big", HEADER, max_bytes=1024)
    result = export_users(users, HEADER, RULES, splitter)
    assert sum(result.rows_per_file) == 40
    assert len(result.files) > 1
    assert all(p.stat().st_size <= 1024 for p in result.files)


def test_a_row_over_16000_characters_is_skipped(tmp_path: Path) -> None:
    splitter = CsvSplitter(tmp_path, "long", HEADER)
    result = export_users([_user(display_name="x" * 16_001)], HEADER, RULES, splitter)
    assert result.exported == 0
    assert result.skipped == {"row_too_long": 1}


def test_limits_above_cognitos_are_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        CsvSplitter(tmp_path, "x", HEADER, max_rows=500_001)


@pytest.mark.parametrize("username", ["two words", "a@b.example", "+4915112345678", "", None, "x" * 129])
def test_alias_pool_user_with_an_unusable_username_gets_the_triggers_username(username: str | None) -> None:
    user = _user(username=username)
    values, note = user_row(user, HEADER, RULES)
    assert note == RENAMED
    assert values is not None
    trigger = user_attributes(user, "alice@example.org", RULES.policy)  # the trigger's email sign-in answer
    assert values[0] == trigger["username"] == "legacy_7"
    assert values[HEADER.index("email")] == "alice@example.org"
    assert values[HEADER.index("preferred_username")] == ""


def test_usable_username_matches_the_triggers_email_sign_in_answer() -> None:
    user = _user()
    values, note = user_row(user, HEADER, RULES)
    assert note is None
    assert values is not None
    assert values[0] == user_attributes(user, "alice@example.org", RULES.policy)["username"] == "alice"


def test_pool_without_aliases_never_renames() -> None:
    rules = ExportRules(policy=MigrationPolicy(pool_aliases=frozenset()), aliases=False)
    assert user_row(_user(username="two words"), HEADER, rules) == (None, "username_invalid")
    values, note = user_row(_user(username="a@b.example"), HEADER, rules)  # fine without aliases
    assert (values[0] if values else None, note) == ("a@b.example", None)


def test_renamed_users_are_counted(tmp_path: Path) -> None:
    users = [_user(), _user(legacy_id="8", username="bad name", email="b@example.org")]
    result = export_users(users, HEADER, RULES, CsvSplitter(tmp_path, "r", HEADER))
    assert (result.exported, result.renamed) == (2, 1)
    assert (tmp_path / "r-001.csv").read_text("utf-8").splitlines()[2].startswith("legacy_8,")


ROLES_HEADER = [*HEADER, "custom:legacy_roles"]


def test_roles_column_carries_the_legacy_roles_when_the_header_has_it() -> None:
    values, _ = user_row(_user(roles=("level:100", "editor")), ROLES_HEADER, RULES)
    assert values is not None
    assert values[-1] == "level:100\\,editor"  # Cognito reads "\\," back as a comma
    assert user_row(_user(roles=("level:100",)), HEADER, RULES)[0] == user_row(_user(), HEADER, RULES)[0]


def test_roles_column_follows_the_triggers_roles_attribute() -> None:
    rules = ExportRules(policy=MigrationPolicy(roles_attribute="custom:roles"))
    values, _ = user_row(_user(roles=("admin",)), [*HEADER, "custom:roles"], rules)
    assert values is not None
    assert values[-1] == "admin"


def test_user_without_roles_gets_an_empty_roles_value() -> None:
    values, _ = user_row(_user(), ROLES_HEADER, RULES)
    assert values is not None
    assert values[-1] == ""



"""Import fingerprints: they change with the hash or the account state, never contain the hash, and the upgrade
statements add exactly the two columns the DDL files declare."""

from __future__ import annotations

from dataclasses import replace

import pytest

from legacy_auth.cli.import_tracking import COLUMNS, change, fingerprint, upgrade_sql
from legacy_auth.migration.tracking import ddl
from legacy_auth.model import AccountState, LegacyUser

HASH = "$2y$10$r1I0gQRvP2bMeR4b6xfRi.u7od6C35/XQ5Li8S0DjjSSHUNaoRnVe"
USER = LegacyUser(legacy_id="42", username="alice", email="a@example.org", email_verified=True,
                  state=AccountState.ACTIVE, password_hash=HASH)


def test_fingerprint_is_state_and_a_short_digest_never_the_hash() -> None:
    fp = fingerprint(USER)
    state, _, tag = fp.partition(":")
    assert (state, len(tag)) == ("active", 16)
    assert HASH not in fp
    assert HASH[-16:] not in fp
    assert fingerprint(USER) == fp  # stable across runs


def test_change_names_what_moved() -> None:
    recorded = fingerprint(USER)
    assert change(recorded, USER) is None
    assert change(recorded, replace(USER, password_hash=HASH.replace("$10$", "$11$"))) == "hash_changed"
    assert change(recorded, replace(USER, state=AccountState.BLOCKED)) == "now_blocked"
    assert change(recorded, replace(USER, legacy_id="43")) == "hash_changed"  # another row: never equal


@pytest.mark.parametrize("dialect", ["mysql", "postgresql", "sqlite"])
def test_upgrade_adds_the_columns_of_the_current_ddl(dialect: str) -> None:
    statements = upgrade_sql(dialect, "legacy_auth_migrations")  # type: ignore[arg-type]
    assert [s.split()[5] for s in statements] == list(COLUMNS)
    create = ddl(dialect)[0]  # type: ignore[arg-type]
    for column in COLUMNS:
        assert column in create

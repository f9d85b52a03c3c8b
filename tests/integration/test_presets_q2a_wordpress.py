"""q2a and WordPress presets on real MariaDB, PostgreSQL and SQLite: schema, login rules, case, states."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legacy_auth.apps import get_preset
from legacy_auth.model import AccountState
from tests.conftest import load_vectors
from tests.support.legacy_db import create_schema, dialect_of, fetch_all, find_rows, insert_users

pytestmark = pytest.mark.integration

HOSTILE = [
    "' OR 1=1 --", "%", "_", "\\", "alice'", 'alice"', "al%", "a_ice", "' OR ''='", "\\'", "Алиса", "🔐", "a\u200blice",
]


def _vectors(app: str, scheme: str) -> list[dict[str, Any]]:
    return [v for v in load_vectors() if v["app"] == app and v["scheme"] == scheme and v["expect"]]


@pytest.fixture(scope="module", params=["mysql", "postgresql", "sqlite"])
def url(request: pytest.FixtureRequest, databases: Any, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "mysql":
        return databases.mysql("presets_q2a_wp")
    if request.param == "postgresql":
        return databases.postgres("presets_q2a_wp")
    return databases.sqlite(tmp_path_factory.mktemp("presets"), "q2a_wp")


# ---------------------------------------------------------------- q2a


@pytest.fixture(scope="module")
def q2a_url(url: str) -> str:
    sha1 = _vectors("question2answer", "q2a_sha1_passsalt_passcheck")[0]
    bcrypt = _vectors("question2answer", "q2a_passhash_bcrypt")[0]
    create_schema(url, "q2a")
    salt = sha1["extra"]["q2a_passsalt"].encode()
    check = bytes.fromhex(sha1["extra"]["q2a_passcheck_hex"])
    insert_users(
        url,
        "q2a",
        [
            {"userid": 1, "handle": "Alice", "email": "alice@example.org", "passsalt": salt, "passcheck": check,
             "level": 100, "flags": 1},
            {"userid": 2, "handle": "bob", "email": "Bob@Example.org", "passhash": bcrypt["hash"], "level": 0},
            {"userid": 3, "handle": "carol", "email": "shared@example.org", "passhash": bcrypt["hash"], "level": 0},
            {"userid": 4, "handle": "dave", "email": "SHARED@example.org", "passhash": bcrypt["hash"], "level": 0},
            {"userid": 5, "handle": "eve", "email": "eve@example.org", "passhash": bcrypt["hash"], "flags": 2,
             "level": 0},
            {"userid": 6, "handle": "sso", "email": "sso@example.org", "level": 0},
            {"userid": 7, "handle": "frank", "email": "frank@example.org", "passhash": bcrypt["hash"],
             "flags": 128, "level": 0},
        ],
    )
    return url


@pytest.mark.parametrize("login", ["Alice", "alice", "ALICE", "  alice  ", "alice@example.org", "ALICE@EXAMPLE.ORG"])
def test_q2a_finds_user_by_handle_or_email_in_any_case(q2a_url: str, login: str) -> None:
    rows = find_rows(q2a_url, "q2a", login)
    assert [get_preset("q2a").to_user(r).legacy_id for r in rows] == ["1"]


def test_q2a_legacy_pair_comes_back_as_raw_bytes_that_match_the_vector(q2a_url: str) -> None:
    vector = _vectors("question2answer", "q2a_sha1_passsalt_passcheck")[0]
    user = get_preset("q2a").to_user(find_rows(q2a_url, "q2a", "alice")[0])
    assert user.hash_fields["passsalt"] == vector["extra"]["q2a_passsalt"].encode()
    assert user.hash_fields["passcheck"] == bytes.fromhex(vector["extra"]["q2a_passcheck_hex"])
    assert user.password_hash is None
    assert user.email_verified is True
    assert user.roles == ("level:100",)
    assert user.state is AccountState.ACTIVE


def test_q2a_shared_email_returns_two_rows_so_the_store_refuses_it(q2a_url: str) -> None:
    # "shared@example.org" and "SHARED@example.org": no exact-case match for this login, so every dialect ends
    # with the case-insensitive comparison (MySQL collation; SQLite NOCASE column; PostgreSQL lower() fallback)
    rows = find_rows(q2a_url, "q2a", "Shared@Example.org")
    assert sorted(get_preset("q2a").to_user(r).legacy_id for r in rows) == ["3", "4"]


def test_q2a_exact_case_match_comes_first_off_mysql(q2a_url: str) -> None:
    rows = find_rows(q2a_url, "q2a", "shared@example.org")
    ids = sorted(get_preset("q2a").to_user(r).legacy_id for r in rows)
    # PostgreSQL: the exact (indexed) comparison finds carol alone; q2a's MySQL collation and the SQLite NOCASE
    # column compare case-insensitively even with "=", so both rows come back there (and are refused)
    assert ids == (["3"] if dialect_of(q2a_url) == "postgresql" else ["3", "4"])


def test_q2a_states_from_real_rows(q2a_url: str) -> None:
    users = {u.legacy_id: u for u in map(get_preset("q2a").to_user, fetch_all(q2a_url, "q2a"))}
    assert list(users) == ["1", "2", "3", "4", "5", "6", "7"]  # PK order
    assert users["2"].state is AccountState.ACTIVE
    assert users["2"].password_hash is not None
    assert users["2"].password_hash.startswith("$2y$")
    assert users["5"].state is AccountState.BLOCKED
    assert users["6"].state is AccountState.SSO_ONLY
    assert users["7"].state is AccountState.ACTIVE  # confirmation not required by default
    strict = get_preset("q2a", require_confirmed_email=True)
    assert strict.to_user(find_rows(q2a_url, "q2a", "frank")[0]).state is AccountState.UNCONFIRMED


def test_q2a_email_only_option_looks_up_email_without_at_sign(q2a_url: str) -> None:
    assert find_rows(q2a_url, "q2a", "alice", allow_login_email_only=True) == []
    rows = find_rows(q2a_url, "q2a", "bob@example.ORG", allow_login_email_only=True)
    assert [r["handle"] for r in rows] == ["bob"]


@pytest.mark.parametrize("login", [*HOSTILE, "alice@example.org' OR '1'='1", "x" * 10_000, "al\x00ice", "\ud800"])
def test_q2a_sql_metacharacters_never_match_and_never_break(q2a_url: str, login: str) -> None:
    assert find_rows(q2a_url, "q2a", login) == []


def test_q2a_accent_folding_follows_the_collation(q2a_url: str) -> None:
    # utf8mb4_general_ci folds accents (q2a itself would accept "ålice" on MySQL); lower() does not.
    rows = find_rows(q2a_url, "q2a", "ålice")
    assert len(rows) == (1 if dialect_of(q2a_url) == "mysql" else 0)


# ---------------------------------------------------------------- WordPress


@pytest.fixture(scope="module")
def wp_url(url: str) -> str:
    wp = _vectors("wordpress", "wp_bcrypt_hmac_sha384")[0]["hash"]
    phpass = _vectors("wordpress", "phpass_portable_P")[0]["hash"]
    opts = {"prefix": "wpms_", "multisite": True}
    create_schema(url, "wordpress")
    create_schema(url, "wordpress", **opts)
    rows = [
        {"ID": 1, "user_login": "admin", "user_pass": wp, "user_email": "admin@example.org", "display_name": "Ad Min"},
        {"ID": 2, "user_login": "jane@example.org", "user_pass": phpass, "user_email": "other@example.org"},
        {"ID": 3, "user_login": "jane", "user_pass": phpass, "user_email": "Jane@Example.org"},
        {"ID": 4, "user_login": "ssouser", "user_pass": "", "user_email": "sso@example.org"},
    ]
    insert_users(url, "wordpress", rows)
    insert_users(
        url,
        "wordpress",
        [
            {"ID": 10, "user_login": "spammer", "user_pass": phpass, "user_email": "s@example.org", "spam": 1},
            {"ID": 11, "user_login": "gone", "user_pass": phpass, "user_email": "g@example.org", "deleted": 1},
            {"ID": 12, "user_login": "fine", "user_pass": phpass, "user_email": "f@example.org"},
        ],
        **opts,
    )
    return url


@pytest.mark.parametrize(("login", "expected"), [
    ("admin", "1"), ("ADMIN", "1"), ("admin@example.org", "1"), ("Admin@Example.ORG", "1"),
    ("jane@example.org", "2"),  # user_login is tried before user_email, as wp_authenticate does
    ("JANE", "3"), ("jane@EXAMPLE.org", "2"), ("other@example.org", "2"),
])
def test_wordpress_username_first_then_email(wp_url: str, login: str, expected: str) -> None:
    rows = find_rows(wp_url, "wordpress", login)
    assert [get_preset("wordpress").to_user(r).legacy_id for r in rows] == [expected]


def test_wordpress_maps_display_name_and_sso_rows(wp_url: str) -> None:
    users = [get_preset("wordpress").to_user(r) for r in fetch_all(wp_url, "wordpress")]
    assert [u.legacy_id for u in users] == ["1", "2", "3", "4"]
    assert users[0].display_name == "Ad Min"
    assert users[0].email_verified is False
    assert users[0].password_hash is not None
    assert users[0].password_hash.startswith("$wp$2y$")
    assert users[3].state is AccountState.SSO_ONLY


def test_wordpress_multisite_spam_and_deleted_are_refused(wp_url: str) -> None:
    preset = get_preset("wordpress", multisite=True)
    users = {u.username: u.state for u in map(preset.to_user, fetch_all(wp_url, "wordpress", "wpms_", multisite=True))}
    assert users == {"spammer": AccountState.SPAM, "gone": AccountState.DELETED, "fine": AccountState.ACTIVE}


@pytest.mark.parametrize("login", [*HOSTILE, "admin' --", "admin@example.org' OR 1=1 --", "y" * 61])
def test_wordpress_sql_metacharacters_never_match(wp_url: str, login: str) -> None:
    assert find_rows(wp_url, "wordpress", login) == []



LOGINS = st.one_of(
    st.text(max_size=30),
    st.lists(st.sampled_from(["'", '"', "\\", "%", "_", "--", ";", "@", "alice", "ALICE", " ", "\x00", "é", "🔐",
                              "OR 1=1", "example.org", "\ud800"]), max_size=8).map("".join),
)


def _ascii_fold(text: str) -> str:
    return "".join(c.lower() if c.isascii() else c for c in text)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(login=LOGINS)
def test_q2a_any_login_runs_safely_and_only_matches_its_own_row(q2a_url: str, login: str) -> None:
    rows = find_rows(q2a_url, "q2a", login)
    assert len(rows) <= 2
    dialect = dialect_of(q2a_url)
    typed = login.strip(" \t\n\r\x00\x0b")
    for row in rows:
        column = "email" if "@" in typed else "handle"
        if dialect == "sqlite":
            assert _ascii_fold(row[column]) == _ascii_fold(typed)
        elif dialect == "postgresql":
            assert row[column].lower() == typed.lower()
        else:  # MySQL general_ci also folds accents: equal once accents and case are removed
            assert unicodedata.normalize("NFKD", row[column]).encode("ascii", "ignore").lower() == \
                unicodedata.normalize("NFKD", typed).encode("ascii", "ignore").lower()

"""``firebase``: the loaded table, its login rule and states, the project options and the export loader."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from legacy_auth.apps import get_context, get_preset
from legacy_auth.apps.firebase import DUMMY_HASH, FirebasePreset, load
from legacy_auth.errors import ConfigurationError, CorruptHashError, CorruptRowError, UnknownHashSchemeError
from legacy_auth.model import AccountState
from legacy_auth.presets.loading import ExportFileError

# the firebase/scrypt README example project (published, not a secret) and its published vector
SIGNER = "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA=="
PROJECT = {"firebase_signer_key": SIGNER,
           "firebase_salt_separator": "Bw==", "firebase_rounds": 8, "firebase_mem_cost": 14}
README_HASH = "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ=="
README_SALT = "42xEC+ixf3L2lw=="


def row(**over: Any) -> dict[str, Any]:
    base = {"local_id": "uid1", "email": "ann@example.com", "email_verified": 1, "password_hash": README_HASH,
            "salt": README_SALT, "display_name": "Ann", "phone_number": None, "disabled": 0, "providers": None}
    return {**base, **over}


# ---------------------------------------------------------------- table and login rule


def test_ddl_is_the_loaders_table_with_a_case_sensitive_uid_key() -> None:
    mysql = "\n".join(FirebasePreset().ddl(prefix="", dialect="mysql"))
    assert "CREATE TABLE `firebase_users`" in mysql
    assert "`local_id` VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL" in mysql
    assert "PRIMARY KEY (`local_id`)" in mysql
    assert "KEY `email` (`email`)" in mysql
    postgres = FirebasePreset().ddl(prefix="", dialect="postgresql")
    assert 'CREATE INDEX "firebase_users_email" ON "firebase_users" ("email")' in postgres
    names = [c.name for c in FirebasePreset.columns]
    assert names == ["local_id", "email", "email_verified", "password_hash", "salt", "display_name", "phone_number",
                     "disabled", "providers", "created_at", "last_signed_in_at"]


def test_login_is_the_lower_cased_email_untrimmed_compared_exactly() -> None:
    preset = get_preset("firebase")
    [(lookup, value)] = preset.lookups(" Ann@Example.com ")
    assert (lookup.column, lookup.match, value) == ("email", "exact", " ann@example.com ")
    [exact] = preset.find_queries("Ann@Example.com", prefix="", dialect="postgresql")
    assert exact.sql.endswith('WHERE "email" = %s LIMIT 2')
    assert exact.params == ("ann@example.com",)


def test_sql_metacharacters_in_the_login_are_a_parameter() -> None:
    login = "x' or '1'='1@example.com"
    queries = get_preset("firebase").find_queries(login, prefix="", dialect="mysql")
    assert queries
    for query in queries:
        assert login not in query.sql
        assert query.params == (login,)


def test_a_login_longer_than_the_column_finds_nobody() -> None:
    assert get_preset("firebase").find_queries("a" * 250 + "@x.com", prefix="", dialect="sqlite") == []


# ---------------------------------------------------------------- rows and states


def test_an_active_user_with_a_password() -> None:
    user = get_preset("firebase").to_user(row(providers="google.com,github.com"))
    assert user.state is AccountState.ACTIVE
    assert user.legacy_id == "uid1"
    assert user.email_verified is True
    assert user.password_hash == README_HASH
    assert user.hash_fields == {"salt": README_SALT}
    assert user.roles == ("provider:google.com", "provider:github.com")
    assert user.display_name == "Ann"


def test_a_disabled_user_is_blocked() -> None:
    assert get_preset("firebase").to_user(row(disabled=1)).state is AccountState.BLOCKED


def test_a_provider_only_user_is_sso_only() -> None:
    user = get_preset("firebase").to_user(row(password_hash=None, salt=None, providers="google.com"))
    assert user.state is AccountState.SSO_ONLY
    assert user.hash_fields == {}
    assert not user.has_password


def test_a_disabled_provider_only_user_is_blocked_first() -> None:
    assert get_preset("firebase").to_user(row(password_hash="", disabled=True)).state is AccountState.BLOCKED


def test_an_unverified_email_is_not_verified() -> None:
    assert get_preset("firebase").to_user(row(email_verified=0)).email_verified is False


def test_a_row_without_uid_is_corrupt() -> None:
    with pytest.raises(CorruptRowError):
        get_preset("firebase").to_user(row(local_id=None))


def test_a_hash_without_salt_fails_closed() -> None:
    user = get_preset("firebase").to_user(row(salt=None))
    with pytest.raises(CorruptHashError):
        get_context("firebase", pad_weak=False, **PROJECT).verify("user1password", user.password_hash,
                                                                 **user.hash_fields)


# ---------------------------------------------------------------- options and the password check


def test_the_readme_vector_verifies_with_the_projects_parameters() -> None:
    ctx = get_context("firebase", **PROJECT)
    assert ctx.verify("user1password", README_HASH, salt=README_SALT).ok is True
    assert ctx.verify("user1Password", README_HASH, salt=README_SALT).ok is False


def test_the_parameters_as_environment_text_are_typed() -> None:
    text = {key: str(value) for key, value in PROJECT.items()}
    assert get_context("firebase", **text).verify("user1password", README_HASH, salt=README_SALT).ok is True


def test_unset_parameters_refuse_every_real_hash_naming_the_variables() -> None:
    ctx = get_context("firebase")
    with pytest.raises(CorruptHashError, match="LEGACY_FIREBASE_SIGNER_KEY"):
        ctx.verify("user1password", "A" * 88, salt=README_SALT)
    assert ctx.dummy_verify() is None
    assert ctx.identify(DUMMY_HASH).name == "firebase_scrypt"
    with pytest.raises(CorruptHashError, match="LEGACY_FIREBASE_SIGNER_KEY"):  # a row equal to the dummy's text
        ctx.verify("user1password", DUMMY_HASH, salt=README_SALT)


@pytest.mark.parametrize("missing", sorted(PROJECT))
def test_a_missing_parameter_names_its_variable(missing: str) -> None:
    options = {k: v for k, v in PROJECT.items() if k != missing}
    with pytest.raises(ConfigurationError) as err:
        get_context("firebase", **options)
    assert err.value.setting == f"LEGACY_{missing.upper()}"


@pytest.mark.parametrize(("key", "value"), [("firebase_rounds", 9), ("firebase_rounds", 0),
                                            ("firebase_mem_cost", 15), ("firebase_mem_cost", "x")])
def test_out_of_range_costs_name_their_variable(key: str, value: object) -> None:
    with pytest.raises(ConfigurationError) as err:
        get_context("firebase", **{**PROJECT, key: value})
    assert err.value.setting == f"LEGACY_{key.upper()}"


@pytest.mark.parametrize("key", ["firebase_signer_key", "firebase_salt_separator"])
def test_a_secret_that_is_not_base64_is_refused_without_showing_it(key: str) -> None:
    with pytest.raises(ConfigurationError) as err:
        get_context("firebase", **{**PROJECT, key: "not base64 s3cr3t!"})
    assert err.value.setting == f"LEGACY_{key.upper()}"
    assert "s3cr3t" not in str(err.value)


def test_an_option_of_another_app_is_refused() -> None:
    with pytest.raises(ConfigurationError) as err:
        get_context("firebase", **PROJECT, pepper="x")
    assert err.value.setting == "LEGACY_PEPPER"
    with pytest.raises(ConfigurationError) as err:
        get_context("wordpress", firebase_rounds=8)
    assert err.value.setting == "LEGACY_FIREBASE_ROUNDS"


def test_a_value_that_is_not_base64_is_an_unknown_scheme() -> None:
    with pytest.raises(UnknownHashSchemeError):
        get_context("firebase", **PROJECT).identify("$2y$10$abcdefghijklmnopqrstuv")


# ---------------------------------------------------------------- the export loader

JSON_EXPORT = f"""{{"users": [
{{
  "localId": "uid1",
  "email": "ann@example.com",
  "emailVerified": true,
  "passwordHash": "{README_HASH}",
  "salt": "{README_SALT}",
  "displayName": "Ann, \\"the\\" admin",
  "lastSignedInAt": "1700000000000",
  "createdAt": "1600000000000",
  "disabled": false,
  "customAttributes": "{{\\"role\\":\\"admin\\"}}",
  "providerUserInfo": [{{"providerId": "google.com", "rawId": "123", "email": "ann@gmail.com"}}]
}},
{{
  "localId": "uid2",
  "email": "bob@example.com",
  "emailVerified": false,
  "createdAt": "1600000000001",
  "disabled": true,
  "providerUserInfo": [{{"providerId": "github.com", "rawId": "9"}}, {{"providerId": "oidc.custom", "rawId": "x"}}]
}},
{{
  "localId": "uid3",
  "phoneNumber": "+15555550100",
  "createdAt": "1600000000002"
}}]}}"""


def _csv_line(*cells: tuple[int, str]) -> str:
    fields = [""] * 52
    for index, value in cells:
        fields[index] = value
    return ",".join(fields) + ","


CSV_EXPORT = "\n".join([
    _csv_line((0, "uid1"), (1, "ann@example.com"), (2, "true"), (3, README_HASH), (4, README_SALT),
              (5, '"Ann, ""the"" admin"'), (7, "123"), (8, "ann@gmail.com"), (23, "1600000000000"),
              (24, "1700000000000"), (26, "false"), (27, '"{""role"":""admin""}"')),
    _csv_line((0, "uid2"), (1, "Bob@Example.com"), (2, "false"), (19, "9"), (23, "1600000000001"), (26, "true")),
    _csv_line((0, "uid3"), (2, "false"), (23, "1600000000002"), (25, "+15555550100")),
]) + "\n"


@pytest.mark.parametrize("text", [JSON_EXPORT, CSV_EXPORT], ids=["json", "csv"])
def test_both_export_formats_load_the_same_rows(text: str) -> None:
    rows = list(load(io.StringIO(text)))
    assert [r["local_id"] for r in rows] == ["uid1", "uid2", "uid3"]
    ann, bob, phone = rows
    assert ann == {"local_id": "uid1", "email": "ann@example.com", "email_verified": True,
                   "password_hash": README_HASH, "salt": README_SALT, "display_name": 'Ann, "the" admin',
                   "phone_number": None, "disabled": False, "providers": "google.com",
                   "created_at": 1600000000000, "last_signed_in_at": 1700000000000}
    assert (bob["disabled"], bob["password_hash"], bob["providers"]) == (True, None, "github.com")
    assert (phone["email"], phone["phone_number"], phone["password_hash"]) == (None, "+15555550100", None)


def test_loaded_rows_read_back_with_their_states() -> None:
    preset = get_preset("firebase")
    states = [preset.to_user(r).state for r in load(io.StringIO(JSON_EXPORT))]
    assert states == [AccountState.ACTIVE, AccountState.BLOCKED, AccountState.SSO_ONLY]


def test_emails_are_loaded_lower_cased_as_firebase_canonicalises_them() -> None:
    assert [r["email"] for r in load(io.StringIO(CSV_EXPORT))] == ["ann@example.com", "bob@example.com", None]


def test_an_empty_password_is_refused_before_any_check() -> None:
    assert get_context("firebase", pad_weak=False, **PROJECT).verify("", README_HASH, salt=README_SALT).ok is False


def test_an_empty_export_loads_nothing() -> None:
    assert list(load(io.StringIO('{"users": [\n]}'))) == []
    assert list(load(io.StringIO(""))) == []


def test_the_json_export_is_read_one_user_at_a_time() -> None:
    user = json.dumps({"localId": "u", "passwordHash": README_HASH, "salt": README_SALT})
    text = '{"users": [\n' + ",\n".join(user for _ in range(20_000)) + "]}"
    stream = io.StringIO(text)
    first = next(load(stream))
    assert first["local_id"] == "u"
    assert stream.tell() < len(text) // 10  # a few chunks read, not the whole file


@pytest.mark.parametrize(("text", "where"), [
    ('{"users": [\n{"localId": "a"},\n{"localId": ', "line 3"),
    ('{"users": [\n{"localId": "a"}\n{"localId": "b"}]}', "line 3"),
    ('{"users": [\n"a"]}', "line 2"),
    ('{"accounts": []}', "line 1"),
    ('{"users": [\n{"localId": "a", "passwordHash": "not base64!"}]}', "line 2"),
    ('{"users": [\n{"localId": "a", "disabled": "yes"}]}', "line 2"),
    ('{"users": [\n{"email": "a@b.c"}]}', "line 2"),
    ('{"users": [\n{"localId": "a", "createdAt": "yesterday"}]}', "line 2"),
    ('{"users": [\n{"localId": "a"}]} trailing', "line 2"),
])
def test_an_unreadable_json_user_names_its_line(text: str, where: str) -> None:
    with pytest.raises(ExportFileError) as err:
        list(load(io.StringIO(text)))
    assert err.value.where == where


def test_an_unreadable_csv_line_names_its_line_and_not_its_content() -> None:
    text = CSV_EXPORT + "uid4,secret-hash-text,false\n"
    with pytest.raises(ExportFileError) as err:
        list(load(io.StringIO(text)))
    assert err.value.where == "line 4"
    assert "secret-hash-text" not in str(err.value)


@pytest.mark.parametrize("columns", [27, 28])  # firebase-tools 2020-2022 and its 2022 TypeScript rewrite
def test_the_csv_layouts_of_older_firebase_tools_load(columns: int) -> None:
    fields = ["uid9", "c@example.com", "true", README_HASH, README_SALT] + [""] * (columns - 5)
    fields[26] = "true"
    [only] = load(io.StringIO(",".join(fields) + ",\n"))
    assert (only["local_id"], only["disabled"], only["email_verified"]) == ("uid9", True, True)


@pytest.mark.parametrize("columns", [26, 29, 53])
def test_a_csv_line_of_another_length_is_refused(columns: int) -> None:
    # 26: before 2020, no disabled column; 29 or 53: a display name's unescaped comma shifted the columns
    line = ",".join(["uid9", "c@example.com", "true", README_HASH, README_SALT] + [""] * (columns - 5)) + ","
    with pytest.raises(ExportFileError, match="fields: not a line"):
        list(load(io.StringIO(line + "\n")))

"""Keycloak: the two tables, the realm filter, the login rule, the first ``password`` credential, every state, the
options and the password check through ``get_context("keycloak")``."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from legacy_auth.apps import get_context, get_preset
from legacy_auth.apps.keycloak import KeycloakPreset, java_trim
from legacy_auth.errors import ConfigurationError, CorruptHashError, UnknownHashSchemeError
from legacy_auth.model import AccountState
from tests.support.legacy_db import create_schema, find_rows, insert_users, run_query

REALM = "acme-realm-id"
SALT = bytes(range(16))


def preset(**options: Any) -> KeycloakPreset:
    made = get_preset("keycloak", keycloak_realm_id=REALM, **options)
    assert isinstance(made, KeycloakPreset)
    return made


def credential(password: str, *, iterations: int = 1000, algorithm: str = "pbkdf2-sha256") -> tuple[str, str]:
    """(secret_data, credential_data) as Keycloak's ``Pbkdf2PasswordHashProvider`` writes them (hashlib here)."""
    prf = {"pbkdf2": "sha1", "pbkdf2-sha256": "sha256", "pbkdf2-sha512": "sha512"}[algorithm]
    key = hashlib.pbkdf2_hmac(prf, password.encode(), SALT, iterations, 64)
    secret = {"value": base64.b64encode(key).decode(), "salt": base64.b64encode(SALT).decode(),
              "additionalParameters": {}}
    data = {"hashIterations": iterations, "algorithm": algorithm, "additionalParameters": {}}
    return json.dumps(secret), json.dumps(data)


def row(**overrides: Any) -> dict[str, Any]:
    secret, data = credential("correct horse")
    return {"id": "u-1", "username": "alice", "email": "alice@example.org", "email_verified": True, "enabled": True,
            "first_name": "Alice", "last_name": "Liddell", "federation_link": None,
            "service_account_client_link": None, "secret_data": secret, "credential_data": data, **overrides}


# ---------------------------------------------------------------- tables (Keycloak's changelogs / JPA entities)


def test_ddl_creates_user_entity_and_credential_with_keycloaks_columns_and_keys() -> None:
    statements = preset().ddl(prefix="", dialect="postgresql")
    users = next(s for s in statements if s.startswith('CREATE TABLE "user_entity"'))
    creds = next(s for s in statements if s.startswith('CREATE TABLE "credential"'))
    for column in ("id", "email", "email_constraint", "email_verified", "enabled", "federation_link", "first_name",
                   "last_name", "realm_id", "username", "created_timestamp", "service_account_client_link",
                   "not_before"):
        assert f'"{column}"' in users
    for column in ("id", "salt", "type", "user_id", "created_date", "user_label", "secret_data", "credential_data",
                   "priority"):
        assert f'"{column}"' in creds
    joined = "\n".join(statements)
    assert '("realm_id", "username")' in joined
    assert '("realm_id", "email_constraint")' in joined
    assert '"credential_idx_user_credential" ON "credential" ("user_id")' in joined
    assert '"user_entity_idx_user_email" ON "user_entity" ("email")' in joined
    assert '("realm_id", "service_account_client_link")' in joined


def test_the_credential_table_takes_the_same_prefix() -> None:
    assert preset().credential_table("kc_") == "kc_credential"
    mysql = preset().ddl(prefix="kc_", dialect="mysql")
    assert any(s.startswith("CREATE TABLE `kc_credential`") for s in mysql)


# ---------------------------------------------------------------- options


def test_the_realm_is_required_and_named_in_the_error() -> None:
    with pytest.raises(ConfigurationError) as err:
        get_preset("keycloak")
    assert err.value.setting == "LEGACY_KEYCLOAK_REALM_ID"
    with pytest.raises(ConfigurationError) as err:
        get_preset("keycloak", keycloak_realm_id="a\x00b")
    assert err.value.setting == "LEGACY_KEYCLOAK_REALM_ID"


def test_an_option_of_another_app_is_refused() -> None:
    with pytest.raises(ConfigurationError) as err:
        get_preset("keycloak", keycloak_realm_id=REALM, multisite=True)
    assert err.value.setting == "LEGACY_MULTISITE"
    with pytest.raises(ConfigurationError) as err:
        get_context("keycloak", pepper="x")
    assert err.value.setting == "LEGACY_PEPPER"


def test_email_login_is_a_boolean_naming_its_variable() -> None:
    with pytest.raises(ConfigurationError) as err:
        preset(email_login="maybe")
    assert err.value.setting == "LEGACY_EMAIL_LOGIN"


# ---------------------------------------------------------------- login rule


def test_login_is_java_trimmed_lower_cased_email_first_then_username() -> None:
    lookups = preset().lookups("  Alice@Example.ORG\t")
    assert [(lk.column, lk.match, value) for lk, value in lookups] == [
        ("email", "exact", "alice@example.org"), ("username", "exact", "alice@example.org")]
    assert [(lk.column, v) for lk, v in preset().lookups("Bob")] == [("username", "bob")]


def test_without_login_with_email_only_the_username_is_looked_up() -> None:
    assert [lk.column for lk, _ in preset(email_login=False).lookups("a@b.org")] == ["username"]


def test_java_trim_strips_control_characters_but_not_unicode_spaces() -> None:
    assert java_trim("\x00\x1f alice \x7f") == "alice \x7f"
    assert java_trim("\u00a0alice\u2003") == "\u00a0alice\u2003"


@pytest.mark.parametrize("dialect", ["mysql", "postgresql", "sqlite"])
def test_every_query_is_limited_to_the_realm_and_binds_login_and_realm(dialect: Any) -> None:
    for query in preset().find_queries("o'b%_x@example.org", prefix="", dialect=dialect):
        assert query.params == ("o'b%_x@example.org", REALM)
        assert "o'b" not in query.sql
        assert "realm_id" in query.sql.split(" WHERE ")[-1]
    scan = preset().scan_query(prefix="", dialect=dialect)
    assert scan.params == (REALM,)


# ---------------------------------------------------------------- rows and states


def test_an_enabled_user_with_a_password_is_active_with_its_credential_data() -> None:
    user = preset().to_user(row())
    assert user.state is AccountState.ACTIVE
    assert (user.legacy_id, user.username, user.email, user.email_verified) == ("u-1", "alice", "alice@example.org",
                                                                               True)
    assert user.display_name == "Alice Liddell"
    assert user.password_hash == row()["secret_data"]
    assert user.hash_fields == {"credential_data": row()["credential_data"]}


@pytest.mark.parametrize(("overrides", "state"), [
    ({"enabled": False}, AccountState.INACTIVE),
    ({"service_account_client_link": "client-uuid"}, AccountState.SYSTEM),
    ({"federation_link": "ldap-provider-id"}, AccountState.SSO_ONLY),
    ({"secret_data": None, "credential_data": None}, AccountState.SSO_ONLY),
    ({"enabled": False, "service_account_client_link": "c"}, AccountState.SYSTEM),
])
def test_each_state_keycloak_refuses(overrides: dict[str, Any], state: AccountState) -> None:
    user = preset().to_user(row(**overrides))
    assert user.state is state
    if state is AccountState.SSO_ONLY:
        assert user.password_hash is None
        assert not user.has_password


def test_a_credential_without_credential_data_cannot_be_verified() -> None:
    user = preset().to_user(row(credential_data=None))
    assert user.hash_fields == {"credential_data": None}
    with pytest.raises(CorruptHashError):
        get_context("keycloak").verify("correct horse", user.password_hash, **user.hash_fields)


# ---------------------------------------------------------------- against a real (SQLite) database


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'kc.db'}"
    create_schema(url, "keycloak", "", keycloak_realm_id=REALM)
    users = [
        {"id": "u-1", "username": "alice", "email": "alice@example.org", "email_verified": True, "enabled": True,
         "realm_id": REALM, "email_constraint": "alice@example.org", "not_before": 0},
        {"id": "u-2", "username": "alice", "email": "alice@example.org", "email_verified": True, "enabled": True,
         "realm_id": "other-realm", "email_constraint": "alice@example.org", "not_before": 0},
        {"id": "u-3", "username": "sso", "email": None, "email_verified": False, "enabled": True, "realm_id": REALM,
         "email_constraint": "c-3", "not_before": 0},
    ]
    insert_users(url, "keycloak", users, "", keycloak_realm_id=REALM)
    old_secret, old_data = credential("old password")
    new_secret, new_data = credential("correct horse")
    otp = {"type": "otp", "secret_data": '{"value":"x"}', "credential_data": "{}"}
    for cid, user, priority, secret, data, kind in [
        ("c-1", "u-1", 20, old_secret, old_data, "password"),
        ("c-2", "u-1", 10, new_secret, new_data, "password"),
        ("c-3", "u-1", 0, otp["secret_data"], otp["credential_data"], "otp"),
        ("c-4", "u-2", 10, old_secret, old_data, "password"),
    ]:
        run_query(url, "INSERT INTO credential (id, type, user_id, priority, secret_data, credential_data) "
                       "VALUES (%s, %s, %s, %s, %s, %s)".replace("%s", "?"), (cid, kind, user, priority, secret, data))
    return url


def test_the_first_password_credential_by_priority_of_the_realms_user_is_read(db: str) -> None:
    rows = find_rows(db, "keycloak", "ALICE", "", keycloak_realm_id=REALM)
    assert len(rows) == 1
    user = preset().to_user(rows[0])
    assert user.legacy_id == "u-1"
    assert get_context("keycloak", pad_weak=False).verify("correct horse", user.password_hash,
                                                          **user.hash_fields).ok
    assert not get_context("keycloak", pad_weak=False).verify("old password", user.password_hash,
                                                              **user.hash_fields).ok


def test_email_login_and_users_without_credentials(db: str) -> None:
    assert [r["id"] for r in find_rows(db, "keycloak", " Alice@Example.org ", "", keycloak_realm_id=REALM)] == ["u-1"]
    sso = find_rows(db, "keycloak", "sso", "", keycloak_realm_id=REALM)
    assert preset().to_user(sso[0]).state is AccountState.SSO_ONLY
    assert find_rows(db, "keycloak", "nobody", "", keycloak_realm_id=REALM) == []


def test_the_scan_reads_the_realm_only(db: str) -> None:
    rows = run_query(db, preset().scan_query(prefix="", dialect="sqlite"))
    assert [r["id"] for r in rows] == ["u-1", "u-3"]


# ---------------------------------------------------------------- password check


def test_dispatch_takes_json_credentials_only() -> None:
    ctx = get_context("keycloak", pad_weak=False)
    secret, data = credential("pässwörd", algorithm="pbkdf2-sha512")
    assert ctx.verify("pässwörd", secret, credential_data=data).ok
    assert not ctx.verify("passwörd", secret, credential_data=data).ok
    for stored in ("$2y$10$" + "a" * 53, "pbkdf2_sha256$1$x$y", "plain"):
        with pytest.raises(UnknownHashSchemeError):
            ctx.verify("x", stored, credential_data=data)


def test_the_dummy_is_an_argon2id_credential_at_keycloaks_defaults() -> None:
    assessment = get_context("keycloak").dummy_assessment
    assert assessment is not None
    assert assessment.scheme == "keycloak_credential"
    assert "argon2id" in str(assessment.cost)


def exported(secret: str, data: str, kind: str = "password") -> str:
    return json.dumps({"id": "c-1", "type": kind, "createdDate": 1, "secretData": secret, "credentialData": data})


def test_a_credential_of_a_realm_export_carries_both_jsons() -> None:
    ctx = get_context("keycloak", pad_weak=False)
    secret, data = credential("exported ✓", algorithm="pbkdf2")
    assert ctx.verify("exported ✓", exported(secret, data)).ok
    assert not ctx.verify("exported ✗", exported(secret, data)).ok
    with pytest.raises(CorruptHashError):
        ctx.verify("exported ✓", exported(secret, data, kind="otp"))


def test_a_row_never_takes_the_export_form() -> None:
    secret, data = credential("exported ✓")
    for row_data in (data, None):
        with pytest.raises(CorruptHashError):
            get_context("keycloak").verify("exported ✓", exported(secret, data), credential_data=row_data)


def test_legacy_dummy_hash_takes_an_exported_credential_and_refuses_a_bare_secret_data() -> None:
    secret, data = credential("x", iterations=27500)
    assessment = get_context("keycloak", dummy_hash=exported(secret, data)).dummy_assessment
    assert assessment is not None
    assert "27500" in str(assessment.cost)
    with pytest.raises(ConfigurationError) as err:
        get_context("keycloak", dummy_hash=secret)
    assert err.value.setting == "dummy_hash"

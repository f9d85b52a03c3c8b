"""``ldap``: the loaded table, login by uid or mail, the lock marks, the tags and the LDIF loader."""

from __future__ import annotations

import base64
import hashlib
import io
from typing import Any

import pytest

from legacy_auth.apps import get_context, get_preset
from legacy_auth.apps.ldap import CLEARTEXT, LdapPreset, load
from legacy_auth.errors import ConfigurationError, CorruptRowError, HashError, UnknownHashSchemeError
from legacy_auth.model import AccountState
from legacy_auth.presets.loading import ExportFileError


def ssha(password: str, salt: bytes = b"saltsalt") -> str:
    digest = hashlib.sha1(password.encode() + salt).digest()  # noqa: S324 - the {SSHA} format under test
    return "{SSHA}" + base64.b64encode(digest + salt).decode()


def row(**over: Any) -> dict[str, Any]:
    base = {"dn": "uid=ann,ou=people,dc=example,dc=org", "uid": "ann", "mail": "ann@example.org",
            "display_name": "Ann Lee", "user_password": ssha("secret"), "pwd_account_locked_time": None,
            "disabled": False}
    return {**base, **over}


# ---------------------------------------------------------------- table and login rule


def test_ddl_keys_the_table_by_dn_and_indexes_both_logins() -> None:
    mysql = "\n".join(LdapPreset().ddl(prefix="", dialect="mysql"))
    assert "`dn` VARCHAR(512) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL" in mysql
    assert "KEY `uid` (`uid`)" in mysql
    assert "KEY `mail` (`mail`)" in mysql
    postgres = LdapPreset().ddl(prefix="", dialect="postgresql")
    assert any('lower("uid")' in s for s in postgres)
    assert any('lower("mail")' in s for s in postgres)


def test_login_by_uid_then_by_mail_for_email_shaped_input() -> None:
    preset = get_preset("ldap")
    assert [(lookup.column, value) for lookup, value in preset.lookups("ann")] == [("uid", "ann")]
    assert [(lookup.column, value) for lookup, value in preset.lookups("Ann@Example.org")] == \
        [("uid", "Ann@Example.org"), ("mail", "Ann@Example.org")]
    assert all(lookup.match == "ci" for lookup, _ in preset.lookups("a@b.c"))


def test_the_login_is_used_as_typed_and_sql_metacharacters_are_parameters() -> None:
    login = " x' OR '1'='1 "
    queries = get_preset("ldap").find_queries(login, prefix="", dialect="sqlite")
    assert len(queries) == 2  # uid: exact, then lower()
    for query in queries:
        assert login not in query.sql
        assert query.params == (login,)


# ---------------------------------------------------------------- rows and states


def test_an_active_entry() -> None:
    user = get_preset("ldap").to_user(row())
    assert (user.state, user.legacy_id, user.username, user.email) == \
        (AccountState.ACTIVE, "uid=ann,ou=people,dc=example,dc=org", "ann", "ann@example.org")
    assert user.email_verified is False
    assert user.display_name == "Ann Lee"


def test_a_ppolicy_lock_is_locked() -> None:
    assert get_preset("ldap").to_user(row(pwd_account_locked_time="20240501120000Z")).state is AccountState.LOCKED


def test_a_disabled_entry_is_blocked_before_a_lock() -> None:
    user = get_preset("ldap").to_user(row(disabled=True, pwd_account_locked_time="000001010000Z"))
    assert user.state is AccountState.BLOCKED


def test_an_entry_without_password_is_sso_only() -> None:
    assert get_preset("ldap").to_user(row(user_password=None)).state is AccountState.SSO_ONLY


def test_an_entry_without_dn_is_corrupt() -> None:
    with pytest.raises(CorruptRowError):
        get_preset("ldap").to_user(row(dn=""))


# ---------------------------------------------------------------- password check


@pytest.mark.parametrize("tag", ["{SSHA}", "{ssha}", "{SSha}"])
def test_tags_are_matched_case_insensitively(tag: str) -> None:
    stored = ssha("pässwörd").replace("{SSHA}", tag)
    assert get_context("ldap").verify("pässwörd", stored).ok is True
    assert get_context("ldap").verify("passwörd", stored).ok is False


def test_an_empty_password_is_refused_before_any_check() -> None:
    empty = ssha("")
    assert get_context("ldap", pad_weak=False).verify("", empty).ok is False


@pytest.mark.parametrize("stored", [CLEARTEXT, "secret", "{CLEARTEXT}secret", "{NOPE}abc", "{SASL}ann@REALM"])
def test_clear_text_and_unknown_tags_are_unknown_schemes(stored: str) -> None:
    with pytest.raises(UnknownHashSchemeError):
        get_context("ldap").identify(stored)


def test_389ds_reads_its_own_pbkdf2_values_and_openldap_refuses_them() -> None:
    salt = bytes(range(24))
    key = hashlib.pbkdf2_hmac("sha256", b"password", salt, 1000, 32)
    stored = f"{{PBKDF2-SHA256}}1000${base64.b64encode(salt).decode()}${base64.b64encode(key).decode()}"
    assert get_context("ldap", ldap_server="389ds").verify("password", stored).ok is True
    assert get_context("ldap", ldap_server="389ds").identify(stored).name == "ds389_pbkdf2_sha256"
    with pytest.raises(HashError):  # OpenLDAP: a 16-byte salt in adapted base64 only
        get_context("ldap").verify("password", stored)


def test_the_server_option_is_validated_and_other_apps_options_refused() -> None:
    with pytest.raises(ConfigurationError) as err:
        get_context("ldap", ldap_server="ad")
    assert err.value.setting == "LEGACY_LDAP_SERVER"
    with pytest.raises(ConfigurationError) as err:
        get_context("ldap", firebase_rounds=8)
    assert err.value.setting == "LEGACY_FIREBASE_ROUNDS"
    with pytest.raises(ConfigurationError) as err:
        get_context("wordpress", ldap_server="389ds")
    assert err.value.setting == "LEGACY_LDAP_SERVER"


def test_the_dummy_is_the_argon2_module_default() -> None:
    ctx = get_context("ldap")
    assert ctx.dummy_assessment is not None
    assert ctx.dummy_assessment.scheme == "ldap_argon2"


# ---------------------------------------------------------------- the LDIF loader

PASSWORD_B64 = base64.b64encode(ssha("secret").encode()).decode()
LDIF = f"""version: 1

# the tree
dn: dc=example,dc=org
objectClass: domain
dc: example

dn: ou=people,dc=example,dc=org
objectClass: organizationalUnit
ou: people

dn: uid=ann,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: ann
uid: ann.lee
cn: Ann Lee
sn: Lee
mail: ann@example.org
userPassword:: {PASSWORD_B64[:20]}
 {PASSWORD_B64[20:]}
jpegPhoto:: /9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////
 ////////////////////////////////////////////////////
# a comment in the middle
 that is folded
displayName: Ann

dn:: {base64.b64encode("uid=zoë,ou=people,dc=example,dc=org".encode()).decode()}
uid: zoë
userPassword: {{CRYPT}}$6$rounds=5000$salt$abc
pwdAccountLockedTime: 000001010000Z

dn: uid=bob,ou=people,dc=example,dc=org
uid: bob
nsAccountLock: TRUE
userPassword: secret-in-clear

dn: cn=admins,ou=groups,dc=example,dc=org
objectClass: groupOfNames
member: uid=ann,ou=people,dc=example,dc=org

dn: uid=sso,ou=people,dc=example,dc=org
mail: sso@example.org
userAccountControl: 514
"""


def test_person_entries_are_loaded_with_their_marks() -> None:
    rows = list(load(io.StringIO(LDIF)))
    assert [r["dn"] for r in rows] == ["uid=ann,ou=people,dc=example,dc=org", "uid=zoë,ou=people,dc=example,dc=org",
                                       "uid=bob,ou=people,dc=example,dc=org", "uid=sso,ou=people,dc=example,dc=org"]
    ann, zoe, bob, sso = rows
    assert ann == {"dn": "uid=ann,ou=people,dc=example,dc=org", "uid": "ann", "mail": "ann@example.org",
                   "display_name": "Ann", "user_password": ssha("secret"), "pwd_account_locked_time": None,
                   "disabled": False}
    assert (zoe["uid"], zoe["user_password"], zoe["pwd_account_locked_time"]) == \
        ("zoë", "{CRYPT}$6$rounds=5000$salt$abc", "000001010000Z")
    assert (bob["disabled"], bob["user_password"]) == (True, CLEARTEXT)
    assert (sso["uid"], sso["mail"], sso["disabled"], sso["user_password"]) == (None, "sso@example.org", True, None)


def test_loaded_entries_read_back_with_their_states() -> None:
    preset = get_preset("ldap")
    assert [preset.to_user(r).state for r in load(io.StringIO(LDIF))] == \
        [AccountState.ACTIVE, AccountState.LOCKED, AccountState.BLOCKED, AccountState.BLOCKED]


def test_crlf_line_endings_and_a_missing_final_blank_line_are_read() -> None:
    text = "dn: uid=a,dc=x\r\nuid: a\r\nuserPassword: {SSHA}abc"
    assert [r["uid"] for r in load(io.StringIO(text))] == ["a"]


@pytest.mark.parametrize(("text", "where"), [
    ("dn: uid=a,dc=x\nuid: a\njpegPhoto:< file:///etc/passwd\n", None),
    ("dn: uid=a,dc=x\nuid:< file:///etc/passwd\n", "line 2"),
    ("dn: uid=a,dc=x\nchangetype: modify\nreplace: uid\nuid: b\n", "line 2"),
    ("uid: a\n", "line 1"),
    ("dn: uid=a,dc=x\nuid:: ***\n", "line 2"),
    ("dn: uid=a,dc=x\nthis is not ldif\n", "line 2"),
    (" folded first\n", "line 1"),
    ("dn: uid=a,dc=x\nuserAccountControl: lots\nuid: a\n", "line 1"),
])
def test_unreadable_ldif_names_its_line(text: str, where: str | None) -> None:
    if where is None:  # a URL value of an attribute we do not read is skipped, never opened
        assert [r["uid"] for r in load(io.StringIO(text))] == ["a"]
        return
    with pytest.raises(ExportFileError) as err:
        list(load(io.StringIO(text)))
    assert err.value.where == where


def test_the_ldif_is_read_one_entry_at_a_time() -> None:
    entry = "dn: uid=u{n},dc=x\nuid: u{n}\nuserPassword: {{SSHA}}abc\n\n"
    text = "".join(entry.format(n=n) for n in range(20_000))
    stream = io.StringIO(text)
    lines = iter(stream)
    first = next(load(lines))  # type: ignore[arg-type]
    assert first["uid"] == "u0"
    assert stream.tell() < len(text) // 10

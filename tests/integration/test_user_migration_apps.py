"""The migrate-user handler's full scenario suite for every ``LEGACY_APP`` preset (plus the Symfony FOSUserBundle
and ASP.NET Identity 2 variants) on MariaDB, PostgreSQL and SQLite.

Each (database, app) pair gets its real users table (the preset's DDL, under a per-app table prefix in one
database per dialect), users carrying the shared real-software hash vectors, and the real handler invoked with
real-shaped Cognito events for both trigger sources: success, wrong password, unknown user, every account state
the app can refuse, duplicate email, SSO-only row, corrupt hash, 72+ byte and Unicode passwords, SQL
metacharacters in the login, case rules, pool types, roles, ForgotPassword and tracking.

Speed: the vectors are the cheap-cost ones (bcrypt below cost 10, no memory-hard argon2/scrypt/Magento
argon2, Django PBKDF2 below 100 000 and ASP.NET below 50 000 iterations); vectors that need a deployment setting
(Devise pepper, generic digest scheme, Symfony iteration count) run with that setting (``LEGACY_PEPPER``,
``LEGACY_GENERIC_SCHEME``, ``LEGACY_SYMFONY_ITERATIONS``), separate salts come from the app's salt column. The
unknown-user dummy verification uses a cheap hash of the app's own schemes (``LEGACY_DUMMY_HASH``, the documented
way to match a deployment's real cost). Where no cheap real vector of an app has a 72+ byte or a non-ASCII
password, a real PHP ``password_hash`` vector of another app with the same scheme is borrowed, or (Magento 2,
ASP.NET Identity: no bcrypt; LDAP: no long ``{SSHA}``) one is made with ``hashlib`` from the documented format.
Firebase runs with its project's parameters as settings (``LEGACY_FIREBASE_*``: the cheap rounds-4 project of its
vectors); the good, long and non-ASCII passwords come from vectors needing no other setting.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import struct
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import bcrypt
import pytest

from legacy_auth.apps import get_context
from legacy_auth.apps.aspnet_identity import upper_invariant
from legacy_auth.apps.mediawiki import canonical_username
from legacy_auth.apps.phpbb3 import clean_username, stored_username
from legacy_auth.apps.vbulletin import login_username as vb_username
from legacy_auth.hashing.forum_schemes import smf_input
from legacy_auth.hashing.shop_schemes import opencart3_input
from tests.support.legacy_db import create_schema, dialect_of, insert_rows, insert_users, run_query, try_insert_users
from tests.support.trigger_calls import env_setter, forgot, sign_in
from tests.unit.hashing.vectors import Vector
from tests.unit.hashing.vectors import load_vectors as hash_vectors
from triggers import user_migration as um

pytestmark = pytest.mark.integration

GENERIC = "Incorrect username or password."
META = "o'b\"r;--%_\\x"  # quote, double quote, comment, LIKE wildcards, backslash
INJECTION = "' OR '1'='1"
NOW = datetime(2024, 5, 1, 12, 0, 0)
FUTURE = datetime.now(UTC).replace(microsecond=0, tzinfo=None) + timedelta(days=10)
Row = dict[str, Any]
#: vector options (``tests/unit/hashing/vectors.py``) -> the deployment setting that provides them
OPTION_ENV = {"pepper": "LEGACY_PEPPER", "generic_scheme": "LEGACY_GENERIC_SCHEME",
              "symfony_iterations": "LEGACY_SYMFONY_ITERATIONS",
              "werkzeug_legacy_digests": "LEGACY_WERKZEUG_LEGACY_DIGESTS",
              "moodle_site_salt": "LEGACY_MOODLE_SITE_SALT", "moodle_alt_salts": "LEGACY_MOODLE_ALT_SALTS",
              "opencart_version": "LEGACY_OPENCART_VERSION",
              "cookie_key": "LEGACY_PRESTASHOP_COOKIE_KEY"}
OPTION_ENV |= {"ldap_server": "LEGACY_LDAP_SERVER"}
OPTION_ENV |= {f"firebase_{key}": f"LEGACY_FIREBASE_{key.upper()}"
               for key in ("signer_key", "salt_separator", "rounds", "mem_cost")}
_BCRYPT_COST = re.compile(r"\$2[aby]?\$(\d\d)[$\\]|\$(\d\d)\\")


# ---------------------------------------------------------------- vectors


def _aspnet_iterations(stored: str) -> int:
    try:
        raw = base64.b64decode(stored)
    except ValueError:
        return 0
    return 1000 if raw[:1] == b"\x00" else (struct.unpack(">I", raw[5:9])[0] if len(raw) >= 13 else 0)


def cheap(v: Vector) -> bool:
    """Verification in a few ms on this machine (the suite runs every vector on three databases)."""
    text = v.stored or ""
    cost = _BCRYPT_COST.search(text)
    if v.slow or (cost and int(cost.group(1) or cost.group(2)) >= 10):
        return False
    return not (v.app == "aspnet_identity" and _aspnet_iterations(text) >= 50_000)


def settings_for(v: Vector) -> dict[str, str] | None:
    """The settings a vector needs (``None``: an option no setting provides)."""
    if any(k not in OPTION_ENV for k in v.options):
        return None
    return {OPTION_ENV[k]: str(value) for k, value in sorted(v.options.items())}


def vectors_for(app: str) -> list[Vector]:
    # Cognito never sends an empty password (InitiateAuth requires one): those vectors are hash-level only.
    return [v for v in hash_vectors() if v.app == app and v.password and cheap(v) and settings_for(v) is not None]


def _long(v: Vector) -> bool:
    return len(v.password.encode("utf-8")) > 72


def _borrowed_bcrypt(kind: str) -> Vector | None:
    """A real PHP ``password_hash`` vector of another app (bcrypt; a password no input transform changes)."""
    for v in hash_vectors():
        if v.expect and v.app in ("q2a", "laravel", "joomla") and (v.stored or "").startswith("$2y$") \
                and (_long(v) if kind == "long" else not v.password.isascii()) and v.password.strip() == v.password \
                and not any(c in v.password for c in "&\"<>\r"):
            return replace(v, fields={}, options={}, source="borrowed:" + v.source)
    return None


def _borrowed_cheap_bcrypt() -> Vector:
    """A real PHP ``password_hash`` cost-4 vector (php-generated ``generic``: plain ``password_verify``)."""
    return next(replace(v, app="borrowed", fields={}, options={}) for v in hash_vectors()
                if v.app == "generic" and v.expect and (v.stored or "").startswith("$2y$04$") and v.password.isascii()
                and v.password and not _long(v))


def _made_magento(password: str) -> Vector:
    salt = "QwErTyUiOpAsDfGhJkLzXcVbNm123456"  # Magento 2 version 1: sha256(salt . password) hex
    digest = hashlib.sha256((salt + password).encode()).hexdigest()
    return Vector("made:hashlib", 0, "magento2", "magento2_sha256", password, f"{digest}:{salt}:1", {}, {}, True)


def _made_aspnet(password: str) -> Vector:
    salt = bytes(range(16))  # ASP.NET Core v3: 0x01, prf 1 (HMACSHA256), iterations, salt length, salt, subkey
    sub = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 1000, 32)
    raw = b"\x01" + struct.pack(">III", 1, 1000, len(salt)) + salt + sub
    return Vector("made:hashlib", 0, "aspnet_identity", "aspnet_identity_v3", password,
                  base64.b64encode(raw).decode(), {}, {}, True)


def _made_ldap(password: str) -> Vector:
    salt = b"\x00\x01salt\xfe"  # {SSHA}: base64(sha1(password + salt) + salt), as slappasswd writes it
    digest = hashlib.sha1(password.encode() + salt).digest()  # noqa: S324 - the format under test
    return Vector("made:hashlib", 0, "ldap", "ldap_salted_sha1", password,
                  "{SSHA}" + base64.b64encode(digest + salt).decode(), {}, {}, True)
def _made_keycloak(password: str) -> Vector:
    salt = bytes(range(16))  # Keycloak pbkdf2-sha256: secret_data {value, salt} (base64), credential_data {algorithm}
    value = base64.b64encode(hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 1000, 64)).decode()
    secret = json.dumps({"value": value, "salt": base64.b64encode(salt).decode(), "additionalParameters": {}})
    data = json.dumps({"hashIterations": 1000, "algorithm": "pbkdf2-sha256", "additionalParameters": {}})
    return Vector("made:hashlib", 0, "keycloak", "keycloak_credential", password, secret, {"credential_data": data},
                  {}, True)


def _exported(v: Vector) -> str:
    """A Keycloak credential vector as one exported credential (``secretData`` + ``credentialData``)."""
    return json.dumps({"type": "password", "secretData": v.stored, "credentialData": v.fields["credential_data"]})


LONG_PW = "ö-" + "long passphrase with more than seventy-two bytes " * 2
UNICODE_PW = "pässwörd-日本語-🔐"


def edge_vectors(app: str, vectors: list[Vector], made: Callable[[str], Vector] | None = None) -> list[Vector]:
    """One 72+ byte and one non-ASCII password that verify, from the app's cheap vectors or else (see module)."""
    good = [v for v in vectors if v.expect]
    out = []
    for kind, pick in (("long", _long), ("unicode", lambda v: not v.password.isascii())):
        found = next((v for v in good if pick(v)), None)  # vectors needing no setting beyond the case's
        if found is None and app == "magento2":
            found = _made_magento(LONG_PW if kind == "long" else UNICODE_PW)
        elif found is None and app == "aspnet_identity":
            found = _made_aspnet(LONG_PW if kind == "long" else UNICODE_PW)
        elif found is None and app == "ldap":
            found = _made_ldap(LONG_PW if kind == "long" else UNICODE_PW)
        elif found is None and app == "keycloak":
            found = _made_keycloak(LONG_PW if kind == "long" else UNICODE_PW)
        elif found is None and made is not None:  # the case's own construction (a table bcrypt cannot be in)
            found = made(LONG_PW if kind == "long" else UNICODE_PW)
        elif found is None:
            found = _borrowed_bcrypt(kind)
        assert found is not None, f"no {kind} password vector for {app}"
        out.append(found)
    return out


def cheap_dummy(app: str, vectors: list[Vector], options: dict[str, Any] | None = None) -> str:
    """A cheap hash of the app's own schemes for ``LEGACY_DUMMY_HASH`` (a sample row's hash, as documented), under
    the case's hash options (OpenCart 3's rules take no bcrypt)."""
    import bcrypt
    from passlib.hash import phpass

    from legacy_auth.apps import get_app

    hash_options = {k: v for k, v in (options or {}).items() if get_app(app).option(k) is not None}

    made = bcrypt.hashpw(b"legacy-auth dummy", bcrypt.gensalt(4)).decode()
    candidates = [made.replace("$2b$", "$2y$", 1), made.replace("$2b$", "$2a$", 1), "bcrypt$" + made,
                  phpass.using(rounds=7).hash("legacy-auth dummy"), *[v.stored for v in vectors if v.stored],
                  *[_exported(v) for v in vectors if v.fields.get("credential_data")]]
    for candidate in candidates:
        try:
            context = get_context(app, dummy_hash=candidate, pad_weak=False, **hash_options)
        except Exception:  # noqa: S112 - not a hash of this app: try the next one
            continue
        started = time.process_time()  # CPU time: a busy machine must not make every candidate look dear
        context.dummy_verify()
        if time.process_time() - started < 0.02:
            return candidate
    raise AssertionError(f"no cheap dummy hash for {app}")


# ---------------------------------------------------------------- the apps


@dataclass(frozen=True)
class State:
    label: str
    mutate: Callable[[Row], Row]
    reason: str
    env: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    """How one app's users are written, signed in and refused."""

    id: str
    app: str
    row: Callable[[int, str, str, Vector], Row]  # (id, username, email, vector) -> row
    login: Literal["username", "email"]
    states: tuple[State, ...]
    sso: Callable[[Row], Row]
    corrupt: str
    dup: Literal["same", "case", "unique"]  # two rows sharing an email: allowed / only case variants / refused
    verified: bool  # the default row's email counts as verified (with `env`)
    unverified: Callable[[Row], Row] | None = None  # an active row whose email is not verified
    options: dict[str, Any] = field(default_factory=dict)  # preset options (DDL and LEGACY_<OPTION>)
    env: dict[str, str] = field(default_factory=dict)
    email_login: bool = True  # can also sign in by email
    roles: str | None = None  # custom:legacy_roles of the default row
    name: str | None = None  # `name` of the default row
    ci_username: str | None = None  # the username column compared case-insensitively (Bob/bob test)
    lower_email: bool = False  # the app stores emails lower-cased (Devise)
    lower_username: bool = False  # the app stores usernames lower-cased (Keycloak)
    insert: Callable[[str, Case, list[Row]], None] | None = None  # rows that span tables (Keycloak's credential)
    dup_row: Callable[[Row], Row] = lambda r: r  # how the second row with the same email is made valid
    id_of: Callable[[int], str] = str
    keep: Callable[[Vector], bool] = lambda v: True  # the app's vectors this layout can store (vBulletin 4 vs 5)
    vector_login: Literal["username", "email"] | None = None  # vector rows sign in by this (default: `login`)
    meta_login: bool = True  # the app looks up a login holding SQL metacharacters (SMF refuses ' " = \ first)
    variants: tuple[str, str] = ("caseuser", "caseUSER")  # other spellings of the username CaseUser it finds
    meta_by_email: bool = False  # the app stores META's "_" as a space: no Cognito username spells it
    stored_name: Callable[[str], str] = lambda name: name  # the username as the app stores it (Moodle: lower-case)
    pick: Callable[[list[Vector]], list[Vector]] = lambda vectors: vectors  # the vectors this table's version answers
    made: Callable[[str], Vector] | None = None  # a verifying vector for a password its own vectors lack
    split: Callable[[Row], tuple[Row, list[tuple[str, Row]]]] | None = None  # app rows over several tables

    @property
    def prefix(self) -> str:
        return self.id.replace("-", "_") + "_"


def _q2a(i: int, h: str, e: str, v: Vector) -> Row:
    return {"userid": i, "handle": h, "email": e, "flags": 1, "level": 0, "passhash": v.stored,
            "passsalt": v.fields.get("passsalt"), "passcheck": v.fields.get("passcheck")}


def _wp(i: int, h: str, e: str, v: Vector) -> Row:
    return {"ID": i, "user_login": h, "user_email": e, "user_pass": v.stored or "", "user_nicename": h.lower()[:50],
            "display_name": f"User {i}", "spam": 0, "deleted": 0}


def _d7(i: int, h: str, e: str, v: Vector) -> Row:
    return {"uid": i, "name": h, "pass": v.stored or "", "mail": e, "status": 1}


def _d8(i: int, h: str, e: str, v: Vector) -> Row:
    return {**_d7(i, h, e, v), "langcode": "en", "default_langcode": 1}


def _phpbb(i: int, h: str, e: str, v: Vector) -> Row:
    return {"user_id": i, "user_type": 0, "group_id": 3, "username": stored_username(h),
            "username_clean": clean_username(h), "user_password": v.stored or "", "user_email": e}


def _joomla(i: int, h: str, e: str, v: Vector) -> Row:
    return {"id": i, "name": f"User {i}", "username": h, "email": e, "password": v.stored or "", "block": 0,
            "activation": "", "params": "{}", "registerDate": NOW}


def _magento(i: int, h: str, e: str, v: Vector) -> Row:
    return {"entity_id": i, "website_id": 1, "email": e, "group_id": 1, "firstname": "Ann", "lastname": "Lee",
            "password_hash": v.stored, "is_active": 1}


def _laravel(i: int, h: str, e: str, v: Vector) -> Row:
    return {"id": i, "name": f"User {i}", "email": e, "password": v.stored or "", "email_verified_at": NOW}


def _maker(i: int, h: str, e: str, v: Vector) -> Row:
    return {"id": i, "email": e, "roles": '["ROLE_USER"]', "password": v.stored or "", "salt": v.fields.get("salt"),
            "is_verified": True}


def _fos(i: int, h: str, e: str, v: Vector) -> Row:
    return {"id": i, "username": h, "username_canonical": h.lower(), "email": e, "email_canonical": e.lower(),
            "enabled": True, "salt": v.fields.get("salt"), "password": v.stored or "",
            "roles": 'a:1:{i:0;s:9:"ROLE_USER";}'}


def _django(i: int, h: str, e: str, v: Vector) -> Row:
    return {"id": i, "username": h, "password": v.stored or "", "email": e, "is_active": True, "is_staff": True,
            "is_superuser": False, "first_name": "Ann", "last_name": "Lee", "date_joined": NOW}


def _devise(i: int, h: str, e: str, v: Vector) -> Row:
    return {"id": i, "email": e.lower(), "encrypted_password": v.stored or "", "confirmed_at": NOW,
            "created_at": NOW, "updated_at": NOW}


ASPNET_FLAGS = {"EmailConfirmed": True, "PhoneNumberConfirmed": False, "TwoFactorEnabled": False,
                "LockoutEnabled": True, "AccessFailedCount": 0}


def _aspnet(i: int, h: str, e: str, v: Vector) -> Row:
    return {**ASPNET_FLAGS, "Id": f"id-{i}", "UserName": h, "NormalizedUserName": upper_invariant(h), "Email": e,
            "NormalizedEmail": upper_invariant(e), "PasswordHash": v.stored}


def _aspnet2(i: int, h: str, e: str, v: Vector) -> Row:
    return {**ASPNET_FLAGS, "Id": f"id-{i}", "UserName": h, "Email": e, "PasswordHash": v.stored}


def _generic(i: int, h: str, e: str, v: Vector) -> Row:
    return {"member_id": i, "login": h, "mail": e, "pw": v.stored, "salt": v.fields.get("salt"), "verified": True,
            "enabled": True}


def _firebase(i: int, h: str, e: str, v: Vector) -> Row:
    return {"local_id": str(i), "email": e.lower(), "email_verified": True, "password_hash": v.stored,
            "salt": v.fields.get("salt"), "display_name": None, "phone_number": None, "disabled": False,
            "providers": None, "created_at": 1_600_000_000_000, "last_signed_in_at": None}


def _ldap(i: int, h: str, e: str, v: Vector) -> Row:
    return {"dn": f"cn={i},dc=example,dc=org", "uid": h, "mail": e, "display_name": None, "user_password": v.stored,
            "pwd_account_locked_time": None, "disabled": False}


#: the project of the cheap Firebase vectors (rounds 4, mem_cost 10; the README's published example signer key)
FIREBASE_PROJECT = {
    "LEGACY_FIREBASE_SIGNER_KEY":
        "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==",
    "LEGACY_FIREBASE_SALT_SEPARATOR": "Bw==", "LEGACY_FIREBASE_ROUNDS": "4", "LEGACY_FIREBASE_MEM_COST": "10",
}
KC_REALM = "7c1e0e4a-realm"


def _keycloak(i: int, h: str, e: str, v: Vector) -> Row:
    return {"id": f"kc-{i}", "username": h.lower(), "email": e.lower(), "email_constraint": e.lower(),
            "email_verified": True, "enabled": True, "realm_id": KC_REALM, "first_name": "Ann", "last_name": "Lee",
            "secret_data": v.stored, "credential_data": v.fields.get("credential_data")}


def _insert_keycloak(url: str, case: Case, rows: list[Row]) -> None:
    """``user_entity`` rows, then each one's ``password`` credential (none for an SSO-only user)."""
    from legacy_auth.apps.keycloak import KeycloakPreset

    keys = ("secret_data", "credential_data")
    insert_users(url, case.app, [{k: v for k, v in r.items() if k not in keys} for r in rows], case.prefix,
                 **case.options)
    preset = KeycloakPreset(**case.options)
    table = preset.credential_table(case.prefix)
    for r in rows:
        if r.get("secret_data") is not None:
            run_query(url, f"INSERT INTO {table} (id, type, user_id, priority, secret_data, credential_data) "
                           "VALUES (%s, 'password', %s, 10, %s, %s)",
                      (f"cred-{r['id']}", r["id"], r["secret_data"], r["credential_data"]))
def _vb5(i: int, h: str, e: str, v: Vector) -> Row:
    if "salt" in v.fields:  # a vB 3/4 hash as vB 5 carries it over: scheme "legacy", token "<hash> <salt>"
        token, scheme = f"{v.stored} {v.fields['salt']}", "legacy"
    else:
        token, scheme = v.stored or "", v.fields.get("scheme", "blowfish:10")
    return {"userid": i, "usergroupid": 2, "membergroupids": "", "username": vb_username(h), "email": e,
            "token": token, "scheme": scheme}


def _vb4(i: int, h: str, e: str, v: Vector) -> Row:
    return {"userid": i, "usergroupid": 2, "membergroupids": "", "username": vb_username(h), "email": e,
            "password": v.stored or "", "salt": v.fields.get("salt", "")}


def _mybb(i: int, h: str, e: str, v: Vector) -> Row:
    return {"uid": i, "username": h, "email": e, "password": v.stored or "", "salt": v.fields.get("salt", ""),
            "usergroup": 2, "additionalgroups": ""}


def _smf(i: int, h: str, e: str, v: Vector) -> Row:
    """A vector row keeps the member name its hash was made with (it signs in by email, Case.vector_login);
    every other row gets its own name and, for a password that verifies, a hash made for that name by SMF's
    documented constructions (bcrypt cost 4 / sha1 over the lower-cased name and the entity-decoded password)."""
    name, stored = v.fields.get("username"), v.stored or ""
    if not (h == f"v{i}" and name):
        name = h
        if v.expect:
            typed = smf_input(v.password)[0].encode()
            stored = (bcrypt.hashpw(name.lower().encode() + typed, bcrypt.gensalt(4)).decode()
                      if v.scheme == "smf_bcrypt" else hashlib.sha1(  # noqa: S324 - SMF 2.0's format
                          name.encode().translate(ASCII_LOWER) + typed).hexdigest())
    return {"id_member": i, "member_name": name, "real_name": f"User {i}", "email_address": e, "passwd": stored,
            "is_activated": 1, "id_group": 0, "additional_groups": ""}


ASCII_LOWER = bytes.maketrans(bytes(range(65, 91)), bytes(range(97, 123)))


def _xf(i: int, h: str, e: str, v: Vector) -> Row:
    return {"user_id": i, "username": h, "email": e, "user_group_id": 2, "secondary_group_ids": b"",
            "user_state": "valid", "is_banned": 0, "scheme_class": v.fields.get("scheme_class", "XF:Core12"),
            "data": (v.stored or "").encode()}


VB_STATES = (State("banned", lambda r: {**r, "usergroupid": 8}, "account_blocked"),
             State("unconfirmed", lambda r: {**r, "usergroupid": 3}, "account_unconfirmed"),
             State("moderated", lambda r: {**r, "usergroupid": 4}, "account_unapproved"))
def _invision(i: int, h: str, e: str, v: Vector) -> Row:
    return {"member_id": i, "name": h, "member_group_id": 3, "email": e, "temp_ban": 0, "members_bitoptions": 0,
            "members_pass_hash": v.stored, "members_pass_salt": v.fields.get("salt")}


def _mediawiki(i: int, h: str, e: str, v: Vector) -> Row:
    return {"user_id": i, "user_name": canonical_username(h), "user_real_name": f"User {i}",
            "user_password": v.stored or "", "user_newpassword": "", "user_email": e, "user_touched": "20240501120000",
            "user_email_authenticated": "20240501120000", "user_is_temp": False}


def _moodle(i: int, h: str, e: str, v: Vector) -> Row:
    return {"id": i, "auth": "email", "confirmed": 1, "deleted": 0, "suspended": 0, "mnethostid": 1,
            "username": h.lower(), "password": v.stored or "", "firstname": "Ann", "lastname": "Lee", "email": e}


HTML_COMPAT = str.maketrans({"&": "&amp;", '"': "&quot;", "<": "&lt;", ">": "&gt;"})  # as OpenCart stores input


def _opencart(i: int, h: str, e: str, v: Vector) -> Row:
    return {"customer_id": i, "customer_group_id": 1, "language_id": 1, "firstname": "Ann", "lastname": "Lee",
            "email": e.translate(HTML_COMPAT), "telephone": "", "password": v.stored or "", "custom_field": "",
            "ip": "", "status": 1, "safe": 0, "token": "", "code": "", "date_added": NOW}


def _opencart3(i: int, h: str, e: str, v: Vector) -> Row:
    return {**_opencart(i, h, e, v), "fax": "", "salt": v.fields.get("salt") or "", "address_id": 0}


def _made_opencart3(password: str) -> Vector:
    salt = "Jckxur1mZ"  # OpenCart 3: sha1(salt . sha1(salt . sha1(htmlspecialchars(password)))) hex
    sha1 = lambda text: hashlib.sha1(text.encode()).hexdigest()  # noqa: E731, S324 - the format under test
    escaped = opencart3_input(password)[0]
    return Vector("made:hashlib", 0, "opencart", "opencart_sha1", password, sha1(salt + sha1(salt + sha1(escaped))),
                  {"salt": salt}, {}, True)


def _opencart_version(version: int) -> Callable[[list[Vector]], list[Vector]]:
    """The vectors answered by that OpenCart version, the version setting (the case's own) taken off; a 4.0 table
    has no ``salt`` column (4.0.2.3's upgrade drops it), so salted rows are 3.0 rows only."""
    return lambda vectors: [replace(v, options={}) for v in vectors
                            if v.options.get("opencart_version", 4) == version
                            and (version == 3 or not v.fields.get("salt"))]
def _prestashop(i: int, h: str, e: str, v: Vector) -> Row:
    return {"id_customer": i, "id_gender": 1, "id_default_group": 3, "firstname": "Ann", "lastname": "Lee",
            "email": e, "passwd": v.stored or "", "active": 1, "date_add": NOW, "date_upd": NOW}


def _ghost(i: int, h: str, e: str, v: Vector) -> Row:
    return {"id": str(i), "name": "Ann Lee", "slug": f"ann-{i}", "email": e, "password": v.stored or "",
            "status": "active", "created_at": NOW}


def _atlassian(i: int, h: str, e: str, v: Vector) -> Row:
    return {"id": i, "directory_id": 1, "user_name": h, "lower_user_name": h.lower(), "active": 1,
            "created_date": NOW, "updated_date": NOW, "display_name": "Ann Lee", "lower_display_name": "ann lee",
            "email_address": e, "lower_email_address": e.lower(), "credential": v.stored or "",
            "deleted_externally": 0}


GENERIC_OPTIONS = {"generic_table": "members", "generic_id_column": "member_id", "generic_username_column": "login",
                   "generic_email_column": "mail", "generic_hash_column": "pw", "generic_salt_column": "salt",
                   "generic_email_verified_column": "verified", "generic_active_column": "enabled"}
_DISCOURSE_SIDE = {"email", "password_hash", "password_salt", "password_algorithm", "password_expired_at"}


def _discourse(i: int, h: str, e: str, v: Vector) -> Row:
    return {"id": i, "username": h, "username_lower": h.lower(), "name": "Ann Lee", "active": True,
            "approved": True, "admin": False, "moderator": False, "staged": False, "trust_level": 1,
            "created_at": NOW, "updated_at": NOW, "email": e.lower(), "password_hash": v.stored,
            "password_salt": v.fields.get("salt"),
            "password_algorithm": v.fields.get("algorithm") or "$pbkdf2-sha256$i=64000,l=32$"}


def _discourse_split(row: Row) -> tuple[Row, list[tuple[str, Row]]]:
    """users / user_emails / user_passwords (no password row for an SSO-only user)."""
    main = {k: v for k, v in row.items() if k not in _DISCOURSE_SIDE}
    stamps = {"created_at": row["created_at"], "updated_at": row["updated_at"]}
    side = [("user_emails", {"id": row["id"], "user_id": row["id"], "email": row["email"], "primary": True,
                             **stamps})]
    if row.get("password_hash") is not None:
        side.append(("user_passwords", {"id": row["id"], "user_id": row["id"], "password_hash": row["password_hash"],
                                        "password_salt": row["password_salt"] or "",
                                        "password_algorithm": row["password_algorithm"],
                                        "password_expired_at": row.get("password_expired_at"), **stamps}))
    return main, side


PHP_OPTIONS = {k: v for k, v in GENERIC_OPTIONS.items() if k != "generic_salt_column"}


def _php(i: int, h: str, e: str, v: Vector) -> Row:
    return {"member_id": i, "login": h, "mail": e, "pw": v.stored, "verified": True, "enabled": True}


CONFIRMED = {"LEGACY_REQUIRE_CONFIRMED_EMAIL": "true"}
ACTIVATION = {"LEGACY_ACTIVATION_CONFIRMS_EMAIL": "true"}
BCRYPT_CORRUPT = "$2y$10$tooshort"

CASES = [
    Case("q2a", "q2a", _q2a, "username",
         (State("blocked", lambda r: {**r, "flags": 1 | 2}, "account_blocked"),
          State("unconfirmed", lambda r: {**r, "flags": 128}, "account_unconfirmed", CONFIRMED),
          State("unapproved", lambda r: r, "account_unapproved", {"LEGACY_MODERATE_USERS": "true"})),
         sso=lambda r: {**r, "passsalt": None, "passcheck": None, "passhash": None},
         corrupt=BCRYPT_CORRUPT, dup="same", verified=True, unverified=lambda r: {**r, "flags": 0},
         roles="level:0", ci_username="handle"),
    Case("wordpress", "wordpress", _wp, "username",
         (State("spam", lambda r: {**r, "spam": 1}, "account_spam"),
          State("deleted", lambda r: {**r, "deleted": 1}, "account_deleted")),
         sso=lambda r: {**r, "user_pass": ""}, corrupt="$P$Btruncated", dup="same", verified=False,
         options={"multisite": True}, name="User {i}", ci_username="user_login"),
    Case("drupal7", "drupal7", _d7, "username",
         (State("blocked", lambda r: {**r, "status": 0}, "account_blocked"),
          State("system", lambda r: {**r, "uid": 0}, "account_system")),
         sso=lambda r: {**r, "pass": ""}, corrupt="$S$Dtooshort", dup="same", verified=False,
         options={"email_login": True}, ci_username="name"),
    Case("drupal", "drupal", _d8, "username",
         (State("blocked", lambda r: {**r, "status": 0}, "account_blocked"),
          State("system", lambda r: {**r, "uid": 0}, "account_system")),
         sso=lambda r: {**r, "pass": None}, corrupt=BCRYPT_CORRUPT, dup="same", verified=False,
         options={"email_login": True}, ci_username="name"),
    Case("phpbb3", "phpbb3", _phpbb, "username",
         (State("inactive", lambda r: {**r, "user_type": 1}, "account_inactive"),
          State("system", lambda r: {**r, "user_type": 2}, "account_system")),
         sso=lambda r: {**r, "user_password": ""}, corrupt=BCRYPT_CORRUPT, dup="same", verified=False,
         options={"email_login": True}, roles="group:3"),
    Case("joomla", "joomla", _joomla, "username",
         (State("blocked", lambda r: {**r, "block": 1}, "account_blocked"),
          State("unconfirmed", lambda r: {**r, "block": 1, "activation": "0f3c2a"}, "account_unconfirmed")),
         sso=lambda r: {**r, "password": ""}, corrupt=BCRYPT_CORRUPT, dup="same", verified=True,
         unverified=lambda r: {**r, "activation": "reset-token-hash"}, options={"email_login": True},
         env=ACTIVATION, name="User {i}", ci_username="username"),
    Case("magento2", "magento2", _magento, "email",
         (State("inactive", lambda r: {**r, "is_active": 0}, "account_inactive"),
          State("locked", lambda r: {**r, "lock_expires": FUTURE}, "account_locked"),
          State("unconfirmed", lambda r: {**r, "confirmation": "abc123"}, "account_unconfirmed")),
         sso=lambda r: {**r, "password_hash": None}, corrupt="0123abcd:salt:9", dup="same", verified=True,
         env=ACTIVATION, roles="group:1,website:1", name="Ann Lee",
         dup_row=lambda r: {**r, "website_id": 2}),  # UNIQUE (email, website_id): one email on two websites
    Case("laravel", "laravel", _laravel, "email",
         (State("unconfirmed", lambda r: {**r, "email_verified_at": None}, "account_unconfirmed", CONFIRMED),),
         sso=lambda r: {**r, "password": ""}, corrupt=BCRYPT_CORRUPT, dup="case", verified=True,
         unverified=lambda r: {**r, "email_verified_at": None}, name="User {i}"),
    Case("symfony", "symfony", _maker, "email",
         (State("unconfirmed", lambda r: {**r, "is_verified": False}, "account_unconfirmed", CONFIRMED),),
         sso=lambda r: {**r, "password": ""}, corrupt=BCRYPT_CORRUPT, dup="case", verified=True,
         unverified=lambda r: {**r, "is_verified": False}, options={"salt_column": "salt",
                                                                    "verified_column": "is_verified"},
         roles="ROLE_USER"),
    Case("symfony-fos", "symfony", _fos, "username",
         (State("inactive", lambda r: {**r, "enabled": False}, "account_inactive"),
          State("unconfirmed", lambda r: {**r, "enabled": False, "confirmation_token": "t0k"},
                "account_unconfirmed")),
         sso=lambda r: {**r, "password": ""}, corrupt=BCRYPT_CORRUPT, dup="unique", verified=True,
         unverified=lambda r: {**r, "confirmation_token": "pending"}, options={"variant": "fos"}, env=ACTIVATION,
         roles="ROLE_USER"),
    Case("django", "django", _django, "username",
         (State("inactive", lambda r: {**r, "is_active": False}, "account_inactive"),),
         sso=lambda r: {**r, "password": "!unusable-set-by-social-auth"}, corrupt="pbkdf2_sha256$1000$broken",
         dup="same", verified=False, options={"email_login": True}, roles="staff", name="Ann Lee",
         ci_username="username"),
    Case("devise", "devise", _devise, "email",
         (State("locked", lambda r: {**r, "locked_at": datetime.now(UTC).replace(tzinfo=None)}, "account_locked"),
          State("unconfirmed", lambda r: {**r, "confirmed_at": None}, "account_unconfirmed")),
         sso=lambda r: {**r, "encrypted_password": ""}, corrupt="$2a$12$short", dup="unique", verified=True,
         lower_email=True),
    Case("aspnet_identity", "aspnet_identity", _aspnet, "username",
         (State("locked", lambda r: {**r, "LockoutEnd": FUTURE}, "account_locked"),
          State("unconfirmed", lambda r: {**r, "EmailConfirmed": False}, "account_unconfirmed", CONFIRMED)),
         sso=lambda r: {**r, "PasswordHash": None}, corrupt="AQAAAAE=", dup="same", verified=True,
         unverified=lambda r: {**r, "EmailConfirmed": False}, id_of=lambda i: f"id-{i}"),
    Case("aspnet-v2", "aspnet_identity", _aspnet2, "username",
         (State("locked", lambda r: {**r, "LockoutEndDateUtc": FUTURE}, "account_locked"),
          State("unconfirmed", lambda r: {**r, "EmailConfirmed": False}, "account_unconfirmed", CONFIRMED)),
         sso=lambda r: {**r, "PasswordHash": None}, corrupt="AQAAAAE=", dup="same", verified=True,
         unverified=lambda r: {**r, "EmailConfirmed": False}, options={"variant": "v2"},
         ci_username="UserName", id_of=lambda i: f"id-{i}"),
    Case("generic", "generic", _generic, "username",
         (State("inactive", lambda r: {**r, "enabled": False}, "account_inactive"),),
         sso=lambda r: {**r, "pw": None}, corrupt=BCRYPT_CORRUPT, dup="same", verified=True,
         unverified=lambda r: {**r, "verified": False}, options=GENERIC_OPTIONS, ci_username="login"),
    Case("firebase", "firebase", _firebase, "email",
         (State("disabled", lambda r: {**r, "disabled": True}, "account_blocked"),),
         sso=lambda r: {**r, "password_hash": None, "salt": None, "providers": "google.com"}, corrupt="$corrupt",
         dup="same", verified=True, unverified=lambda r: {**r, "email_verified": False}, env=FIREBASE_PROJECT,
         lower_email=True),
    Case("ldap", "ldap", _ldap, "username",
         (State("locked", lambda r: {**r, "pwd_account_locked_time": "20240501120000Z"}, "account_locked"),
          State("disabled", lambda r: {**r, "disabled": True}, "account_blocked")),
         sso=lambda r: {**r, "user_password": None}, corrupt="{SSHA}!!", dup="same", verified=False,
         ci_username="uid", id_of=lambda i: f"cn={i},dc=example,dc=org"),
    Case("keycloak", "keycloak", _keycloak, "username",
         (State("inactive", lambda r: {**r, "enabled": False}, "account_inactive"),
          State("system", lambda r: {**r, "service_account_client_link": "client-1"}, "account_system"),
          State("federated", lambda r: {**r, "federation_link": "ldap-1"}, "account_sso_only")),
         sso=lambda r: {**r, "secret_data": None, "credential_data": None}, corrupt="{not json", dup="unique",
         verified=True, unverified=lambda r: {**r, "email_verified": False},
         options={"keycloak_realm_id": KC_REALM}, name="Ann Lee", lower_email=True, lower_username=True,
         insert=_insert_keycloak, id_of=lambda i: f"kc-{i}"),
    Case("werkzeug", "werkzeug", _generic, "username",
         (State("inactive", lambda r: {**r, "enabled": False}, "account_inactive"),),
         sso=lambda r: {**r, "pw": None}, corrupt="pbkdf2:sha256:1000$salt$not-hex", dup="same", verified=True,
         unverified=lambda r: {**r, "verified": False}, options=GENERIC_OPTIONS, ci_username="login"),
    Case("passlib", "passlib", _generic, "username",
         (State("inactive", lambda r: {**r, "enabled": False}, "account_inactive"),),
         sso=lambda r: {**r, "pw": None}, corrupt="$pbkdf2-sha256$1000$salt$not*base64*at*all", dup="same",
         verified=True, unverified=lambda r: {**r, "verified": False}, options=GENERIC_OPTIONS, ci_username="login"),
    Case("spring", "spring", _generic, "username",
         (State("inactive", lambda r: {**r, "enabled": False}, "account_inactive"),),
         sso=lambda r: {**r, "pw": None}, corrupt="{bcrypt}$2a$10$tooshort", dup="same", verified=True,
         unverified=lambda r: {**r, "verified": False}, options=GENERIC_OPTIONS, ci_username="login"),
    Case("vbulletin", "vbulletin", _vb5, "username", VB_STATES,
         sso=lambda r: {**r, "token": "", "scheme": ""}, corrupt=BCRYPT_CORRUPT, dup="same", verified=True,
         options={"email_login": True}, env=ACTIVATION, roles="group:2", ci_username="username"),
    Case("vbulletin-4", "vbulletin", _vb4, "username", VB_STATES,
         sso=lambda r: {**r, "password": ""}, corrupt="not-an-md5-hash", dup="same", verified=True,
         options={"variant": "4", "email_login": True}, env=ACTIVATION, roles="group:2", ci_username="username",
         keep=lambda v: "salt" in v.fields),
    Case("mybb", "mybb", _mybb, "username",
         (State("banned", lambda r: {**r, "usergroup": 7}, "account_blocked"),
          State("awaiting", lambda r: {**r, "usergroup": 5}, "account_unconfirmed")),
         sso=lambda r: {**r, "password": ""}, corrupt="not-a-mybb-hash", dup="same", verified=True,
         options={"username_method": 2}, env=ACTIVATION, roles="group:2", ci_username="username"),
    Case("smf", "smf", _smf, "username",
         (State("banned", lambda r: {**r, "is_activated": 11}, "account_blocked"),
          State("unactivated", lambda r: {**r, "is_activated": 0}, "account_unconfirmed"),
          State("unapproved", lambda r: {**r, "is_activated": 3}, "account_unapproved"),
          State("deleting", lambda r: {**r, "is_activated": 4}, "account_deleted")),
         sso=lambda r: {**r, "passwd": ""}, corrupt=BCRYPT_CORRUPT, dup="same", verified=True, env=ACTIVATION,
         roles="group:0", name="User {i}", ci_username="member_name", vector_login="email", meta_login=False),
    Case("xenforo", "xenforo", _xf, "username",
         (State("banned", lambda r: {**r, "is_banned": 1}, "account_blocked"),
          State("confirming", lambda r: {**r, "user_state": "email_confirm"}, "account_unconfirmed"),
          State("moderated", lambda r: {**r, "user_state": "moderated"}, "account_unapproved"),
          State("disabled", lambda r: {**r, "user_state": "disabled"}, "account_inactive")),
         sso=lambda r: {**r, "scheme_class": None, "data": None}, corrupt='a:1:{s:4:"hash";s:60:"broken',
         dup="same", verified=True, env=ACTIVATION, roles="group:2", ci_username="username"),
    Case("invision", "invision", _invision, "username",
         (State("banned", lambda r: {**r, "temp_ban": -1}, "account_blocked"),
          State("spammer", lambda r: {**r, "members_bitoptions": 1}, "account_spam"),
          State("validating", lambda r: {**r, "members_bitoptions": 1 << 30}, "account_unconfirmed")),
         sso=lambda r: {**r, "members_pass_hash": None, "members_pass_salt": None}, corrupt=BCRYPT_CORRUPT,
         dup="same", verified=True, env=ACTIVATION, roles="group:3", ci_username="name"),
    Case("mediawiki", "mediawiki", _mediawiki, "username",
         (State("temporary", lambda r: {**r, "user_is_temp": True}, "account_system"),),
         sso=lambda r: {**r, "user_password": ""}, corrupt=":bcrypt:5$short$hash", dup="same", verified=True,
         unverified=lambda r: {**r, "user_email_authenticated": None}, options={"email_login": True},
         name="User {i}", meta_by_email=True,
         variants=("caseUser", "caseUser")),  # only the first letter folds ($wgCapitalLinks)
    Case("moodle", "moodle", _moodle, "username",
         (State("deleted", lambda r: {**r, "deleted": 1}, "account_deleted"),
          State("suspended", lambda r: {**r, "suspended": 1}, "account_blocked"),
          State("nologin", lambda r: {**r, "auth": "nologin"}, "account_blocked"),
          State("unconfirmed", lambda r: {**r, "confirmed": 0}, "account_unconfirmed")),
         sso=lambda r: {**r, "auth": "oauth2", "password": "not cached"}, corrupt=BCRYPT_CORRUPT, dup="same",
         verified=True, unverified=lambda r: {**r, "auth": "manual"}, options={"email_login": True},
         roles="auth:email", name="Ann Lee", stored_name=str.lower),
    Case("opencart", "opencart", _opencart, "email",
         (State("disabled", lambda r: {**r, "status": 0}, "account_inactive"),),
         sso=lambda r: {**r, "password": ""}, corrupt=BCRYPT_CORRUPT, dup="same", verified=False,
         roles="customer_group:1", name="Ann Lee", pick=_opencart_version(4)),
    Case("opencart3", "opencart", _opencart3, "email",
         (State("disabled", lambda r: {**r, "status": 0}, "account_inactive"),),
         sso=lambda r: {**r, "password": ""}, corrupt="0123456789abcdef", dup="same", verified=False,
         options={"opencart_version": 3}, roles="customer_group:1", name="Ann Lee", pick=_opencart_version(3),
         made=_made_opencart3),
    Case("prestashop", "prestashop", _prestashop, "email",
         (State("inactive", lambda r: {**r, "active": 0}, "account_inactive"),
          State("deleted", lambda r: {**r, "deleted": 1}, "unknown_user"),  # getByEmail: deleted = 0
          State("guest", lambda r: {**r, "is_guest": 1}, "unknown_user")),  # getByEmail: is_guest = 0
         sso=lambda r: {**r, "passwd": ""}, corrupt=BCRYPT_CORRUPT, dup="same", verified=False,
         roles="group:3", name="Ann Lee"),
    Case("ghost", "ghost", _ghost, "email",
         (State("locked", lambda r: {**r, "status": "locked"}, "account_locked"),
          State("inactive", lambda r: {**r, "status": "inactive"}, "account_inactive")),
         sso=lambda r: {**r, "password": ""}, corrupt="$2a$10$tooshort", dup="case", verified=False,
         name="Ann Lee"),
    Case("atlassian", "atlassian", _atlassian, "username",
         (State("inactive", lambda r: {**r, "active": 0}, "account_inactive"),
          State("deleted", lambda r: {**r, "deleted_externally": 1}, "account_deleted")),
         sso=lambda r: {**r, "credential": ""}, corrupt="{PKCS5S2}tooshort", dup="same", verified=False,
         options={"atlassian_directory_id": 1}, email_login=False, roles="directory:1", name="Ann Lee"),
    Case("php", "php", _php, "username",
         (State("inactive", lambda r: {**r, "enabled": False}, "account_inactive"),),
         sso=lambda r: {**r, "pw": None}, corrupt=BCRYPT_CORRUPT, dup="same", verified=True,
         unverified=lambda r: {**r, "verified": False}, options=PHP_OPTIONS, ci_username="login"),
    Case("discourse", "discourse", _discourse, "username",
         (State("suspended", lambda r: {**r, "suspended_till": FUTURE}, "account_blocked"),
          State("expired", lambda r: {**r, "password_expired_at": NOW}, "account_locked"),
          State("staged", lambda r: {**r, "staged": True}, "account_inactive"),
          State("unactivated", lambda r: {**r, "active": False}, "account_unconfirmed"),
          State("unapproved", lambda r: {**r, "approved": False}, "account_unapproved",
                {"LEGACY_MUST_APPROVE_USERS": "true"})),
         sso=lambda r: {**r, "password_hash": None}, corrupt="g" * 64, dup="unique", verified=True,
         roles="trust_level:1", name="Ann Lee", lower_email=True, split=_discourse_split),
]


def _env_for(options: dict[str, Any]) -> dict[str, str]:
    return {f"LEGACY_{k.upper()}": str(v).lower() if isinstance(v, bool) else str(v) for k, v in options.items()}


# ---------------------------------------------------------------- the legacy database


@dataclass
class Legacy:
    url: str
    case: Case
    vectors: list[Vector]  # at ids 1..n
    edges: list[Vector]  # long + unicode, at ids 901, 902
    good: Vector
    dummy: str
    dup_inserted: bool  # the second duplicate-email row was accepted by the database
    bob_inserted: bool  # the username differing only in case was accepted

    def login_of(self, i: int) -> str:
        return f"v{i}@example.org" if (self.case.vector_login or self.case.login) == "email" else f"v{i}"

    def login(self, handle: str, email: str) -> str:
        return email if self.case.login == "email" else handle

    @property
    def dialect(self) -> str:
        return dialect_of(self.url)


SPECIAL = {"sso": 1001, "dupa": 1002, "dupb": 1003, "corrupt": 1004, "meta": 1005, "unverified": 1006,
           "caseuser": 1007, "bobby": 1008, "Bobby": 1009, "roles": 1010}
STATE_BASE = 1100


def _fits(case: Case, v: Vector) -> bool:
    """The stored hash fits the app's real hash column (Joomla's ``{SHA256}hash:salt`` is 105 characters, its
    ``password`` column VARCHAR(100): such a row cannot exist in a real table)."""
    column = next((c for c in _columns(case) if c.name == next(iter(_hash_column(case, "")))), None)
    if column is None:  # the hash lives in another table (XenForo's MEDIUMBLOB; Discourse user_passwords:
        return case.app != "discourse" or len(v.stored or "") <= 64  # varchar(64))
    size = re.fullmatch(r"varchar\((\d+)\)", column.kind)
    return size is None or len(v.stored or "") <= int(size.group(1))


def _settled(case: Case, v: Vector) -> bool:
    """The vector needs no setting beyond the case's own environment (e.g. Firebase's project parameters)."""
    return all(case.env.get(k) == value for k, value in (settings_for(v) or {}).items())


def _strict(case: Case, v: Vector) -> bool:
    """A longer password does not match (DES ``{CRYPT}`` reads 8 bytes: no control for a wrong password)."""
    options = {key: case.env[env] for key, env in OPTION_ENV.items() if env in case.env}
    return not get_context(case.app, pad_weak=False, **options).verify(v.password + "x", v.stored, **v.fields).ok


def _populate(url: str, case: Case) -> Legacy:
    vectors = [v for v in case.pick(vectors_for(case.app)) if _fits(case, v) and case.keep(v)]
    settled = [v for v in vectors if _settled(case, v)]
    good = next((v for v in settled if v.expect and v.password.isascii() and not _long(v) and _strict(case, v)),
                None) or _borrowed_cheap_bcrypt()  # Laravel's own bcrypt vectors are all cost >= 10
    edges = edge_vectors(case.app, settled, case.made)
    row = case.row
    rows = [row(i, f"v{i}", f"v{i}@example.org", v) for i, v in enumerate(vectors, 1)]
    rows += [row(900 + n, f"edge{n}", f"edge{n}@example.org", v) for n, v in enumerate(edges, 1)]
    rows += [state.mutate(row(STATE_BASE + n, f"st_{state.label}", f"{state.label}@example.org", good))
             for n, state in enumerate(case.states)]
    rows += [
        case.sso(row(SPECIAL["sso"], "sso1", "sso@example.org", good)),
        row(SPECIAL["dupa"], "dupa", "dup@example.org", good),
        {**row(SPECIAL["corrupt"], "corrupt1", "corrupt@example.org", good), **_hash_column(case, case.corrupt)},
        row(SPECIAL["meta"], META, META.replace("\\", "") + "@example.org", good),
        row(SPECIAL["caseuser"], "CaseUser", "Case.User@Example.org", good),
        row(SPECIAL["Bobby"], "Bobby", "bobby.upper@example.org", good),
        row(SPECIAL["roles"], "roles1", "roles@example.org", good),
    ]
    if case.unverified is not None:
        rows.append(case.unverified(row(SPECIAL["unverified"], "unverified1", "unverified@example.org", good)))
    create_schema(url, case.app, case.prefix, **case.options)
    _insert(url, case, rows)
    second = "dup@example.org" if case.dup == "same" else "Dup@Example.org"  # "case": variants only
    dup_row = case.dup_row(row(SPECIAL["dupb"], "dupb", second, good))
    dup_inserted = _try_insert(url, case, [dup_row])
    bob_row = row(SPECIAL["bobby"], "bobby", "bobby.lower@example.org", good)
    bob_inserted = case.ci_username is not None and _try_insert(url, case, [bob_row])
    options = {key: case.env[env] for key, env in OPTION_ENV.items() if env in case.env}
    dummy = cheap_dummy(case.app, vectors, {**case.options, **options})
    return Legacy(url, case, vectors, edges, good, dummy, dup_inserted, bob_inserted)



def _try_insert(url: str, case: Case, rows: list[Row]) -> bool:
    """:func:`_insert`, False when a UNIQUE index refuses the rows (as ``try_insert_users``)."""
    return _insert(url, case, rows, tolerant=True)


def _insert(url: str, case: Case, rows: list[Row], *, tolerant: bool = False) -> bool:
    """Insert an app's rows (by ``case.insert``, or each split over its tables by ``case.split``); ``tolerant``:
    False when a UNIQUE index refuses one instead of raising."""
    if case.insert is not None:
        try:
            case.insert(url, case, rows)
        except Exception as exc:
            if tolerant and any(cls.__name__ == "IntegrityError" for cls in type(exc).__mro__):  # any driver
                return False
            raise
        return True
    if case.split is None:
        if tolerant:
            return try_insert_users(url, case.app, rows, case.prefix, **case.options)
        insert_users(url, case.app, rows, case.prefix, **case.options)
        return True
    for row in rows:
        main, side = case.split(row)
        if not try_insert_users(url, case.app, [main], case.prefix, **case.options):
            assert tolerant, f"{case.id}: row refused"
            return False
        for table, side_row in side:
            if not insert_rows(url, case.prefix + table, [side_row]):
                assert tolerant, f"{case.id}: {table} row refused"
                return False
    return True


def _hash_column(case: Case, value: str) -> Row:
    """The row fields that carry ``value`` as the stored hash (and no legacy pair / salt)."""
    columns = {"q2a": {"passhash": value, "passsalt": None, "passcheck": None}, "wordpress": {"user_pass": value},
               "drupal7": {"pass": value}, "drupal": {"pass": value}, "phpbb3": {"user_password": value},
               "joomla": {"password": value}, "magento2": {"password_hash": value}, "laravel": {"password": value},
               "symfony": {"password": value}, "django": {"password": value},
               "devise": {"encrypted_password": value}, "aspnet_identity": {"PasswordHash": value},
               "generic": {"pw": value}, "firebase": {"password_hash": value}, "ldap": {"user_password": value},
               "keycloak": {"secret_data": value},
               "werkzeug": {"pw": value}, "passlib": {"pw": value}, "spring": {"pw": value},
               "vbulletin": {"token": value, "scheme": "blowfish:10"}, "vbulletin-4": {"password": value},
               "mybb": {"password": value}, "smf": {"passwd": value},
               "xenforo": {"data": value.encode(), "scheme_class": "XF:Core12"},
               "invision": {"members_pass_hash": value, "members_pass_salt": None},
               "mediawiki": {"user_password": value}, "moodle": {"password": value},
               "opencart": {"password": value}, "prestashop": {"passwd": value},
               "ghost": {"password": value}, "atlassian": {"credential": value}, "php": {"pw": value},
               "discourse": {"password_hash": value}}
    return columns.get(case.id, columns[case.app])


@pytest.fixture(scope="module", params=["mysql", "postgresql", "sqlite"])
def database(request: pytest.FixtureRequest, databases: Any, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "mysql":
        return databases.mysql("migapps")
    if request.param == "postgresql":
        return databases.postgres("migapps")
    return databases.sqlite(tmp_path_factory.mktemp("migapps"), "migapps")


@pytest.fixture(scope="module", params=CASES, ids=lambda c: c.id)
def legacy(request: pytest.FixtureRequest, database: str) -> Legacy:
    return _populate(database, request.param)


class LogCapture(logging.Handler):
    """Collects the handler's structured log lines (Powertools JSON) as dicts."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(um.logger.registered_formatter)
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))

    def reasons(self) -> list[str]:
        return [line["reason"] for line in self.lines if "reason" in line]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, legacy: Legacy) -> Iterator[Callable[..., None]]:
    base = {"LEGACY_APP": legacy.case.app, "LEGACY_DB_URL": legacy.url, "LEGACY_TABLE_PREFIX": legacy.case.prefix,
            "LEGACY_DUMMY_HASH": legacy.dummy, **_env_for(legacy.case.options), **legacy.case.env}
    yield env_setter(monkeypatch, base)
    um.reset_runtime()


@pytest.fixture
def logs() -> Iterator[LogCapture]:
    capture = LogCapture()
    logging.getLogger(um.logger.name).addHandler(capture)
    yield capture
    logging.getLogger(um.logger.name).removeHandler(capture)


def refused(call: Callable[[], Any], logs: LogCapture) -> str:
    with pytest.raises(um.MigrationRefusedError) as info:
        call()
    assert str(info.value) == GENERIC
    return logs.reasons()[-1]


def attrs_of(out: dict[str, Any]) -> dict[str, str]:
    response = out["response"]
    assert response["finalUserStatus"] == "CONFIRMED"
    assert response["messageAction"] == "SUPPRESS"
    assert "sub" not in response["userAttributes"]
    return response["userAttributes"]


# ---------------------------------------------------------------- sign-in


def test_every_cheap_real_vector_signs_in_or_is_refused_as_the_app_would(legacy: Legacy, env: Any,
                                                                         logs: LogCapture):
    groups: dict[tuple[tuple[str, str], ...], list[int]] = {}
    for i, v in enumerate(legacy.vectors, 1):
        groups.setdefault(tuple(sorted((settings_for(v) or {}).items())), []).append(i)
    assert legacy.vectors
    assert any(v.expect for v in legacy.vectors)
    for settings, indexes in groups.items():
        env(**dict(settings))  # e.g. the Devise pepper or the generic digest scheme this group was made with
        for i in indexes:
            v = legacy.vectors[i - 1]
            if v.expect:
                attrs = attrs_of(sign_in(legacy.login_of(i), v.password))
                assert attrs["custom:legacy_id"] == legacy.case.id_of(i), (v.source, v.line)
                assert attrs["email"].lower() == f"v{i}@example.org"
            else:
                reason = refused(lambda: sign_in(legacy.login_of(i), v.password), logs)  # noqa: B023 - called now
                # the legacy app said no; a hash format it refuses is the same generic answer here
                assert reason in {"wrong_password", "account_sso_only", "corrupt_hash", "unknown_hash_scheme"}, \
                    (v.source, v.line, reason)


def test_long_and_unicode_passwords_sign_in(legacy: Legacy, env: Any):
    long, uni = legacy.edges
    assert len(long.password.encode()) > 72
    assert not uni.password.isascii()
    for n, v in enumerate(legacy.edges, 1):
        attrs = attrs_of(sign_in(legacy.login(f"edge{n}", f"edge{n}@example.org"), v.password))
        assert attrs["custom:legacy_id"] == legacy.case.id_of(900 + n)


def test_wrong_password_is_refused_with_the_generic_message(legacy: Legacy, env: Any, logs: LogCapture):
    assert refused(lambda: sign_in(legacy.login("CaseUser", "Case.User@Example.org"), "definitely not it"),
                   logs) == "wrong_password"
    assert refused(lambda: sign_in(legacy.login("roles1", "roles@example.org"), legacy.good.password + "x"),
                   logs) == "wrong_password"


def test_unknown_user_is_refused_like_a_wrong_password(legacy: Legacy, env: Any, logs: LogCapture):
    if legacy.case.login == "username":
        assert refused(lambda: sign_in("nobody-here", "whatever"), logs) == "unknown_user"
    assert refused(lambda: sign_in("nobody@example.org", "whatever"), logs) == "unknown_user"


def test_each_account_state_the_app_refuses_is_not_migrated(legacy: Legacy, env: Any, logs: LogCapture):
    assert legacy.case.states
    for state in legacy.case.states:
        env(**state.env)
        login = legacy.login(f"st_{state.label}", f"{state.label}@example.org")
        assert refused(lambda: sign_in(login, legacy.good.password), logs) == state.reason  # noqa: B023
        assert refused(lambda: forgot(login), logs) == state.reason  # noqa: B023
    env()
    attrs_of(sign_in(legacy.login("roles1", "roles@example.org"), legacy.good.password))  # the control migrates


def test_sso_only_row_is_not_migrated(legacy: Legacy, env: Any, logs: LogCapture):
    login = legacy.login("sso1", "sso@example.org")
    assert refused(lambda: sign_in(login, legacy.good.password), logs) == "account_sso_only"


def test_email_shared_by_two_rows_is_refused_or_cannot_exist(legacy: Legacy, env: Any, logs: LogCapture):
    case = legacy.case
    case_only = case.dup == "case" and legacy.dialect != "mysql"  # a unique index that compares exactly
    assert legacy.dup_inserted is (case.dup == "same" or case_only)
    if not legacy.dup_inserted:  # UNIQUE (email) under a _ci collation, or a lower-cased / canonical column
        assert attrs_of(sign_in(legacy.login("dupa", "dup@example.org"), legacy.good.password))["custom:legacy_id"] \
            == case.id_of(SPECIAL["dupa"])
        return
    typed = "DUP@example.org" if case_only else "dup@example.org"
    if case.email_login:  # an app without email sign-in never looks the email up
        assert refused(lambda: sign_in(typed, legacy.good.password), logs) == "ambiguous_user"
        assert refused(lambda: forgot(typed), logs) == "ambiguous_user"
    if case_only:  # exact (indexed) match first: each row still signs in by its own spelling
        assert attrs_of(sign_in("Dup@Example.org", legacy.good.password))["custom:legacy_id"] == \
            case.id_of(SPECIAL["dupb"])
    if case.login == "username":  # each row still signs in by its own username
        assert attrs_of(sign_in("dupb", legacy.good.password))["custom:legacy_id"] == case.id_of(SPECIAL["dupb"])


def test_corrupt_hash_is_refused_generically(legacy: Legacy, env: Any, logs: LogCapture):
    login = legacy.login("corrupt1", "corrupt@example.org")
    assert refused(lambda: sign_in(login, legacy.good.password), logs) in {"corrupt_hash", "unknown_hash_scheme"}


def test_sql_metacharacters_in_the_login_are_data(legacy: Legacy, env: Any, logs: LogCapture):
    email = META.replace("\\", "") + "@example.org"
    login = email if legacy.case.meta_by_email else legacy.login(META, email)
    if legacy.case.meta_login:
        assert attrs_of(sign_in(login, legacy.good.password))["custom:legacy_id"] == legacy.case.id_of(SPECIAL["meta"])
        if legacy.case.meta_by_email:  # found by its name, refused: a Cognito username cannot hold the space
            assert refused(lambda: sign_in(META, legacy.good.password), logs) == "account_spelling_mismatch"
    else:  # the app's login rule refuses these characters before any query
        assert refused(lambda: sign_in(login, legacy.good.password), logs) == "unknown_user"
    for hostile in (INJECTION, "%", "_", f"{INJECTION}@example.org", "%@%"):
        assert refused(lambda: sign_in(hostile, legacy.good.password), logs) == "unknown_user"  # noqa: B023


def test_login_is_case_insensitive_like_the_app(legacy: Legacy, env: Any, logs: LogCapture):
    want = legacy.case.id_of(SPECIAL["caseuser"])
    if legacy.case.login == "username":
        assert attrs_of(sign_in(legacy.case.variants[0], legacy.good.password))["custom:legacy_id"] == want
        if "caseuser" not in legacy.case.variants:  # the app folds less than the whole name (MediaWiki)
            assert refused(lambda: sign_in("caseuser", legacy.good.password), logs) == "unknown_user"
    if legacy.case.email_login:
        assert attrs_of(sign_in("CASE.user@example.ORG", legacy.good.password))["custom:legacy_id"] == want


def test_usernames_differing_only_in_case_match_exactly_first(legacy: Legacy, env: Any, logs: LogCapture):
    column = legacy.case.ci_username
    if column is None:  # the app compares a normalised column (phpBB, ASP.NET Core, FOS) or signs in by email
        assert legacy.case.login == "email" or legacy.case.lower_username \
            or legacy.case.app in ("phpbb3", "aspnet_identity", "symfony", "mediawiki", "moodle",
                                     "atlassian", "discourse")
        return
    upper, lower = legacy.case.id_of(SPECIAL["Bobby"]), legacy.case.id_of(SPECIAL["bobby"])
    declared = next(c for c in _columns(legacy.case) if c.name == column)
    folds = legacy.dialect == "mysql" or (legacy.dialect == "sqlite" and (declared.collation or "").endswith("_ci"))
    if not legacy.bob_inserted:  # a UNIQUE index under a _ci collation refused "bobby" next to "Bobby"
        assert legacy.dialect == "mysql"
        for typed in ("Bobby", "bobby", "BOBBY"):
            assert attrs_of(sign_in(typed, legacy.good.password))["custom:legacy_id"] == upper
        return
    if folds:  # "=" itself ignores case (MySQL _ci collation, SQLite NOCASE): both rows, refused
        for typed in ("Bobby", "bobby"):
            assert refused(lambda: sign_in(typed, legacy.good.password), logs) == "ambiguous_user"  # noqa: B023
        return
    # PostgreSQL / SQLite BINARY: the exact (indexed) match decides when it finds a row ...
    assert attrs_of(sign_in("Bobby", legacy.good.password))["custom:legacy_id"] == upper
    assert attrs_of(sign_in("bobby", legacy.good.password))["custom:legacy_id"] == lower
    # ... and the case-insensitive fallback that finds two rows is refused, never guessed
    assert refused(lambda: sign_in("BOBBY", legacy.good.password), logs) == "ambiguous_user"


def _case_user(case: Case) -> str:
    """The stored spelling of the ``CaseUser`` row's username."""
    return "caseuser" if case.lower_username else "CaseUser"


def _columns(case: Case) -> Any:
    from legacy_auth.apps import get_preset

    return get_preset(case.app, **case.options).all_columns()


# ---------------------------------------------------------------- pool types and attributes


def test_email_login_answers_for_each_pool_type(legacy: Legacy, env: Any, logs: LogCapture):
    case = legacy.case
    if not case.email_login:
        return
    handle_pool = case.login == "username"  # the app has usernames: one becomes the non-alias username
    stored = "case.user@example.org" if case.lower_email else "Case.User@Example.org"
    typed = "CASE.User@example.ORG"
    want = case.id_of(SPECIAL["caseuser"])
    # username pool + email alias (template EmailMode=alias, the default): a non-alias username, the typed email
    attrs = attrs_of(sign_in(typed, legacy.good.password))
    assert attrs["custom:legacy_id"] == want
    assert attrs["email"] == typed
    assert attrs["username"] == (case.stored_name(_case_user(case)) if handle_pool else f"legacy_{want}")
    # username pool without aliases: what was typed stays the username, so an app with usernames migrates only
    # under the username (the email would make a second Cognito user of the account: legacy_auth.migration.canonical);
    # an app without usernames migrates under the email, the legacy email a plain attribute
    env(LEGACY_POOL_ALIASES="none")
    if handle_pool:
        assert refused(lambda: sign_in(typed, legacy.good.password), logs) == "account_spelling_mismatch"
        attrs = attrs_of(sign_in(case.variants[0], legacy.good.password))
    else:
        attrs = attrs_of(sign_in(typed, legacy.good.password))
    assert "username" not in attrs
    assert attrs["email"] == stored
    # email as username (template EmailMode=username): the typed email, Cognito makes the username
    env(LEGACY_POOL_SIGN_IN="email")
    attrs = attrs_of(sign_in(typed, legacy.good.password))
    assert (attrs["email"], "username" in attrs) == (typed, False)
    if case.login == "username":
        assert refused(lambda: sign_in("CaseUser", legacy.good.password), logs) == "unknown_user"
    # username + preferred_username alias: the typed handle goes into the alias, the username is legacy_<id>
    if handle_pool:
        env(LEGACY_POOL_ALIASES="email,preferred_username")
        attrs = attrs_of(sign_in(case.variants[1], legacy.good.password))
        assert (attrs["username"], attrs["preferred_username"]) == (f"legacy_{want}", case.variants[1])


def test_typed_login_is_the_username_in_an_email_alias_pool(legacy: Legacy, env: Any):
    if legacy.case.login != "username":
        return
    attrs = attrs_of(sign_in(legacy.case.variants[0], legacy.good.password))
    assert "username" not in attrs  # Cognito keeps userName as typed
    assert attrs["preferred_username"] == legacy.case.stored_name(_case_user(legacy.case))


def test_roles_name_and_verification_reach_the_attributes(legacy: Legacy, env: Any):
    case = legacy.case
    attrs = attrs_of(sign_in(legacy.login("roles1", "roles@example.org"), legacy.good.password))
    assert attrs.get("custom:legacy_roles") == case.roles
    if case.name is not None:
        assert attrs["name"] == case.name.format(i=SPECIAL["roles"])
    assert attrs["email_verified"] == ("true" if case.verified else "false")
    if case.env.get("LEGACY_ACTIVATION_CONFIRMS_EMAIL"):  # without the setting, activation proves nothing
        env(LEGACY_ACTIVATION_CONFIRMS_EMAIL="false")
        attrs = attrs_of(sign_in(legacy.login("roles1", "roles@example.org"), legacy.good.password))
        assert attrs["email_verified"] == "false"
    env(LEGACY_TRUST_EMAILS="true", LEGACY_ROLES_ATTRIBUTE="none")
    attrs = attrs_of(sign_in(legacy.login("roles1", "roles@example.org"), legacy.good.password))
    assert attrs["email_verified"] == "true"
    assert "custom:legacy_roles" not in attrs


# ---------------------------------------------------------------- forgot password


def test_forgot_password_returns_a_verified_user_as_reset_required(legacy: Legacy, env: Any, logs: LogCapture):
    login = legacy.login("roles1", "roles@example.org")
    if not legacy.case.verified:  # the app records no confirmation: only trusted emails can receive the code
        assert refused(lambda: forgot(login), logs) == "account_no_verified_contact"
        env(LEGACY_TRUST_EMAILS="true")
    response = forgot(login)["response"]
    assert response["finalUserStatus"] == "RESET_REQUIRED"
    assert response["messageAction"] == "SUPPRESS"
    assert response["desiredDeliveryMediums"] == ["EMAIL"]
    assert response["userAttributes"]["email_verified"] == "true"
    assert response["userAttributes"]["custom:legacy_id"] == legacy.case.id_of(SPECIAL["roles"])


def test_forgot_password_refuses_unknown_sso_corrupt_row_and_unverified(legacy: Legacy, env: Any, logs: LogCapture):
    case = legacy.case
    assert refused(lambda: forgot("nobody@example.org"), logs) == "unknown_user"
    assert refused(lambda: forgot(legacy.login("sso1", "sso@example.org")), logs) == "account_sso_only"
    if case.unverified is not None:
        login = legacy.login("unverified1", "unverified@example.org")
        assert refused(lambda: forgot(login), logs) == "account_no_verified_contact"
    elif not case.verified:  # no confirmation recorded at all: every active user
        assert refused(lambda: forgot(legacy.login("roles1", "roles@example.org")), logs) \
            == "account_no_verified_contact"


# ---------------------------------------------------------------- tracking


def test_tracking_records_one_row_per_user_across_cognito_retries(legacy: Legacy, env: Any):
    from legacy_auth.db import Database, Deadline
    from legacy_auth.migration.tracking import MigrationTracker, ddl

    table = f"trk_{legacy.case.prefix}"
    db = Database(legacy.url)
    for statement in ddl(db.dialect, table):
        db.execute(statement, deadline=Deadline.after(5))
    env(LEGACY_TRACK_MIGRATION="true", LEGACY_TRACKING_TABLE=table, LEGACY_TRUST_EMAILS="true")
    login = legacy.login("roles1", "roles@example.org")
    for _ in range(3):  # Cognito retries up to 3 times
        sign_in(login, legacy.good.password)
    forgot(login)  # a later forgot-password does not move the status back
    rows = db.fetch_all(f"SELECT legacy_id, status, events, app FROM {table}", deadline=Deadline.after(5))
    want = legacy.case.id_of(SPECIAL["roles"])
    assert rows == [{"legacy_id": want, "status": "migrated", "events": 4, "app": legacy.case.app}]
    assert MigrationTracker(db, app=legacy.case.app, table=table).is_migrated(want, deadline=Deadline.after(5))
    run_query(legacy.url, f"DROP TABLE {table}")
    db.close()


def test_plan_puts_every_scanned_row_of_the_app_on_one_route(legacy: Legacy) -> None:
    """``legacy-auth plan`` on the app's realistic table (the rows above): every row it reads is on exactly one
    route, every account state the app refuses is ``never`` (the trigger's own rule), and no stored hash is shown."""
    import io

    from legacy_auth.cli.main import main

    case = legacy.case
    environ = {"LEGACY_APP": case.app, "LEGACY_DB_URL": legacy.url, "LEGACY_TABLE_PREFIX": case.prefix,
               **_env_for(case.options), **case.env}
    out, err = io.StringIO(), io.StringIO()
    code = main(["plan", "--json", "--repeats", "1", "--peak-sign-ins", "10"], environ=environ, stdout=out,
                stderr=err)
    assert code == 0, err.getvalue()
    data = json.loads(out.getvalue())
    assert data["users"] + data["unreadable"] == data["rows"] > len(legacy.vectors)
    routes = {r["route"] for r in data["routes"]}
    assert routes <= {"import-with-hash", "lazy", "reset", "never"}
    assert sum(r["users"] for r in data["routes"]) == data["users"]
    refused_states = [s for s in case.states if s.reason.startswith("account_") and not s.env]
    never = sum(r["users"] for r in data["routes"] if r["route"] == "never")
    assert never >= len(refused_states)
    assert "lazy" in routes  # the app's vectors that verify are migrated by the trigger (none importable today)
    shown = out.getvalue() + err.getvalue()
    assert not any(v.stored[-20:] in shown for v in legacy.vectors if v.stored and len(v.stored) > 20)


EXPORT_HEADER = ["name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile",
                 "picture", "website", "email", "email_verified", "gender", "birthdate", "zoneinfo", "locale",
                 "phone_number", "phone_number_verified", "address", "updated_at", "cognito:mfa_enabled",
                 "cognito:username", "custom:legacy_id"]


def test_check_and_export_read_the_apps_realistic_table(legacy: Legacy, tmp_path: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """``legacy-auth check`` answers as the trigger for a row of the app's table (right and wrong password, never
    echoed); ``legacy-auth export`` accounts for every row (exported or skipped with a reason), never exports an
    account the app refuses, and writes each exported user once."""
    import io

    from legacy_auth.cli.main import main

    case = legacy.case
    environ = {"LEGACY_APP": case.app, "LEGACY_DB_URL": legacy.url, "LEGACY_TABLE_PREFIX": case.prefix,
               "LEGACY_DUMMY_HASH": legacy.dummy, **_env_for(case.options), **case.env}
    login = legacy.login("roles1", "roles@example.org")
    for password, ok in ((legacy.good.password, True), (legacy.good.password + "-Zq9#wrong", False)):
        monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
        out, err = io.StringIO(), io.StringIO()
        code = main(["check", login, "--password-stdin", "--json"], environ=environ, stdout=out, stderr=err)
        assert code in (0, 1), err.getvalue()
        assert json.loads(out.getvalue())["verify"]["ok"] is ok
        shown = out.getvalue() + err.getvalue()  # a short real password ("password") may be a word of the report
        assert (password not in shown) if not ok else (json.dumps(password) not in shown)
    out, err = io.StringIO(), io.StringIO()
    assert main(["plan", "--json", "--repeats", "1"], environ=environ, stdout=out, stderr=err) == 0, err.getvalue()
    rows = json.loads(out.getvalue())["rows"]
    header = tmp_path / "header.json"
    header.write_text(json.dumps({"CSVHeader": EXPORT_HEADER, "UserPoolId": "eu-west-1_TestPool1"}), "utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = main(["export", "--all", "--header-file", str(header), "--out-dir", str(tmp_path / "csv"), "--json"],
                environ=environ, stdout=out, stderr=err)
    data = json.loads(out.getvalue())
    assert code == (1 if data["left_out"] and any(i["known_to_fail"] for i in data["left_out"]) else 0), err.getvalue()
    assert data["exported"] + sum(data["skipped"].values()) == rows
    ids = [line.rsplit(",", 1)[1] for f in data["files"] for line in
           (tmp_path / "csv" / f["path"].rsplit("/", 1)[-1]).read_text("utf-8").splitlines()[1:]]
    assert len(ids) == len(set(ids)) == data["exported"]
    refused = {case.id_of(STATE_BASE + n) for n, s in enumerate(case.states) if s.reason.startswith("account_")
               and not s.env}
    assert refused.isdisjoint(ids)

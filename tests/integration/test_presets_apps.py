"""Drupal, phpBB, Joomla, Magento, Laravel, Symfony, Django, Devise, ASP.NET and generic presets on real DBs.

Each app's table is created from the preset's ``ddl()`` (with a test prefix so apps sharing a table name
can live in one database), filled with real hashes from the shared vectors, and read back through the
preset's own queries with the raw drivers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from legacy_auth.apps import get_preset
from legacy_auth.apps.phpbb3 import clean_username
from legacy_auth.model import AccountState
from tests.conftest import load_vectors
from tests.support.legacy_db import create_schema, dialect_of, fetch_all, find_rows, insert_users, run_query

pytestmark = pytest.mark.integration

FUTURE = datetime.now(UTC).replace(microsecond=0) + timedelta(days=10)
PAST = datetime.now(UTC).replace(microsecond=0) - timedelta(days=10)
HOSTILE = ["' OR 1=1 --", "%", "_", "\\", "x' OR 'a'='a", '"', "%@%", "_@_.__", "\\'@x.org", "Алиса"]


def vec(app: str, scheme: str) -> dict[str, Any]:
    return next(v for v in load_vectors() if v["app"] == app and v["scheme"] == scheme and v["expect"])


@pytest.fixture(scope="module", params=["mysql", "postgresql", "sqlite"])
def url(request: pytest.FixtureRequest, databases: Any, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "mysql":
        return databases.mysql("presets_apps")
    if request.param == "postgresql":
        return databases.postgres("presets_apps")
    return databases.sqlite(tmp_path_factory.mktemp("presets_apps"), "apps")


def ids(url: str, app: str, login: str, prefix: str, **options: Any) -> list[str]:
    preset = get_preset(app, **options)
    return sorted(preset.to_user(r).legacy_id for r in find_rows(url, app, login, prefix, **options))


def states(url: str, app: str, prefix: str, **options: Any) -> dict[str, AccountState]:
    preset = get_preset(app, **options)
    return {u.legacy_id: u.state for u in map(preset.to_user, fetch_all(url, app, prefix, **options))}


# ---------------------------------------------------------------- Drupal 7 / 8+


@pytest.fixture(scope="module")
def drupal_url(url: str) -> str:
    s_hash = vec("drupal7", "drupal7_sha512_S")["hash"]
    create_schema(url, "drupal7", "d7_")
    insert_users(url, "drupal7", [
        {"uid": 0, "name": "", "pass": "", "mail": "", "status": 0},
        {"uid": 1, "name": "Admin", "pass": s_hash, "mail": "admin@example.org", "status": 1},
        {"uid": 2, "name": "blocked", "pass": s_hash, "mail": "b@example.org", "status": 0},
        {"uid": 3, "name": "ssouser", "pass": "", "mail": "sso@example.org", "status": 1},
    ], "d7_")
    create_schema(url, "drupal", "d8_")
    d8 = vec("drupal10", "bcrypt")["hash"]
    insert_users(url, "drupal", [
        {"uid": 1, "langcode": "en", "name": "Editor", "pass": d8, "mail": "ed@example.org", "status": 1,
         "default_langcode": 1},
        {"uid": 1, "langcode": "fr", "name": "Editor", "pass": d8, "mail": "ed@example.org", "status": 1,
         "default_langcode": 0},
        {"uid": 2, "langcode": "en", "name": "gone", "pass": None, "mail": "g@example.org", "status": 0,
         "default_langcode": 1},
    ], "d8_")
    return url


def test_drupal7_login_by_name_any_case_and_mail_only_when_enabled(drupal_url: str) -> None:
    assert ids(drupal_url, "drupal7", "ADMIN", "d7_") == ["1"]
    assert ids(drupal_url, "drupal7", " admin\t", "d7_") == ["1"]
    assert ids(drupal_url, "drupal7", "admin@example.org", "d7_") == []
    assert ids(drupal_url, "drupal7", "Admin@Example.org", "d7_", email_login=True) == ["1"]


def test_drupal7_anonymous_blocked_and_passwordless_rows(drupal_url: str) -> None:
    assert states(drupal_url, "drupal7", "d7_") == {
        "0": AccountState.SYSTEM, "1": AccountState.ACTIVE, "2": AccountState.BLOCKED, "3": AccountState.SSO_ONLY,
    }


def test_drupal8_reads_only_the_default_translation_row(drupal_url: str) -> None:
    assert ids(drupal_url, "drupal", "editor", "d8_") == ["1"]
    assert states(drupal_url, "drupal", "d8_") == {"1": AccountState.ACTIVE, "2": AccountState.BLOCKED}


# ---------------------------------------------------------------- phpBB


@pytest.fixture(scope="module")
def phpbb_url(url: str) -> str:
    argon = vec("phpbb3", "argon2id")["hash"]
    combined = vec("phpbb3", "phpbb_combined_H_2y")["hash"]
    create_schema(url, "phpbb3", "bb_")
    insert_users(url, "phpbb3", [
        {"user_id": 1, "user_type": 2, "username": "Anonymous", "username_clean": "anonymous"},
        {"user_id": 2, "user_type": 3, "group_id": 5, "username": "Admin", "username_clean": "admin",
         "user_password": argon, "user_email": "Admin@Example.org"},
        {"user_id": 3, "user_type": 0, "username": "ABC", "username_clean": "abc", "user_password": combined,
         "user_email": "abc@example.org"},
        {"user_id": 4, "user_type": 0, "username": "a&amp;b", "username_clean": "a&amp;b", "user_password": argon},
        {"user_id": 5, "user_type": 1, "username": "sleepy", "username_clean": "sleepy", "user_password": argon},
        # phpBB's utf8_clean_string: case fold, then confusables.php maps Cyrillic "б" to the digit "6"
        {"user_id": 6, "user_type": 0, "username": "Бобр", "username_clean": "6обр", "user_password": argon},
    ], "bb_")
    return url


@pytest.mark.parametrize(("login", "expected"), [
    ("admin", ["2"]), ("ADMIN", ["2"]), ("ＡＢＣ", ["3"]), ("  abc", ["3"]), ("A&B", ["4"]), ("a&amp;b", []),
    ("Admin@Example.org", []),
])
def test_phpbb_login_goes_through_username_clean(phpbb_url: str, login: str, expected: list[str]) -> None:
    assert clean_username("Admin") == "admin"
    assert ids(phpbb_url, "phpbb3", login, "bb_") == expected


def test_phpbb_cyrillic_name_missed_by_username_clean_is_found_by_the_stored_username(phpbb_url: str) -> None:
    assert clean_username("Бобр") == "бобр" != "6обр"  # no confusables table here: the first lookup misses
    assert ids(phpbb_url, "phpbb3", "Бобр", "bb_") == []  # LEGACY_USERNAME_FALLBACK off (the default)
    assert ids(phpbb_url, "phpbb3", "Бобр", "bb_", username_fallback="on") == ["6"]  # typed as registered
    assert ids(phpbb_url, "phpbb3", " Бобр ", "bb_", username_fallback="on") == ["6"]
    # another case: Unicode lower() on MariaDB (utf8mb4_bin) and PostgreSQL (UTF-8 ctype); SQLite's lower()
    # folds ASCII only, so there the name must be typed in its registered case
    assert ids(phpbb_url, "phpbb3", "бОБР", "bb_", username_fallback="on") == (
        [] if dialect_of(phpbb_url) == "sqlite" else ["6"])
    assert ids(phpbb_url, "phpbb3", "Бобp", "bb_") == []  # Latin "p" for Cyrillic "р": a different name


def test_phpbb_email_login_option_is_case_insensitive_even_under_utf8_bin(phpbb_url: str) -> None:
    assert ids(phpbb_url, "phpbb3", "admin@example.ORG", "bb_", email_login=True) == ["2"]


def test_phpbb_user_types_and_roles(phpbb_url: str) -> None:
    assert states(phpbb_url, "phpbb3", "bb_") == {
        "1": AccountState.SYSTEM, "2": AccountState.ACTIVE, "3": AccountState.ACTIVE, "4": AccountState.ACTIVE,
        "5": AccountState.INACTIVE, "6": AccountState.ACTIVE,
    }
    admin = get_preset("phpbb3").to_user(find_rows(phpbb_url, "phpbb3", "admin", "bb_")[0])
    assert admin.roles == ("group:5", "founder")
    amp = get_preset("phpbb3").to_user(find_rows(phpbb_url, "phpbb3", "a&b", "bb_")[0])
    assert amp.username == "a&b"


# ---------------------------------------------------------------- Joomla


@pytest.fixture(scope="module")
def joomla_url(url: str) -> str:
    md5salt = vec("joomla", "joomla_md5_salt")["hash"]
    bcrypt = vec("joomla", "bcrypt")["hash"]
    create_schema(url, "joomla", "abcde_")
    insert_users(url, "joomla", [
        {"id": 42, "name": "Super User", "username": "SuperUser", "email": "su@example.org", "password": bcrypt,
         "params": "{}"},
        {"id": 43, "name": "New", "username": "newbie", "email": "n@example.org", "password": md5salt, "block": 1,
         "activation": "5f0e2b8c3a", "params": "{}"},
        {"id": 44, "name": "Banned", "username": "banned", "email": "b@example.org", "password": bcrypt, "block": 1,
         "params": "{}"},
        {"id": 45, "name": "Resetting", "username": "resetting", "email": "r@example.org", "password": bcrypt,
         "activation": "$2y$10$resettokenhash", "params": "{}"},
    ], "abcde_")
    return url


def test_joomla_login_by_username_with_the_site_prefix(joomla_url: str) -> None:
    assert ids(joomla_url, "joomla", "superuser", "abcde_") == ["42"]
    assert ids(joomla_url, "joomla", "su@example.org", "abcde_") == []
    assert ids(joomla_url, "joomla", "SU@example.org", "abcde_", email_login=True) == ["42"]


def test_joomla_block_and_activation(joomla_url: str) -> None:
    assert states(joomla_url, "joomla", "abcde_") == {
        "42": AccountState.ACTIVE, "43": AccountState.UNCONFIRMED, "44": AccountState.BLOCKED,
        "45": AccountState.ACTIVE,
    }
    site = get_preset("joomla", activation_confirms_email=True)  # the site required email activation
    users = {u.legacy_id: u for u in map(site.to_user, fetch_all(joomla_url, "joomla", "abcde_"))}
    assert users["42"].email_verified is True
    assert users["45"].email_verified is False
    # without the setting an empty activation proves nothing (sites with activation "None" look the same)
    assert not any(get_preset("joomla").to_user(r).email_verified for r in fetch_all(joomla_url, "joomla", "abcde_"))
    assert users["42"].display_name == "Super User"
    assert users["43"].password_hash == vec("joomla", "joomla_md5_salt")["hash"]


# ---------------------------------------------------------------- Magento 2


@pytest.fixture(scope="module")
def magento_url(url: str) -> str:
    h = vec("magento2", "magento2_sha256")["hash"]
    create_schema(url, "magento2", "m2_")
    insert_users(url, "magento2", [
        {"entity_id": 1, "website_id": 1, "email": "shop@example.org", "firstname": "Ann", "lastname": "Lee",
         "password_hash": h, "group_id": 1},
        {"entity_id": 2, "website_id": 2, "email": "shop@example.org", "password_hash": h, "group_id": 1},
        {"entity_id": 3, "website_id": 1, "email": "off@example.org", "password_hash": h, "is_active": 0},
        {"entity_id": 4, "website_id": 1, "email": "lock@example.org", "password_hash": h, "lock_expires": FUTURE},
        {"entity_id": 5, "website_id": 1, "email": "conf@example.org", "password_hash": h, "confirmation": "abc"},
        {"entity_id": 6, "website_id": 1, "email": "was-locked@example.org", "password_hash": h, "lock_expires": PAST},
    ], "m2_")
    return url


def test_magento_email_shared_across_websites_is_ambiguous_unless_website_is_set(magento_url: str) -> None:
    assert ids(magento_url, "magento2", "SHOP@example.org", "m2_") == ["1", "2"]
    assert ids(magento_url, "magento2", "shop@example.org", "m2_", website_id=2) == ["2"]
    assert ids(magento_url, "magento2", "shop@example.org", "m2_", website_id="1") == ["1"]


def test_magento_states_and_names(magento_url: str) -> None:
    assert states(magento_url, "magento2", "m2_") == {
        "1": AccountState.ACTIVE, "2": AccountState.ACTIVE, "3": AccountState.INACTIVE, "4": AccountState.LOCKED,
        "5": AccountState.UNCONFIRMED, "6": AccountState.ACTIVE,
    }
    row = find_rows(magento_url, "magento2", "shop@example.org", "m2_", website_id=1)[0]
    ann = get_preset("magento2", activation_confirms_email=True).to_user(row)
    assert (ann.display_name, ann.email_verified, ann.roles) == ("Ann Lee", True, ("group:1", "website:1"))
    assert get_preset("magento2").to_user(row).email_verified is False  # confirmation NULL alone proves nothing


# ---------------------------------------------------------------- Laravel


@pytest.fixture(scope="module")
def laravel_url(url: str) -> str:
    create_schema(url, "laravel", "lv_")
    h = vec("laravel", "bcrypt")["hash"]
    insert_users(url, "laravel", [
        {"id": 1, "name": "Taylor", "email": "Taylor@Example.org", "password": h, "email_verified_at": PAST},
        {"id": 2, "name": "Nuno", "email": "nuno@example.org", "password": h},
        {"id": 3, "name": "Social", "email": "social@example.org", "password": ""},
    ], "lv_")
    return url


def test_laravel_email_login_and_verification(laravel_url: str) -> None:
    assert ids(laravel_url, "laravel", "taylor@example.ORG", "lv_") == ["1"]
    users = {u.legacy_id: u for u in map(get_preset("laravel").to_user, fetch_all(laravel_url, "laravel", "lv_"))}
    assert (users["1"].email_verified, users["2"].email_verified) == (True, False)
    assert users["1"].display_name == "Taylor"
    assert users["3"].state is AccountState.SSO_ONLY
    strict = states(laravel_url, "laravel", "lv_", require_confirmed_email=True)
    assert (strict["1"], strict["2"]) == (AccountState.ACTIVE, AccountState.UNCONFIRMED)


# ---------------------------------------------------------------- Symfony


@pytest.fixture(scope="module")
def symfony_url(url: str) -> str:
    md = vec("symfony", "symfony_message_digest_sha512")
    native = vec("symfony", "symfony_native_bcrypt")["hash"]
    create_schema(url, "symfony", "sf_", salt_column="salt")
    insert_users(url, "symfony", [
        {"id": 1, "email": "dev@example.org", "roles": '["ROLE_ADMIN"]', "password": native},
        {"id": 2, "email": "old@example.org", "roles": "[]", "password": md["hash"], "salt": md["extra"]["salt"]},
    ], "sf_", salt_column="salt")
    create_schema(url, "symfony", "sf_", variant="fos")
    insert_users(url, "symfony", [
        {"id": 1, "username": "JohnDoe", "username_canonical": "johndoe", "email": "John@Example.org",
         "email_canonical": "john@example.org", "enabled": True, "salt": md["extra"]["salt"], "password": md["hash"],
         "roles": 'a:1:{i:0;s:10:"ROLE_ADMIN";}'},
        {"id": 2, "username": "pending", "username_canonical": "pending", "email": "p@example.org",
         "email_canonical": "p@example.org", "enabled": False, "password": native, "roles": "a:0:{}",
         "confirmation_token": "tok"},
    ], "sf_", variant="fos")
    return url


def test_symfony_maker_email_login_with_separate_salt(symfony_url: str) -> None:
    md = vec("symfony", "symfony_message_digest_sha512")
    preset = get_preset("symfony", salt_column="salt")
    (row,) = find_rows(symfony_url, "symfony", "OLD@example.org", "sf_", salt_column="salt")
    user = preset.to_user(row)
    assert (user.legacy_id, user.hash_fields, user.password_hash) == ("2", {"salt": md["extra"]["salt"]}, md["hash"])
    admin = preset.to_user(find_rows(symfony_url, "symfony", "dev@example.org", "sf_", salt_column="salt")[0])
    assert admin.roles == ("ROLE_ADMIN",)
    assert admin.hash_fields == {}


def test_symfony_fos_canonical_username_or_email(symfony_url: str) -> None:
    assert ids(symfony_url, "symfony", "JOHNDOE", "sf_", variant="fos") == ["1"]
    assert ids(symfony_url, "symfony", "john@EXAMPLE.org", "sf_", variant="fos") == ["1"]
    assert states(symfony_url, "symfony", "sf_", variant="fos") == {
        "1": AccountState.ACTIVE, "2": AccountState.UNCONFIRMED,
    }
    user = get_preset("symfony", variant="fos").to_user(find_rows(symfony_url, "symfony", "johndoe", "sf_",
                                                                  variant="fos")[0])
    assert (user.username, user.roles) == ("JohnDoe", ("ROLE_ADMIN",))


# ---------------------------------------------------------------- Django


@pytest.fixture(scope="module")
def django_url(url: str) -> str:
    h = vec("django", "django_pbkdf2_sha256")["hash"]
    create_schema(url, "django", "dj_")
    insert_users(url, "django", [
        {"id": 1, "username": "alice", "password": h, "email": "alice@example.org", "first_name": "Alice",
         "last_name": "Liddell", "is_staff": True, "is_superuser": True, "is_active": True},
        {"id": 2, "username": "full", "password": h, "email": "full@example.org", "is_active": True},
        {"id": 3, "username": "retired", "password": h, "email": "r@example.org", "is_active": False},
        {"id": 4, "username": "social", "password": "!Xq2S9dUxQkMv", "email": "s@example.org", "is_active": True},
    ], "dj_")
    return url


def test_django_username_login_with_nfkc_and_flags(django_url: str) -> None:
    assert ids(django_url, "django", "Alice", "dj_") == ["1"]
    assert ids(django_url, "django", "ｆｕｌｌ", "dj_") == ["2"]  # UsernameField NFKC-normalises
    assert ids(django_url, "django", "alice@example.org", "dj_") == []
    assert ids(django_url, "django", "alice@example.org", "dj_", email_login=True) == ["1"]
    assert states(django_url, "django", "dj_") == {
        "1": AccountState.ACTIVE, "2": AccountState.ACTIVE, "3": AccountState.INACTIVE, "4": AccountState.SSO_ONLY,
    }
    alice = get_preset("django").to_user(find_rows(django_url, "django", "alice", "dj_")[0])
    assert (alice.roles, alice.display_name) == (("staff", "superuser"), "Alice Liddell")


# ---------------------------------------------------------------- Devise


@pytest.fixture(scope="module")
def devise_url(url: str) -> str:
    h = vec("rails_devise", "devise_bcrypt")["hash"]
    now = datetime(2024, 5, 1, 12, 0, 0)
    create_schema(url, "devise", "rb_")
    base = {"created_at": now, "updated_at": now, "encrypted_password": h}
    insert_users(url, "devise", [
        {**base, "id": 1, "email": "bob@example.com", "confirmed_at": now},
        {**base, "id": 2, "email": "unconfirmed@example.com"},
        {**base, "id": 3, "email": "locked@example.com", "confirmed_at": now,
         "locked_at": datetime.now(UTC) - timedelta(minutes=5)},
        {**base, "id": 4, "email": "oldlock@example.com", "confirmed_at": now, "locked_at": PAST},
        {**base, "id": 5, "email": "omniauth@example.com", "confirmed_at": now, "encrypted_password": ""},
    ], "rb_")
    return url


def test_devise_email_is_stripped_and_downcased(devise_url: str) -> None:
    assert ids(devise_url, "devise", "  Bob@Example.COM ", "rb_") == ["1"]


def test_devise_confirmable_and_lockable_options(devise_url: str) -> None:
    plain = states(devise_url, "devise", "rb_", confirmable=False, lockable=False)
    assert plain == {"1": AccountState.ACTIVE, "2": AccountState.ACTIVE, "3": AccountState.ACTIVE,
                     "4": AccountState.ACTIVE, "5": AccountState.SSO_ONLY}
    full = states(devise_url, "devise", "rb_", confirmable=True, lockable=True)
    assert full == {"1": AccountState.ACTIVE, "2": AccountState.UNCONFIRMED, "3": AccountState.LOCKED,
                    "4": AccountState.ACTIVE, "5": AccountState.SSO_ONLY}
    never = states(devise_url, "devise", "rb_", lockable=True, unlock_in_hours=0)
    assert never["4"] is AccountState.LOCKED


def _store_find(url: str, app: str, login: str, prefix: str, **options: Any) -> Any:
    from legacy_auth.db import Database, Deadline
    from legacy_auth.migration.store import SqlUserStore

    db = Database(url)
    try:
        store = SqlUserStore(db, get_preset(app, **options), prefix)
        return [store.find_by_login(login, deadline=Deadline.after(5)), store]
    finally:
        db.close()


def test_devise_modules_are_detected_from_the_table_when_not_configured(devise_url: str) -> None:
    # the migration template's Confirmable / Lockable columns exist here: locked and unconfirmed users are
    # refused with no LEGACY_LOCKABLE / LEGACY_CONFIRMABLE set (the safe default)
    locked, store = _store_find(devise_url, "devise", "locked@example.com", "rb_")
    assert locked.state is AccountState.LOCKED
    assert store.preset.detected == {"confirmable": True, "lockable": True}
    assert _store_find(devise_url, "devise", "unconfirmed@example.com", "rb_")[0].state is AccountState.UNCONFIRMED
    bob = _store_find(devise_url, "devise", "bob@example.com", "rb_")[0]
    assert (bob.state, bob.email_verified) == (AccountState.ACTIVE, True)
    # an explicit setting wins over the columns
    assert _store_find(devise_url, "devise", "locked@example.com", "rb_", lockable=False)[0].state \
        is AccountState.ACTIVE


def test_devise_table_without_the_optional_modules_reads_only_its_own_columns(url: str) -> None:
    h = vec("rails_devise", "devise_bcrypt")["hash"]
    run_query(url, "CREATE TABLE rbmin_users (id INTEGER PRIMARY KEY, email VARCHAR(255) NOT NULL, "
                   "encrypted_password VARCHAR(255) NOT NULL)")
    run_query(url, "INSERT INTO rbmin_users (id, email, encrypted_password) VALUES (%s, %s, %s)",
              (1, "min@example.com", h))
    user, store = _store_find(url, "devise", " MIN@example.com", "rbmin_")
    assert (user.legacy_id, user.state, user.email_verified) == ("1", AccountState.ACTIVE, False)
    assert store.preset.detected == {"confirmable": False, "lockable": False}


# ---------------------------------------------------------------- ASP.NET Identity


@pytest.fixture(scope="module")
def aspnet_url(url: str) -> str:
    v3 = vec("aspnet_identity", "aspnet_identity_v3")["hash"]
    v2 = vec("aspnet_identity", "aspnet_identity_v2")["hash"]
    flags = {"EmailConfirmed": True, "PhoneNumberConfirmed": False, "TwoFactorEnabled": False,
             "LockoutEnabled": True, "AccessFailedCount": 0}
    create_schema(url, "aspnet_identity", "core_")
    insert_users(url, "aspnet_identity", [
        {**flags, "Id": "a1b2c3d4-0001", "UserName": "Kim@Example.org", "NormalizedUserName": "KIM@EXAMPLE.ORG",
         "Email": "Kim@Example.org", "NormalizedEmail": "KIM@EXAMPLE.ORG", "PasswordHash": v3,
         "PhoneNumber": "+15550001", "PhoneNumberConfirmed": True},
        {**flags, "Id": "a1b2c3d4-0002", "UserName": "straße", "NormalizedUserName": "STRAßE",
         "Email": "s@example.org", "NormalizedEmail": "S@EXAMPLE.ORG", "PasswordHash": v3, "EmailConfirmed": False},
        {**flags, "Id": "a1b2c3d4-0003", "UserName": "locked", "NormalizedUserName": "LOCKED",
         "Email": "l@example.org", "NormalizedEmail": "L@EXAMPLE.ORG", "PasswordHash": v3, "LockoutEnd": FUTURE},
        {**flags, "Id": "a1b2c3d4-0004", "UserName": "external", "NormalizedUserName": "EXTERNAL",
         "Email": "e@example.org", "NormalizedEmail": "E@EXAMPLE.ORG", "PasswordHash": None},
    ], "core_")
    create_schema(url, "aspnet_identity", "v2_", variant="v2")
    insert_users(url, "aspnet_identity", [
        {**flags, "Id": "old-1", "UserName": "Legacy", "Email": "legacy@example.org", "PasswordHash": v2,
         "LockoutEndDateUtc": FUTURE.replace(tzinfo=None)},
        {**flags, "Id": "old-2", "UserName": "fine", "Email": "fine@example.org", "PasswordHash": v2,
         "LockoutEndDateUtc": PAST.replace(tzinfo=None)},
    ], "v2_", variant="v2")
    return url


def test_aspnet_core_normalized_name_then_email(aspnet_url: str) -> None:
    assert ids(aspnet_url, "aspnet_identity", "kim@example.org", "core_") == ["a1b2c3d4-0001"]
    assert ids(aspnet_url, "aspnet_identity", "Straße", "core_") == ["a1b2c3d4-0002"]  # no ß -> SS
    assert ids(aspnet_url, "aspnet_identity", "S@Example.org", "core_") == ["a1b2c3d4-0002"]
    kim = get_preset("aspnet_identity").to_user(find_rows(aspnet_url, "aspnet_identity", "KIM@example.org",
                                                          "core_")[0])
    assert (kim.email_verified, kim.phone_number, kim.phone_verified) == (True, "+15550001", True)


def test_aspnet_states_lockout_confirmation_and_external_logins(aspnet_url: str) -> None:
    assert states(aspnet_url, "aspnet_identity", "core_") == {
        "a1b2c3d4-0001": AccountState.ACTIVE, "a1b2c3d4-0002": AccountState.ACTIVE,
        "a1b2c3d4-0003": AccountState.LOCKED, "a1b2c3d4-0004": AccountState.SSO_ONLY,
    }
    strict = states(aspnet_url, "aspnet_identity", "core_", require_confirmed_email=True)
    assert strict["a1b2c3d4-0002"] is AccountState.UNCONFIRMED


def test_aspnet_v2_variant(aspnet_url: str) -> None:
    assert ids(aspnet_url, "aspnet_identity", "LEGACY", "v2_", variant="v2") == ["old-1"]
    assert ids(aspnet_url, "aspnet_identity", "Fine@example.org", "v2_", variant="v2") == ["old-2"]
    assert states(aspnet_url, "aspnet_identity", "v2_", variant="v2") == {
        "old-1": AccountState.LOCKED, "old-2": AccountState.ACTIVE,
    }


# ---------------------------------------------------------------- generic

GENERIC = {"generic_table": "members", "generic_id_column": "member_id", "generic_username_column": "login",
           "generic_email_column": "mail", "generic_hash_column": "pw", "generic_salt_column": "pw_salt",
           "generic_active_column": "enabled"}


@pytest.fixture(scope="module")
def generic_url(url: str) -> str:
    salted = vec("generic", "sha256_salt_password")
    create_schema(url, "generic", "gen_", **GENERIC)
    insert_users(url, "generic", [
        {"member_id": 1, "login": "Zed", "mail": "zed@example.org", "pw": salted["hash"],
         "pw_salt": salted["extra"]["salt"], "enabled": True},
        {"member_id": 2, "login": "off", "mail": "off@example.org", "pw": salted["hash"], "enabled": False},
    ], "gen_", **GENERIC)
    return url


def test_generic_table_mode(generic_url: str) -> None:
    salted = vec("generic", "sha256_salt_password")
    assert ids(generic_url, "generic", "ZED", "gen_", **GENERIC) == ["1"]
    assert ids(generic_url, "generic", "Zed@Example.org", "gen_", **GENERIC) == ["1"]
    (row,) = find_rows(generic_url, "generic", "zed", "gen_", **GENERIC)
    user = get_preset("generic", **GENERIC).to_user(row)
    assert (user.password_hash, user.hash_fields) == (salted["hash"], {"salt": salted["extra"]["salt"]})
    assert states(generic_url, "generic", "gen_", **GENERIC) == {"1": AccountState.ACTIVE, "2": AccountState.INACTIVE}


def test_generic_query_mode(generic_url: str) -> None:
    query = ("SELECT member_id AS id, login AS username, mail AS email, pw AS password_hash, pw_salt AS salt "
             "FROM gen_members WHERE lower(login) = lower(%s) OR lower(mail) = lower(%s)")
    assert ids(generic_url, "generic", "zed@example.ORG", "", generic_user_query=query) == ["1"]
    assert ids(generic_url, "generic", "Zed", "", generic_user_query=query) == ["1"]
    for login in HOSTILE:
        assert ids(generic_url, "generic", login, "", generic_user_query=query) == []


# ---------------------------------------------------------------- hostile input, every app


APPS = [
    ("drupal7", "d7_", {"email_login": True}, "drupal_url"),
    ("drupal", "d8_", {"email_login": True}, "drupal_url"),
    ("phpbb3", "bb_", {"email_login": True}, "phpbb_url"),
    ("joomla", "abcde_", {"email_login": True}, "joomla_url"),
    ("magento2", "m2_", {}, "magento_url"),
    ("laravel", "lv_", {}, "laravel_url"),
    ("symfony", "sf_", {"salt_column": "salt"}, "symfony_url"),
    ("symfony", "sf_", {"variant": "fos"}, "symfony_url"),
    ("django", "dj_", {"email_login": True}, "django_url"),
    ("devise", "rb_", {}, "devise_url"),
    ("aspnet_identity", "core_", {}, "aspnet_url"),
    ("aspnet_identity", "v2_", {"variant": "v2"}, "aspnet_url"),
    ("generic", "gen_", GENERIC, "generic_url"),
]


@pytest.mark.parametrize(("app", "prefix", "options", "fixture"), APPS, ids=[f"{a[0]}-{a[1]}" for a in APPS])
def test_sql_metacharacters_never_match_and_never_break(
    request: pytest.FixtureRequest, url: str, app: str, prefix: str, options: dict[str, Any], fixture: str
) -> None:
    db = request.getfixturevalue(fixture)
    assert db == url
    for login in [*HOSTILE, "x" * 5000, "a\x00b", "\udc80@example.org"]:
        assert find_rows(db, app, login, prefix, **options) == [], login
    every_row = run_query(db, get_preset(app, **options).scan_query(prefix=prefix, dialect=dialect_of(db)))
    assert every_row  # the table is there and not empty: the empty results above are real misses

"""Unit tests: each app's own login normalisation, options and row rules (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from legacy_auth.apps import get_preset
from legacy_auth.apps.aspnet_identity import upper_invariant
from legacy_auth.apps.phpbb3 import clean_username
from legacy_auth.apps.symfony import parse_roles
from legacy_auth.errors import ConfigurationError
from legacy_auth.model import AccountState

NOW = datetime.now(UTC)


# ---------------------------------------------------------------- Drupal


def test_drupal8_queries_filter_on_the_default_translation() -> None:
    (query,) = get_preset("drupal").find_queries("editor", prefix="", dialect="mysql")
    assert "FROM `users_field_data` WHERE `name` = %s AND `default_langcode` = 1 LIMIT 2" in query.sql
    scan = get_preset("drupal").scan_query(prefix="", dialect="sqlite")
    assert scan.sql.endswith('WHERE `default_langcode` = 1 ORDER BY `uid`')  # SQLite: backticks, never a literal


@pytest.mark.parametrize(
    ("row", "state"),
    [
        ({"uid": 0, "name": "", "pass": "", "mail": "", "status": 0}, AccountState.SYSTEM),
        ({"uid": 5, "name": "x", "pass": "$S$D...", "mail": "x@y", "status": 0}, AccountState.BLOCKED),
        ({"uid": 5, "name": "x", "pass": "$S$D...", "mail": "x@y", "status": "1"}, AccountState.ACTIVE),
        ({"uid": 5, "name": "x", "pass": None, "mail": "x@y", "status": True}, AccountState.SSO_ONLY),
    ],
)
def test_drupal_states(row: dict[str, Any], state: AccountState) -> None:
    assert get_preset("drupal7").to_user(row).state is state


# ---------------------------------------------------------------- phpBB


@pytest.mark.parametrize(
    ("typed", "clean"),
    [
        ("Admin", "admin"),
        ("  Admin  ", "admin"),
        ("ＡＢＣ", "abc"),  # NFKC
        ("STRASSE", "strasse"),
        ("Straße", "strasse"),  # full case folding
        ("a  b", "a b"),
        ("a\tb", "ab"),  # control characters removed
        ('A&B"<>', "a&amp;b&quot;&lt;&gt;"),  # request-var htmlspecialchars(ENT_COMPAT)
        ("ﬁsh", "fish"),
    ],
)
def test_phpbb_clean_username_approximates_utf8_clean_string(typed: str, clean: str) -> None:
    assert clean_username(typed) == clean


def test_phpbb_lookup_is_exact_on_username_clean_in_every_dialect() -> None:
    for dialect in ("mysql", "postgresql", "sqlite"):
        (query,) = get_preset("phpbb3").find_queries("ＡＢＣ", prefix="phpbb_", dialect=dialect)  # type: ignore[arg-type]
        assert "username_clean" in query.sql
        assert "lower(" not in query.sql
        assert query.params == ("abc",)


def test_phpbb_falls_back_to_the_stored_username_for_names_phpbb_maps_as_confusables() -> None:
    # phpBB's confusables.php maps Cyrillic "б" to "6": "Бобр" is stored with username_clean "6обр", which our
    # clean_username (no confusables table) cannot produce; the second query finds the name as registered.
    assert len(get_preset("phpbb3").find_queries(" Бобр&Co ", prefix="phpbb_", dialect="postgresql")) == 1  # off
    phpbb = get_preset("phpbb3", username_fallback="true")
    clean, fallback = phpbb.find_queries(" Бобр&Co ", prefix="phpbb_", dialect="postgresql")
    assert fallback.uniform  # a table scan: run for known logins too
    assert clean.params == ("бобр&amp;co",)
    assert 'WHERE lower("username") = lower(%s) LIMIT 2' in fallback.sql
    assert fallback.params == ("Бобр&amp;Co",)  # trimmed, htmlspecialchars'd, NFC: phpBB's stored form
    nfd = "Bo\u0308r"
    assert phpbb.find_queries(nfd, prefix="", dialect="mysql")[1].params == ("Bör",)


# ---------------------------------------------------------------- Joomla / Magento / Laravel


def joomla_row(**over: Any) -> dict[str, Any]:
    return {"id": 1, "name": "N", "username": "u", "email": "e@x", "password": "$2y$10$x", "block": 0,
            "activation": "", **over}


@pytest.mark.parametrize(
    ("over", "state", "verified"),
    [
        ({}, AccountState.ACTIVE, True),
        ({"block": 1, "activation": "abc"}, AccountState.UNCONFIRMED, False),
        ({"block": 1}, AccountState.BLOCKED, False),
        ({"activation": "0"}, AccountState.ACTIVE, False),  # reset in progress
        ({"password": ""}, AccountState.SSO_ONLY, True),
    ],
)
def test_joomla_block_and_activation(over: dict[str, Any], state: AccountState, verified: bool) -> None:
    user = get_preset("joomla", activation_confirms_email=True).to_user(joomla_row(**over))
    assert (user.state, user.email_verified) == (state, verified)


@pytest.mark.parametrize(("app", "row"), [
    ("joomla", joomla_row()),
    ("magento2", {"entity_id": 1, "website_id": 1, "email": "a@x.org", "group_id": 1, "is_active": 1,
                  "firstname": "A", "lastname": "B", "password_hash": "h", "confirmation": None,
                  "lock_expires": None}),
])
def test_activation_counts_as_email_confirmation_only_when_the_site_required_it(app: str, row: dict[str, Any]) -> None:
    # an empty Joomla `activation` / a NULL Magento `confirmation` also holds where confirmation was never asked
    assert get_preset(app).to_user(row).email_verified is False
    assert get_preset(app, activation_confirms_email="false").to_user(row).email_verified is False
    assert get_preset(app, activation_confirms_email="true").to_user(row).email_verified is True
    pending = {**row, "activation": "tok"} if app == "joomla" else {**row, "confirmation": "tok"}
    assert get_preset(app, activation_confirms_email="true").to_user(pending).email_verified is False


def test_magento_website_option_adds_a_parameter_and_is_validated() -> None:
    exact, fallback = get_preset("magento2", website_id="3").find_queries("a@x.org", prefix="", dialect="postgresql")
    assert exact.sql.endswith('WHERE "email" = %s AND "website_id" = %s LIMIT 2')
    assert fallback.sql.endswith('WHERE lower("email") = lower(%s) AND "website_id" = %s LIMIT 2')
    assert exact.params == fallback.params == ("a@x.org", 3)
    with pytest.raises(ConfigurationError) as err:
        get_preset("magento2", website_id="main")
    assert err.value.setting == "LEGACY_WEBSITE_ID"


def test_laravel_verification_timestamp_as_text_or_datetime() -> None:
    base = {"id": 9, "name": "N", "email": "n@x.org", "password": "$2y$12$x"}
    assert get_preset("laravel").to_user({**base, "email_verified_at": "2024-01-01 10:00:00"}).email_verified
    assert get_preset("laravel").to_user({**base, "email_verified_at": datetime(2024, 1, 1)}).email_verified
    assert not get_preset("laravel").to_user({**base, "email_verified_at": None}).email_verified


# ---------------------------------------------------------------- Symfony


@pytest.mark.parametrize(
    ("raw", "roles"),
    [
        ('["ROLE_ADMIN", "ROLE_USER"]', ("ROLE_ADMIN", "ROLE_USER")),
        (["ROLE_ADMIN"], ("ROLE_ADMIN",)),
        (b'["ROLE_X"]', ("ROLE_X",)),
        ('a:2:{i:0;s:10:"ROLE_ADMIN";i:1;s:9:"ROLE_USER";}', ("ROLE_ADMIN", "ROLE_USER")),
        ("a:0:{}", ()),
        ("[not json", ()),
        (None, ()),
        (42, ()),
    ],
)
def test_symfony_roles_from_json_or_php_serialized(raw: Any, roles: tuple[str, ...]) -> None:
    assert parse_roles(raw) == roles


def test_symfony_options_are_validated() -> None:
    with pytest.raises(ConfigurationError) as err:
        get_preset("symfony", variant="fosuser")
    assert err.value.setting == "LEGACY_VARIANT"
    with pytest.raises(ConfigurationError) as err:
        get_preset("symfony", salt_column="salt; --")
    assert err.value.setting == "LEGACY_SALT_COLUMN"
    for options, setting in (({"verified_column": "is verified"}, "LEGACY_VERIFIED_COLUMN"),
                             ({"variant": "fos", "verified_column": "is_verified"}, "LEGACY_VERIFIED_COLUMN"),
                             ({"require_confirmed_email": True}, "LEGACY_REQUIRE_CONFIRMED_EMAIL")):
        with pytest.raises(ConfigurationError) as err:
            get_preset("symfony", **options)
        assert err.value.setting == setting


def maker_row(**over: Any) -> dict[str, Any]:
    return {"id": 1, "email": "a@x.org", "roles": "[]", "password": "$2y$13$x", **over}


def test_symfony_make_user_has_no_state_column_and_registration_forms_is_verified_is_read() -> None:
    assert get_preset("symfony").to_user(maker_row()).state is AccountState.ACTIVE
    assert get_preset("symfony").to_user(maker_row()).email_verified is False
    read = get_preset("symfony", verified_column="is_verified")
    assert "is_verified" in read.scan_query(prefix="", dialect="mysql").sql
    assert read.to_user(maker_row(is_verified=1)).email_verified is True
    assert read.to_user(maker_row(is_verified=0)).state is AccountState.ACTIVE  # the app lets them in
    strict = get_preset("symfony", verified_column="is_verified", require_confirmed_email=True)
    assert strict.to_user(maker_row(is_verified=False)).state is AccountState.UNCONFIRMED
    assert strict.to_user(maker_row(is_verified=True)).state is AccountState.ACTIVE


def fos_row(**over: Any) -> dict[str, Any]:
    return {"id": 1, "username": "John", "email": "j@x.org", "enabled": 1, "salt": None, "password": "$2y$13$x",
            "confirmation_token": None, "roles": "a:0:{}", **over}


def test_symfony_fos_enabled_counts_as_confirmation_only_with_the_activation_option() -> None:
    assert get_preset("symfony", variant="fos").to_user(fos_row()).email_verified is False
    fos = get_preset("symfony", variant="fos", activation_confirms_email=True)
    assert fos.to_user(fos_row()).email_verified is True
    assert fos.to_user(fos_row(confirmation_token="t")).email_verified is False  # a reset or change pending
    assert fos.to_user(fos_row(enabled=0, confirmation_token="t")).state is AccountState.UNCONFIRMED
    assert fos.to_user(fos_row(enabled=0)).state is AccountState.INACTIVE


def test_symfony_fos_chooses_email_or_username_canonical() -> None:
    preset = get_preset("symfony", variant="fos")
    (by_mail,) = preset.find_queries("John@Example.ORG", prefix="", dialect="postgresql")
    (by_name,) = preset.find_queries("JohnDoe", prefix="", dialect="postgresql")
    assert '"email_canonical" = %s' in by_mail.sql
    assert by_mail.params == ("john@example.org",)
    assert '"username_canonical" = %s' in by_name.sql
    assert preset.table("") == "fos_user"


# ---------------------------------------------------------------- Django / Devise


def django_row(**over: Any) -> dict[str, Any]:
    return {"id": 3, "username": "u", "password": "pbkdf2_sha256$1$a$b", "email": "", "first_name": "",
            "last_name": "", "is_staff": 0, "is_superuser": 0, "is_active": 1, **over}


def test_django_rows() -> None:
    preset = get_preset("django")
    assert preset.to_user(django_row()).state is AccountState.ACTIVE
    assert preset.to_user(django_row()).email is None  # Django stores '' for "no email"
    assert preset.to_user(django_row(is_active=False)).state is AccountState.INACTIVE
    assert preset.to_user(django_row(password="!unusable")).state is AccountState.SSO_ONLY
    assert preset.to_user(django_row(password="!unusable")).password_hash is None
    assert preset.to_user(django_row(is_staff="t", is_superuser="f")).roles == ("staff",)


def devise_row(**over: Any) -> dict[str, Any]:
    return {"id": 1, "email": "a@x.org", "encrypted_password": "$2a$12$x", "confirmed_at": None, "locked_at": None,
            **over}


@pytest.mark.parametrize(
    ("over", "options", "state"),
    [
        ({}, {}, AccountState.ACTIVE),
        ({}, {"confirmable": True}, AccountState.UNCONFIRMED),
        ({"locked_at": timedelta(minutes=59)}, {"lockable": True}, AccountState.LOCKED),
        ({"locked_at": timedelta(minutes=61)}, {"lockable": True}, AccountState.ACTIVE),
        ({"locked_at": timedelta(hours=5)}, {"lockable": True, "unlock_in_hours": 6}, AccountState.LOCKED),
        ({"locked_at": timedelta(days=900)}, {"lockable": True, "unlock_in_hours": 0}, AccountState.LOCKED),
        ({"locked_at": timedelta(0)}, {"lockable": False}, AccountState.ACTIVE),  # lockable off: not trusted
        ({"locked_at": timedelta(0)}, {}, AccountState.ACTIVE),  # unset and not yet detected: off
    ],
)
def test_devise_states(over: dict[str, Any], options: dict[str, Any], state: AccountState) -> None:
    # ``locked_at`` is given as "how long ago", resolved at run time: a timestamp fixed at collection time
    # would drift across the lock window when the whole suite runs for minutes.
    row = {k: datetime.now(UTC) - v if isinstance(v, timedelta) else v for k, v in over.items()}
    assert get_preset("devise", **options).to_user(devise_row(**row)).state is state


def test_devise_reads_optional_columns_only_when_enabled() -> None:
    plain = get_preset("devise").scan_query(prefix="", dialect="mysql").sql
    full = get_preset("devise", confirmable=True, lockable=True).scan_query(prefix="", dialect="mysql").sql
    assert "confirmed_at" not in plain
    assert "`confirmed_at`, `locked_at`" in full


@pytest.mark.parametrize("dialect", ["mysql", "postgresql", "sqlite"])
def test_devise_modules_left_unset_are_detected_from_the_tables_columns(dialect: str) -> None:
    preset = get_preset("devise")
    probe = preset.columns_probe(prefix="rb_", dialect=dialect)  # type: ignore[arg-type]
    assert probe is not None
    assert probe.params == (("rb_users",) if dialect != "postgresql" else ('"rb_users"',))
    preset.find_queries("a@x.org", prefix="rb_", dialect=dialect)  # a statement cached before detection ...
    preset.use_columns(["id", "email", "encrypted_password", "LOCKED_AT", "failed_attempts"])
    assert preset.columns_probe(prefix="rb_", dialect=dialect) is None  # once: cached for the runtime
    (query,) = preset.find_queries("a@x.org", prefix="rb_", dialect=dialect)
    assert "locked_at" in query.sql  # ... is rebuilt with the new columns
    assert "confirmed_at" not in query.sql
    locked = preset.to_user(devise_row(locked_at=datetime.now(UTC)))
    assert (locked.state, locked.email_verified) == (AccountState.LOCKED, False)


def test_devise_explicit_modules_skip_detection_and_an_invisible_table_is_asked_again() -> None:
    assert get_preset("devise", confirmable=True, lockable="false").columns_probe(prefix="", dialect="mysql") is None
    preset = get_preset("devise", confirmable=False)
    preset.use_columns([])  # information_schema showed nothing (no privilege / no table): not cached
    assert preset.columns_probe(prefix="", dialect="mysql") is not None
    preset.use_columns(["id", "confirmed_at", "locked_at"])
    assert (preset.module_on("confirmable"), preset.module_on("lockable")) == (False, True)


# ---------------------------------------------------------------- ASP.NET Identity


@pytest.mark.parametrize(("typed", "upper"), [("kim@x.org", "KIM@X.ORG"), ("straße", "STRAßE"), ("ﬁ", "ﬁ")])
def test_upper_invariant_never_expands_characters(typed: str, upper: str) -> None:
    assert upper_invariant(typed) == upper


def aspnet_row(**over: Any) -> dict[str, Any]:
    return {"Id": "abc", "UserName": "u", "Email": "u@x.org", "EmailConfirmed": 1, "PasswordHash": "AQAAAA",
            "PhoneNumber": None, "PhoneNumberConfirmed": 0, "LockoutEnabled": 1, "LockoutEnd": None, **over}


@pytest.mark.parametrize(
    ("over", "state"),
    [
        ({}, AccountState.ACTIVE),
        ({"LockoutEnd": NOW + timedelta(hours=1)}, AccountState.LOCKED),
        ({"LockoutEnd": (NOW + timedelta(hours=1)).isoformat()}, AccountState.LOCKED),  # SQLite TEXT
        ({"LockoutEnd": NOW - timedelta(hours=1)}, AccountState.ACTIVE),
        ({"LockoutEnd": NOW + timedelta(hours=1), "LockoutEnabled": 0}, AccountState.ACTIVE),
        ({"PasswordHash": None}, AccountState.SSO_ONLY),
    ],
)
def test_aspnet_lockout(over: dict[str, Any], state: AccountState) -> None:
    assert get_preset("aspnet_identity").to_user(aspnet_row(**over)).state is state


def test_aspnet_lookups_and_variant() -> None:
    first, second = get_preset("aspnet_identity").find_queries("kim@x.org", prefix="", dialect="mysql")
    assert "`NormalizedUserName` = %s" in first.sql
    assert "`NormalizedEmail` = %s" in second.sql
    assert first.params == second.params == ("KIM@X.ORG",)
    exact, v2 = get_preset("aspnet_identity", variant="v2").find_queries("Kim", prefix="", dialect="postgresql")
    assert 'WHERE "UserName" = %s' in exact.sql
    assert 'lower("UserName") = lower(%s)' in v2.sql
    assert '"LockoutEndDateUtc"' in v2.sql
    with pytest.raises(ConfigurationError):
        get_preset("aspnet_identity", variant="v4")


# ---------------------------------------------------------------- generic


@pytest.mark.parametrize(
    ("options", "setting"),
    [
        ({}, "LEGACY_GENERIC_TABLE"),
        ({"generic_table": "users"}, "LEGACY_GENERIC_USERNAME_COLUMN"),
        ({"generic_table": "users; --", "generic_username_column": "u"}, "LEGACY_GENERIC_TABLE"),
        ({"generic_table": "users", "generic_email_column": "e-mail"}, "LEGACY_GENERIC_EMAIL_COLUMN"),
        ({"generic_user_query": "DELETE FROM users WHERE name = %s"}, "LEGACY_GENERIC_USER_QUERY"),
        ({"generic_user_query": "SELECT * FROM users WHERE name = 'x'"}, "LEGACY_GENERIC_USER_QUERY"),
        ({"generic_user_query": "SELECT * FROM u WHERE n = %s; DROP TABLE u"}, "LEGACY_GENERIC_USER_QUERY"),
        ({"generic_user_query": "SELECT * FROM u WHERE n = %s AND m LIKE 'a%'"}, "LEGACY_GENERIC_USER_QUERY"),
        ({"generic_table": "t", "generic_username_column": "u", "generic_colour": "red"}, "LEGACY_GENERIC_COLOUR"),
    ],
)
def test_generic_configuration_errors_name_the_setting(options: dict[str, Any], setting: str) -> None:
    with pytest.raises(ConfigurationError) as err:
        get_preset("generic", **options)
    assert err.value.setting == setting


def test_generic_query_mode_binds_every_placeholder_and_cannot_scan() -> None:
    query = "SELECT id, name AS username, mail AS email, pw AS password_hash FROM u WHERE name = %s OR mail = %s " \
            "OR note LIKE 'x%%'"
    preset = get_preset("generic", generic_user_query=query)
    (q,) = preset.find_queries(" bob ", prefix="", dialect="mysql")
    assert q.sql == f"SELECT * FROM ({query}) AS legacy_user LIMIT 2"
    assert q.params == ("bob", "bob")
    with pytest.raises(ConfigurationError) as err:
        preset.scan_query(prefix="", dialect="mysql")
    assert err.value.setting == "LEGACY_GENERIC_TABLE"


def test_generic_email_only_table_and_verified_column() -> None:
    preset = get_preset("generic", generic_table="accounts", generic_email_column="email_address",
                        generic_email_verified_column="confirmed")
    (q,) = preset.find_queries("notanemail", prefix="", dialect="mysql")
    assert '`email_address` AS `email`' in q.sql
    user = preset.to_user({"id": 4, "email": "a@x.org", "password_hash": "h", "email_verified": 1})
    assert (user.email_verified, user.username) == (True, None)


def test_generic_scheme_option_is_accepted_for_the_hashing_context() -> None:
    preset = get_preset("generic", generic_table="t", generic_username_column="u", generic_scheme="sha1_salt_password")
    assert preset.name == "generic"

"""Settings.from_env: every LEGACY_* variable, defaults, and errors that name the variable."""

from __future__ import annotations

import hashlib

import pytest

from legacy_auth.errors import ConfigurationError, UnknownHashSchemeError
from legacy_auth.migration.config import APPS, Settings

BASE = {"LEGACY_APP": "q2a", "LEGACY_DB_URL": "mysql://app:s3cr3t-pw@db.internal:3306/forum"}


def settings(**env: str) -> Settings:
    return Settings.from_env({**BASE, **env})


def test_minimal_configuration_has_safe_defaults():
    s = settings()
    assert s.app == "q2a"
    assert s.db_url is not None
    u = s.db_url
    assert (u.dialect, u.host, u.port, u.database) == ("mysql", "db.internal", 3306, "forum")
    assert s.db_options.tls.mode == "disable"
    assert s.db_options.iam_auth is False
    assert s.table_prefix is None
    assert s.trust_emails is False
    assert s.pool_sign_in == "username"
    assert s.pool_aliases == frozenset({"email"})  # template.yaml EmailMode=alias: AliasAttributes [email]
    assert s.roles_attribute == "custom:legacy_roles"
    assert s.dummy_hash is None
    assert s.app_option("symfony_iterations") is None
    assert s.track_migration is False
    assert s.tracking_table == "legacy_auth_migrations"
    assert (s.budget_ms, s.margin_ms, s.verify_reserve_ms) == (3500, 500, 400)
    assert s.allow_forgot_password is True
    assert s.weak_password_reset is False


def test_settings_are_frozen():
    s = settings()
    with pytest.raises(AttributeError):
        s.app = "wordpress"  # type: ignore[misc]


def test_repr_never_shows_the_db_password_or_the_pepper():
    s = Settings.from_env({"LEGACY_APP": "devise", "LEGACY_DB_URL": BASE["LEGACY_DB_URL"],
                           "LEGACY_PEPPER": "pepper-value-123"})
    assert "s3cr3t-pw" not in repr(s)
    assert "pepper-value-123" not in repr(s)
    assert s.hashing_options() == {"pepper": "pepper-value-123"}


@pytest.mark.parametrize("app", APPS)
def test_every_documented_app_is_accepted(app: str):
    assert settings(LEGACY_APP=app).app == app


@pytest.mark.parametrize(("env", "variable"), [
    ({"LEGACY_APP": ""}, "LEGACY_APP"),
    ({"LEGACY_APP": "phpnuke"}, "LEGACY_APP"),
    ({"LEGACY_DB_URL": ""}, "LEGACY_DB_URL"),
    ({"LEGACY_DB_URL": "oracle://x@y/z"}, "LEGACY_DB_URL"),
    ({"LEGACY_DB_URL": "mysql://app@host:99999/db"}, "LEGACY_DB_URL"),
    ({"LEGACY_DB_URL": "mysql://app@host:3306/"}, "LEGACY_DB_URL"),
    ({"LEGACY_DB_SECRET_ARN": "my-secret"}, "LEGACY_DB_SECRET_ARN"),
    ({"LEGACY_DB_TLS": "sometimes"}, "LEGACY_DB_TLS"),
    ({"LEGACY_DB_TLS_CA_FILE": "/x.pem"}, "LEGACY_DB_TLS_CA_FILE"),
    ({"LEGACY_DB_IAM_AUTH": "true", "LEGACY_DB_TLS": "disable"}, "LEGACY_DB_TLS"),
    ({"LEGACY_DB_IAM_AUTH": "maybe"}, "LEGACY_DB_IAM_AUTH"),
    ({"LEGACY_TABLE_PREFIX": "qa_; DROP"}, "LEGACY_TABLE_PREFIX"),
    ({"LEGACY_TRACKING_TABLE": "x y"}, "LEGACY_TRACKING_TABLE"),
    ({"LEGACY_TRUST_EMAILS": "yes please"}, "LEGACY_TRUST_EMAILS"),
    ({"LEGACY_PAD_WEAK_HASHES": "2"}, "LEGACY_PAD_WEAK_HASHES"),
    ({"LEGACY_POOL_SIGN_IN": "phone"}, "LEGACY_POOL_SIGN_IN"),
    ({"LEGACY_BUDGET_MS": "4900"}, "LEGACY_BUDGET_MS"),
    ({"LEGACY_BUDGET_MS": "fast"}, "LEGACY_BUDGET_MS"),
    ({"LEGACY_MARGIN_MS": "0"}, "LEGACY_MARGIN_MS"),
    ({"LEGACY_VERIFY_RESERVE_MS": "4000"}, "LEGACY_VERIFY_RESERVE_MS"),
    ({"LEGACY_MIN_PASSWORD_LENGTH": "0"}, "LEGACY_MIN_PASSWORD_LENGTH"),
    ({"LEGACY_GENERIC_SCHEME": "hex_sha1"}, "LEGACY_GENERIC_SCHEME"),
    ({"LEGACY_POOL_ALIASES": "email,nickname"}, "LEGACY_POOL_ALIASES"),
    ({"LEGACY_POOL_ALIASES": ","}, "LEGACY_POOL_ALIASES"),
    ({"LEGACY_POOL_SIGN_IN": "email", "LEGACY_POOL_ALIASES": "email"}, "LEGACY_POOL_ALIASES"),
    ({"LEGACY_ROLES_ATTRIBUTE": "legacy_roles"}, "LEGACY_ROLES_ATTRIBUTE"),
    ({"LEGACY_ROLES_ATTRIBUTE": "custom:much_too_long_for_cognito"}, "LEGACY_ROLES_ATTRIBUTE"),
    ({"LEGACY_DUMMY_HASH": "$2y$10$\u00e9"}, "LEGACY_DUMMY_HASH"),
    ({"LEGACY_SYMFONY_ITERATIONS": "5000"}, "LEGACY_SYMFONY_ITERATIONS"),
    ({"LEGACY_APP": "symfony", "LEGACY_SYMFONY_ITERATIONS": "0"}, "LEGACY_SYMFONY_ITERATIONS"),
])
def test_bad_values_raise_configuration_error_naming_the_variable(env: dict[str, str], variable: str):
    with pytest.raises(ConfigurationError) as info:
        settings(**env)
    assert info.value.setting == variable
    assert "s3cr3t-pw" not in str(info.value)


def test_secret_arn_alone_is_enough_and_iam_auth_turns_tls_on():
    s = Settings.from_env({"LEGACY_APP": "wordpress",
                           "LEGACY_DB_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:1:secret:db",
                           "LEGACY_DB_IAM_AUTH": "true", "AWS_REGION": "eu-west-1", "LEGACY_DB_NAME": "wp"})
    assert s.db_url is None
    assert s.db_name == "wp"
    assert s.db_options.secret_arn == "arn:aws:secretsmanager:eu-west-1:1:secret:db"
    assert s.db_options.iam_auth is True
    assert s.db_options.tls.mode == "verify-full"
    assert s.db_options.region == "eu-west-1"


def test_neither_url_nor_secret_is_refused():
    with pytest.raises(ConfigurationError) as info:
        Settings.from_env({"LEGACY_APP": "q2a"})
    assert info.value.setting == "LEGACY_DB_URL"


def test_tls_with_ca_file_and_switches_parse():
    s = settings(LEGACY_DB_TLS="verify-ca", LEGACY_DB_TLS_CA_FILE="/var/task/rds.pem", LEGACY_TRUST_EMAILS="TRUE",
                 LEGACY_POOL_SIGN_IN="Email", LEGACY_TRACK_MIGRATION="1", LEGACY_TRACKING_TABLE="mig_progress",
                 LEGACY_BUDGET_MS="3000", LEGACY_TABLE_PREFIX="forum_", LEGACY_WEAK_PASSWORD_RESET="on")
    assert (s.db_options.tls.mode, s.db_options.tls.ca_file) == ("verify-ca", "/var/task/rds.pem")
    assert s.trust_emails is True
    assert s.pool_sign_in == "email"
    assert (s.track_migration, s.tracking_table) == (True, "mig_progress")
    assert s.budget_ms == 3000
    assert s.table_prefix == "forum_"
    assert s.weak_password_reset is True


def test_a_dash_table_prefix_means_no_prefix():
    assert settings(LEGACY_TABLE_PREFIX="-").table_prefix == ""
    assert settings(LEGACY_TABLE_PREFIX=" - ").table_prefix == ""


def test_an_empty_or_unset_table_prefix_means_the_apps_default_as_in_the_template():
    # template.yaml's LegacyTablePrefix: empty = app default (the variable is not set), "-" = none
    from legacy_auth.apps import get_preset

    assert settings(LEGACY_TABLE_PREFIX="").table_prefix is None
    assert settings(LEGACY_TABLE_PREFIX="  ").table_prefix is None
    assert settings().table_prefix is None
    none = settings(LEGACY_TABLE_PREFIX="-").table_prefix
    assert none is not None
    assert get_preset("q2a").table(none) == "users"
    assert get_preset("q2a").default_prefix == "qa_"


def test_a_dash_inside_a_table_prefix_is_refused():
    with pytest.raises(ConfigurationError) as info:
        settings(LEGACY_TABLE_PREFIX="qa-")
    assert info.value.setting == "LEGACY_TABLE_PREFIX"


def test_preset_options_are_collected_from_their_legacy_variables():
    s = settings(LEGACY_APP="wordpress", LEGACY_MULTISITE="true", LEGACY_UNRELATED="x")
    assert s.preset_kwargs() == {"multisite": "true"}
    assert settings(LEGACY_ALLOW_LOGIN_EMAIL_ONLY="1").preset_kwargs() == {"allow_login_email_only": "1"}
    generic = settings(LEGACY_APP="generic", LEGACY_GENERIC_TABLE="members", LEGACY_GENERIC_SCHEME="hex_sha1")
    assert generic.preset_kwargs()["generic_table"] == "members"
    assert generic.hashing_options() == {"generic_scheme": "hex_sha1"}
    assert settings(LEGACY_PAD_WEAK_HASHES="false").hashing_options() == {"pad_weak": False}
    assert settings().pad_weak_hashes is True


@pytest.mark.parametrize(("env", "aliases"), [
    ({}, {"email"}),
    ({"LEGACY_POOL_ALIASES": "none"}, set()),
    ({"LEGACY_POOL_ALIASES": " Email , preferred_username"}, {"email", "preferred_username"}),
    ({"LEGACY_POOL_ALIASES": "phone_number"}, {"phone_number"}),
    ({"LEGACY_POOL_SIGN_IN": "email"}, set()),
    ({"LEGACY_POOL_SIGN_IN": "email", "LEGACY_POOL_ALIASES": "NONE"}, set()),
])
def test_pool_aliases_describe_the_pools_alias_attributes(env: dict[str, str], aliases: set[str]):
    assert settings(**env).pool_aliases == frozenset(aliases)


def test_roles_attribute_dummy_hash_and_symfony_iterations():
    assert settings(LEGACY_ROLES_ATTRIBUTE="none").roles_attribute is None
    assert settings(LEGACY_ROLES_ATTRIBUTE="custom:roles").roles_attribute == "custom:roles"
    cheap = "$2y$04$hZ9KyLUtJQx9UeulemA.4eTFz/a0uBPYrpgeidDYjEhdn59lBLHrS"
    s = settings(LEGACY_DUMMY_HASH=cheap)
    assert s.hashing_options() == {"dummy_hash": cheap}
    assert cheap not in repr(s)
    sym = settings(LEGACY_APP="symfony", LEGACY_SYMFONY_ITERATIONS="1")
    assert sym.hashing_options() == {"symfony_iterations": 1}


def test_magento_legacy_rows_is_an_opt_in_passed_to_the_hash_context():
    assert "magento_legacy_rows" not in settings(LEGACY_APP="magento2").hashing_options()
    opted = settings(LEGACY_APP="magento2", LEGACY_MAGENTO_LEGACY_ROWS="true")
    assert opted.hashing_options()["magento_legacy_rows"] is True
    with pytest.raises(ConfigurationError) as err:
        settings(LEGACY_APP="q2a", LEGACY_MAGENTO_LEGACY_ROWS="true")
    assert err.value.setting == "LEGACY_MAGENTO_LEGACY_ROWS"


def test_magento_legacy_rows_setting_makes_a_two_part_row_verify():
    from legacy_auth.apps import get_context

    salt = "GV"
    row = hashlib.md5((salt + "correct horse").encode()).hexdigest() + ":" + salt  # noqa: S324 - Magento 1 row
    strict = get_context("magento2", **settings(LEGACY_APP="magento2").hashing_options())
    opted_settings = settings(LEGACY_APP="magento2", LEGACY_MAGENTO_LEGACY_ROWS="on")
    opted = get_context("magento2", **opted_settings.hashing_options())
    assert opted.verify("correct horse", row).ok
    assert not opted.verify("wrong horse", row).ok
    with pytest.raises(UnknownHashSchemeError):  # Magento 2.4 refuses a row without a version
        strict.verify("correct horse", row)

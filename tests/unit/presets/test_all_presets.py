"""Contract tests run against every preset: registry, identifiers, query shape, DDL, hostile rows."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legacy_auth.apps import PRESETS, get_preset
from legacy_auth.apps.generic import GenericPreset
from legacy_auth.errors import ConfigurationError, CorruptRowError
from legacy_auth.model import LegacyUser
from legacy_auth.presets.base import AppPreset
from legacy_auth.presets.table import TablePreset

APPS = ["q2a", "wordpress", "drupal7", "drupal", "phpbb3", "joomla", "magento2", "laravel", "symfony", "django",
        "devise", "aspnet_identity", "generic"]
APPS += ["firebase", "ldap"]
APPS += ["keycloak", "werkzeug", "passlib", "spring"]
APPS += ["vbulletin", "mybb", "smf", "xenforo"]
APPS += ["invision", "mediawiki", "moodle", "opencart"]
APPS += ["prestashop", "discourse", "ghost", "atlassian", "php"]
GENERIC = {"generic_table": "members", "generic_username_column": "login", "generic_email_column": "mail",
           "generic_salt_column": "salt", "generic_email_verified_column": "verified",
           "generic_active_column": "active"}
TABLE_OPTIONS = {"generic": GENERIC,  # the apps configured by LEGACY_GENERIC_* (php: no salt column)
                 "php": {k: v for k, v in GENERIC.items() if k != "generic_salt_column"}}
#: options an app cannot do without (generic's table; Keycloak's realm)
REQUIRED: dict[str, dict[str, Any]] = {"generic": GENERIC, "keycloak": {"keycloak_realm_id": "acme"},
                                       "werkzeug": GENERIC, "passlib": GENERIC, "spring": GENERIC}
#: row keys read besides the users table's own columns (Keycloak's credential sub-selects)
EXTRA_ROW_KEYS = {"keycloak": ("secret_data", "credential_data")}
DEFAULT_PREFIX = {"q2a": "qa_", "wordpress": "wp_", "phpbb3": "phpbb_", "joomla": "jos_"}
DEFAULT_PREFIX |= {"mybb": "mybb_", "smf": "smf_", "xenforo": "xf_"}
DEFAULT_PREFIX |= {"moodle": "mdl_", "opencart": "oc_"}
DEFAULT_PREFIX |= {"prestashop": "ps_"}
#: logins an app's own login rule refuses before any query (SMF Login2: no ' " < > & = \\ in a name)
REFUSED_LOGINS = {"smf": {"' OR 1=1 --"}}
#: apps that cut a too-long login to this many characters and look that up (SMF Login2: 79)
TRUNCATED_LOGINS = {"smf": 79}
DIALECTS = ["mysql", "postgresql", "sqlite"]


def make(app: str, **options: Any) -> TablePreset:
    preset = get_preset(app, **{**REQUIRED.get(app, {}), **TABLE_OPTIONS.get(app, {})}, **options)
    assert isinstance(preset, TablePreset)
    return preset


def row_keys(preset: TablePreset) -> tuple[str, ...]:
    if isinstance(preset, GenericPreset):
        return tuple(preset.columns_map)
    return (*preset.selected_columns(), *EXTRA_ROW_KEYS.get(preset.name, ()))


def test_every_legacy_app_value_has_a_preset() -> None:
    assert sorted(PRESETS) == sorted(APPS)


@pytest.mark.parametrize("app", APPS)
def test_preset_satisfies_the_protocol_and_documents_its_prefix(app: str) -> None:
    preset: AppPreset = make(app)
    assert preset.name == app
    assert preset.default_prefix == DEFAULT_PREFIX.get(app, "")


@pytest.mark.parametrize("name", ["", "Q2A", "wordpress ", "drupal6", None, 3])
def test_unknown_app_names_legacy_app(name: Any) -> None:
    with pytest.raises(ConfigurationError) as err:
        get_preset(name)
    assert err.value.setting == "LEGACY_APP"


@pytest.mark.parametrize("app", APPS)
@pytest.mark.parametrize("prefix", ["x; DROP TABLE users; --", "wp-", "1abc", "a b", "`", '"', "é_"])
def test_hostile_prefixes_are_refused(app: str, prefix: str) -> None:
    preset = make(app)
    with pytest.raises(ConfigurationError):
        preset.table(prefix)
    with pytest.raises(ConfigurationError):
        preset.find_queries("someone", prefix=prefix, dialect="mysql")


@pytest.mark.parametrize("app", APPS)
@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("login", ["Someone", "some.one@example.org", " qzx ", "' OR 1=1 --", "日本語"])
def test_find_queries_are_parameterised_and_limited_to_two_rows(app: str, dialect: Any, login: str) -> None:
    preset = make(app)
    queries = preset.find_queries(login, prefix=preset.default_prefix, dialect=dialect)
    if login in REFUSED_LOGINS.get(app, ()):
        assert queries == []
        return
    assert queries, "every app can look up a plausible login"
    for query in queries:
        assert query.sql.startswith("SELECT ")
        assert query.sql.endswith(" LIMIT 2")
        assert query.sql.count("%s") == len(query.params)
        assert login.strip() not in query.sql  # the login is never spliced into SQL
        assert all(isinstance(p, str | int) for p in query.params)


@pytest.mark.parametrize("app", APPS)
@pytest.mark.parametrize("login", ["", "x" * 400, "a\x00b", "\ud800abc", "\udfff@example.org"])
def test_logins_that_cannot_exist_give_no_queries(app: str, login: str) -> None:
    preset = make(app)
    queries = preset.find_queries(login, prefix=preset.default_prefix, dialect="postgresql")
    if app in TRUNCATED_LOGINS and login == "x" * 400:
        assert {q.params for q in queries} == {("x" * TRUNCATED_LOGINS[app],)}
        return
    assert queries == []


@pytest.mark.parametrize("app", APPS)
@pytest.mark.parametrize("dialect", DIALECTS)
def test_scan_query_reads_the_lookup_columns_in_key_order(app: str, dialect: Any) -> None:
    preset = make(app)
    scan = preset.scan_query(prefix=preset.default_prefix, dialect=dialect)
    lookup = preset.find_queries("someone@example.org", prefix=preset.default_prefix, dialect=dialect)[0]
    assert re.search(r" ORDER BY \S+$", scan.sql)
    assert scan.sql.split(" FROM ")[0] == lookup.sql.split(" FROM ")[0]
    assert scan.sql.count("%s") == len(scan.params)


@pytest.mark.parametrize("app", APPS)
@pytest.mark.parametrize("dialect", DIALECTS)
def test_ddl_creates_the_table_the_queries_read(app: str, dialect: Any) -> None:
    preset = make(app)
    statements = preset.ddl(prefix="t_", dialect=dialect)
    table = preset.table("t_")
    quoted = f"`{table}`" if dialect == "mysql" else f'"{table}"'
    assert statements[0].startswith(f"CREATE TABLE {quoted} (")
    tables = " ".join(s for s in statements if s.startswith("CREATE TABLE"))  # Discourse joins two more
    for column in row_keys(preset):
        real = preset.columns_map[column] if isinstance(preset, GenericPreset) else column
        assert (f"`{real}`" if dialect == "mysql" else f'"{real}"') in tables
    assert all(s.startswith(("CREATE TABLE", "CREATE INDEX", "CREATE UNIQUE INDEX")) for s in statements)


DRIVER_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.binary(max_size=40),
    st.builds(memoryview, st.binary(max_size=20)),
    st.datetimes(),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.lists(st.text(max_size=5), max_size=3),
    st.just("0000-00-00 00:00:00"),
    st.just(Decimal("1.5")),
)


@pytest.mark.parametrize("app", APPS)
def test_any_driver_row_maps_to_a_user_or_a_typed_error(app: str) -> None:
    preset = make(app, **({"lockable": True, "confirmable": True} if app == "devise" else {}))
    keys = row_keys(preset)

    @settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.fixed_dictionaries(dict.fromkeys(keys, DRIVER_VALUES)), st.sets(st.sampled_from(keys), max_size=2))
    def check(row: dict[str, Any], dropped: set[str]) -> None:
        for key in dropped:
            row.pop(key, None)
        error: CorruptRowError | None = None
        try:
            user = preset.to_user(row)
        except CorruptRowError as exc:
            error = exc
        if error is not None:
            assert error.app == app
            return
        assert isinstance(user, LegacyUser)
        assert user.legacy_id

    check()


@pytest.mark.parametrize("app", APPS)
@pytest.mark.parametrize("row", [None, [], "row", 42])
def test_non_mapping_rows_raise_a_typed_error(app: str, row: Any) -> None:
    with pytest.raises(CorruptRowError):
        make(app).to_user(row)


def test_datetime_and_text_driver_types_agree() -> None:
    preset = make("magento2")
    base = {"entity_id": 1, "website_id": 1, "email": "a@x.org", "group_id": 1, "is_active": 1, "firstname": None,
            "lastname": None, "password_hash": "h:s:1", "confirmation": None}
    as_text = preset.to_user({**base, "lock_expires": "2999-01-01 00:00:00"})
    as_dt = preset.to_user({**base, "lock_expires": datetime(2999, 1, 1)})
    assert as_text.state == as_dt.state == "locked"


@pytest.mark.parametrize("app", APPS)
def test_corrupt_row_errors_never_carry_the_values(app: str) -> None:
    preset = make(app)
    secret = "S3CRET-$2y$10$" + "x" * 20
    row = dict.fromkeys(row_keys(preset), b"\xff" + secret.encode())  # undecodable bytes everywhere
    with pytest.raises(CorruptRowError) as err:
        preset.to_user(row)
    assert secret not in str(err.value)
    assert secret not in repr(err.value.args)


@pytest.mark.parametrize("app", APPS)
def test_cached_statements_still_validate_every_new_prefix(app: str) -> None:
    preset = make(app)
    first = preset.find_queries("someone@example.org", prefix="ok_", dialect="postgresql")
    again = preset.find_queries("other@example.org", prefix="ok_", dialect="postgresql")
    assert [q.sql for q in first] == [q.sql for q in again]
    with pytest.raises(ConfigurationError):
        preset.find_queries("someone@example.org", prefix="ok_;--", dialect="postgresql")
    with pytest.raises(ConfigurationError):
        preset.find_queries("", prefix="ok_;--", dialect="postgresql")

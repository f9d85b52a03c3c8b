"""OpenCart (``legacy_auth/apps/opencart.py``): both table versions, email login, status, version option, dispatch."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from legacy_auth.apps import get_context, get_preset
from legacy_auth.apps.opencart import OpenCartPreset, dispatch, dispatch_v4
from legacy_auth.errors import ConfigurationError, HashError, UnknownHashSchemeError
from legacy_auth.model import AccountState
from legacy_auth.presets.values import RowReader

BCRYPT = "$2y$04$abcdefghijklmnopqrstuu5v1zL1wYd2bQ0v8a8b5mF2l3lA0vXsS"


def preset(**options: Any) -> OpenCartPreset:
    made = get_preset("opencart", **options)
    assert isinstance(made, OpenCartPreset)
    return made


def row(**changes: Any) -> RowReader:
    base = {"customer_id": 9, "customer_group_id": 2, "firstname": "Ann", "lastname": "Lee",
            "email": "ann@example.org", "password": BCRYPT, "status": 1}
    return RowReader("opencart", {**base, **changes})


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()  # noqa: S324 - the legacy format under test


def _opencart3(password: str, salt: str) -> str:
    return _sha1(salt + _sha1(salt + _sha1(password)))


# ---------------------------------------------------------------- tables


def test_the_4_0_table_has_no_salt_and_a_255_character_password() -> None:
    columns = {c.name: c.kind for c in preset().all_columns()}
    assert columns["password"] == "varchar(255)"
    assert columns["email"] == "varchar(96)"
    assert "salt" not in columns
    assert "fax" not in columns
    assert "salt" not in preset().selected_columns()
    assert preset().table("oc_") == "oc_customer"


def test_the_3_0_table_has_the_salt_and_a_40_character_password() -> None:
    columns = {c.name: c.kind for c in preset(opencart_version=3).all_columns()}
    assert (columns["password"], columns["salt"]) == ("varchar(40)", "varchar(9)")
    assert "salt" in preset(opencart_version=3).selected_columns()


def test_the_version_must_be_3_or_4_and_the_error_names_the_variable() -> None:
    for bad in ("5", "2", "four"):
        with pytest.raises(ConfigurationError) as err:
            preset(opencart_version=bad)
        assert err.value.setting == "LEGACY_OPENCART_VERSION"
        with pytest.raises(ConfigurationError) as err:
            get_context("opencart", opencart_version=bad)
        assert err.value.setting == "LEGACY_OPENCART_VERSION"


def test_options_of_other_apps_are_refused() -> None:
    with pytest.raises(ConfigurationError) as err:
        preset(email_login=True)
    assert err.value.setting == "LEGACY_EMAIL_LOGIN"
    with pytest.raises(ConfigurationError) as err:
        get_context("opencart", moodle_site_salt="x")
    assert err.value.setting == "LEGACY_MOODLE_SITE_SALT"


# ---------------------------------------------------------------- login rule


def test_the_email_is_escaped_as_request_clean_does_and_compared_lower_cased() -> None:
    typed = ' Ann&"Co"@Example.org '
    assert [(lk.column, lk.match, v) for lk, v in preset(opencart_version=3).lookups(typed)] == [
        ("email", "lower", ' Ann&amp;&quot;Co&quot;@Example.org ')]
    assert [v for _, v in preset().lookups(typed)] == ["Ann&amp;&quot;Co&quot;@Example.org"]  # 4.0 trims


def test_sql_metacharacters_in_the_login_are_bound_parameters() -> None:
    hostile = "' OR '1'='1@example.org"
    for dialect in ("mysql", "postgresql", "sqlite"):
        for query in preset().find_queries(hostile, prefix="oc_", dialect=dialect):  # type: ignore[arg-type]
            assert "OR '1'" not in query.sql
            assert query.params == (hostile,)


# ---------------------------------------------------------------- states


def test_an_enabled_customer_maps_with_group_and_unescaped_email_and_name() -> None:
    user = preset().read(row(email="o&amp;b&quot;@example.org", lastname="L&lt;ee"))
    assert (user.legacy_id, user.username, user.email, user.display_name) == ("9", None, 'o&b"@example.org',
                                                                               "Ann L<ee")
    assert user.state is AccountState.ACTIVE
    assert user.roles == ("customer_group:2",)
    assert user.email_verified is False


@pytest.mark.parametrize(("changes", "state"), [
    ({"status": 0}, AccountState.INACTIVE),
    ({"password": ""}, AccountState.SSO_ONLY),
    ({"password": "", "salt": "abcdefghi"}, AccountState.SSO_ONLY),
    ({"status": 0, "password": ""}, AccountState.INACTIVE),
])
def test_each_account_state(changes: dict[str, Any], state: AccountState) -> None:
    assert preset(opencart_version=3).read(row(**changes)).state is state


def test_the_salt_is_a_hash_field_of_3_0_rows() -> None:
    assert preset(opencart_version=3).read(row(password="a" * 40, salt="abcdefghi")).hash_fields == {
        "salt": "abcdefghi"}


# ---------------------------------------------------------------- password check


def test_3_0_verifies_its_salted_sha1_and_md5_over_the_escaped_untrimmed_password() -> None:
    ctx = get_context("opencart", pad_weak=False, opencart_version=3)
    password = ' Tom & "Jerry" '
    escaped = ' Tom &amp; &quot;Jerry&quot; '
    assert ctx.verify(password, _opencart3(escaped, "abcdefghi"), salt="abcdefghi").ok is True
    assert ctx.verify(password.strip(), _opencart3(escaped, "abcdefghi"), salt="abcdefghi").ok is False
    assert ctx.verify(password, hashlib.md5(escaped.encode()).hexdigest()).ok is True  # noqa: S324


def test_3_0_cannot_verify_password_hash_rows_and_4_0_can() -> None:
    with pytest.raises(UnknownHashSchemeError):
        dispatch(BCRYPT, {})
    assert dispatch_v4(BCRYPT, {}).name == "bcrypt"


def test_4_0_verifies_the_trimmed_password_and_a_salted_row_without_its_salt_fails() -> None:
    ctx = get_context("opencart", pad_weak=False)
    stored = _opencart3("pw", "abcdefghi")
    assert ctx.verify("  pw\t", stored, salt="abcdefghi").ok is True
    try:
        result = ctx.verify("pw", stored)
    except HashError:
        return
    assert result.ok is False


@pytest.mark.parametrize("stored", ["A" * 40, "a" * 39, "0" * 33, "{SHA}x", "$P$B123"])
def test_other_values_are_unknown(stored: str) -> None:
    for check in (dispatch, dispatch_v4):
        with pytest.raises(UnknownHashSchemeError):
            check(stored, {})

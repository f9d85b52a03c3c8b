"""Ghost staff users: the ``users`` table of ``schema.js``, ``getByEmail``'s case rule, ``status`` and
``bcryptjs``."""

from __future__ import annotations

from typing import Any

import bcrypt
import pytest

from legacy_auth.apps import get_context, get_preset
from legacy_auth.apps.ghost import STATUSES, GhostPreset, dispatch
from legacy_auth.errors import ConfigurationError, UnknownHashSchemeError
from legacy_auth.model import AccountState

#: ``ghost/core/core/server/data/schema/schema.js`` ``users`` (Ghost 5.x), the columns the DDL reproduces
SCHEMA_COLUMNS = ("id", "name", "slug", "password", "email", "profile_image", "cover_image", "bio", "website",
                  "location", "facebook", "twitter", "accessibility", "status", "locale", "visibility", "meta_title",
                  "meta_description", "tour", "last_seen", "comment_notifications", "created_at", "updated_at")
ROW = {"id": "5951f5fca366002ebd5dbef7", "name": "Ann Lee", "email": "Ann@Example.org", "status": "active",
       "password": "$2a$10$e6p4dOBqWEIp/8OjGwS.uuimaz7hAPfCkE8qK5zh67GmjTkDql6bu"}


def test_ddl_has_the_schema_columns_with_unique_email_and_slug() -> None:
    preset = get_preset("ghost")
    assert tuple(c.name for c in preset.all_columns()) == SCHEMA_COLUMNS
    ddl = " ".join(preset.ddl(prefix="", dialect="mysql"))
    assert "UNIQUE" in ddl
    assert "`id` VARCHAR(24) NOT NULL" in ddl
    assert "`status` VARCHAR(50) NOT NULL DEFAULT 'active'" in ddl


def test_login_is_the_email_ignoring_case_as_typed() -> None:
    (query,) = get_preset("ghost").find_queries(" Ann@Example.org", prefix="", dialect="mysql")
    assert query.sql.endswith("WHERE `email` = %s LIMIT 2")  # the _ci collation
    assert query.params == (" Ann@Example.org",)  # Ghost does not trim
    exact, lower = get_preset("ghost").find_queries("Ann@Example.org", prefix="", dialect="postgresql")
    assert exact.sql.endswith('WHERE "email" = %s LIMIT 2')
    assert lower.sql.endswith('WHERE lower("email") = lower(%s) LIMIT 2')


def test_sql_metacharacters_are_parameters() -> None:
    login = "o'b\"r;--%_@example.org"
    for query in get_preset("ghost").find_queries(login, prefix="", dialect="postgresql"):
        assert login not in query.sql
        assert query.params == (login,)


@pytest.mark.parametrize(
    ("changes", "state"),
    [
        *[({"status": s}, AccountState.ACTIVE) for s in STATUSES if s not in ("locked", "inactive")],
        ({"status": "locked"}, AccountState.LOCKED),
        ({"status": "inactive"}, AccountState.INACTIVE),
        ({"password": ""}, AccountState.SSO_ONLY),
        ({"password": "", "status": "inactive"}, AccountState.INACTIVE),
    ],
)
def test_status_decides_the_state(changes: dict[str, Any], state: AccountState) -> None:
    assert get_preset("ghost").to_user({**ROW, **changes}).state is state


def test_row_maps_to_the_user() -> None:
    user = get_preset("ghost").to_user(ROW)
    assert (user.legacy_id, user.username, user.email, user.display_name) == (
        "5951f5fca366002ebd5dbef7", None, "Ann@Example.org", "Ann Lee")
    assert user.email_verified is False
    assert user.password_hash == ROW["password"]


def test_preset_has_no_options_and_the_context_none() -> None:
    with pytest.raises(ConfigurationError) as err:
        GhostPreset(email_login=True)
    assert err.value.setting == "LEGACY_EMAIL_LOGIN"
    with pytest.raises(ConfigurationError) as err:
        get_context("ghost", cookie_key="x")
    assert err.value.setting == "LEGACY_PRESTASHOP_COOKIE_KEY"


def test_dispatch_takes_bcrypt_only() -> None:
    for prefix in ("$2a$", "$2b$", "$2y$"):
        assert dispatch(prefix + "04$" + "a" * 53, {}).name == "ghost_bcryptjs"
    for stored in ("$argon2id$v=19$m=1,t=1,p=1$c2FsdA$aGFzaA", "5f4dcc3b5aa765d61d8327deb882cf99", "$P$Babc"):
        with pytest.raises(UnknownHashSchemeError):
            dispatch(stored, {})


def test_bcryptjs_hashes_the_nul_byte_and_refuses_an_empty_password() -> None:
    ctx = get_context("ghost", pad_weak=False)
    stored = bcrypt.hashpw(b"a\0b", bcrypt.gensalt(4)).decode()  # python bcrypt also takes the NUL byte
    assert ctx.verify("a\0b", stored).ok
    assert not ctx.verify("a", stored).ok
    assert not ctx.verify("", bcrypt.hashpw(b"", bcrypt.gensalt(4)).decode()).ok


def test_the_dummy_is_a_ghost_hash_at_ghosts_default_cost() -> None:
    assessed = get_context("ghost").dummy_assessment
    assert assessed is not None
    assert (assessed.scheme, assessed.cost) == ("ghost_bcryptjs", "cost=10")

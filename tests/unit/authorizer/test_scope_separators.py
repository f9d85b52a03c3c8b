"""Issue 12 §5: the ``scope`` claim is split on U+0020 only (RFC 6749 §3.3), never on other whitespace.

A scope string holding a TAB, NBSP, U+3000 or any other whitespace that is not U+0020 is one opaque scope:
it grants nothing a rule names (rule names may not contain whitespace), and it reaches the context escaped.
"""

from __future__ import annotations

import json

import pytest

from authorizer.config import Settings
from authorizer.errors import ConfigurationError
from tests.unit.authorizer.conftest import ALLOW, DENY, MakeAuthorizer, PoolKeys, outcome, respond, token_event
from tests.unit.authorizer.support import access_claims, base_env, mint

RULES = json.dumps([{"route": "GET /reports/**", "scopes_any": ["reports/admin"]}])
# Every character str.split() treats as whitespace, except U+0020 itself.
OTHER_WHITESPACE = [chr(c) for c in range(0x110000) if chr(c).isspace() and c != 0x20]


def test_the_whitespace_list_covers_tab_nbsp_and_ideographic_space() -> None:
    assert {"\t", "\u00a0", "\u3000", "\u2028", "\x1c", "\x85"} <= set(OTHER_WHITESPACE)


@pytest.mark.parametrize("separator", OTHER_WHITESPACE, ids=[f"U+{ord(c):04X}" for c in OTHER_WHITESPACE])
def test_a_scope_joined_by_whitespace_other_than_space_does_not_grant_the_second_scope(
    pool_keys: PoolKeys, make_authorizer: MakeAuthorizer, separator: str
) -> None:
    make_authorizer(ROUTE_RULES=RULES)
    token = mint(pool_keys.access, access_claims(scope=f"reports/read{separator}reports/admin"))
    response = respond(token_event(token))
    assert outcome(token_event(token)) == DENY
    assert response["context"]["scopes"] == f"reports/read\\u{ord(separator):04x}reports/admin"


@pytest.mark.parametrize(
    ("scope", "shown"),
    [
        ("reports/read reports/admin", "reports/read reports/admin"),
        ("  reports/admin", "reports/admin"),
        ("reports/read  reports/admin  ", "reports/read reports/admin"),
    ],
)
def test_scopes_separated_by_one_or_more_spaces_each_count(
    pool_keys: PoolKeys, make_authorizer: MakeAuthorizer, scope: str, shown: str
) -> None:
    make_authorizer(ROUTE_RULES=RULES)
    response = respond(token_event(mint(pool_keys.access, access_claims(scope=scope))))
    assert response["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert response["context"]["scopes"] == shown


@pytest.mark.parametrize("name", ["reports/admin\t", "reports\u00a0admin", "reports\u3000admin", "a b", "x\u200b"])
@pytest.mark.parametrize("key", ["scopes_any", "scopes_all", "groups_any", "groups_all"])
def test_a_rule_naming_a_scope_or_group_with_whitespace_or_invisible_characters_is_a_configuration_error(
    key: str, name: str
) -> None:
    with pytest.raises(ConfigurationError) as info:
        Settings.from_env(base_env(ROUTE_RULES=json.dumps([{"route": "GET /x", key: [name]}])))
    assert info.value.variable == "ROUTE_RULES"


def test_a_plain_scope_still_allows(pool_keys: PoolKeys, make_authorizer: MakeAuthorizer) -> None:
    make_authorizer(ROUTE_RULES=RULES)
    assert outcome(token_event(mint(pool_keys.access, access_claims(scope="reports/admin")))) == ALLOW

"""Configuration: every bad value is a clear error naming the variable, and the handler then fails closed."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest

import authorizer.handler as handler_module
from authorizer.config import Settings
from authorizer.errors import ConfigurationError
from authorizer.rules import parse_rules
from tests.unit.authorizer.conftest import UNAUTHORIZED, PoolKeys, outcome, token_event
from tests.unit.authorizer.support import CLIENT_ID, ISSUER, access_claims, base_env, mint


def test_issuer_and_jwks_url_are_derived_from_the_pool_id() -> None:
    s = Settings.from_env(base_env())
    assert s.issuer == ISSUER
    assert s.jwks_url == f"{ISSUER}/.well-known/jwks.json"
    assert s.client_ids >= {CLIENT_ID}
    assert s.token_use == "access"


def test_emulator_overrides_accept_loopback_http_and_local_pool_ids() -> None:
    s = Settings.from_env(
        base_env(
            USER_POOL_ID="local_5a8b9c0d",
            ISSUER="http://127.0.0.1:9229/local_5a8b9c0d",
            JWKS_URL="http://127.0.0.1:9229/local_5a8b9c0d/.well-known/jwks.json",
        )
    )
    assert s.issuer == "http://127.0.0.1:9229/local_5a8b9c0d"


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        ({"USER_POOL_ID": ""}, "USER_POOL_ID"),
        ({"USER_POOL_ID": "eu-west-1/../x"}, "USER_POOL_ID"),
        ({"APP_CLIENT_IDS": ""}, "APP_CLIENT_IDS"),
        ({"APP_CLIENT_IDS": "ok123,bad id"}, "APP_CLIENT_IDS"),
        ({"TOKEN_USE": "refresh"}, "TOKEN_USE"),
        ({"ISSUER": "ftp://x"}, "ISSUER"),
        ({"JWKS_URL": "http://example.com/jwks.json"}, "JWKS_URL"),
        ({"JWKS_JSON": "{not json"}, "JWKS_JSON"),
        ({"JWKS_JSON": '{"keys": []}'}, "JWKS_JSON"),
        ({"JWKS_FILE": "/nonexistent/jwks.json"}, "JWKS_FILE"),
        ({"LEEWAY_SECONDS": "-1"}, "LEEWAY_SECONDS"),
        ({"LEEWAY_SECONDS": "3601"}, "LEEWAY_SECONDS"),
        ({"MAX_TOKEN_BYTES": "lots"}, "MAX_TOKEN_BYTES"),
        ({"ROUTE_RULES": "[{"}, "ROUTE_RULES"),
        ({"ROUTE_RULES": '[{"route": "GET reports"}]'}, "ROUTE_RULES"),
        ({"ROUTE_RULES": '[{"route": "GET /x"}]'}, "ROUTE_RULES"),
        ({"ROUTE_RULES": '[{"route": "GET /x", "scopes": ["a"]}]'}, "ROUTE_RULES"),
        ({"ROUTE_DEFAULT": "maybe"}, "ROUTE_DEFAULT"),
        ({"HTTP_API_RESPONSE": "xml"}, "HTTP_API_RESPONSE"),
        ({"REQUIRE_USERNAME": "perhaps"}, "REQUIRE_USERNAME"),
        ({"JWKS_TIMEOUT_SECONDS": "30"}, "JWKS_TIMEOUT_SECONDS"),
        ({"REVOKED_JTIS_FILE": "/nonexistent/revoked.txt"}, "REVOKED_JTIS_FILE"),
    ],
)
def test_bad_configuration_names_the_variable(overrides: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        Settings.from_env(base_env(**overrides))
    assert info.value.variable == variable


def test_bad_configuration_makes_the_handler_fail_closed_with_401(
    pool_keys: PoolKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(handler_module, "AUTHORIZER", None)
    assert outcome(token_event(mint(pool_keys.access, access_claims()))) == UNAUTHORIZED


def test_cold_start_with_bad_configuration_logs_the_variable_and_refuses() -> None:
    assert handler_module._cold_start({"USER_POOL_ID": "nonsense"}) is None


def test_jwks_file_preloads_keys_and_disables_fetching(pool_keys: PoolKeys, tmp_path: Path) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(pool_keys.jwks()))
    s = Settings.from_env(base_env(JWKS_FILE=str(path)))
    assert s.jwks_url is None
    assert s.static_keys is not None
    assert set(s.static_keys) == {pool_keys.access.kid, pool_keys.id.kid}


def test_rules_reject_a_double_star_in_the_middle() -> None:
    with pytest.raises(ValueError, match="rule 0"):
        parse_rules('[{"route": "GET /a/**/b", "scopes_any": ["x"]}]')


@pytest.mark.parametrize("variable", ["JWKS_FILE", "REVOKED_JTIS_FILE"])
@pytest.mark.parametrize("problem", ["not_utf8", "directory", "nul_in_path"])
def test_an_unreadable_configuration_file_is_a_configuration_error(tmp_path: Path, variable: str, problem: str) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\x00not utf-8 \xc3\x28")
    value = {"not_utf8": str(bad), "directory": str(tmp_path), "nul_in_path": f"{tmp_path}/a\x00b"}[problem]
    with pytest.raises(ConfigurationError) as info:
        Settings.from_env(base_env(**{variable: value}))
    assert info.value.variable == variable


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ROUTE_RULES", "[" * 100_000 + "]" * 100_000),
        ("ROUTE_RULES", '[{"route": "GET /x", "scopes_any": ' + "[" * 5000 + "]" * 5000 + "}]"),
        ("JWKS_JSON", '{"keys": ' + "[" * 100_000 + "]" * 100_000 + "}"),
    ],
)
def test_absurdly_nested_json_configuration_is_a_configuration_error(variable: str, value: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        Settings.from_env(base_env(**{variable: value}))
    assert info.value.variable == variable


def test_a_non_utf8_jwks_file_makes_the_cold_start_fail_closed(tmp_path: Path) -> None:
    bad = tmp_path / "jwks.json"
    bad.write_bytes(b"\xff" + json.dumps({"keys": []}).encode())
    assert handler_module._cold_start(base_env(JWKS_FILE=str(bad))) is None


def test_an_unexpected_cold_start_failure_fails_closed_and_logs_only_its_type(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(environ: object) -> Settings:
        raise KeyError("secret-looking-value-123")  # a bug anywhere in the configuration code

    monkeypatch.setattr(Settings, "from_env", staticmethod(broken))
    buffer = io.StringIO()
    capture = logging.StreamHandler(buffer)
    capture.setFormatter(handler_module.logger.registered_formatter)  # the real JSON lines, extra keys included
    underlying = logging.getLogger(handler_module.logger.name)
    underlying.addHandler(capture)
    try:
        assert handler_module._cold_start(base_env()) is None
    finally:
        underlying.removeHandler(capture)
    logged = buffer.getvalue()
    assert "KeyError" in logged
    assert "secret-looking-value-123" not in logged


def test_a_relative_jwks_file_is_resolved_next_to_the_package(
    pool_keys: PoolKeys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import authorizer.config as config_module

    bundled = config_module.BUNDLED_DIR
    assert bundled == Path(config_module.__file__).parent  # the package directory, where a deployment bundles it
    monkeypatch.setattr(config_module, "BUNDLED_DIR", tmp_path)  # the tests never write into the source tree
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "jwks.json").write_text(json.dumps(pool_keys.jwks()))
    monkeypatch.chdir(tmp_path / "keys")  # a path relative to the working directory would miss it
    s = Settings.from_env(base_env(JWKS_FILE="keys/jwks.json"))
    assert s.static_keys is not None
    assert set(s.static_keys) == {pool_keys.access.kid, pool_keys.id.kid}

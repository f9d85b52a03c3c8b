"""DbUrl parsing/redaction, Deadline arithmetic, sqlite placeholder conversion, RDS secret JSON mapping."""

from __future__ import annotations

import time

import pytest

from legacy_auth.db import DbUrlError, Deadline, parse_db_url
from legacy_auth.db.credentials import url_from_rds_secret
from legacy_auth.db.sqlite import to_qmark
from legacy_auth.errors import StoreTimeoutError, StoreUnavailableError


@pytest.mark.parametrize(("url", "expected"), [
    ("mysql://app:pw@db:3306/forum", ("mysql", "db", 3306, "app", "pw", "forum")),
    ("mariadb://app@db/forum", ("mysql", "db", 3306, "app", None, "forum")),
    ("postgresql://u:p%40ss%3Aw@10.0.0.1:6432/legacy", ("postgresql", "10.0.0.1", 6432, "u", "p@ss:w", "legacy")),
    ("postgres://u@h/d", ("postgresql", "h", 5432, "u", None, "d")),
    ("sqlite:///relative/file.db", ("sqlite", "", 0, "", None, "relative/file.db")),
    ("sqlite:////abs/file.db", ("sqlite", "", 0, "", None, "/abs/file.db")),
])
def test_urls_parse(url: str, expected: tuple[object, ...]):
    u = parse_db_url(url)
    assert (u.dialect, u.host, u.port, u.user, u.password, u.database) == expected


@pytest.mark.parametrize("url", ["", "nourl", "oracle://a@b/c", "mysql://a@b:notaport/c", "mysql:///db",
                                 "mysql://a@b", "mysql://a@b/c/d", "sqlite://", "sqlite:/x"])
def test_bad_urls_are_refused_without_the_password(url: str):
    with pytest.raises(DbUrlError) as info:
        parse_db_url(url.replace("a@", "a:topsecret@"))
    assert "topsecret" not in str(info.value)


def test_password_is_never_in_repr_or_str():
    u = parse_db_url("mysql://app:hunter2-pw@db:3306/forum")
    assert "hunter2-pw" not in repr(u)
    assert "hunter2-pw" not in str(u)
    assert u.redacted() == "mysql://app:***@db:3306/forum"
    assert u.with_password("other").password == "other"


def test_deadline_from_context_takes_the_earlier_of_budget_and_remaining_time():
    class Ctx:
        def __init__(self, ms: int) -> None:
            self.ms = ms

        def get_remaining_time_in_millis(self) -> int:
            return self.ms

    assert 3.4 < Deadline.from_context(Ctx(5000), margin_ms=500, budget_ms=3500).remaining() <= 3.5
    assert 0.9 < Deadline.from_context(Ctx(1500), margin_ms=500, budget_ms=3500).remaining() <= 1.0
    assert Deadline.from_context(Ctx(200), margin_ms=500).expired


def test_deadline_timeout_caps_and_raises_when_spent():
    d = Deadline.after(2)
    assert d.timeout(0.5) == 0.5
    assert 1.9 < d.timeout() <= 2
    assert d.shortened(1.5).remaining() < 0.6
    assert d.earliest(Deadline.after(1)).remaining() < 1.01
    assert d.earliest(None) is d
    spent = Deadline(time.monotonic() - 1)
    assert spent.expired
    with pytest.raises(StoreTimeoutError):
        spent.timeout()


@pytest.mark.parametrize(("sql", "expected"), [
    ("SELECT * FROM t WHERE a = %s AND b = %s", "SELECT * FROM t WHERE a = ? AND b = ?"),
    ("SELECT * FROM t WHERE a LIKE 'x%%' AND b = %s", "SELECT * FROM t WHERE a LIKE 'x%' AND b = ?"),
    ("SELECT 1", "SELECT 1"),
])
def test_pyformat_placeholders_become_qmarks_for_sqlite(sql: str, expected: str):
    assert to_qmark(sql) == expected


def test_rds_secret_json_maps_to_a_url_and_falls_back_to_the_base_url():
    secret = {"engine": "aurora-postgresql", "host": "cluster.example", "port": 5433, "username": "app",
              "password": "pw-from-secret", "dbname": "legacy"}
    u = url_from_rds_secret(secret, None, None)
    assert (u.dialect, u.host, u.port, u.user, u.password, u.database) == (
        "postgresql", "cluster.example", 5433, "app", "pw-from-secret", "legacy")
    base = parse_db_url("mysql://ignored@proxy.example:3306/forum")
    u = url_from_rds_secret({"username": "app", "password": "x"}, base, None)
    assert (u.dialect, u.host, u.database, u.user) == ("mysql", "proxy.example", "forum", "app")
    assert url_from_rds_secret({**secret}, None, "override").database == "override"
    with pytest.raises(StoreUnavailableError) as info:
        url_from_rds_secret({"password": "leaky"}, None, None)
    assert "leaky" not in str(info.value)

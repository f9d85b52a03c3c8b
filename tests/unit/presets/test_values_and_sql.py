"""Unit tests: reading driver values (``RowReader``) and the SQL building blocks (identifiers, DDL, lookups)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from legacy_auth.errors import ConfigurationError, CorruptRowError
from legacy_auth.presets.sql import Column, Lookup, create_table, usable_login, validate_identifier, validate_prefix
from legacy_auth.presets.values import RowReader, in_future


def reader(**row: Any) -> RowReader:
    return RowReader("test", row)


@pytest.mark.parametrize("value", [1, True, "1", "t", "true", "Y", b"\x01", Decimal(1), bytearray(b"\x01")])
def test_truthy_driver_values(value: Any) -> None:
    assert reader(c=value).flag("c") is True


@pytest.mark.parametrize("value", [0, False, "0", "f", "false", "", b"\x00", Decimal(0)])
def test_falsy_driver_values(value: Any) -> None:
    assert reader(c=value).flag("c") is False


def test_null_flag_uses_the_default() -> None:
    assert reader(c=None).flag("c", default=True) is True


@pytest.mark.parametrize("value", ["maybe", 1.5, [1], object()])
def test_impossible_flags_raise_a_typed_error_naming_the_column(value: Any) -> None:
    with pytest.raises(CorruptRowError) as err:
        reader(enabled=value).flag("enabled")
    assert (err.value.app, err.value.column) == ("test", "enabled")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2030, 1, 2, 3, 4, 5), datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)),
        (datetime(2030, 1, 2, 5, 4, 5, tzinfo=timezone(timedelta(hours=2))),
         datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2030-01-02 03:04:05", datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2030-01-02T03:04:05Z", datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2030-01-02 03:04:05.123456+00:00", datetime(2030, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)),
        (b"2030-01-02 03:04:05", datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)),
        (1_893_553_445, datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)),  # Drupal-style unix time
        ("0000-00-00 00:00:00", None),  # MySQL zero date
        (67_768_036_191_676_800, datetime.max.replace(tzinfo=UTC)),  # past year 9999: "locked forever"
        (-(2**62), datetime.min.replace(tzinfo=UTC)),
        ("9999-12-31 23:59:59.9999999 +00:00", datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),  # .NET max
        ("", None),
        (None, None),
    ],
)
def test_timestamps_from_every_driver_shape(value: Any, expected: datetime | None) -> None:
    assert reader(t=value).timestamp("t") == expected


def test_bad_timestamp_is_a_typed_error_without_the_value() -> None:
    with pytest.raises(CorruptRowError) as err:
        reader(t="tomorrow-ish secret").timestamp("t")
    assert "secret" not in str(err.value)


def test_in_future() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    assert in_future(now + timedelta(seconds=1), now)
    assert not in_future(now, now)
    assert not in_future(None, now)


@pytest.mark.parametrize(("value", "expected"), [(b"ab", b"ab"), (bytearray(b"ab"), b"ab"), (memoryview(b"ab"), b"ab"),
                                                 ("ab", b"ab"), (None, None)])
def test_binary_columns(value: Any, expected: bytes | None) -> None:
    assert reader(b=value).binary("b") == expected


def test_text_columns() -> None:
    assert reader(t=b"caf\xc3\xa9").text("t") == "café"
    assert reader(t=42).text("t") == "42"
    assert reader(t="").blank_is_none("t") is None
    with pytest.raises(CorruptRowError):
        reader(t=True).text("t")
    with pytest.raises(CorruptRowError):
        reader(t=None).required_text("t")
    with pytest.raises(CorruptRowError) as err:
        reader().text("missing")
    assert err.value.reason == "missing"


def test_integers() -> None:
    assert reader(i="  12 ").integer("i") == 12
    assert reader(i=Decimal("3")).integer("i") == 3
    assert reader(i=b"\x00\x05").integer("i") == 5  # BIT(16)
    assert reader(i=None).integer("i", 7) == 7
    for bad in (Decimal("1.5"), "1e3", 2.0, b""):
        with pytest.raises(CorruptRowError):
            reader(i=bad).integer("i")


# ---------------------------------------------------------------- SQL building blocks


@pytest.mark.parametrize("name", ["users", "qa_users", "_x", "a$b", "AspNetUsers", "x" * 63])
def test_valid_identifiers(name: str) -> None:
    assert validate_identifier(name, "LEGACY_X") == name


@pytest.mark.parametrize("name", ["", "1a", "a-b", "a b", "a;b", 'a"b', "a`b", "é", "x" * 64, None, 5])
def test_invalid_identifiers_name_the_setting(name: Any) -> None:
    with pytest.raises(ConfigurationError) as err:
        validate_identifier(name, "LEGACY_X")
    assert err.value.setting == "LEGACY_X"


def test_prefix_may_be_empty_but_not_hostile() -> None:
    assert validate_prefix("") == ""
    assert validate_prefix("wp_") == "wp_"
    with pytest.raises(ConfigurationError):
        validate_prefix("wp_;")


def test_lookup_conditions_per_dialect() -> None:
    ci, exact, lower = Lookup("email", 80), Lookup("n", 9, match="exact"), Lookup("e", 9, match="lower")
    assert ci.condition("mysql") == "`email` = %s"
    assert ci.condition("postgresql") == 'lower("email") = lower(%s)'
    assert ci.condition("sqlite") == "lower(`email`) = lower(%s)"  # SQLite: backticks, never a string literal
    assert exact.condition("postgresql") == '"n" = %s'
    assert lower.condition("mysql") == "lower(`e`) = lower(%s)"


def test_case_insensitive_lookup_is_exact_first_off_mysql() -> None:
    ci = Lookup("email", 80)
    assert ci.steps("mysql") == (ci,)  # the collation decides in one indexed query
    for dialect, q in (("postgresql", '"email"'), ("sqlite", "`email`")):
        first, second = ci.steps(dialect)  # type: ignore[arg-type]
        assert first.condition(dialect) == f"{q} = %s"  # type: ignore[arg-type]
        assert second.condition(dialect) == f"lower({q}) = lower(%s)"  # type: ignore[arg-type]
        assert first.max_length == second.max_length == 80
    assert Lookup("n", 9, match="exact").steps("sqlite") == (Lookup("n", 9, match="exact"),)
    assert Lookup("e", 9, match="lower").steps("postgresql") == (Lookup("e", 9, match="lower"),)


@pytest.mark.parametrize(("login", "ok"), [("a", True), ("a" * 20, True), ("a" * 21, False), ("", False),
                                           ("a\x00", False), ("\ud83d", False), ("🔐", True), (None, False)])
def test_usable_login(login: Any, ok: bool) -> None:
    assert (usable_login(login, 20) is not None) is ok


def test_column_rendering_per_dialect() -> None:
    col = Column("flag", "bool", null=False, default=True)
    assert col.render("mysql") == "`flag` TINYINT(1) NOT NULL DEFAULT 1"
    assert col.render("postgresql") == '"flag" BOOLEAN NOT NULL DEFAULT TRUE'
    quoted = Column("s", "varchar(5)", default="it's")
    assert quoted.render("sqlite") == "\"s\" VARCHAR(5) DEFAULT 'it''s'"
    ts = Column("at", "timestamp", null=False, default_expr="CURRENT_TIMESTAMP")
    assert ts.render("postgresql") == '"at" TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP'
    off = Column("LockoutEnd", "datetimeoffset")
    assert [off.render(d) for d in ("mysql", "postgresql", "sqlite")] == [
        "`LockoutEnd` DATETIME(6)", '"LockoutEnd" TIMESTAMPTZ', '"LockoutEnd" TEXT']


def test_create_table_adds_lower_indexes_only_on_postgresql() -> None:
    cols = (Column("id", "int", null=False, auto=True), Column("email", "varchar(80)", collation="utf8mb4_general_ci"))
    mysql = create_table("t", cols, primary_key=("id",), indexes=(), dialect="mysql", lower_indexes=("email",))
    pg = create_table("t", cols, primary_key=("id",), indexes=(), dialect="postgresql", lower_indexes=("email",))
    lite = create_table("t", cols, primary_key=("id",), indexes=(), dialect="sqlite", lower_indexes=("email",))
    assert len(mysql) == 1
    assert "AUTO_INCREMENT" in mysql[0]
    assert pg[1] == 'CREATE INDEX "t_email_lower" ON "t" (lower("email"))'
    assert "GENERATED BY DEFAULT AS IDENTITY" in pg[0]
    assert len(lite) == 1
    assert "COLLATE NOCASE" in lite[0]

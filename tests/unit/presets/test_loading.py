"""The export readers shared by the app loaders: a streamed JSON array and LDIF (RFC 2849)."""

from __future__ import annotations

import base64
import io
import json

import pytest

from legacy_auth.presets.loading import ExportFileError, json_array_items, ldif_entries


def test_json_items_come_with_the_line_they_start_on() -> None:
    text = '  {\n "users" : [ {"a": 1},\n\n  {"b": [1, 2]} ,{"c": "x\\ny"}\n] }\n'
    assert list(json_array_items(io.StringIO(text), "users")) == [(2, {"a": 1}), (4, {"b": [1, 2]}),
                                                                (4, {"c": "x\ny"})]


def test_json_items_split_across_read_chunks_are_whole() -> None:
    items = [{"n": i, "pad": "x" * 5000} for i in range(40)]
    text = '{"users": [' + ", ".join(json.dumps(i) for i in items) + "]}"
    assert [item for _, item in json_array_items(io.StringIO(text), "users")] == items


def test_a_json_item_over_the_limit_is_refused() -> None:
    text = '{"users": [{"a": "' + "x" * 300_000 + '"}]}'
    with pytest.raises(ExportFileError, match="over 1,000 characters"):
        list(json_array_items(io.StringIO(text), "users", max_chars=1_000))


@pytest.mark.parametrize("text", ['{"users": [}', '{"users": [1,]}', '["users"]', '{"users": [] ', ""])
def test_malformed_json_documents_are_refused(text: str) -> None:
    with pytest.raises(ExportFileError):
        list(json_array_items(io.StringIO(text), "users"))


WANTED = frozenset({"uid", "userpassword", "cn"})


def test_ldif_unfolds_decodes_and_keeps_only_wanted_types() -> None:
    text = ("version: 1\n# comment\n#  folded comment\n\n"
            "dn: uid=a,\n dc=x\nuid: a\nuid: b\ncn;lang-fr:: " + base64.b64encode("Zoë".encode()).decode() +
            "\njpegPhoto:: AAAA\n AAAA\nUserPassword: {SSHA}ab\n c\n\n\n"
            "dn:: " + base64.b64encode(b"uid=\xc3\xa9,dc=x").decode() + "\nuid: e\n")
    assert list(ldif_entries(io.StringIO(text), WANTED)) == [
        (5, "uid=a,dc=x", {"uid": [b"a", b"b"], "cn": ["Zoë".encode()], "userpassword": [b"{SSHA}abc"]}),
        (16, "uid=é,dc=x", {"uid": [b"e"]}),
    ]


def test_ldif_add_records_are_content() -> None:
    text = "dn: uid=a,dc=x\nchangetype: add\nuid: a\n"
    assert list(ldif_entries(io.StringIO(text), WANTED)) == [(1, "uid=a,dc=x", {"uid": [b"a"]})]


def test_ldif_value_over_the_limit_is_refused() -> None:
    text = "dn: uid=a,dc=x\nuid: a\n" + "".join(" " + "x" * 1000 + "\n" for _ in range(1100))
    with pytest.raises(ExportFileError, match="characters"):
        list(ldif_entries(io.StringIO(text), WANTED))


def test_a_long_unwanted_value_is_skipped_not_held() -> None:
    text = "dn: uid=a,dc=x\njpegPhoto:: " + "".join(" " + "A" * 1000 + "\n" for _ in range(2000)) + "uid: a\n"
    assert list(ldif_entries(io.StringIO(text), WANTED)) == [(1, "uid=a,dc=x", {"uid": [b"a"]})]

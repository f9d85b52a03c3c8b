"""Strict JSON: the fast path for flat objects and the general path refuse exactly the same documents."""

from __future__ import annotations

import json

import pytest

from authorizer.strictjson import MAX_DEPTH, StrictJsonError, loads_object

FLAT = b'{"iss":"https://x","cognito:groups":["a","b"],"exp":1,"scope":"a b"}'


@pytest.mark.parametrize(
    "doc",
    [
        FLAT,
        b'{"a":[[[1]]],"b":"{not an object}"}',  # a '{' inside a string: the general path, same answer
        b'{"a":{"b":{"c":1}},"d":[1,2]}',  # nested objects: the general path
        b'{"deep":' + b"[" * (MAX_DEPTH - 1) + b"]" * (MAX_DEPTH - 1) + b"}",  # exactly MAX_DEPTH levels
        b"{}",
    ],
)
def test_valid_documents_decode_like_json_loads(doc: bytes) -> None:
    assert loads_object(doc) == json.loads(doc)


@pytest.mark.parametrize(
    "doc",
    [
        b'{"iss":"a","exp":1,"iss":"b"}',  # flat duplicate (the fast path)
        b'{"iss":"a","nested":{"k":1,"k":2}}',  # duplicate inside a nested object (the general path)
        b'{"a":{"x":1},"a":{"x":1}}',  # duplicate top-level key next to a nested object
        b'{"a":NaN}',
        b'{"a":-Infinity}',
        b'{"a":1} ',  # trailing whitespace
        b'{"a":1}{"b":2}',  # trailing document
        b' {"a":1}',  # leading whitespace
        b'{"deep":' + b"[" * MAX_DEPTH + b"]" * MAX_DEPTH + b"}",  # one level too deep, arrays only
        b'{"deep":' + b'{"a":' * MAX_DEPTH + b"1" + b"}" * MAX_DEPTH + b"}",  # one level too deep, objects
        b'{"deep":' + b"[" * 100_000 + b"]" * 100_000 + b"}",  # recursion bomb
        b'{"a":"\xff"}',  # invalid UTF-8
        '{"a":1}'.encode("utf-16"),
        b'["not","an","object"]',
        b'{"a":1',
        b"",
    ],
)
def test_non_strict_documents_are_refused(doc: bytes) -> None:
    with pytest.raises(StrictJsonError):
        loads_object(doc)

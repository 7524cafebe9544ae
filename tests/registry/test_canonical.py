"""Canonical JSON: the RFC 8785 vectors, and what the registry refuses to sign."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.canonical import canonical_bytes, loads_canonical, loads_strict, sha256_hex
from registry.errors import InvalidValue

JCS = Path(__file__).resolve().parents[2].parent / "shared" / "testvectors" / "jcs"
CASES = sorted(path.stem for path in (JCS / "input").glob("*.json"))


def expected_bytes(name: str) -> bytes:
    return bytes.fromhex((JCS / "outhex" / f"{name}.txt").read_text())


def first_float_path(value: Any, path: str = "$") -> str | None:
    """Where the first float sits, written the way canonical_bytes names it."""
    if isinstance(value, float):
        return path
    if isinstance(value, list):
        items = [(f"{path}[{i}]", item) for i, item in enumerate(value)]
    elif isinstance(value, dict):
        items = [
            (f"{path}.{k}" if k.isidentifier() else f"{path}[{json.dumps(k)}]", item)
            for k, item in value.items()
        ]
    else:
        return None
    for child_path, item in items:
        found = first_float_path(item, child_path)
        if found:
            return found
    return None


def test_every_vector_is_present() -> None:
    assert CASES == ["arrays", "french", "structures", "unicode", "values", "weird"]


@pytest.mark.parametrize("name", CASES)
def test_output_and_outhex_agree(name: str) -> None:
    assert (JCS / "output" / f"{name}.json").read_bytes() == expected_bytes(name)


@pytest.mark.parametrize("name", CASES)
def test_vector(name: str) -> None:
    value = json.loads((JCS / "input" / f"{name}.json").read_text(encoding="utf-8"))
    float_path = first_float_path(value)
    if float_path is None:
        assert canonical_bytes(value) == expected_bytes(name)
        assert canonical_bytes(loads_strict((JCS / "input" / f"{name}.json").read_bytes())) == (
            expected_bytes(name)
        )
    else:
        # The registry's formats carry no floats, so it refuses these vectors, naming the
        # value; the package it delegates to still produces the RFC 8785 bytes for them.
        with pytest.raises(InvalidValue) as caught:
            canonical_bytes(value)
        assert caught.value.field == float_path
        assert "floats are not allowed" in caught.value.reason
        assert rfc8785.dumps(value) == expected_bytes(name)


def test_float_vectors_name_their_paths() -> None:
    values = json.loads((JCS / "input" / "values.json").read_text())
    structures = json.loads((JCS / "input" / "structures.json").read_text())
    assert first_float_path(values) == "$.numbers[0]"
    assert first_float_path(structures) == '$["1"]["\\n"]'


def test_sorts_keys_by_utf16_and_keeps_integers() -> None:
    # U+FB33 sorts after U+1F600 because JCS compares UTF-16 code units (0xFB33 > 0xD83D).
    assert canonical_bytes({"b": [1, True, None], "a": "x", "\ufb33": 0, "\U0001f600": -5}) == (
        '{"a":"x","b":[1,true,null],"\U0001f600":-5,"\ufb33":0}'.encode()
    )


@pytest.mark.parametrize(
    ("value", "field", "reason"),
    [
        (1.5, "$", "floats are not allowed"),
        ({"a": [0, 2.0]}, "$.a[1]", "floats are not allowed"),
        ({"a": {"b c": math.nan}}, '$.a["b c"]', "floats are not allowed"),
        ([math.inf], "$[0]", "floats are not allowed"),
        ([-0.0], "$[0]", "floats are not allowed"),
        ({1: "x"}, "$", "object keys must be strings"),
        ({"a": {None: 1}}, "$.a", "object keys must be strings"),
        ({"a": b"bytes"}, "$.a", "bytes is not a JSON value"),
        ({"a": {1, 2}}, "$.a", "set is not a JSON value"),
        ({"n": 2**53}, "$.n", "outside the JSON safe range"),
        ({"n": -(2**53)}, "$.n", "outside the JSON safe range"),
        ({"s": ["ok", "\ud800"]}, "$.s[1]", "lone surrogate at position 0"),
        ({"s": {"\udc00": 1}}, "$.s", "object key '\\udc00' contains a lone surrogate"),
        ({"e": {"x": 1, "y": 1j}}, "$.e.y", "complex is not a JSON value"),
    ],
)
def test_refuses_what_is_not_float_free_json(value: Any, field: str, reason: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        canonical_bytes(value)
    assert caught.value.field == field
    assert reason in caught.value.reason


def test_safe_integer_edges_are_accepted() -> None:
    assert canonical_bytes([2**53 - 1, -(2**53 - 1)]) == b"[9007199254740991,-9007199254740991]"


def test_values_nested_deeper_than_orjson_goes_are_encoded_all_the_same() -> None:
    value: Any = "x"
    for depth in range(300):  # orjson stops at 254 levels
        value = [value] if depth % 2 else {"k": value}
    assert canonical_bytes(value) == rfc8785.dumps(value)


def test_sha256_hex_hashes_the_canonical_bytes() -> None:
    assert sha256_hex({"b": 1, "a": "é"}) == hashlib.sha256('{"a":"é","b":1}'.encode()).hexdigest()


def test_loads_strict_parses_plain_json() -> None:
    assert loads_strict('{"a": [1, "x", null, true], "b": {}}') == {
        "a": [1, "x", None, True],
        "b": {},
    }
    assert loads_strict(b'"\\u20ac"') == "€"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"a": 1, "a": 2}', 'duplicate key "a"'),
        ('{"x": {"é": 1, "é": 1}}', 'duplicate key "é"'),
        ('{"a": 1.0}', "floats are not allowed (got 1.0)"),
        ("[1e5]", "floats are not allowed (got 1e5)"),
        ("NaN", "NaN is not JSON"),
        ('{"a": -Infinity}', "-Infinity is not JSON"),
        ('{"a": 1', "not valid JSON"),
        ("", "not valid JSON"),
        ("[1] [2]", "not valid JSON: Extra data"),
    ],
)
def test_loads_strict_refuses(text: str, reason: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        loads_strict(text)
    assert caught.value.field == "json"
    assert reason in caught.value.reason


def test_loads_strict_refuses_bytes_that_are_not_utf8() -> None:
    with pytest.raises(InvalidValue, match="not UTF-8: bad byte at offset 6"):
        loads_strict(b'{"a": \xff}')


_json_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | _json_text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(_json_text, children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300)
@given(_json_values)
def test_fast_path_agrees_with_the_rfc8785_package(value: object) -> None:
    assert canonical_bytes(value) == rfc8785.dumps(value)


@pytest.mark.parametrize("name", CASES)
def test_loads_canonical_takes_the_vectors_it_can_prove(name: str) -> None:
    # A float-free vector without text beyond the BMP is recognised and parses to its input;
    # whatever is recognised has exactly these RFC 8785 bytes (a float such as 56.0 is
    # written 56, which reads back as an integer).
    value = json.loads((JCS / "input" / f"{name}.json").read_text(encoding="utf-8"))
    parsed = loads_canonical(expected_bytes(name))
    if parsed is not None:
        assert rfc8785.dumps(parsed) == expected_bytes(name)
    if max(expected_bytes(name)) >= 0xF0:
        assert parsed is None
    elif first_float_path(value) is None:
        assert parsed == value
    assert loads_canonical((JCS / "input" / f"{name}.json").read_bytes()) is None


@pytest.mark.parametrize(
    "data",
    [
        b'{"b":1,"a":2}',  # key order
        b'{"a": 1}',  # spacing
        b'{"a":1,"a":1}',  # duplicate key
        b'{"a":1.0}',  # float
        b'{"a":-0}',  # JCS writes 0
        b'{"a":NaN}',
        b'{"a":9007199254740992}',  # beyond the safe integers
        b'"\\u0041"',  # an escape JCS does not use
        b'"\\ud800"',  # a lone surrogate
        b'"\xed\xa0\x80"',  # the same as bytes: not UTF-8
        b'{"\xf0\x9f\x98\x80":1}',  # a key beyond the BMP
        b"\xef\xbb\xbf{}",  # a byte order mark
        b"{}\n",
        b"",
    ],
)
def test_loads_canonical_refuses_what_is_not_canonical(data: bytes) -> None:
    assert loads_canonical(data) is None


@settings(max_examples=300)
@given(_json_values)
def test_loads_canonical_recognises_canonical_bytes(value: object) -> None:
    data = rfc8785.dumps(value)
    parsed = loads_canonical(data)
    if max(data, default=0) >= 0xF0:
        assert parsed is None
    else:
        assert parsed == value


@settings(max_examples=300)
@given(_json_values, st.sampled_from([None, 0, 1]), st.booleans(), st.booleans())
def test_loads_canonical_never_accepts_other_bytes(
    value: object, indent: int | None, ascii_only: bool, sort_keys: bool
) -> None:
    # Whatever the text, what loads_canonical accepts is exactly the RFC 8785 form.
    data = json.dumps(value, indent=indent, ensure_ascii=ascii_only, sort_keys=sort_keys).encode(
        "utf-8", "surrogatepass"
    )
    parsed = loads_canonical(data)
    if parsed is not None:
        assert rfc8785.dumps(parsed) == data


@settings(max_examples=300)
@given(st.binary(max_size=40))
def test_loads_canonical_on_arbitrary_bytes(data: bytes) -> None:
    parsed = loads_canonical(data)
    if parsed is not None:
        assert rfc8785.dumps(parsed) == data

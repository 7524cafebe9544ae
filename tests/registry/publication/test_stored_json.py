"""Stored JSON text decodes to exactly what `json.loads` gives."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from registry.publication.stored_json import loads_stored

# What signed bundles and leaves hold: text (any, escapes included), safe integers, booleans,
# nulls, lists and objects; floats too, which the standard library and orjson read alike.
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)


def _same(left: Any, right: Any) -> bool:
    """Equal, and of the same types throughout (1 and 1.0 are equal but not the same)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return list(left) == list(right) and all(_same(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(map(_same, left, right))
    return bool(left == right)


@given(_VALUES, st.booleans())
def test_stored_text_decodes_as_the_standard_library_does(value: Any, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    assert _same(loads_stored(text), json.loads(text))
    assert _same(loads_stored(text.encode("utf-8")), json.loads(text))


def test_text_orjson_refuses_is_read_by_the_standard_library() -> None:
    for text in ('"\\ud800"', "[NaN]", "1e400", '{"a": Infinity}'):
        assert repr(loads_stored(text)) == repr(json.loads(text))

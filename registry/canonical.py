"""Canonical JSON (RFC 8785, JCS) for everything the registry hashes or signs.

The registry's public formats carry no floats, so the canonical form refuses them
outright instead of relying on JCS number formatting; strict parsing refuses them too,
along with duplicate keys, so a signed document has exactly one reading.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

import rfc8785

from registry.errors import InvalidValue

# JCS numbers are IEEE 754 doubles; integers beyond this lose precision.
MAX_SAFE_INTEGER = 2**53 - 1

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _child_path(path: str, key: str) -> str:
    if _IDENTIFIER.match(key):
        return f"{path}.{key}"
    return f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def _check(value: Any, path: str) -> None:
    """Raise InvalidValue at the first value JCS must not see; the path says where."""
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise InvalidValue(path, f"integer {value} is outside the JSON safe range ±(2**53-1)")
        return
    if isinstance(value, float):
        raise InvalidValue(
            path, f"floats are not allowed (got {value!r}); use an integer or a string"
        )
    if isinstance(value, str):
        _check_text(value, path)
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check(item, f"{path}[{index}]")
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidValue(
                    path, f"object keys must be strings, got {type(key).__name__} {key!r}"
                )
            _check_text(key, path)
            _check(item, _child_path(path, key))
        return
    raise InvalidValue(path, f"{type(value).__name__} is not a JSON value")


def _check_text(text: str, path: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise InvalidValue(
            path, f"text contains a lone surrogate at position {error.start}"
        ) from None


def canonical_bytes(obj: Any) -> bytes:
    """Return the RFC 8785 canonical bytes of a float-free JSON value."""
    _check(obj, "$")
    return rfc8785.dumps(obj)


def sha256_hex(obj: Any) -> str:
    """Return the lowercase hex SHA-256 of the canonical bytes of `obj`."""
    return hashlib.sha256(canonical_bytes(obj)).hexdigest()


def _refuse_float(text: str) -> Any:
    raise InvalidValue("json", f"floats are not allowed (got {text}); use an integer or a string")


def _refuse_constant(text: str) -> Any:
    raise InvalidValue("json", f"{text} is not JSON")


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise InvalidValue("json", f"duplicate key {json.dumps(key, ensure_ascii=False)}")
        result[key] = value
    return result


def loads_strict(data: str | bytes) -> Any:
    """Parse JSON text, refusing duplicate keys, floats, NaN/Infinity and non-UTF-8 bytes."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InvalidValue("json", f"not UTF-8: bad byte at offset {error.start}") from None
    try:
        return json.loads(
            data,
            object_pairs_hook=_unique_object,
            parse_float=_refuse_float,
            parse_constant=_refuse_constant,
        )
    except json.JSONDecodeError as error:
        reason = f"not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
        raise InvalidValue("json", reason) from None
    except ValueError as error:
        # Python refuses integers with more than 4300 digits as a ValueError.
        raise InvalidValue("json", f"not acceptable JSON: {error}") from None

"""Canonical JSON (RFC 8785, JCS) for everything the registry hashes or signs.

The registry's public formats carry no floats, so the canonical form refuses them
outright instead of relying on JCS number formatting; strict parsing refuses them too,
along with duplicate keys, so a signed document has exactly one reading.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import orjson
import rfc8785

from registry.errors import InvalidValue

# JCS numbers are IEEE 754 doubles; integers beyond this lose precision.
MAX_SAFE_INTEGER = 2**53 - 1

# Compact, sorted, UTF-8 (not ASCII-escaped): JCS itself for float-free values with keys in
# the BMP (see canonical_bytes). One encoder, built once.
_FAST_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

Problem = tuple[list[str | int], InvalidValue]
"""Where a value is not acceptable (path segments, innermost first) and why."""


class _Keys:
    """What the walk learns about object keys: whether any lies beyond the BMP."""

    __slots__ = ("astral",)

    def __init__(self) -> None:
        self.astral = False


def _problem(value: Any, keys: _Keys | None = None) -> Problem | None:
    """Return the first value JCS must not see, or None; paths are built only on failure.

    Containers pass over their strings, booleans and nulls in place, without a call each:
    a receipt or an entry is mostly strings.
    """
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return None
    if kind is int:
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return None
        return [], InvalidValue(
            "", "integer %(value)s is outside the JSON safe range ±(2**53-1)", value=value
        )
    if isinstance(value, dict):
        for key, item in value.items():
            if type(key) is not str:
                return [], InvalidValue(
                    "",
                    "object keys must be strings, got %(kind)s %(key)r",
                    kind=type(key).__name__,
                    key=key,
                )
            if keys is not None and not key.isascii() and max(key) > "\uffff":
                keys.astral = True
            item_kind = type(item)
            if item_kind is str or item_kind is bool or item is None:
                continue
            found = _problem(item, keys)
            if found:
                found[0].append(key)
                return found
        return None
    if kind is list or kind is tuple:
        for index, item in enumerate(value):
            item_kind = type(item)
            if item_kind is str or item_kind is bool or item is None:
                continue
            found = _problem(item, keys)
            if found:
                found[0].append(index)
                return found
        return None
    if isinstance(value, float):
        return [], InvalidValue(
            "", "floats are not allowed (got %(value)r); use an integer or a string", value=value
        )
    if isinstance(value, str | int):  # subclasses such as StrEnum serialise as their value
        return _problem(str(value) if isinstance(value, str) else int(value), keys)
    return [], InvalidValue("", "%(kind)s is not a JSON value", kind=kind.__name__)


def _unencodable(value: Any) -> Problem | None:
    """Find a string (value or key) holding a lone surrogate, which UTF-8 cannot encode."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            return [], InvalidValue(
                "", "text contains a lone surrogate at position %(start)s", start=error.start
            )
        return None
    if isinstance(value, dict):
        for key in value:
            if _unencodable(key):
                return [], InvalidValue("", "object key %(key)r contains a lone surrogate", key=key)
        items: Any = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = _unencodable(item)
        if found:
            found[0].append(key)
            return found
    return None


def json_path(segments: list[str | int]) -> str:
    """Write path segments (outermost first) as `$.a[0]["b c"]`."""
    path = "$"
    for segment in segments:
        if isinstance(segment, int):
            path += f"[{segment}]"
        elif _IDENTIFIER.match(segment):
            path += f".{segment}"
        else:
            path += f"[{json.dumps(segment, ensure_ascii=False)}]"
    return path


def _invalid(problem: Problem) -> InvalidValue:
    segments, reason = problem
    return reason.at(json_path(segments[::-1]))


def _compact_sorted(obj: Any) -> bytes:
    """Compact, key-sorted UTF-8 JSON of a checked value: orjson, else the standard library.

    For float-free values with keys in the BMP the two agree byte for byte (orjson sorts keys
    by UTF-8 bytes, which is code point order). orjson refuses a lone surrogate and nesting
    beyond 254 levels; the standard library encodes the latter and reports the former.
    """
    try:
        return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        return _FAST_ENCODER.encode(obj).encode("utf-8")


def canonical_bytes(obj: Any) -> bytes:
    """Return the RFC 8785 canonical bytes of a float-free JSON value.

    Without floats, JCS and Python's compact sorted `json.dumps` agree byte for byte (same
    escapes, same integers), except for the order of object keys beyond the Basic
    Multilingual Plane (JCS sorts UTF-16 code units); those take the `rfc8785` path.
    """
    keys = _Keys()
    problem = _problem(obj, keys)
    if problem:
        raise _invalid(problem)
    try:
        if not keys.astral:
            return _compact_sorted(obj)
        return rfc8785.dumps(obj)
    except (rfc8785.CanonicalizationError, UnicodeError) as error:
        problem = _unencodable(obj)
        raise _invalid(
            problem or ([], InvalidValue("", "not encodable: %(problem)s", problem=str(error)))
        ) from None


def sha256_hex(obj: Any) -> str:
    """Return the lowercase hex SHA-256 of the canonical bytes of `obj`."""
    return hashlib.sha256(canonical_bytes(obj)).hexdigest()


# Lead bytes of 4-byte UTF-8 sequences: text beyond the BMP, whose keys JCS sorts by UTF-16
# code units, takes the slow path (bytes past 0xF4 are not UTF-8 and fail to decode).
_BEYOND_BMP = (b"\xf0", b"\xf1", b"\xf2", b"\xf3", b"\xf4")


class _NotCanonical(Exception):
    """Raised inside the fast parse: the text holds what its canonical form would not."""


def _not_canonical(_text: str) -> Any:
    raise _NotCanonical


def _safe_int(text: str) -> int:
    value = int(text)
    if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        raise _NotCanonical
    return value


_FAST_DECODER = json.JSONDecoder(
    parse_float=_not_canonical, parse_int=_safe_int, parse_constant=_not_canonical
)


def loads_canonical(data: bytes) -> Any | None:
    """Parse `data` when it is exactly the canonical (JCS) bytes of a float-free value.

    Returns None otherwise (other spacing or key order, escapes JCS does not use, duplicate
    keys, floats, unsafe integers, text beyond the BMP, anything invalid): the caller then
    takes `loads_strict` and `canonical_bytes`, which say what is wrong. For text in
    canonical form this is one parse and one serialisation, both in C, so `data` itself
    can be hashed or verified as JCS of the value.
    """
    if any(map(data.__contains__, _BEYOND_BMP)):
        return None  # five byte searches: a third of the time of one regular expression
    try:
        value = _FAST_DECODER.decode(data.decode("utf-8"))
        # orjson writes what _FAST_ENCODER writes (JCS of a float-free value with BMP keys)
        # in half the time; a lone surrogate (from an escape) cannot be written at all.
        return value if jcs_bmp_bytes(value) == data else None
    except (ValueError, RecursionError, _NotCanonical, orjson.JSONEncodeError):
        return None


def jcs_bmp_bytes(value: Any) -> bytes:
    """JCS of a value read by loads_canonical (float-free, safe integers, keys in the BMP)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def _refuse_float(text: str) -> Any:
    raise InvalidValue(
        "json",
        "floats are not allowed (got %(text)s); use an integer or a string",
        text=text,
    )


def _refuse_constant(text: str) -> Any:
    raise InvalidValue(
        "json",
        "%(text)s is not JSON",
        text=text,
    )


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise InvalidValue(
                "json",
                "duplicate key %(key)s",
                key=json.dumps(key, ensure_ascii=False),
            )
        result[key] = value
    return result


def loads_strict(data: str | bytes) -> Any:
    """Parse JSON text, refusing duplicate keys, floats, NaN/Infinity and non-UTF-8 bytes."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InvalidValue(
                "json",
                "not UTF-8: bad byte at offset %(error_start)s",
                error_start=error.start,
            ) from None
    try:
        return json.loads(
            data,
            object_pairs_hook=_unique_object,
            parse_float=_refuse_float,
            parse_constant=_refuse_constant,
        )
    except json.JSONDecodeError as error:
        raise InvalidValue(
            "json",
            "not valid JSON: %(problem)s at line %(line)s column %(column)s",
            problem=error.msg,
            line=error.lineno,
            column=error.colno,
        ) from None
    except ValueError as error:
        # Python refuses integers with more than 4300 digits as a ValueError.
        raise InvalidValue(
            "json",
            "not acceptable JSON: %(error)s",
            error=error,
        ) from None
    except RecursionError:
        # Thousands of nested arrays exhaust the parser's stack: refuse them like bad JSON.
        raise InvalidValue("json", "not acceptable JSON: nested too deeply") from None

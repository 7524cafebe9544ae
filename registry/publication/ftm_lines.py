"""FollowTheMoney export lines rendered from an entry's values, without building entity objects.

A line is byte for byte what the library gives (`EntityProxy.to_dict()` dumped as sorted-key
compact JSON): every value goes through its property type's cleaning, and the library stays
the reference (tests compare both on many varied entries). Building entity objects was half
the cost of a full publication, most of it spent re-checking values that are already clean,
so a value is taken as it is when it is provably in its clean form already (printable,
NFC-normalised, no surrounding or doubled spaces; a credit code in its compact form), and any
other value is cleaned by the library exactly as `EntityProxy.add` would.
"""

from __future__ import annotations

import json
import operator
import re
import unicodedata
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any, Final

from followthemoney import model
from followthemoney.property import Property
from followthemoney.value import string_list
from rigour.urls.cleaning import clean_url

from registry.publication.ftm_entities import DEFAULT_PROGRAM, EntityValues, entry_values

_encode: Callable[[str], str] = json.encoder.encode_basestring
# The value is not known to be clean: ask the library.
_LIBRARY: Final = object()
# GB 32100: 8 digits, then 10 characters of its alphabet, the last being the check character.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_FORM = re.compile(r"[0-9]{8}[0-9A-HJ-NPQRTUWXY]{10}\Z")
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ENTITY_ID = re.compile(r"[0-9a-f]{40}\Z")
_QUOTED_PATH = re.compile(r"[A-Za-z0-9_.~%-]+\Z")
_ENTRIES = "/entries/"
# Enumerations and dates repeat across entries; their library answers are kept (bounded).
_MEMO_LIMIT = 4096

Clean = Callable[[str], object]


def _plain_text(value: str) -> bool:
    # Printable strings hold no control, format, surrogate or separator character other than
    # the plain space, so the library's sanitising (NFC, unsafe characters removed, stripped)
    # leaves them unchanged when they are NFC already and do not start or end with a space.
    return (
        value.isprintable()
        and value[0] != " "
        and value[-1] != " "
        and unicodedata.is_normalized("NFC", value)
    )


def _text(value: str) -> object:
    return value if value and _plain_text(value) else _LIBRARY


def _name(value: str) -> object:
    # Names are also unquoted ('"ACME"' -> 'ACME') and have their spaces squashed.
    if not value or not _plain_text(value) or "  " in value:
        return _LIBRARY
    if len(value) > 1 and value[0] in "\"'" and value[-1] in "\"'":
        return _LIBRARY
    return value


def _uscc(value: str) -> object:
    # The library validates the code and keeps its compact form, or drops it.
    if not _USCC_FORM.match(value):
        return _LIBRARY
    total = sum(map(operator.mul, map(_USCC_ALPHABET.index, value[:17]), _USCC_WEIGHTS))
    return value if _USCC_ALPHABET[(31 - total) % 31] == value[17] else None


def _entity(value: str) -> object:
    return value if _ENTITY_ID.match(value) else _LIBRARY


@lru_cache(maxsize=64)
def _clean_url_prefix(prefix: str) -> bool:
    # A prefix `scheme://host/.../entries/` the library leaves as it is, with nothing that
    # could end the path (a query, fragment or parameters) or be changed around it.
    if any(char in prefix for char in "?#;") or not _plain_text(prefix):
        return False
    probe = prefix + "IPL-0"
    return clean_url(probe) == probe


def _url(value: str) -> object:
    # Source URLs are `<public url>/entries/<quoted entry_id>`: clean when the prefix is.
    cut = value.rfind(_ENTRIES) + len(_ENTRIES)
    if cut < len(_ENTRIES) or not _QUOTED_PATH.match(value, cut):
        return _LIBRARY
    return value if _clean_url_prefix(value[:cut]) else _LIBRARY


def _memo(prop: Property) -> Clean:
    memo: dict[str, str | None] = {}

    def clean(value: str) -> object:
        if value in memo:
            return memo[value]
        cleaned = _library_values(prop, value)
        result = cleaned[0] if cleaned else None
        if len(memo) < _MEMO_LIMIT:
            memo[value] = result
        return result

    return clean


def _library_values(prop: Property, value: Any, owner: EntityValues | None = None) -> list[str]:
    """The values `EntityProxy.add(prop, value)` on `owner` would store, cleaned by the library."""
    proxy = None
    if owner is not None and prop.type.name == "entity":  # it may not point at its owner
        proxy = model.make_entity(owner.schema)
        proxy.id = owner.id
    cleaned = []
    for text in string_list(value, sanitize=True):
        result = prop.type.clean_text(text, format=prop.format, proxy=proxy)
        if result is not None:
            cleaned.append(result)
    return cleaned


def _fast_cleaner(prop: Property) -> Clean:
    kind, form = prop.type.name, prop.format
    if kind in ("string", "text") or (kind == "identifier" and form is None):
        return _text
    if kind == "identifier" and form == "uscc":
        return _uscc
    by_kind: dict[str, Clean] = {"name": _name, "url": _url, "entity": _entity}
    return by_kind.get(kind) or _memo(prop)


class _Schema:
    """One schema's properties with their cleaners, looked up once."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.encoded_name = _encode(name)
        self.properties: dict[str, tuple[Property, Clean]] = {}

    def property(self, name: str) -> tuple[Property, Clean]:
        found = self.properties.get(name)
        if found is None:
            prop = model.schemata[self.name].properties[name]
            found = self.properties[name] = (prop, _fast_cleaner(prop))
        return found


_SCHEMAS: dict[str, _Schema] = {}


def _cleaned(prop: Property, clean: Clean, value: Any, owner: EntityValues) -> list[str]:
    """The values `EntityProxy.add(prop, value)` would store, without the library if it can."""
    if type(value) is str:
        result = clean(value)
        if result is _LIBRARY or result == owner.id:
            return _library_values(prop, value, owner)
        return [] if result is None else [str(result)]
    if value is None:
        return []
    if type(value) is list or type(value) is tuple:
        return [text for inner in value for text in _cleaned(prop, clean, inner, owner)]
    return _library_values(prop, value, owner)


def entity_line(values: EntityValues) -> str:
    """One entity as its export line (with the newline), as the library would write it."""
    schema = _SCHEMAS.get(values.schema)
    if schema is None:
        schema = _SCHEMAS[values.schema] = _Schema(values.schema)
    properties: dict[str, list[str]] = {}
    size = 0  # the library's cap on an entity's total text size, counted its way
    for name, value in values.values:
        prop, clean = schema.property(name)
        limit = prop.type.total_size
        for text in _cleaned(prop, clean, value, values):
            if limit is not None and size + len(text) > limit:
                continue
            size += len(text)
            stored = properties.get(name)
            if stored is None:
                properties[name] = [text]
            elif text not in stored:
                stored.append(text)
    rendered = ",".join(
        _encode(name) + ":[" + ",".join(map(_encode, properties[name])) + "]"
        for name in sorted(properties)
    )
    entity_id = "null" if values.id is None else _encode(values.id)
    return f'{{"id":{entity_id},"properties":{{{rendered}}},"schema":{schema.encoded_name}}}\n'


def entry_lines(
    bundle: Mapping[str, Any],
    *,
    program: str = DEFAULT_PROGRAM,
    base_url: str | None = None,
    field: str = "bundle",
) -> bytes:
    """The subject and Sanction lines of one signed bundle, UTF-8 encoded."""
    subject, sanction = entry_values(bundle, program=program, base_url=base_url, field=field)
    return (entity_line(subject) + entity_line(sanction)).encode("utf-8")

"""The OpenAPI document in Chinese: a copy of the canonical English one, its texts translated.

The English document (`api/openapi_document.py`) stays the specification; `localised` gives a
copy for a Chinese reader, where every operation's summary and description paragraphs, every
tag's description and the overview come from the site's catalogue (api/translations) through
gettext. The texts are written where they belong: the endpoints' docstrings and the blueprints'
tag descriptions, which the babel extraction method in `api/openapi_texts.py` extracts as the
document says them (babel.cfg), and the overview and access sentences, marked in
`api/openapi_document.py`. tests/api/test_openapi_language.py fails while a text of the
document is not extracted or has no Chinese translation.
"""

from __future__ import annotations

import copy
from typing import Any

from flask_babel import force_locale, gettext

from api.openapi_texts import one_line, paragraphs

LANGUAGES = ("en", "zh")
CANONICAL = "en"


def document_texts(document: dict[str, Any]) -> list[str]:
    """Every text `localised` translates: summaries, description paragraphs, tag descriptions."""
    texts = [document.get("info", {}).get("description", "")]
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and "responses" in operation:
                texts.append(operation.get("summary", ""))
                texts.extend(paragraphs(operation.get("description", "")))
    texts.extend(one_line(tag.get("description", "")) for tag in document.get("tags", []))
    return [text for text in texts if text]


def _translated(text: str) -> str:
    translation: str = gettext(text)
    return translation


def _paragraphs_in(text: str) -> str:
    return "\n\n".join(_translated(paragraph) for paragraph in paragraphs(text))


def localised(document: dict[str, Any], language: str) -> dict[str, Any]:
    """The document for a reader of `language`: the canonical one itself, or a translated copy.

    Paths, schemas, examples, codes and field names stay as they are; only prose changes.
    """
    if language == CANONICAL:
        return document
    copied = copy.deepcopy(document)
    with force_locale(language):
        info = copied.setdefault("info", {})
        if info.get("description"):
            info["description"] = _translated(info["description"])
        for item in copied.get("paths", {}).values():
            for operation in item.values():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                if operation.get("summary"):
                    operation["summary"] = _translated(operation["summary"])
                if operation.get("description"):
                    operation["description"] = _paragraphs_in(operation["description"])
        for tag in copied.get("tags", []):
            if tag.get("description"):
                tag["description"] = _translated(one_line(tag["description"]))
    info["x-language"] = language
    return copied

"""The API documentation page: every endpoint, public ones first, with who may call it.

A Chinese reader gets the operations' summaries and details in Chinese and the link to the
Chinese copy of the OpenAPI document; the English document stays the specification and is
linked from both languages.
"""

from __future__ import annotations

from flask import render_template

from api.openapi_document import API_PREFIX, endpoint_sections
from api.openapi_language import CANONICAL
from api.rest import rest_api
from api.site.i18n import current_language
from api.site.views import bp

QUICKSTART = {"zh": "docs/api-quickstart.zh.md", "en": "docs/api-quickstart.md"}


@bp.get("/api/docs")
def api_docs() -> str:
    """The endpoints of the OpenAPI document by audience (script-free, rendered on the server)."""
    language = current_language()
    document = rest_api().document(language)
    spec_url = f"{API_PREFIX}/openapi.json"
    return render_template(
        "site/api_docs.html",
        info=document.get("info", {}),
        sections=endpoint_sections(document),
        tags=document.get("tags", []),
        spec_url=spec_url if language == CANONICAL else f"{spec_url}?lang={language}",
        canonical_spec_url=spec_url,
        quickstart=QUICKSTART[language],
    )

"""The API documentation page: every endpoint, public ones first, with who may call it."""

from __future__ import annotations

from flask import render_template

from api.openapi_document import API_PREFIX, endpoint_sections
from api.rest import rest_api
from api.site.views import bp


@bp.get("/api/docs")
def api_docs() -> str:
    """The endpoints of the OpenAPI document by audience (script-free, rendered on the server)."""
    document = rest_api().document()
    return render_template(
        "site/api_docs.html",
        info=document.get("info", {}),
        sections=endpoint_sections(document),
        spec_url=f"{API_PREFIX}/openapi.json",
    )

"""The admin console under /admin: server-rendered pages and plain HTML forms, no scripts.

Every POST form carries `csrf_token()` (CSRFProtect refuses it otherwise). Role refusals render
a 403 page; a refused form comes back as typed, each error beside its field (422, or 409 for
a state conflict). Pages are in Chinese first, English on request (`?lang=en`, remembered).
"""

from api.admin.console import (
    account_requests,
    account_views,
    approval,
    auth_views,
    dashboard,
    imports,
    listings,
    national_reports,
    operations,
    people,
    persons,
    records,
    session_views,
)
from api.admin.console.blueprint import bp

# Each module attaches its routes to bp.
VIEW_MODULES = (
    account_requests,
    account_views,
    approval,
    auth_views,
    dashboard,
    imports,
    listings,
    national_reports,
    operations,
    people,
    persons,
    records,
    session_views,
)

__all__ = ["VIEW_MODULES", "bp"]

"""The admin console under /admin: server-rendered pages and plain HTML forms, no scripts.

Every POST form carries `csrf_token()` (CSRFProtect refuses it otherwise). Role refusals render
a 403 page; mistakes a user can fix (InvalidValue, Conflict) come back as a flashed message.
"""

from api.admin.console import (
    account_requests,
    account_views,
    auth_views,
    imports,
    listings,
    people,
    records,
    session_views,
)
from api.admin.console.blueprint import bp

VIEW_MODULES = (
    account_requests,
    account_views,
    auth_views,
    imports,
    listings,
    people,
    records,
    session_views,
)  # each attaches its routes to bp

__all__ = ["VIEW_MODULES", "bp"]

"""The admin console under /admin: server-rendered pages and plain HTML forms, no scripts.

Every POST form carries `csrf_token()` (CSRFProtect refuses it otherwise). Role refusals render
a 403 page; mistakes a user can fix (InvalidValue, Conflict) come back as a flashed message.
"""

from api.admin.console import (
    auth_views,
    imports,
    listings,
    national_reports,
    people,
    persons,
    records,
)
from api.admin.console.blueprint import bp

# Each attaches its routes to bp.
VIEW_MODULES = (auth_views, imports, listings, national_reports, people, persons, records)

__all__ = ["VIEW_MODULES", "bp"]

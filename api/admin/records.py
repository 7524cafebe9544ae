"""Who reads the admin surface: the roles that may read the registry's records and its accounts.

The read models themselves live with their data: `registry.subjects.queries`,
`registry.cases.queries`, `registry.listings.queries`, `registry.accounts.queries` and
`registry.audit.queries`.
"""

from __future__ import annotations

# Anyone signed in except the admin (users, keys) reads the registry's records.
RECORD_READERS = frozenset({"clerk", "reviewer", "auditor"})
USER_READERS = frozenset({"admin", "auditor"})

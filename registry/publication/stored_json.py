"""JSON text the registry stored (signed bundles, log leaves), decoded in a third of the time.

orjson gives the value `json.loads` gives for any text it accepts, but for an integer beyond
64 bits, which it reads as a float. Stored bundles and leaves hold none: what is signed or
logged went through canonical JSON, which refuses integers beyond 2**53 (and floats), and
every reader that canonicalises a decoded value again (the snapshot lines, the delta) refuses
such a float just the same. Text orjson refuses (NaN, an infinite number, a lone surrogate)
is read by the standard library, as before.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


def loads_stored(text: str | bytes) -> Any:
    """The value of stored JSON `text`, as `json.loads(text)` gives it."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)

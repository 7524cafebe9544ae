"""How the verifier packs what it compares into 64-bit words, so its index stays small.

- An entry id of the registry's own form (`IPL-<year>-<nnnnnn>`) becomes an exact number:
  the flag bit 63, the year and the number (`entry_code`); any other id codes as 0 and is
  numbered by the index instead (registry/verifier/leaf_index.py), so two ids never share
  a code.
- An event and its revision share one word (`pack_mark`).
- A content hash or a leaf is compared by a 64-bit BLAKE2b fingerprint keyed with a secret
  drawn for each verification (`fingerprint`): a publisher cannot know the key, so two
  different values pass for equal with a chance of 2^-64 per comparison, however the
  values were chosen.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any

EVENTS = ("listed", "amended", "removed")
NO_EVENT = 3  # the mark of a leaf that is not an event (an audit anchor, an invalid leaf)
EVENT_CODES = {event: code for code, event in enumerate(EVENTS)}

_REGISTRY_ID = re.compile(r"IPL-([1-9][0-9]{3})-([0-9]{6,14})")
_REGISTRY_FLAG = 1 << 63
_YEAR_SHIFT = 49  # numbers below 10**14 < 2**49; years below 10**4 < 2**14


def new_secret() -> bytes:
    """A fresh key for one verification's fingerprints."""
    return secrets.token_bytes(16)


# A BLAKE2b state keyed with each recent secret: copying it costs a third less than keying a
# new one, about 0.2 µs of the 0.6 µs a short fingerprint takes, six times an entry.
_KEYED: dict[bytes, Any] = {}
KEYED_SECRETS = 4


def fingerprint(secret: bytes, data: bytes) -> int:
    """The keyed 64-bit fingerprint of `data`."""
    keyed = _KEYED.get(secret)
    if keyed is None:
        if len(_KEYED) >= KEYED_SECRETS:
            _KEYED.clear()
        keyed = _KEYED[secret] = hashlib.blake2b(digest_size=8, key=secret)
    state = keyed.copy()
    state.update(data)
    return int.from_bytes(state.digest(), "little")


def entry_code(entry_id: str) -> int:
    """The exact code of a registry entry id (0 for an id of any other form)."""
    match = _REGISTRY_ID.fullmatch(entry_id)
    if match is None:
        return 0
    year, number = match.groups()
    if len(number) > 6 and number[0] == "0":
        return 0  # padded beyond six digits: `entry_name` would not give this id back
    return _REGISTRY_FLAG | int(year) << _YEAR_SHIFT | int(number)


def entry_name(code: int) -> str:
    """The entry id whose `entry_code` is `code` (a code other than 0)."""
    year, number = (code ^ _REGISTRY_FLAG) >> _YEAR_SHIFT, code & ((1 << _YEAR_SHIFT) - 1)
    return f"IPL-{year}-{number:06d}"


def pack_mark(event: str, revision: int) -> int:
    """One word holding an event and its revision (at most 2**53 - 1 in a valid leaf)."""
    return revision << 2 | EVENT_CODES[event]


def unpack_mark(mark: int) -> tuple[str, int]:
    """The (event, revision) that `pack_mark` packed."""
    return EVENTS[mark & 3], mark >> 2

"""Feed file writers: plain data in, static files out (DESIGN.md section 5).

The publisher calls them in this order: snapshot, CSV, FollowTheMoney, delta, Atom, keys,
and the signed index last, so a consumer who follows the index never meets a missing file.
"""

from publisher.writers.atom import write_atom
from publisher.writers.atomic import (
    FeedWriteError,
    ImmutableFileChanged,
    write_atomic,
    write_immutable,
)
from publisher.writers.delta import write_delta
from publisher.writers.ftm import write_ftm
from publisher.writers.index import (
    Delta,
    Resource,
    build_index,
    write_index,
    write_keys,
)
from publisher.writers.snapshot import write_snapshot_csv, write_snapshot_jsonl

__all__ = [
    "Delta",
    "FeedWriteError",
    "ImmutableFileChanged",
    "Resource",
    "build_index",
    "write_atom",
    "write_atomic",
    "write_delta",
    "write_ftm",
    "write_immutable",
    "write_index",
    "write_keys",
    "write_snapshot_csv",
    "write_snapshot_jsonl",
]

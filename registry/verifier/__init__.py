"""The offline feed verifier: needs only the feed (a directory or a URL) and, ideally, pinned keys.

Usable without a database or a web app: `verify_feed(open_source(location))`.
"""

from registry.verifier.report import Failure, VerificationReport
from registry.verifier.source import (
    DirectorySource,
    FeedSource,
    HttpSource,
    SourceUnavailable,
    open_source,
)
from registry.verifier.trust import TrustedKeys, check_vkey, parse_keys_document
from registry.verifier.verify import verify_feed

__all__ = [
    "DirectorySource",
    "Failure",
    "FeedSource",
    "HttpSource",
    "SourceUnavailable",
    "TrustedKeys",
    "VerificationReport",
    "check_vkey",
    "open_source",
    "parse_keys_document",
    "verify_feed",
]

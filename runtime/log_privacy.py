"""No full ID card number in any log line: every log record is scrubbed as it is made.

A resident identity card number (18 characters: 17 digits and a digit or X) can reach a log
through a URL (`?value=…`, a Referer), an error message or an exception. The record factory
installed here masks every such run of characters the way public output masks it
(`1101**********002X`) before any handler sees the record, whichever logger made it: the
app's, werkzeug's request log, SQLAlchemy's, gunicorn's.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from registry.subjects.identifiers import mask_ric

# Exactly 18 characters long: digits on both sides would make it part of a longer number.
_RIC_LIKE = re.compile(r"(?<!\d)\d{17}[\dXx](?![\dXx])")


def scrub_identifiers(text: str) -> str:
    """`text` with every ID-card-shaped number masked (first 4 and last 4 characters kept)."""
    return _RIC_LIKE.sub(lambda found: mask_ric(found.group()), text)


def _scrub_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except (TypeError, ValueError):
        return  # the handler reports the broken format call as usual
    record.msg, record.args = scrub_identifiers(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = scrub_identifiers(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = scrub_identifiers(record.stack_info)


def install_log_scrubbing() -> None:
    """Wrap the process's log record factory once, so every record is scrubbed when made."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "scrubs_identifiers", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _scrub_record(record)
        return record

    factory.scrubs_identifiers = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)

"""Gunicorn's access log without full ID card numbers (gunicorn.conf.py selects this class).

The access log is written from request atoms (the request line, query string, Referer, headers);
each one is scrubbed before formatting, so `GET /api/v1/lookup?value=…` or a search by ID number
on the public site never leaves a full number in the log.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from runtime.log_privacy import install_log_scrubbing, scrub_identifiers


class ScrubbingLogger(Logger):  # type: ignore[misc]
    """Gunicorn's logger, with every access-log atom and every error-log line scrubbed."""

    def setup(self, cfg: Any) -> None:
        """Set up gunicorn's handlers; records made in this process are scrubbed too."""
        install_log_scrubbing()
        super().setup(cfg)

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        """The access-log fields, each string masked."""
        found = super().atoms(resp, req, environ, request_time)
        return {
            name: scrub_identifiers(value) if isinstance(value, str) else value
            for name, value in found.items()
        }

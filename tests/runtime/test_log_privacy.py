"""Full ID card numbers never reach a log line: app logging and gunicorn's access log."""

from __future__ import annotations

import datetime as dt
import logging
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from runtime.log_privacy import install_log_scrubbing, scrub_identifiers
from server.gunicorn_logging import ScrubbingLogger
from tests.conftest import ROOT, FullIdNumberFinder

RIC = "11010519491231002X"
MASKED = "1101**********002X"


def test_id_numbers_are_masked_and_other_numbers_left_alone() -> None:
    line = f"GET /api/v1/lookup?scheme=cn_ric&value={RIC} HTTP/1.1 ref=%3D{RIC.lower()}"
    assert scrub_identifiers(line) == (
        f"GET /api/v1/lookup?scheme=cn_ric&value={MASKED} HTTP/1.1 ref=%3D1101**********002x"
    )
    # 17 or 19 digits are not ID numbers: timestamps and counters stay readable
    assert scrub_identifiers("t=1234567890123456789 n=12345678901234567") == (
        "t=1234567890123456789 n=12345678901234567"
    )


def test_app_log_records_are_scrubbed_whatever_logger_makes_them(
    caplog: pytest.LogCaptureFixture,
) -> None:
    install_log_scrubbing()
    with caplog.at_level(logging.INFO):
        logging.getLogger("werkzeug").info('"GET /api/v1/lookup?value=%s HTTP/1.1" 200', RIC)
        try:
            raise ValueError(f"no subject with {RIC}")
        except ValueError:
            logging.getLogger("api").exception("lookup of %s failed", RIC)
    text = caplog.text
    assert RIC not in text and MASKED in text
    assert "ValueError: no subject with 1101**********002X" in text


def test_gunicorn_access_log_lines_are_scrubbed() -> None:
    config = Config()
    config.set("accesslog", "-")
    logger = ScrubbingLogger(config)
    finder = FullIdNumberFinder()
    seen: list[str] = []
    finder.emit = lambda record: seen.append(record.getMessage())  # type: ignore[method-assign]
    logger.access_log.addHandler(finder)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/api/v1/lookup?scheme=cn_ric&value={RIC}",
        "PATH_INFO": "/api/v1/lookup",
        "QUERY_STRING": f"scheme=cn_ric&value={RIC}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://registry.example/?q={RIC}",
        "REMOTE_ADDR": "203.0.113.9",
    }
    response = SimpleNamespace(status="422 UNPROCESSABLE ENTITY", sent=10, headers=[])
    request = SimpleNamespace(headers=[("REFERER", f"https://registry.example/?q={RIC}")])
    logger.access(response, request, environ, dt.timedelta(milliseconds=3))
    assert len(seen) == 1
    assert RIC not in seen[0] and f"value={MASKED}" in seen[0] and f"q={MASKED}" in seen[0]


def test_gunicorn_reads_the_scrubbing_logger_from_its_config_file() -> None:
    namespace: dict[str, object] = {}
    with open(ROOT / "gunicorn.conf.py", encoding="utf-8") as config_file:
        exec(config_file.read(), namespace)
    assert namespace["logger_class"] == "server.gunicorn_logging.ScrubbingLogger"

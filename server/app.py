"""The application factory: the one place where the whole app is assembled."""

from __future__ import annotations

from typing import Any

from flask import Flask

from api import blueprints
from publisher import jobs
from runtime.app import create_base_app
from server import cli


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the registry web application: the HTTP edge, the publisher and the commands."""
    app = create_base_app("api", test_config)
    blueprints.init_app(app)
    jobs.init_app(app)
    cli.init_app(app)
    return app

"""The public log and keys API: checkpoint, proofs and public keys, for anyone, without a key."""

from __future__ import annotations

from flask import Flask

from api import rest
from api.auth import csrf_exempt_blueprint
from api.ledger_api.views import blp, well_known


def init_app(app: Flask) -> None:
    """Register the log API (in the OpenAPI spec) and the well-known keys address."""
    csrf_exempt_blueprint(blp)
    rest.register_blueprint(app, blp)
    app.register_blueprint(well_known)

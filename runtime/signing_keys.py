"""The app's signing keys: generated on first run, reported by `/readyz` when unusable."""

from __future__ import annotations

import logging

from flask import Flask, current_app

from registry.errors import SigningUnavailable
from registry.models import utcnow
from registry.signing.keystore import KeyStore
from runtime.health import register_check

log = logging.getLogger(__name__)


def key_store(app: Flask | None = None) -> KeyStore:
    """The KeyStore of the running app."""
    store: KeyStore = (app or current_app).extensions["registry_keys"]
    return store


def init_app(app: Flask) -> None:
    """Create the key store, generate missing keys, and add the readiness check."""
    settings = app.config["REGISTRY"]
    store = KeyStore(
        app.config["KEYS_DIR"],
        note_name=settings["LOG_ORIGIN"],
        passphrase=settings["KEY_PASSPHRASE"],
    )
    app.extensions["registry_keys"] = store
    try:
        store.ensure_keys(utcnow())
    except SigningUnavailable as error:
        log.error("signing keys unusable, nothing will be signed: %s", error.message)

    def signing_check() -> tuple[bool, str]:
        try:
            for use in ("entry", "checkpoint", "index", "receipt"):
                store.current(use)
        except SigningUnavailable as error:
            return False, error.message
        return True, "entry, checkpoint, index and receipt keys loaded"

    register_check(app, "signing_keys", signing_check)

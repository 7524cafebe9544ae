"""The demo data, published with a fixed clock, keys and nonces, gives byte-identical feed files.

The digests in `golden/demo_feed.json` were produced by this test from the code as it stood
before a restructuring; a change that is meant to keep behaviour must keep every digest.
Regenerate them only for a deliberate change of the published formats:
`REGISTRY_WRITE_GOLDEN=1 python -m pytest tests/publisher/test_golden_feed.py`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask

from publisher.jobs import run_publication
from registry import clock
from registry.demo.loader import load_demo
from registry.listings.policy import Policy
from registry.models import Base
from registry.signing import keys as signing_keys
from runtime.extensions import db
from runtime.signing_keys import key_store
from tests.conftest import make_app

GOLDEN = Path(__file__).parent / "golden" / "demo_feed.json"
FIXED_NOW = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)


def _fixed_clock() -> dt.datetime:
    return dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)


class _SeededKeys:
    """Stands in for Ed25519PrivateKey: `generate()` yields keys from a fixed seed sequence."""

    counter = 0

    @classmethod
    def generate(cls) -> Ed25519PrivateKey:
        cls.counter += 1
        seed = hashlib.sha256(f"golden-key-{cls.counter}".encode()).digest()
        return Ed25519PrivateKey.from_private_bytes(seed)


def _seeded_bytes(rng: random.Random) -> Callable[[int | None], bytes]:
    def token_bytes(nbytes: int | None = None) -> bytes:
        return rng.randbytes(32 if nbytes is None else nbytes)

    return token_bytes


def _feed_digests(feed: Path) -> dict[str, str]:
    return {
        str(path.relative_to(feed)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(feed.rglob("*"))
        if path.is_file()
    }


def _publish_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    # Every reader of the clock holds the one function object: give it a fixed body.
    monkeypatch.setattr(clock.utcnow, "__code__", _fixed_clock.__code__)
    monkeypatch.setattr(signing_keys, "Ed25519PrivateKey", _SeededKeys)
    monkeypatch.setattr(_SeededKeys, "counter", 0)
    monkeypatch.setattr("secrets.token_bytes", _seeded_bytes(random.Random(20261130)))
    application: Flask = make_app(tmp_path, f"sqlite:///{tmp_path / 'golden.sqlite3'}")
    with application.app_context():
        Base.metadata.create_all(db.engine)
        policy = Policy.from_settings(application.config["REGISTRY"])
        load_demo(db.session, policy, key_store(application), today=FIXED_NOW.date())
        db.session.remove()
    assert run_publication(application) is not None
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    return _feed_digests(Path(application.config["FEED_DIR"]))


def test_demo_feed_is_byte_identical_to_the_golden_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    digests = _publish_demo(tmp_path, monkeypatch)
    assert len(digests) > 10
    if os.environ.get("REGISTRY_WRITE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n")
    golden = json.loads(GOLDEN.read_text())
    assert sorted(digests) == sorted(golden)
    changed = [name for name in golden if digests[name] != golden[name]]
    assert changed == []

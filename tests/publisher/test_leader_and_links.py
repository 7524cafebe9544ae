"""The SQLite leader lock (beside the database file) and the public URL in the Atom feed."""

from __future__ import annotations

import threading
from pathlib import Path

from flask import Flask

from publisher.feed_files import tag_authority
from publisher.jobs import run_publication
from publisher.leader import leadership, sqlite_lock_path
from runtime.extensions import db


def test_sqlite_leadership_in_two_threads_admits_one(app: Flask, tmp_path: Path) -> None:
    engine = db.engine
    assert sqlite_lock_path(engine, app.instance_path) == tmp_path / "test.sqlite3.publisher.lock"
    held, release = threading.Event(), threading.Event()

    def leader() -> None:
        with leadership(engine, app.instance_path) as acquired:
            assert acquired
            held.set()
            release.wait(timeout=30)

    thread = threading.Thread(target=leader)
    thread.start()
    assert held.wait(timeout=30)
    with leadership(engine, app.instance_path) as second:
        assert second is False
    assert run_publication(app) is None  # "another publisher is running": the run is skipped
    release.set()
    thread.join()
    with leadership(engine, app.instance_path) as third:
        assert third is True


def test_atom_links_use_the_public_url(app: Flask) -> None:
    app.config["REGISTRY"]["PUBLIC_URL"] = "https://ipl.cnipa.example.cn/"
    run_publication(app)
    atom = (Path(app.config["FEED_DIR"]) / "atom.xml").read_text()
    assert 'href="https://ipl.cnipa.example.cn/feed/atom.xml" rel="self"' in atom
    assert "<id>https://ipl.cnipa.example.cn/feed/atom.xml</id>" in atom


def test_tag_authority_is_a_domain_name_or_a_placeholder() -> None:
    assert tag_authority("https://ipl.cnipa.example.cn:8443/x") == "ipl.cnipa.example.cn"
    assert tag_authority("http://127.0.0.1:5000") == "registry.invalid"
    assert tag_authority("http://localhost:5000") == "registry.invalid"
    assert tag_authority(None) == "registry.invalid"

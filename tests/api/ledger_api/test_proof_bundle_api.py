"""Proof bundles through the API, checked offline by `registry verify-proof`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from registry.models import EntryRevision
from runtime.extensions import db
from runtime.signing_keys import key_store
from server.cli.verify_proof import verify_proof
from tests.api.ledger_api.ledger_fixtures import published_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with published_demo(tmp_path_factory, "proof-bundles") as application:
        yield application


@pytest.fixture
def api(demo: Flask) -> FlaskClient:
    return demo.test_client()


def files(tmp_path: Path, bundle: str, entry: object) -> list[str]:
    vkey = key_store().current("checkpoint").verification_key().note_vkey
    (tmp_path / "p.tlog-proof").write_text(bundle, encoding="utf-8")
    (tmp_path / "entry.json").write_text(json.dumps(entry), encoding="utf-8")
    (tmp_path / "policy").write_text(f"log {vkey}\nquorum none\n", encoding="utf-8")
    return [
        str(tmp_path / "p.tlog-proof"),
        "--entry",
        str(tmp_path / "entry.json"),
        "--policy",
        str(tmp_path / "policy"),
    ]


def test_an_entry_bundle_downloads_and_verifies_offline(api: FlaskClient, tmp_path: Path) -> None:
    revision = db.session.scalars(
        select(EntryRevision).where(EntryRevision.bundle.is_not(None)).order_by(EntryRevision.id)
    ).first()
    assert revision is not None and revision.bundle is not None
    response = api.get(f"/api/v1/log/proof/bundle?entry_id={revision.entry_id}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith('.tlog-proof"')
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"  # charset named once
    bundle = response.get_data(as_text=True)
    assert bundle.startswith("c2sp.org/tlog-proof@v1\nextra ")

    result = CliRunner().invoke(verify_proof, files(tmp_path, bundle, revision.bundle))
    assert result.exit_code == 0, result.output
    assert f"VERIFIED: {revision.entry_id} revision" in result.output

    tampered = json.loads(json.dumps(revision.bundle))
    tampered["entry"]["remedy"] = "nothing happened"
    result = CliRunner().invoke(verify_proof, files(tmp_path, bundle, tampered))
    assert result.exit_code == 1
    assert "NOT VERIFIED" in result.output and "content hash" in result.output
    assert "Traceback" not in result.output


def test_a_policy_asking_for_a_witness_refuses_an_unwitnessed_bundle(
    api: FlaskClient, tmp_path: Path
) -> None:
    bundle = api.get("/api/v1/log/proof/bundle?index=0").get_data(as_text=True)
    args = files(tmp_path, bundle, {"entry_id": "x"})
    (tmp_path / "policy").write_text(
        (tmp_path / "policy").read_text() + "witness W w.example+00000000+BAAA\n", encoding="utf-8"
    )
    result = CliRunner().invoke(verify_proof, args)
    assert result.exit_code == 1 and "policy line 3: verifier key" in result.output


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("index=100000", 422),
        ("entry_id=IPL-2099-999999", 404),
        ("", 422),
        ("index=0&tree_size=1", 404),
    ],
)
def test_bad_bundle_queries_are_json_errors(api: FlaskClient, query: str, status: int) -> None:
    response = api.get(f"/api/v1/log/proof/bundle?{query}")
    assert response.status_code == status
    if status != 200:
        assert response.get_json()["status"] == status


def test_the_entry_page_links_each_event_to_its_bundle(api: FlaskClient) -> None:
    revision = db.session.scalars(select(EntryRevision).order_by(EntryRevision.id)).first()
    assert revision is not None
    page = api.get(f"/entries/{revision.entry_id}").get_data(as_text=True)
    assert "/api/v1/log/proof/bundle?index=" in page

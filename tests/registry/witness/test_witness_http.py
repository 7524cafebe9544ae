"""The witness's `add-checkpoint` against every status of c2sp.org/tlog-witness."""

from __future__ import annotations

import base64
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask.testing import FlaskClient

from registry.ledger.checkpoint import sign_checkpoint
from registry.ledger.cosignature import parse_cosigner_vkey, verify_cosignatures
from registry.ledger.note import sign_note
from registry.witness.service import Witness, origin_hash
from registry.witness.state import WitnessState
from server.witness import create_witness_app
from tests.witnessing import LOG_KEY, LOG_VKEY, ORIGIN, SmallLog

WITNESS_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


@pytest.fixture
def witness(tmp_path: Path) -> Witness:
    state = WitnessState(tmp_path / "witness.sqlite3")
    return Witness("witness.example/w1", WITNESS_KEY, [LOG_VKEY], state)


@pytest.fixture
def http(witness: Witness) -> FlaskClient:
    return create_witness_app(witness).test_client()


def post(http: FlaskClient, body: bytes) -> tuple[int, str, str]:
    response = http.post("/add-checkpoint", data=body)
    return response.status_code, response.get_data(as_text=True), response.content_type


def test_first_checkpoint_is_cosigned_and_the_next_needs_a_proof(
    http: FlaskClient, witness: Witness
) -> None:
    log = SmallLog().grow(5)
    status, body, _ = post(http, log.submission(0))
    assert status == 200 and body.startswith("\u2014 witness.example/w1 ")
    cosigners = [parse_cosigner_vkey(witness.vkey)]
    assert len(verify_cosignatures(log.checkpoint() + body, cosigners)) == 1
    log.grow(9)
    status, body, _ = post(http, log.submission(5))
    assert status == 200
    assert witness.state.latest(ORIGIN).size == 14  # type: ignore[union-attr]
    served = http.get(f"/{origin_hash(ORIGIN)}/checkpoint").get_data(as_text=True)
    assert served == log.checkpoint() + body


def test_same_size_same_root_is_cosigned_again(http: FlaskClient) -> None:
    log = SmallLog().grow(3)
    assert post(http, log.submission(0))[0] == 200
    assert post(http, log.submission(3))[0] == 200


def test_stale_old_size_is_409_with_the_latest_size(http: FlaskClient) -> None:
    log = SmallLog().grow(4)
    post(http, log.submission(0))
    log.grow(4)
    status, body, content_type = post(http, log.submission(2))
    assert (status, body, content_type) == (409, "4\n", "text/x.tlog.size")
    status, body, _ = post(http, log.submission(0))
    assert (status, body) == (409, "4\n")


def test_wrong_proof_is_422_and_kept_as_evidence(http: FlaskClient, witness: Witness) -> None:
    log = SmallLog().grow(4)
    post(http, log.submission(0))
    fork = SmallLog().grow(4, tag=b"other").grow(4)
    status, body, _ = post(http, fork.submission(4))
    assert status == 422 and "consistency proof" in body
    assert len(witness.state.evidence(ORIGIN)) == 1
    assert witness.state.latest(ORIGIN).size == 4  # type: ignore[union-attr]


def test_same_size_with_another_root_is_422(http: FlaskClient) -> None:
    post(http, SmallLog().grow(4).submission(0))
    status, body, _ = post(http, SmallLog().grow(4, tag=b"fork").submission(4))
    assert status == 422 and "forked" in body


def test_a_proof_from_size_zero_is_422(http: FlaskClient) -> None:
    log = SmallLog().grow(4)
    body = log.submission(0).replace(b"old 0\n", b"old 0\n" + base64.b64encode(bytes(32)) + b"\n")
    assert post(http, body)[0] == 422


def test_an_empty_checkpoint_with_a_non_empty_root_is_422(http: FlaskClient) -> None:
    note = sign_checkpoint(ORIGIN, 0, bytes(32), LOG_KEY, ORIGIN)
    assert post(http, b"old 0\n\n" + note.encode())[0] == 422


def test_unknown_origin_is_404(http: FlaskClient) -> None:
    other = SmallLog(origin="other.example/log").grow(2)
    status, body, _ = post(http, other.submission(0))
    assert status == 404 and "other.example/log" in body
    assert http.get(f"/{origin_hash('other.example/log')}/checkpoint").status_code == 404


def test_a_checkpoint_signed_by_another_key_is_403(http: FlaskClient) -> None:
    impostor = SmallLog(key=Ed25519PrivateKey.from_private_bytes(bytes([9]) * 32)).grow(2)
    status, body, _ = post(http, impostor.submission(0))
    assert status == 403 and "no signature by the trusted key" in body


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "no blank line"),
        (b"old -1\n\n", "line 1"),
        (b"old 01\n\nx\n", "line 1"),
        (b"old 0\nnot base64\n\n", "line 2"),
        (b"old 0\n" + base64.b64encode(b"short") + b"\n\n", "line 2"),
        (b"old 0\n\n\xff\n", "not UTF-8"),
        (b"old 0\n\nregistry.example/patent-infringers/v1\n1\n", "checkpoint"),
    ],
)
def test_malformed_requests_are_400_naming_the_line(
    http: FlaskClient, body: bytes, message: str
) -> None:
    status, text, _ = post(http, body)
    assert status == 400 and message in text


def test_old_larger_than_the_checkpoint_is_400(http: FlaskClient) -> None:
    log = SmallLog().grow(3)
    body = log.submission(0).replace(b"old 0\n", b"old 7\n")
    status, text, _ = post(http, body)
    assert status == 400 and "larger than the checkpoint size 3" in text


def test_malformed_checkpoint_fields_are_400(http: FlaskClient) -> None:
    note = sign_note(f"{ORIGIN}\n007\nroot\n", LOG_KEY, ORIGIN)
    status, text, _ = post(http, b"old 0\n\n" + note.encode())
    assert status == 400 and "tree size '007'" in text


def test_too_many_proof_lines_are_400(http: FlaskClient) -> None:
    lines = b"".join(base64.b64encode(bytes(32)) + b"\n" for _ in range(64))
    status, text, _ = post(
        http, b"old 5\n" + lines + b"\n" + SmallLog().grow(9).checkpoint().encode()
    )
    assert status == 400 and "63" in text


def test_concurrent_submissions_from_the_same_size_exactly_one_wins(witness: Witness) -> None:
    log = SmallLog().grow(8)
    post(create_witness_app(witness).test_client(), log.submission(0))
    sizes = list(range(9, 25))
    log.grow(sizes[-1] - 8)
    bodies = [log.submission(8, size) for size in sizes]
    results: list[int] = []
    barrier = threading.Barrier(len(bodies))

    def submit(body: bytes) -> None:
        client = create_witness_app(witness).test_client()
        barrier.wait()
        results.append(post(client, body)[0])

    threads = [threading.Thread(target=submit, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200] + [409] * (len(bodies) - 1)
    stored = witness.state.latest(ORIGIN)
    assert stored is not None and stored.size in sizes

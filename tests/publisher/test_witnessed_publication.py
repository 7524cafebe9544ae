"""Publishing with a 2-of-2 witness policy, the witnesses as separate processes over real HTTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from publisher.jobs import run_publication
from publisher.settings import PublishSettings
from publisher.witnessing import QuorumNotMet
from registry.errors import InvalidValue
from registry.ledger.policy import parse_policy
from registry.publication.checkpoints import latest_checkpoint
from runtime.extensions import db
from runtime.signing_keys import key_store
from server.witness import build_witness
from tests.api.ledger_api.ledger_fixtures import published_demo

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class WitnessProcess:
    """`python -m server.witness serve ...` on a free port, started and stopped by the test."""

    def __init__(self, directory: Path, name: str, log_vkey: str) -> None:
        self.name, self.port = name, free_port()
        self.args = [
            sys.executable, "-m", "server.witness", "serve", "--name", name,
            "--key-file", str(directory / f"{name}.pem"), "--db", str(directory / f"{name}.db"),
            "--log", log_vkey, "--port", str(self.port),
        ]  # fmt: skip
        self.vkey = build_witness(
            name, directory / f"{name}.pem", directory / f"{name}.db", (log_vkey,)
        ).vkey
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(self.args, cwd=ROOT, env=dict(os.environ))
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{self.url}/0/checkpoint", timeout=1)
            except urllib.error.HTTPError:
                return  # 404: it answers
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"witness {self.name} did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with published_demo(tmp_path_factory, "witnessed") as application:
        yield application


@pytest.fixture
def witnesses(tmp_path: Path, demo: Flask) -> Iterator[list[WitnessProcess]]:
    vkey = key_store().current("checkpoint").verification_key().note_vkey
    assert vkey is not None
    started = [WitnessProcess(tmp_path, f"w{i}.example", vkey) for i in (1, 2)]
    for witness in started:
        witness.start()
    yield started
    for witness in started:
        witness.stop()


def test_two_of_two_one_killed_publishes_nothing_until_it_is_back(
    demo: Flask, witnesses: list[WitnessProcess], tmp_path: Path
) -> None:
    vkey = key_store().current("checkpoint").verification_key().note_vkey
    policy_file = tmp_path / "registry.policy"
    policy_file.write_text(
        f"log {vkey}\n"
        + "".join(f"witness {w.name} {w.vkey} {w.url}\n" for w in witnesses)
        + f"group both all {witnesses[0].name} {witnesses[1].name}\nquorum both\n",
        encoding="utf-8",
    )
    demo.config["REGISTRY"]["WITNESS_POLICY"] = str(policy_file)
    demo.config["REGISTRY"]["WITNESS_TIMEOUT"] = 2.0
    policy = parse_policy(policy_file.read_bytes())
    index = Path(demo.config["FEED_DIR"]) / "index.json"
    published_before = index.read_bytes()

    witnesses[1].stop()
    with pytest.raises(QuorumNotMet, match=r"w2\.example: "):
        run_publication(demo)
    assert index.read_bytes() == published_before  # the old checkpoint stays published
    ready = demo.test_client().get("/readyz").get_json()["checks"]["witnesses"]
    assert ready["ok"] is False and "quorum NOT met" in ready["detail"]
    assert "w2.example:" in ready["detail"] and "w1.example" in ready["detail"]

    witnesses[1].start()
    report = run_publication(demo)
    assert report is not None and report.version > 0
    note = latest_checkpoint(db.session).note  # type: ignore[union-attr]
    assert sorted(policy.cosigned_by(note)) == ["w1.example", "w2.example"]
    signed = json.loads(index.read_bytes())["signed"]
    assert sorted(policy.cosigned_by(signed["checkpoint"])) == ["w1.example", "w2.example"]
    ready = demo.test_client().get("/readyz").get_json()["checks"]["witnesses"]
    assert ready["ok"] is True and "quorum met" in ready["detail"]
    # Offline verifiers find the policy beside the keys, and the checkpoint meets it.
    published = json.loads((index.parent / "keys.json").read_bytes())
    assert published["witness_policy"] == policy_file.read_text(encoding="utf-8")
    assert parse_policy(published["witness_policy"]).satisfied_by(
        policy.cosigned_by(signed["checkpoint"])
    )


def test_without_a_policy_readyz_says_checkpoints_are_not_witnessed(demo: Flask) -> None:
    run_publication(demo)
    ready = demo.test_client().get("/readyz").get_json()["checks"]["witnesses"]
    assert ready == {
        "ok": True,
        "detail": "no witness policy configured: checkpoints are published without cosignatures",
    }


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "cannot read"),
        (b"quorum \xff\n", "not UTF-8 (bad byte at offset 7)"),
        (b"witness w1 not-a-key\nquorum w1\n", "policy line 1"),
    ],
)
def test_a_policy_file_that_cannot_be_used_is_named_with_what_is_wrong(
    tmp_path: Path, content: bytes | None, problem: str
) -> None:
    policy_file = tmp_path / "registry.policy"
    if content is not None:
        policy_file.write_bytes(content)
    config = {
        "FEED_DIR": str(tmp_path / "feed"),
        "REGISTRY": {
            "LOG_ORIGIN": "registry.example/log",
            "PUBLISH_CRON": "0 * * * *",
            "PUBLIC_URL": "https://registry.example",
            "WITNESS_POLICY": str(policy_file),
            "WITNESS_TIMEOUT": 5.0,
        },
    }
    with pytest.raises(InvalidValue) as refused:
        PublishSettings.from_config(config)
    assert refused.value.field == "REGISTRY_WITNESS_POLICY"
    assert problem in refused.value.reason

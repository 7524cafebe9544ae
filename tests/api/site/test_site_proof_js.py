"""The browser's proof-bundle check (static/site/proof.js), run under Node.js on bundles the
registry makes: log signature, witness quorum, inclusion and content hash, and each tampering.

Node's WebCrypto is the API browsers offer. Skipped where Node.js is not installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registry.canonical import sha256_hex
from registry.ledger.checkpoint import sign_checkpoint
from registry.ledger.cosignature import add_signature_lines, cosign, cosigner_vkey
from registry.ledger.events import event_leaf
from registry.ledger.note import verifier_key
from registry.ledger.proof_bundle import format_bundle
from registry.ledger.tiled_log import TiledLog
from registry.ledger.tiles import MemoryTileStore
from registry.signing.keys import raw_public_key
from tests.api.site.site_fixtures import entry_content
from tests.conftest import ROOT

STATIC = ROOT / "api" / "site" / "static" / "site"
NODE = shutil.which("node")
ORIGIN = "registry.example/patent-infringers/v1"
LOG_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
WITNESS_KEYS = {
    name: Ed25519PrivateKey.from_private_bytes(bytes([n]) * 32)
    for n, name in ((7, "w1.example/a"), (9, "w2.example/b"))
}

RUNNER = """
const verify = require(process.argv[1]);
const proof = require(process.argv[2]);
const job = JSON.parse(require("fs").readFileSync(0, "utf8"));
(async () => {
  const outcomes = [];
  for (const check of job.checks) {
    outcomes.push(await proof.verifyProof(
      check.bundle, check.entry, check.log_vkeys, check.policy,
      globalThis.crypto.subtle, verify.canonicalJson,
    ));
  }
  process.stdout.write(JSON.stringify(outcomes));
})();
"""

pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")


def _log_vkey() -> str:
    return verifier_key(ORIGIN, raw_public_key(LOG_KEY))


def _policy(quorum: str) -> str:
    lines = [f"log {_log_vkey()}"]
    for name, key in WITNESS_KEYS.items():
        lines.append(f"witness {name.split('/')[0]} {cosigner_vkey(name, raw_public_key(key))}")
    lines += ["group both all w1.example w2.example", f"quorum {quorum}"]
    return "\n".join(lines) + "\n"


def _published(entry: dict[str, Any], cosigners: tuple[str, ...]) -> tuple[str, int]:
    """A log of 5 events whose fourth is the entry's, its cosigned checkpoint, the bundle."""
    log = TiledLog(MemoryTileStore())
    leaves = [
        event_leaf(seq, "listed", f"IPL-2026-00000{seq}", 1, "0" * 64, "2026-03-02T08:00:00Z")
        for seq in range(5)
    ]
    leaves[3] = event_leaf(
        3, "listed", entry["entry_id"], 1, sha256_hex(entry), "2026-03-02T08:00:00Z"
    )
    log.extend(leaves)
    note = sign_checkpoint(ORIGIN, log.size, log.root(), LOG_KEY, ORIGIN)
    body = note.split("\n\n", 1)[0] + "\n"
    for name in cosigners:
        note = add_signature_lines(note, cosign(body, WITNESS_KEYS[name], name, 1_764_979_200))
    return format_bundle(3, log.inclusion_proof(3, log.size), note, leaves[3]), 3


def _run(checks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    assert NODE is not None
    result = subprocess.run(
        [NODE, "-e", RUNNER, str(STATIC / "verify.js"), str(STATIC / "proof.js")],
        input=json.dumps({"checks": checks}),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    outcome: list[dict[str, Any]] = json.loads(result.stdout)
    return outcome


def test_a_witnessed_bundle_is_verified_and_each_tampering_is_named() -> None:
    entry = entry_content("IPL-2026-000123", 1, "深圳市华兴科技有限公司")
    bundle, index = _published(entry, ("w1.example/a", "w2.example/b"))
    alone, _ = _published(entry, ("w1.example/a",))
    other = entry_content("IPL-2026-000123", 1, "深圳市华美科技有限公司")
    stranger = Ed25519PrivateKey.generate()
    wrong_log = verifier_key(ORIGIN, raw_public_key(stranger))
    lines = bundle.split("\n")
    flipped = "\n".join([*lines[:3], lines[4], lines[3], *lines[5:]])  # proof hashes swapped
    base = {"entry": entry, "log_vkeys": [_log_vkey()], "policy": _policy("both")}

    outcomes = _run(
        [
            base | {"bundle": bundle},
            base | {"bundle": alone},
            base | {"bundle": alone, "policy": _policy("w1.example")},
            base | {"bundle": bundle, "entry": other},
            base | {"bundle": bundle, "log_vkeys": [wrong_log]},
            base | {"bundle": flipped},
            base | {"bundle": bundle[:40]},
        ]
    )

    assert outcomes[0] == {
        "ok": True,
        "index": index,
        "size": 5,
        "witnesses": ["w1.example", "w2.example"],
    }
    assert outcomes[1] == {"ok": False, "reason": "quorum"}
    assert outcomes[2]["ok"] is True and outcomes[2]["witnesses"] == ["w1.example"]
    assert outcomes[3] == {"ok": False, "reason": "content"}
    assert outcomes[4] == {"ok": False, "reason": "log-signature"}
    assert outcomes[5] == {"ok": False, "reason": "inclusion"}
    assert outcomes[6] == {"ok": False, "reason": "malformed"}

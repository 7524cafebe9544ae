"""Witness benchmark: what witnessing adds to a run, proof bundles per second, a monitor's pass.

Side by side in one run:
- the incremental publish of 10 new listings on a registry of N entries, without witnesses and
  with a 2-of-2 policy of two local witnesses (HTTP on 127.0.0.1), and the difference;
- c2sp.org/tlog-proof bundles generated per second on a log of 1M leaves (a log opened per
  bundle, as a web request does), next to the inclusion proofs alone;
- `registry monitor`'s pass over the published feed next to `registry verify`'s.

Run `python -m bench.witness` or `--quick` for a smoke run.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench import publish
from bench.ledger import int_leaf_store
from bench.registry_data import app_for, generate
from registry.ledger.checkpoint import sign_checkpoint
from registry.ledger.hashing import leaf_hash
from registry.ledger.proof_bundle import format_bundle, parse_bundle
from registry.ledger.proofs import verify_inclusion
from registry.ledger.tiled_log import TiledLog

ORIGIN = "bench.example/witness-log"


@contextmanager
def local_witnesses(directory: Path, log_vkey: str, count: int) -> Iterator[str]:
    """Run `count` witnesses on free local ports; yield the policy text naming them all."""
    from werkzeug.serving import make_server

    from server.witness import build_witness, create_witness_app

    servers, lines, names = [], [f"log {log_vkey}"], []
    for number in range(1, count + 1):
        witness = build_witness(
            f"bench.localhost/w{number}",
            directory / f"w{number}.pem",
            directory / f"w{number}.sqlite3",
            (log_vkey,),
        )
        server = make_server("127.0.0.1", 0, create_witness_app(witness), threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        lines.append(f"witness w{number} {witness.vkey} http://127.0.0.1:{server.server_port}")
        names.append(f"w{number}")
    lines += [f"group all-of-them all {' '.join(names)}", "quorum all-of-them"]
    try:
        yield "\n".join(lines) + "\n"
    finally:
        for server in servers:
            server.shutdown()


def _quiet_witness_servers() -> None:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def witnessing_cost(entries: int) -> dict[str, Any]:
    """Incremental publish of 10 listings without and with two witnesses, on two copies."""
    from publisher.run import publish_once
    from publisher.settings import PublishSettings
    from registry.ledger.policy import parse_policy
    from registry.listings.policy import Policy
    from runtime.extensions import db
    from runtime.signing_keys import key_store

    _quiet_witness_servers()
    result: dict[str, Any] = {"entries": entries}
    for label in ("without", "with"):
        with tempfile.TemporaryDirectory(prefix="bench-witness-") as tmp:
            workdir = Path(tmp)
            generate(workdir, entries)
            app = app_for(workdir)
            with app.app_context():
                keys = key_store(app)
                rules = Policy.from_settings(app.config["REGISTRY"])
                settings = PublishSettings.from_config(app.config)
                vkey = keys.current("checkpoint").verification_key().note_vkey
                assert vkey is not None
                with local_witnesses(workdir, vkey, 2) as policy_text:
                    if label == "with":
                        settings = dataclasses.replace(
                            settings, witness_policy=parse_policy(policy_text)
                        )
                    # The full run introduces the log to the witnesses; the timed run is the
                    # steady state: each witness already holds the previous checkpoint.
                    publish_once(db.session(), keys, rules, settings)
                    publish._approve_new(entries)
                    started = time.perf_counter()
                    report = publish_once(db.session(), keys, rules, settings)
                    result[f"{label}_s"] = time.perf_counter() - started
                    result[f"{label}_checkpoint_s"] = report.steps["checkpoint"]
                    assert len(report.published) == publish.NEW_LISTINGS
                if label == "with":
                    result["feed"] = _verify_and_monitor(settings.feed_dir)
    result["added_ms"] = (result["with_checkpoint_s"] - result["without_checkpoint_s"]) * 1000
    return result


def _verify_and_monitor(feed_dir: Path) -> dict[str, float]:
    """Seconds for `registry verify` and for a first `registry monitor` pass of the same feed."""
    from registry.verifier import DirectorySource, verify_feed
    from registry.verifier.monitor import MonitorState, monitor_once

    started = time.perf_counter()
    report = verify_feed(DirectorySource(feed_dir))
    verify_s = time.perf_counter() - started
    assert report.ok, report.problems()
    with tempfile.TemporaryDirectory(prefix="bench-monitor-") as state:
        started = time.perf_counter()
        outcome = monitor_once(DirectorySource(feed_dir), MonitorState(Path(state)))
        monitor_s = time.perf_counter() - started
        assert outcome.outcome == "ok", outcome.report.problems()
    return {"verify_s": verify_s, "monitor_s": monitor_s}


def bundle_rate(size: int, samples: int) -> dict[str, float]:
    """Proof bundles and bare inclusion proofs per second, on a log of `size` leaves."""
    store = int_leaf_store(size)
    log = TiledLog(store, size)
    root = log.root()
    note = sign_checkpoint(ORIGIN, size, root, Ed25519PrivateKey.generate(), ORIGIN)
    picks = [random.Random(20261206).randrange(size) for _ in range(samples)]

    started = time.perf_counter()
    for index in picks:
        TiledLog(store, size).inclusion_proof(index)
    proofs_s = time.perf_counter() - started

    started = time.perf_counter()
    for index in picks:
        log.inclusion_proof(index)
    warm_s = time.perf_counter() - started

    started = time.perf_counter()
    bundles = [
        format_bundle(index, TiledLog(store, size).inclusion_proof(index), note) for index in picks
    ]
    bundles_s = time.perf_counter() - started
    for text in bundles[:20]:  # a fast but wrong bundle must not pass for a result
        bundle = parse_bundle(text)
        verify_inclusion(bundle.index, size, log.leaf_hash(bundle.index), bundle.proof, root)
    assert leaf_hash(b"") != root  # the root is a real tree head, not an empty one
    started = time.perf_counter()
    for index in picks:
        format_bundle(index, log.inclusion_proof(index), note)
    warm_bundles_s = time.perf_counter() - started
    return {
        "proofs_per_s": samples / proofs_s,
        "bundles_per_s": samples / bundles_s,
        "warm_proofs_per_s": samples / warm_s,
        "warm_bundles_per_s": samples / warm_bundles_s,
    }


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print side-by-side numbers."""
    parser = argparse.ArgumentParser(prog="python -m bench.witness", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args(argv)
    entries, log_size, samples = (
        (1_000, 20_000, 2_000) if args.quick else (10_000, 1_000_000, 20_000)
    )

    print(f"witness benchmark{' (quick)' if args.quick else ''}")
    cost = witnessing_cost(entries)
    print(f"\nincremental publish of {publish.NEW_LISTINGS} listings on {entries} entries")
    print("                      run s   checkpoint step s")
    print(f"no witnesses         {cost['without_s']:6.2f}   {cost['without_checkpoint_s']:8.3f}")
    print(f"2-of-2 witnesses     {cost['with_s']:6.2f}   {cost['with_checkpoint_s']:8.3f}")
    print(f"witnessing adds {cost['added_ms']:.1f} ms (target ≤ 50 ms)")

    feed = cost["feed"]
    ratio = feed["monitor_s"] / feed["verify_s"]
    print(
        f"\nfirst monitor pass {feed['monitor_s']:.2f} s, registry verify {feed['verify_s']:.2f} s"
    )
    print(f"ratio {ratio:.2f} × (target ≤ 1.5 ×)")

    rates = bundle_rate(log_size, samples)
    print(f"\nproof bundles on a {log_size:,}-leaf log ({samples:,} random leaves, cold log)")
    print("                    log opened per bundle   one open log")
    print(
        f"inclusion proofs     {rates['proofs_per_s']:10,.0f} /s        "
        f"{rates['warm_proofs_per_s']:10,.0f} /s"
    )
    print(
        f"proof bundles        {rates['bundles_per_s']:10,.0f} /s        "
        f"{rates['warm_bundles_per_s']:10,.0f} /s   (target ≥ 10,000 /s)"
    )


if __name__ == "__main__":
    main()

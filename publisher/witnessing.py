"""Asking the policy's witnesses to cosign a new checkpoint (c2sp.org/tlog-witness client side).

Every witness with a URL is asked in parallel, each with a timeout and the consistency proof
from the size it last cosigned (taken from its 409 answer when our guess was wrong). The
cosignatures are added to the stored checkpoint note only once the policy's quorum is met;
otherwise the run fails, naming every witness that did not cosign and why, and the feed keeps
its previous checkpoint. The outcome is also written beside the feed for `/readyz`.
"""

from __future__ import annotations

import base64
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.clock import utcnow
from registry.errors import DomainError
from registry.ledger.cosignature import add_signature_lines
from registry.ledger.note import InvalidNote
from registry.ledger.policy import Policy, PolicyWitness
from registry.ledger.tiled_log import TiledLog
from registry.models import SignedCheckpoint
from registry.publication.events import open_log
from registry.transaction import atomic

SIZE_TYPE = "text/x.tlog.size"


class QuorumNotMet(DomainError):
    """Too few witnesses cosigned the new checkpoint; it is not published."""

    code = "witness_quorum_not_met"


@dataclass
class WitnessingOutcome:
    """Which witnesses cosigned the checkpoint of `tree_size`, and why the others did not."""

    tree_size: int
    cosigned: list[str] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)
    quorum_met: bool = False

    def summary(self) -> str:
        """One line for the log and `/readyz`."""
        failed = "; ".join(f"{name}: {why}" for name, why in sorted(self.failures.items()))
        state = "quorum met" if self.quorum_met else "quorum NOT met"
        signed = ", ".join(sorted(self.cosigned)) or "none"
        return f"checkpoint {self.tree_size}: {state}; cosigned by {signed}" + (
            f"; failed: {failed}" if failed else ""
        )


def status_path(feed_dir: Path) -> Path:
    """Where the last outcome is kept: beside the feed directory, not inside (not published)."""
    return feed_dir.with_name(feed_dir.name + ".witnessing.json")


def _post(url: str, body: bytes, timeout: float) -> tuple[int, str, str]:
    request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 - policy URL
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read(4096).decode("utf-8", "replace"), ""
    except urllib.error.HTTPError as error:
        content_type = error.headers.get("Content-Type", "")
        return error.code, error.read(4096).decode("utf-8", "replace"), content_type


def add_checkpoint_body(log: TiledLog, note: str, old: int, size: int) -> bytes:
    """The body of `POST /add-checkpoint`: the old size, its consistency proof, the note."""
    proof = log.consistency_proof(old, size) if 0 < old < size else []
    lines = [f"old {old}"] + [base64.b64encode(item).decode("ascii") for item in proof]
    return ("\n".join(lines) + "\n\n" + note).encode("utf-8")


def ask_witness(
    witness: PolicyWitness,
    body_for: Callable[[int], bytes],
    size: int,
    guess: int,
    timeout: float,
) -> str:
    """The witness's cosignature lines for `note`, or an OSError/ValueError saying why not."""
    if witness.url is None:
        raise ValueError("the policy gives no URL for this witness")
    url = witness.url.rstrip("/") + "/add-checkpoint"
    old = guess
    for _attempt in range(2):
        status, text, content_type = _post(url, body_for(old), timeout)
        if status == 200:
            return text
        if status != 409 or not content_type.startswith(SIZE_TYPE):
            raise ValueError(f"HTTP {status}: {text.strip()[:200]}")
        latest = int(text.strip()) if text.strip().isdigit() else -1
        if not 0 <= latest <= size:
            raise ValueError(
                f"it has cosigned size {text.strip()[:20]}, beyond ours ({size}): fork or rollback"
            )
        old = latest
    raise ValueError(f"HTTP 409 twice: it keeps reporting size {old}")


def witness_checkpoint(
    session: Session, checkpoint: SignedCheckpoint, policy: Policy, timeout: float
) -> WitnessingOutcome:
    """Collect cosignatures for `checkpoint`; add them to its note if the quorum is met."""
    outcome = WitnessingOutcome(checkpoint.tree_size)
    already = policy.cosigned_by(checkpoint.note)
    if policy.satisfied_by(already):
        outcome.cosigned, outcome.quorum_met = already, True
        return outcome
    log = open_log(session)
    guess = session.scalar(
        select(SignedCheckpoint.tree_size)
        .where(SignedCheckpoint.tree_size < checkpoint.tree_size)
        .order_by(SignedCheckpoint.tree_size.desc())
        .limit(1)
    )
    lock = threading.Lock()  # the log reads through the session: one thread at a time

    def body_for(old: int) -> bytes:
        with lock:
            return add_checkpoint_body(log, checkpoint.note, old, checkpoint.tree_size)

    witnesses = list(policy.witnesses.values())
    with ThreadPoolExecutor(max_workers=max(len(witnesses), 1)) as pool:
        futures = {
            w.name: pool.submit(ask_witness, w, body_for, checkpoint.tree_size, guess or 0, timeout)
            for w in witnesses
        }
    lines = ""
    for name, future in futures.items():
        try:
            answer = future.result()
            if name not in policy.cosigned_by(checkpoint.note + answer):
                raise ValueError("its answer holds no valid cosignature by its key")
        except (OSError, ValueError, InvalidNote) as error:
            outcome.failures[name] = str(error) or type(error).__name__
            continue
        outcome.cosigned.append(name)
        lines += answer
    outcome.quorum_met = policy.satisfied_by(outcome.cosigned)
    if outcome.quorum_met:
        with atomic(session):
            checkpoint.note = add_signature_lines(checkpoint.note, lines)
    return outcome


def record_outcome(feed_dir: Path, outcome: WitnessingOutcome | None) -> None:
    """Write the outcome (None: no policy) for `/readyz` in other processes."""
    body = {"checked_at": utcnow().isoformat(), "policy": outcome is not None}
    if outcome is not None:
        body |= {"ok": outcome.quorum_met, "detail": outcome.summary()}
    path = status_path(feed_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(body), encoding="utf-8")
    temporary.replace(path)


def witnessing_readiness(feed_dir: Path, policy_file: str | None) -> tuple[bool, str]:
    """The `/readyz` answer: no policy, no run yet, or the last outcome."""
    if not policy_file:
        return True, "no witness policy configured: checkpoints are published without cosignatures"
    try:
        status = json.loads(status_path(feed_dir).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return True, f"witness policy {policy_file}; no publication run has asked the witnesses yet"
    except (OSError, ValueError) as error:
        return False, f"witnessing status unreadable: {error}"
    return bool(status.get("ok")), str(status.get("detail"))

"""The `add-checkpoint` request body and the refusals the witness protocol defines for it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from registry.errors import Conflict, DomainError, Forbidden, InvalidValue, NotFound
from registry.ledger.checkpoint import Checkpoint, InvalidCheckpoint, parse_checkpoint_text
from registry.ledger.hashing import HASH_SIZE
from registry.ledger.note import InvalidNote, split_note, strict_b64decode

MAX_PROOF_LINES = 63  # c2sp.org/tlog-witness: a client sends at most 63 proof lines
MAX_BODY_BYTES = 64 * 1024
_OLD = re.compile(r"old (0|[1-9][0-9]*)\Z")


class MalformedSubmission(DomainError):
    """The request cannot be parsed, or asks for a size below the old one (400)."""

    code = "malformed_submission"


class UnknownLog(NotFound):
    """The checkpoint's origin is not a log this witness follows (404)."""

    code = "unknown_log"


class UntrustedCheckpoint(Forbidden):
    """No valid signature by the log's trusted key (403)."""

    code = "untrusted_checkpoint"


class StaleOldSize(Conflict):
    """The old size is not the size the witness last cosigned (409); `latest` says which is."""

    code = "stale_old_size"

    def __init__(self, old: int, latest: int) -> None:
        super().__init__(
            "old size %(old)s is not the latest cosigned size %(latest)s",
            None,
            old=old,
            latest=latest,
        )
        self.latest = latest


class InconsistentCheckpoint(DomainError):
    """The checkpoint is not consistent with what the witness saw before (422)."""

    code = "inconsistent_checkpoint"


@dataclass(frozen=True)
class Submission:
    """A parsed request: the old size, the consistency proof and the signed checkpoint note."""

    old: int
    proof: tuple[bytes, ...]
    note: str
    text: str
    origin: str


def parse_submission(body: bytes) -> Submission:
    """Parse `old N`, proof lines, a blank line and a checkpoint note; raise MalformedSubmission."""
    if len(body) > MAX_BODY_BYTES:
        raise MalformedSubmission(
            "the request is larger than %(MAX_BODY_BYTES)s bytes",
            MAX_BODY_BYTES=MAX_BODY_BYTES,
        )
    try:
        decoded = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise MalformedSubmission(
            "not UTF-8: bad byte at offset %(error_start)s",
            error_start=error.start,
        ) from None
    head, separator, note = decoded.partition("\n\n")
    if not separator:
        raise MalformedSubmission("no blank line between the proof and the checkpoint")
    lines = head.split("\n")
    match = _OLD.match(lines[0])
    if match is None:
        raise MalformedSubmission(
            "line 1: expected 'old <size>', got %(lines)r",
            lines=lines[0][:40],
        )
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise MalformedSubmission(
            "more than %(MAX_PROOF_LINES)s consistency proof lines",
            MAX_PROOF_LINES=MAX_PROOF_LINES,
        )
    proof = []
    for number, line in enumerate(lines[1:], start=2):
        try:
            item = strict_b64decode(line, "proof")
        except InvalidValue as error:
            raise MalformedSubmission(
                "line %(number)s: %(error_reason)s",
                number=number,
                error_reason=error.reason,
            ) from None
        if len(item) != HASH_SIZE:
            raise MalformedSubmission(
                "line %(number)s: a proof hash is %(HASH_SIZE)s bytes",
                number=number,
                HASH_SIZE=HASH_SIZE,
            )
        proof.append(item)
    try:
        text, _signatures = split_note(note)
    except InvalidNote as error:
        raise MalformedSubmission(
            "checkpoint: %(error_reason)s",
            error_reason=error.reason,
        ) from None
    return Submission(int(match.group(1)), tuple(proof), note, text, text.split("\n", 1)[0])


def read_checkpoint(submission: Submission) -> Checkpoint:
    """The checkpoint's fields, once its signature is verified; old must not exceed its size."""
    try:
        checkpoint = parse_checkpoint_text(submission.text)
    except InvalidCheckpoint as error:
        raise MalformedSubmission(
            "checkpoint: %(error_reason)s",
            error_reason=error.reason,
        ) from None
    if submission.old > checkpoint.size:
        raise MalformedSubmission(
            "old size %(old)s is larger than the checkpoint size %(checkpoint_size)s",
            old=submission.old,
            checkpoint_size=checkpoint.size,
        )
    return checkpoint

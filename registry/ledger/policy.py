"""Trust policies (c2sp.org/tlog-policy): the logs, the witnesses, and the quorum of cosigners.

A policy is line based: `log <vkey> [<url>]`, `witness <name> <vkey> [<url>]`,
`group <name> all|any|<k> <member>...` and exactly one `quorum <name>` (`none` for no
witnesses). Groups and the quorum name only what earlier lines defined, so there is no cycle.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from registry.errors import DomainError, InvalidValue, fill, translatable
from registry.ledger.cosignature import parse_cosigner_vkey, verify_cosignatures
from registry.ledger.note import NoteVerifier, parse_verifier_key

NONE = "none"
_WHITESPACE = re.compile(r"[ \t]+")
_THRESHOLD = re.compile(r"[1-9][0-9]*\Z")


class InvalidPolicy(DomainError):
    """A policy file is malformed; the message names the line and what is wrong."""

    code = "invalid_policy"

    frame = translatable("policy line %(line)s: %(reason)s")

    def __init__(self, line: int, reason: str, /, **params: object) -> None:
        super().__init__(reason, None, **params)
        self.line = line
        self.reason = fill(reason, params)
        self._framed(self.reason, line=line)


@dataclass(frozen=True)
class PolicyWitness:
    """A witness of the policy: its policy name, cosigner key and optional submission URL."""

    name: str
    verifier: NoteVerifier
    url: str | None


@dataclass(frozen=True)
class Group:
    """At least `threshold` of `members` (witness or group names) must have witnessed."""

    threshold: int
    members: tuple[str, ...]


@dataclass
class Policy:
    """A parsed policy; `quorum` is a witness name, a group name or `none`."""

    logs: list[NoteVerifier] = field(default_factory=list)
    log_urls: dict[str, str] = field(default_factory=dict)
    witnesses: dict[str, PolicyWitness] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    quorum: str = NONE

    def satisfied_by(self, cosigned: Collection[str]) -> bool:
        """Whether the witnesses named in `cosigned` (policy names) meet the quorum."""
        return self._witnessed(self.quorum, cosigned)

    def _witnessed(self, name: str, cosigned: Collection[str]) -> bool:
        if name == NONE:
            return True
        group = self.groups.get(name)
        if group is None:
            return name in cosigned
        return sum(self._witnessed(m, cosigned) for m in group.members) >= group.threshold

    def cosigned_by(self, note: str | bytes) -> list[str]:
        """The policy names of the witnesses with a valid cosignature on the checkpoint note."""
        by_key = {(w.verifier.name, w.verifier.key_id): w.name for w in self.witnesses.values()}
        found = verify_cosignatures(note, [w.verifier for w in self.witnesses.values()])
        return [by_key[(c.name, c.key_id)] for c in found]

    def log_for(self, origin: str) -> NoteVerifier | None:
        """The log key the policy trusts for `origin` (its vkey name is the origin)."""
        return next((log for log in self.logs if log.name == origin), None)


def parse_policy(text: str | bytes) -> Policy:
    """Parse a policy file; raise InvalidPolicy naming the first wrong line."""
    if isinstance(text, str):
        text = text.encode("utf-8")
    policy = Policy()
    quorum_line = 0
    keys: dict[bytes, int] = {}
    for number, raw in enumerate(text.split(b"\n"), start=1):
        bad = next((b for b in raw if (b < 0x20 and b != 0x09) or b == 0x7F), None)
        if bad is not None:
            raise InvalidPolicy(
                number,
                "control character 0x%(bad)02x is not allowed",
                bad=bad,
            )
        line = raw.decode("utf-8", errors="surrogateescape").strip(" \t")
        if not line or line.startswith("#"):
            continue
        keyword, *args = _WHITESPACE.split(line)
        if keyword == "log":
            _check_arity(number, args, 1, 2, "log <vkey> [<url>]")
            verifier = _vkey(number, args[0], log=True)
            _unique_key(number, keys, verifier)
            policy.logs.append(verifier)
            if len(args) == 2:
                policy.log_urls[verifier.name] = args[1]
        elif keyword == "witness":
            _check_arity(number, args, 2, 3, "witness <name> <vkey> [<url>]")
            name = _new_name(number, policy, args[0])
            verifier = _vkey(number, args[1], log=False)
            _unique_key(number, keys, verifier)
            url = args[2] if len(args) == 3 else None
            policy.witnesses[name] = PolicyWitness(name, verifier, url)
        elif keyword == "group":
            if len(args) < 3:
                raise InvalidPolicy(number, "expected 'group <name> all|any|<k> <member>...'")
            name = _new_name(number, policy, args[0])
            policy.groups[name] = _group(number, policy, args[1], args[2:])
        elif keyword == "quorum":
            _check_arity(number, args, 1, 1, "quorum <name>")
            if quorum_line:
                raise InvalidPolicy(
                    number,
                    "a second quorum line (the first is line %(quorum_line)s)",
                    quorum_line=quorum_line,
                )
            if args[0] != NONE and not _defined(policy, args[0]):
                raise InvalidPolicy(
                    number,
                    "quorum names %(args)r, not defined above",
                    args=args[0],
                )
            policy.quorum, quorum_line = args[0], number
        else:
            raise InvalidPolicy(
                number,
                "unknown keyword %(keyword)r",
                keyword=keyword,
            )
    if not quorum_line:
        raise InvalidPolicy(number, "the policy has no quorum line")
    return policy


def _check_arity(number: int, args: list[str], low: int, high: int, usage: str) -> None:
    if not low <= len(args) <= high:
        raise InvalidPolicy(
            number,
            "expected '%(usage)s'",
            usage=usage,
        )


def _vkey(number: int, text: str, *, log: bool) -> NoteVerifier:
    try:
        return parse_verifier_key(text) if log else parse_cosigner_vkey(text)
    except InvalidValue as error:
        raise InvalidPolicy(
            number,
            "verifier key: %(error_reason)s",
            error_reason=error.reason,
        ) from None


def _unique_key(number: int, keys: dict[bytes, int], verifier: NoteVerifier) -> None:
    if verifier.public_key in keys:
        raise InvalidPolicy(
            number,
            "the same public key as line %(keys)s",
            keys=keys[verifier.public_key],
        )
    keys[verifier.public_key] = number


def _defined(policy: Policy, name: str) -> bool:
    return name in policy.witnesses or name in policy.groups


def _new_name(number: int, policy: Policy, name: str) -> str:
    if name == NONE:
        raise InvalidPolicy(number, "'none' is reserved for 'quorum none'")
    if _defined(policy, name):
        raise InvalidPolicy(
            number,
            "%(name)r is already defined",
            name=name,
        )
    return name


def _group(number: int, policy: Policy, threshold: str, members: list[str]) -> Group:
    for member in members:
        if not _defined(policy, member):
            raise InvalidPolicy(
                number,
                "group member %(member)r is not defined above",
                member=member,
            )
    if len(set(members)) != len(members):
        raise InvalidPolicy(number, "a group lists the same member twice")
    if threshold == "all":
        return Group(len(members), tuple(members))
    if threshold == "any":
        return Group(1, tuple(members))
    if not _THRESHOLD.match(threshold):
        raise InvalidPolicy(
            number,
            "threshold %(threshold)r is not all, any or a number",
            threshold=threshold,
        )
    if int(threshold) > len(members):
        raise InvalidPolicy(
            number,
            "threshold %(threshold)s is impossible with %(members_count)s member(s)",
            threshold=threshold,
            members_count=len(members),
        )
    return Group(int(threshold), tuple(members))

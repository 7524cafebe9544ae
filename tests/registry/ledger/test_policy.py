"""Witness policies (c2sp.org/tlog-policy): the spec's example, quorum rules, refusals by line."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registry.ledger.cosignature import add_signature_lines, cosign, cosigner_vkey
from registry.ledger.policy import InvalidPolicy, parse_policy
from registry.signing.keys import raw_public_key
from tests.witnessing import LOG_VKEY, SmallLog

KEYS = {
    name: Ed25519PrivateKey.from_private_bytes(bytes([i + 1]) * 32)
    for i, name in enumerate(["X1", "X2", "X3", "Y1", "Y2", "Y3"])
}
VKEYS = {
    name: cosigner_vkey(f"{name.lower()}.example", raw_public_key(k)) for name, k in KEYS.items()
}

# The example of c2sp.org/tlog-policy, with keys filled in.
SPEC_EXAMPLE = f"""log {LOG_VKEY}

witness X1 {VKEYS["X1"]}
witness X2 {VKEYS["X2"]}
witness X3 {VKEYS["X3"]}
group X-witnesses 2 X1 X2 X3

witness Y1 {VKEYS["Y1"]}
witness Y2 {VKEYS["Y2"]}
witness Y3 {VKEYS["Y3"]}
group Y-witnesses any Y1 Y2 Y3

group X-and-Y all X-witnesses Y-witnesses
quorum X-and-Y
"""


@pytest.mark.parametrize(
    ("cosigned", "met"),
    [
        ({"X1", "X2", "Y3"}, True),
        ({"X1", "X3", "Y1", "Y2"}, True),
        ({"X1", "Y1", "Y2", "Y3"}, False),
        ({"X1", "X2", "X3"}, False),
        (set(), False),
    ],
)
def test_the_spec_example_quorum(cosigned: set[str], met: bool) -> None:
    assert parse_policy(SPEC_EXAMPLE).satisfied_by(cosigned) is met


def test_cosignatures_on_a_note_are_counted_by_policy_name() -> None:
    policy = parse_policy(SPEC_EXAMPLE)
    log = SmallLog().grow(3)
    note = log.checkpoint()
    text = note.split("\n\n")[0] + "\n"
    for name in ("X1", "X3", "Y2"):
        note = add_signature_lines(note, cosign(text, KEYS[name], f"{name.lower()}.example", 5))
    assert sorted(policy.cosigned_by(note)) == ["X1", "X3", "Y2"]
    assert policy.satisfied_by(policy.cosigned_by(note))


def test_comments_tabs_urls_and_quorum_none() -> None:
    policy = parse_policy(
        f"# the registry\n\tlog\t{LOG_VKEY} https://registry.example/\n  quorum none  \n"
    )
    assert policy.satisfied_by(set())
    assert policy.log_urls == {"registry.example/patent-infringers/v1": "https://registry.example/"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("quorum W\n", "policy line 1: quorum names 'W', not defined above"),
        (f"witness W {VKEYS['X1']}\ngroup G 3 W\nquorum G\n", "line 2: threshold 3 is impossible"),
        (f"witness W {VKEYS['X1']}\ngroup G 0 W\nquorum G\n", "line 2: threshold '0'"),
        (f"witness W {VKEYS['X1']}\ngroup G any W Z\n", "line 2: group member 'Z' is not defined"),
        (f"witness W {VKEYS['X1']}\ngroup G any W W\n", "line 2: a group lists the same member"),
        (f"witness W {VKEYS['X1']}\nwitness W {VKEYS['X2']}\n", "line 2: 'W' is already defined"),
        (
            f"witness W {VKEYS['X1']}\nwitness V {VKEYS['X1']}\n",
            "line 2: the same public key as line 1",
        ),
        (f"witness W {LOG_VKEY}\n", "line 1: verifier key: the key must be 0x04"),
        (f"log {VKEYS['X1']}\n", "line 1: verifier key: the key must be 0x01"),
        ("witness W\n", "line 1: expected 'witness <name> <vkey> [<url>]'"),
        (f"witness none {VKEYS['X1']}\n", "line 1: 'none' is reserved"),
        ("quorum none\nquorum none\n", "line 2: a second quorum line (the first is line 1)"),
        ("trust me\n", "line 1: unknown keyword 'trust'"),
        ("quorum none\x0b\n", "line 1: control character 0x0b"),
        (f"log {LOG_VKEY}\n", "line 2: the policy has no quorum line"),
    ],
)
def test_bad_policies_are_refused_naming_the_line(text: str, message: str) -> None:
    with pytest.raises(InvalidPolicy) as caught:
        parse_policy(text)
    assert message in caught.value.message

"""Ed25519 key values: identity (RFC 7638 kid), use, validity; signing and verifying."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from registry.canonical import canonical_bytes
from registry.errors import InvalidValue
from registry.ledger.note import parse_verifier_key, strict_b64decode, verifier_key
from registry.timestamps import format_timestamp

KEY_USES = ("entry", "checkpoint", "index", "receipt")
ALGORITHM = "Ed25519"


def check_use(use: str) -> str:
    """Return `use` if it is one of the key uses."""
    if use not in KEY_USES:
        raise InvalidValue(
            "use",
            "must be one of %(expected)s, got %(use)r",
            expected=", ".join(KEY_USES),
            use=use,
        )
    return use


def raw_public_key(private_key: Ed25519PrivateKey) -> bytes:
    """Return the 32 raw bytes of the public half of an Ed25519 key."""
    return private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def jwk_thumbprint(public_key: bytes) -> str:
    """Return the RFC 7638 thumbprint of an Ed25519 OKP public key (base64url, no padding)."""
    x = base64.urlsafe_b64encode(public_key).rstrip(b"=").decode("ascii")
    # RFC 7638: the required members only, sorted, no whitespace — exactly what JCS produces.
    digest = hashlib.sha256(canonical_bytes({"crv": "Ed25519", "kty": "OKP", "x": x})).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class VerificationKey:
    """The public half of a signing key, as published in feed/keys.json."""

    kid: str
    use: str
    public_key: bytes
    valid_from: str
    valid_until: str | None = None
    note_name: str | None = None

    @property
    def note_vkey(self) -> str | None:
        """The signed-note verifier key string, for checkpoint keys."""
        if self.use != "checkpoint" or self.note_name is None:
            return None
        return verifier_key(self.note_name, self.public_key)

    def as_record(self) -> dict[str, Any]:
        """Return the keys.json record: kid, alg, public_key, note_vkey, use, validity."""
        return {
            "kid": self.kid,
            "alg": ALGORITHM,
            "public_key": base64.b64encode(self.public_key).decode("ascii"),
            "note_vkey": self.note_vkey,
            "use": self.use,
            "valid_from": self.valid_from,
            "valid_until": self.valid_until,
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> VerificationKey:
        """Read a keys.json record, checking the algorithm, key length and kid."""
        if record.get("alg") != ALGORITHM:
            raise InvalidValue(
                "alg",
                "must be %(ALGORITHM)r, got %(alg)r",
                ALGORITHM=ALGORITHM,
                alg=record.get("alg"),
            )
        encoded = record.get("public_key")
        if not isinstance(encoded, str):
            raise InvalidValue("public_key", "must be a base64 string")
        public_key = strict_b64decode(encoded, "public_key")
        if len(public_key) != 32:
            raise InvalidValue(
                "public_key",
                "must be 32 bytes, got %(public_key_count)s",
                public_key_count=len(public_key),
            )
        kid = record.get("kid")
        if kid != jwk_thumbprint(public_key):
            raise InvalidValue(
                "kid",
                "%(kid)r is not the RFC 7638 thumbprint of the public key",
                kid=kid,
            )
        use = record.get("use")
        if not isinstance(use, str):
            raise InvalidValue("use", "must be a string")
        note_name = None
        vkey = record.get("note_vkey")
        if vkey is not None:
            verifier = parse_verifier_key(str(vkey))
            if verifier.public_key != public_key:
                raise InvalidValue("note_vkey", "names a different key than public_key")
            note_name = verifier.name
        valid_from, valid_until = record.get("valid_from"), record.get("valid_until")
        if not isinstance(valid_from, str):
            raise InvalidValue("valid_from", "must be an RFC 3339 UTC time")
        if valid_until is not None and not isinstance(valid_until, str):
            raise InvalidValue("valid_until", "must be an RFC 3339 UTC time or null")
        return cls(kid, check_use(use), public_key, valid_from, valid_until, note_name)

    def verifies(self, signature: bytes, message: bytes) -> bool:
        """Return whether `signature` is this key's Ed25519 signature over `message`."""
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class SigningKey:
    """A private Ed25519 key with its use and validity."""

    private_key: Ed25519PrivateKey = field(repr=False)
    use: str
    valid_from: str
    valid_until: str | None = None
    note_name: str | None = None

    @cached_property
    def public_key(self) -> bytes:
        """The 32 raw public key bytes."""
        return raw_public_key(self.private_key)

    @cached_property
    def kid(self) -> str:
        """The RFC 7638 JWK thumbprint of the public key."""
        return jwk_thumbprint(self.public_key)

    def sign(self, message: bytes) -> bytes:
        """Return the 64-byte Ed25519 signature over `message`."""
        return self.private_key.sign(message)

    def verification_key(self) -> VerificationKey:
        """Return the public half with the same identity and validity."""
        return VerificationKey(
            self.kid, self.use, self.public_key, self.valid_from, self.valid_until, self.note_name
        )


def generate_key(use: str, now: dt.datetime, note_name: str | None = None) -> SigningKey:
    """Generate a fresh signing key for `use`, valid from `now`."""
    check_use(use)
    if use == "checkpoint" and not note_name:
        raise InvalidValue("note_name", "a checkpoint key needs the log origin as its note name")
    return SigningKey(
        private_key=Ed25519PrivateKey.generate(),
        use=use,
        valid_from=format_timestamp(now),
        note_name=note_name if use == "checkpoint" else None,
    )

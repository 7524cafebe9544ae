"""Domain-separated Ed25519 signatures over canonical JSON.

Every signature covers `type || 0x00 || JCS(object)`, so a signature made for one kind of
document (an entry, the feed index, a receipt) can never be replayed as another.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from registry.canonical import canonical_bytes
from registry.errors import DomainError, InvalidValue, fill, translatable
from registry.signing.keys import ALGORITHM, SigningKey, VerificationKey

ENTRY_TYPE = "ipl.entry/v2"  # what new publications sign (docs/entry-v2.md)
ENTRY_V1_TYPE = "ipl.entry/v1"  # entries signed before v2; they keep verifying
ENTRY_TYPES = (ENTRY_V1_TYPE, ENTRY_TYPE)
FEED_INDEX_TYPE = "ipl.feed-index/v1"
RECEIPT_TYPE = "ipl.receipt/v1"

# Which key use may sign which document type.
USE_FOR_TYPE = {
    ENTRY_V1_TYPE: "entry",
    ENTRY_TYPE: "entry",
    FEED_INDEX_TYPE: "index",
    RECEIPT_TYPE: "receipt",
}

PublicKeys = Iterable[Mapping[str, Any] | VerificationKey]
"""Keys to verify with: keys.json records or VerificationKey values."""


class SignatureInvalid(DomainError):
    """A signed document does not verify; `reason` says why."""

    code = "signature_invalid"

    frame = translatable("signature rejected: %(reason)s")

    def __init__(self, reason: str, /, **params: object) -> None:
        super().__init__(reason, None, **params)
        self.reason = fill(reason, params)
        self._framed(self.reason)


def signing_message(type_: str, obj: Any) -> bytes:
    """Return the signed bytes: `type || 0x00 || JCS(obj)`."""
    return type_.encode("utf-8") + b"\x00" + canonical_bytes(obj)


def new_nonce() -> str:
    """Return 16 random bytes in base64, to make a content hash unguessable."""
    return base64.b64encode(secrets.token_bytes(16)).decode("ascii")


def _use_for(type_: str) -> str:
    use = USE_FOR_TYPE.get(type_)
    if use is None:
        raise InvalidValue(
            "type",
            "must be one of %(expected)s, got %(type_)r",
            expected=", ".join(USE_FOR_TYPE),
            type_=type_,
        )
    return use


def _check_signable(type_: str, obj: Any, key: SigningKey, field: str) -> bytes:
    use = _use_for(type_)
    if not isinstance(obj, Mapping) or obj.get("type") != type_:
        raise InvalidValue(
            f"{field}.type",
            "must be %(type_)r",
            type_=type_,
        )
    if key.use != use:
        raise InvalidValue(
            "key",
            "key %(kid)s is for %(use)r; %(type_)s needs a %(use2)r key",
            kid=key.kid,
            use=key.use,
            type_=type_,
            use2=use,
        )
    return signing_message(type_, obj)


def _encode(signature: bytes) -> str:
    return base64.b64encode(signature).decode("ascii")


def sign_entry(entry: Mapping[str, Any], key: SigningKey) -> dict[str, Any]:
    """Return `{"entry", "signature": {"alg", "kid", "sig"}}` for a published entry (v1 or v2)."""
    body = dict(entry)
    type_ = body.get("type")
    if type_ not in ENTRY_TYPES:
        raise InvalidValue(
            "entry.type",
            "must be one of %(expected)s",
            expected=", ".join(ENTRY_TYPES),
        )
    message = _check_signable(str(type_), body, key, "entry")
    signature = {"alg": ALGORITHM, "kid": key.kid, "sig": _encode(key.sign(message))}
    return {"entry": body, "signature": signature}


def sign_envelope(type_: str, signed: Mapping[str, Any], key: SigningKey) -> dict[str, Any]:
    """Return `{"signed", "signatures": [{"kid", "sig"}]}` for a feed index or a receipt."""
    if type_ in ENTRY_TYPES:
        raise InvalidValue("type", "entries are signed with sign_entry, not in an envelope")
    body = dict(signed)
    message = _check_signable(type_, body, key, "signed")
    signature = {"kid": key.kid, "sig": _encode(key.sign(message))}
    return {"signed": body, "signatures": [signature]}


def _keys_by_kid(public_keys: PublicKeys) -> dict[str, VerificationKey]:
    keys = {}
    for item in public_keys:
        key = item if isinstance(item, VerificationKey) else VerificationKey.from_record(item)
        keys[key.kid] = key
    return keys


def _decode_signature(value: Any, where: str) -> bytes:
    if not isinstance(value, str):
        raise SignatureInvalid(
            "%(where)s.sig must be a base64 string",
            where=where,
        )
    try:
        signature = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureInvalid(
            "%(where)s.sig is not valid base64",
            where=where,
        ) from None
    if len(signature) != 64:
        raise SignatureInvalid(
            "%(where)s.sig is %(signature_count)s bytes; Ed25519 signatures are 64",
            where=where,
            signature_count=len(signature),
        )
    return signature


def _check_key(
    kid: Any, keys: Mapping[str, VerificationKey], use: str, where: str
) -> VerificationKey:
    key = keys.get(kid) if isinstance(kid, str) else None
    if key is None:
        raise SignatureInvalid(
            "%(where)s.kid %(kid)r is not a known public key",
            where=where,
            kid=kid,
        )
    if key.use != use:
        raise SignatureInvalid(
            "%(where)s.kid %(kid)s is a key for %(use)r, not for %(use2)r",
            where=where,
            kid=kid,
            use=key.use,
            use2=use,
        )
    return key


def verify_entry(bundle: Mapping[str, Any], public_keys: PublicKeys) -> None:
    """Check a signed entry bundle against the published keys; raise SignatureInvalid."""
    entry, signature = bundle.get("entry"), bundle.get("signature")
    if not isinstance(entry, dict) or not isinstance(signature, Mapping):
        raise SignatureInvalid("expected an object with 'entry' and 'signature'")
    type_ = entry.get("type")
    if type_ not in ENTRY_TYPES:
        raise SignatureInvalid(
            "entry.type must be one of %(expected)s",
            expected=", ".join(map(repr, ENTRY_TYPES)),
        )
    if signature.get("alg") != ALGORITHM:
        raise SignatureInvalid(
            "signature.alg must be %(ALGORITHM)r, got %(alg)r",
            ALGORITHM=ALGORITHM,
            alg=signature.get("alg"),
        )
    key = _check_key(signature.get("kid"), _keys_by_kid(public_keys), "entry", "signature")
    raw = _decode_signature(signature.get("sig"), "signature")
    if not key.verifies(raw, signing_message(str(type_), entry)):
        raise SignatureInvalid(
            "the entry does not match its signature by key %(kid)s",
            kid=key.kid,
        )


def verify_envelope(type_: str, envelope: Mapping[str, Any], public_keys: PublicKeys) -> None:
    """Check a signed envelope: every known key's signature must verify, and at least one."""
    use = _use_for(type_)
    signed, signatures = envelope.get("signed"), envelope.get("signatures")
    if not isinstance(signed, dict) or not isinstance(signatures, list):
        raise SignatureInvalid("expected an object with 'signed' and a 'signatures' list")
    if signed.get("type") != type_:
        raise SignatureInvalid(
            "signed.type must be %(type_)r, got %(type)r",
            type_=type_,
            type=signed.get("type"),
        )
    keys = _keys_by_kid(public_keys)
    message = signing_message(type_, signed)
    verified = 0
    for position, item in enumerate(signatures):
        where = f"signatures[{position}]"
        if not isinstance(item, Mapping):
            raise SignatureInvalid(
                "%(where)s must be an object with 'kid' and 'sig'",
                where=where,
            )
        if item.get("kid") not in keys:
            continue  # a key the verifier does not know (another signer, a future key)
        key = _check_key(item.get("kid"), keys, use, where)
        if not key.verifies(_decode_signature(item.get("sig"), where), message):
            raise SignatureInvalid(
                "%(where)s by key %(kid)s does not match the signed content",
                where=where,
                kid=key.kid,
            )
        verified += 1
    if not verified:
        raise SignatureInvalid(
            "no signature by a known %(use)r key",
            use=use,
        )

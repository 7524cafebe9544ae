"""Signed notes (c2sp.org/signed-note) with Ed25519 keys.

A note is text ending in a newline, a blank line, then signature lines
`— <key name> <base64(4-byte key ID || signature)>`. A verifier trusts one key, given
as a verifier key string `<name>+<hex key ID>+<base64(0x01 || public key)>`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from typing import Self

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from registry.errors import DomainError, InvalidValue, fill, translatable

ED25519_TYPE = b"\x01"  # the signed-note signature type byte for Ed25519
SIGNATURE_PREFIX = "\u2014 "  # em dash, space
MAX_SIGNATURES = 100  # the spec asks verifiers for a limit of at least 16


class InvalidNote(DomainError):
    """A signed note is malformed or not signed by the trusted key; `reason` says why."""

    code = "invalid_note"

    frame = translatable("signed note rejected: %(reason)s")

    def __init__(self, reason: str, /, **params: object) -> None:
        super().__init__(reason, None, **params)
        self.reason = fill(reason, params)
        self._framed(self.reason)

    @classmethod
    def carrying(cls, other: DomainError) -> Self:
        """This kind of error, for the reason another one gave."""
        return cls(other.template, **other.params)


@dataclass(frozen=True)
class NoteVerifier:
    """A trusted note key: name, 4-byte key ID and 32-byte Ed25519 public key."""

    name: str
    key_id: bytes
    public_key: bytes


def strict_b64decode(text: str, field: str) -> bytes:
    """Decode standard base64, refusing anything but its one canonical spelling."""
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidValue(
            field,
            "%(text)r is not valid base64",
            text=text,
        ) from None
    if base64.b64encode(data).decode("ascii") != text:
        raise InvalidValue(
            field,
            "%(text)r is not canonical base64",
            text=text,
        )
    return data


def check_key_name(name: str, field: str = "note_name") -> str:
    """Return `name` if it is a valid note key name (non-empty, no spaces, no '+')."""
    if not name:
        raise InvalidValue(field, "a note key name must not be empty")
    if any(ch.isspace() or ch == "+" or ord(ch) < 0x20 for ch in name):
        raise InvalidValue(
            field,
            "%(name)r must not contain spaces, '+' or control characters",
            name=name,
        )
    return name


def key_id(name: str, public_key: bytes, key_type: bytes = ED25519_TYPE) -> bytes:
    """Return SHA-256(name || 0x0A || type byte || public key)[:4], the note key ID."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + key_type + public_key).digest()[:4]


def verifier_key(name: str, public_key: bytes, key_type: bytes = ED25519_TYPE) -> str:
    """Return the verifier key string `<name>+<hex key ID>+<base64(type byte || key)>`."""
    check_key_name(name)
    if len(public_key) != 32:
        raise InvalidValue(
            "public_key",
            "an Ed25519 public key is 32 bytes, got %(public_key_count)s",
            public_key_count=len(public_key),
        )
    encoded = base64.b64encode(key_type + public_key).decode("ascii")
    return f"{name}+{key_id(name, public_key, key_type).hex()}+{encoded}"


def parse_verifier_key(vkey: str, key_type: bytes = ED25519_TYPE) -> NoteVerifier:
    """Parse and check a verifier key string of the given signature type."""
    parts = vkey.split("+", 2)  # base64 may itself contain '+', names may not
    if len(parts) != 3:
        raise InvalidValue("vkey", "expected <name>+<hex key ID>+<base64 key>")
    name, hex_id, encoded = parts
    check_key_name(name, "vkey")
    if (
        len(hex_id) != 8
        or hex_id != hex_id.lower()
        or not all(c in "0123456789abcdef" for c in hex_id)
    ):
        raise InvalidValue(
            "vkey",
            "key ID %(hex_id)r must be 8 lowercase hex digits",
            hex_id=hex_id,
        )
    key = strict_b64decode(encoded, "vkey")
    if len(key) != 33 or key[:1] != key_type:
        raise InvalidValue(
            "vkey",
            "the key must be 0x%(key_type)s followed by a 32-byte Ed25519 public key",
            key_type=key_type.hex(),
        )
    public_key = key[1:]
    if key_id(name, public_key, key_type).hex() != hex_id:
        raise InvalidValue(
            "vkey",
            "key ID %(hex_id)s does not match the name and key",
            hex_id=hex_id,
        )
    return NoteVerifier(name, bytes.fromhex(hex_id), public_key)


def check_note_text(text: str) -> None:
    """Refuse note text that is empty, lacks a final newline or holds control characters."""
    _check_characters(text)
    if not text.endswith("\n") or text == "\n":
        raise InvalidNote("the text must be non-empty and end with a newline")


def _check_characters(text: str) -> None:
    for position, ch in enumerate(text):
        if ch < " " and ch != "\n":
            raise InvalidNote(
                "control character U+%(code_point)04X at position %(position)s",
                code_point=ord(ch),
                position=position,
            )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise InvalidNote(
            "not valid UTF-8: lone surrogate at position %(error_start)s",
            error_start=error.start,
        ) from None


def sign_note(text: str, private_key: Ed25519PrivateKey, name: str) -> str:
    """Return `text` signed by `private_key` under key name `name`."""
    check_key_name(name)
    check_note_text(text)
    public_key = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    signature = private_key.sign(text.encode("utf-8"))
    encoded = base64.b64encode(key_id(name, public_key) + signature).decode("ascii")
    return f"{text}\n{SIGNATURE_PREFIX}{name} {encoded}\n"


def _signature_lines(block: str) -> list[tuple[str, bytes]]:
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise InvalidNote(
            "more than %(MAX_SIGNATURES)s signature lines",
            MAX_SIGNATURES=MAX_SIGNATURES,
        )
    parsed = []
    for number, line in enumerate(lines, start=1):
        if not line.startswith(SIGNATURE_PREFIX):
            raise InvalidNote(
                "signature line %(number)s does not start with an em dash and a space",
                number=number,
            )
        fields = line[len(SIGNATURE_PREFIX) :].split(" ")
        if len(fields) != 2 or not fields[0]:
            raise InvalidNote(
                "signature line %(number)s is not '— <key name> <signature>'",
                number=number,
            )
        try:
            signature = strict_b64decode(fields[1], "signature")
        except InvalidValue:
            raise InvalidNote(
                "signature line %(number)s is not valid base64",
                number=number,
            ) from None
        if len(signature) < 5:
            raise InvalidNote(
                "signature line %(number)s is too short to hold a key ID and signature",
                number=number,
            )
        parsed.append((fields[0], signature))
    return parsed


def split_note(note: str | bytes) -> tuple[str, list[tuple[str, bytes]]]:
    """Split a signed note into its checked text and its (key name, signature bytes) lines."""
    if isinstance(note, bytes):
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InvalidNote(
                "not UTF-8: bad byte at offset %(error_start)s",
                error_start=error.start,
            ) from None
    _check_characters(note)
    if not note.endswith("\n"):
        raise InvalidNote("the note must end with a newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise InvalidNote("no blank line separates the text from signature lines")
    text, block = note[: split + 1], note[split + 2 :]
    if not block:
        raise InvalidNote("there is no signature line after the blank line")
    check_note_text(text)
    return text, _signature_lines(block)


def open_note(note: str | bytes, verifier: NoteVerifier) -> str:
    """Verify a signed note against the trusted key and return its text."""
    text, signatures = split_note(note)
    verified = False
    for name, signature in signatures:
        # Signatures by other keys (witnesses, a rotated key) are ignored, as the spec says.
        if name != verifier.name or signature[:4] != verifier.key_id:
            continue
        try:
            Ed25519PublicKey.from_public_bytes(verifier.public_key).verify(
                signature[4:], text.encode("utf-8")
            )
        except InvalidSignature:
            raise InvalidNote(
                "the signature by %(name)s does not verify",
                name=name,
            ) from None
        verified = True
    if not verified:
        raise InvalidNote(
            "no signature by the trusted key %(verifier_name)s (%(key_id)s)",
            verifier_name=verifier.name,
            key_id=verifier.key_id.hex(),
        )
    return text

"""The on-disk key store: one current Ed25519 key per use, generated on first run.

Keys live in one directory (mode 0700) as `<kid>.pem` PKCS8 files (mode 0600, encrypted
when a passphrase is set) beside `keys.json`, the metadata. Rotation retires the current
key: its private half is deleted, its public half stays published with `valid_until`, so
everything it signed stays verifiable.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import re
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    KeySerializationEncryption,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)
from filelock import FileLock

from registry.canonical import canonical_bytes, loads_strict
from registry.errors import InvalidValue, SigningUnavailable, translatable
from registry.ledger.note import check_key_name
from registry.signing.keys import KEY_USES, SigningKey, VerificationKey, check_use, generate_key
from registry.timestamps import format_timestamp

__all__ = ["KEY_USES", "KeyStore", "SigningKey", "VerificationKey", "write_private_file"]

_KID = re.compile(r"[A-Za-z0-9_-]{43}\Z")


def write_private_file(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically with mode 0600 (never readable by others)."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(descriptor, 0o600)  # the umask can only narrow the mode; make it exact
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _record_problem(record: Any) -> str | None:
    """Say what is wrong with one keys.json metadata record, or None if nothing is."""
    if not isinstance(record, dict):
        return translatable("is not an object")
    # The kid names the key file, so it must be a thumbprint and nothing path-like.
    if not _KID.match(str(record.get("kid"))) or record.get("use") not in KEY_USES:
        return translatable("needs a kid (an RFC 7638 thumbprint) and a known use")
    try:
        public_key = base64.b64decode(str(record.get("public_key")), validate=True)
    except ValueError:
        public_key = b""
    if len(public_key) != 32:
        return translatable("needs a base64 32-byte public_key")
    if not isinstance(record.get("valid_from"), str):
        return translatable("needs valid_from")
    if not all(isinstance(record.get(k), str | None) for k in ("valid_until", "note_name")):
        return translatable("has a valid_until or note_name that is not a string or null")
    return None


class KeyStore:
    """Signing keys on disk: `<kid>.pem` files (0600) and `keys.json` in a 0700 directory."""

    METADATA = "keys.json"

    def __init__(
        self,
        directory: str | os.PathLike[str] = "instance/keys",
        *,
        note_name: str,
        passphrase: str | bytes | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.note_name = check_key_name(note_name)
        if isinstance(passphrase, str):
            passphrase = passphrase.encode("utf-8")
        if passphrase is not None and not passphrase:
            raise InvalidValue(
                "passphrase", "must not be empty; leave it unset to store keys unencrypted"
            )
        self._passphrase = passphrase
        self._loaded: dict[str, SigningKey] = {}  # by kid; private keys already read and decrypted
        # keys.json as last parsed, with the (inode, mtime, size) it was read at.
        self._records: tuple[tuple[int, int, int], list[dict[str, Any]]] | None = None

    @cached_property
    def _metadata_path(self) -> Path:
        return self.directory / self.METADATA

    def _lock(self) -> FileLock:
        self._prepare_directory()
        return FileLock(self.directory / ".lock", mode=0o600)

    def _prepare_directory(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.directory, 0o700)

    def _read_records(self, *, missing_ok: bool = False, copy: bool = True) -> list[dict[str, Any]]:
        # Every signature asks for the current key; the file is parsed again only when it was
        # replaced or changed (keys are written by atomic replacement: a new inode each time).
        path = self._metadata_path
        try:
            status = os.stat(path)
        except FileNotFoundError:
            status = None
        except OSError as error:
            raise SigningUnavailable(
                "cannot read %(path)s: %(strerror)s", path=path, strerror=error.strerror
            ) from None
        if status is not None:
            seen = (status.st_ino, status.st_mtime_ns, status.st_size)
            cached = self._records
            if cached is not None and cached[0] == seen:
                return [dict(record) for record in cached[1]] if copy else cached[1]
        records = self._parse_records(missing_ok=missing_ok)
        if status is not None:
            self._records = (seen, [dict(record) for record in records])
        return records

    def _parse_records(self, *, missing_ok: bool) -> list[dict[str, Any]]:
        path = self._metadata_path
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            if missing_ok:
                return []
            raise SigningUnavailable(
                "%(path)s is missing: no signing keys have been generated in %(directory)s",
                path=path,
                directory=self.directory,
            ) from None
        except OSError as error:
            raise SigningUnavailable(
                "cannot read %(path)s: %(strerror)s",
                path=path,
                strerror=error.strerror,
            ) from None
        try:
            document = loads_strict(raw)
        except InvalidValue as error:
            raise SigningUnavailable(
                "%(path)s is damaged: %(error_reason)s",
                path=path,
                error_reason=error.reason,
            ) from None
        records = document.get("keys") if isinstance(document, dict) else None
        if not isinstance(records, list):
            raise SigningUnavailable(
                "%(path)s is damaged: expected an object with a 'keys' list",
                path=path,
            )
        for position, record in enumerate(records):
            problem = _record_problem(record)
            if problem:
                raise SigningUnavailable(
                    "%(path)s is damaged: keys[%(position)s] %(problem)s",
                    path=path,
                    position=position,
                    problem=problem,
                )
        return records

    def _write_records(self, records: list[dict[str, Any]]) -> None:
        document = {"keys": records}
        write_private_file(self._metadata_path, canonical_bytes(document) + b"\n")

    def _encryption(self) -> KeySerializationEncryption:
        if self._passphrase is None:
            return NoEncryption()
        return BestAvailableEncryption(self._passphrase)

    def _save(self, key: SigningKey, records: list[dict[str, Any]]) -> None:
        pem = key.private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, self._encryption())
        write_private_file(self.directory / f"{key.kid}.pem", pem)
        records.append(
            {
                "kid": key.kid,
                "use": key.use,
                "public_key": base64.b64encode(key.public_key).decode("ascii"),
                "note_name": key.note_name,
                "valid_from": key.valid_from,
                "valid_until": None,
            }
        )
        self._loaded[key.kid] = key

    def ensure_keys(self, now: dt.datetime) -> dict[str, SigningKey]:
        """Generate a current key for every use that has none; return the current keys by use."""
        with self._lock():
            records = self._read_records(missing_ok=True)
            current_uses = {r.get("use") for r in records if r.get("valid_until") is None}
            missing = [use for use in KEY_USES if use not in current_uses]
            for use in missing:
                self._save(generate_key(use, now, self.note_name), records)
            if missing:
                self._write_records(records)
        return {use: self.current(use) for use in KEY_USES}

    def _current_record(self, use: str, records: list[dict[str, Any]]) -> dict[str, Any]:
        for record in records:
            if record.get("use") == use and record.get("valid_until") is None:
                return record
        raise SigningUnavailable(
            "%(metadata_path)s has no current %(use)r key; generate keys on startup or run "
            "`registry keys rotate`",
            metadata_path=self._metadata_path,
            use=use,
        )

    def current(self, use: str) -> SigningKey:
        """Return the current signing key for `use`, reading it from disk if needed."""
        check_use(use)
        record = self._current_record(use, self._read_records(copy=False))  # only read
        kid = str(record.get("kid"))
        if use == "checkpoint" and record.get("note_name") != self.note_name:
            raise SigningUnavailable(
                "checkpoint key %(kid)s signs for log origin %(note_name)r, but the log "
                "origin is %(note_name2)r; rotate the checkpoint key",
                kid=kid,
                note_name=record.get("note_name"),
                note_name2=self.note_name,
            )
        key = self._loaded.get(kid)
        if key is None:
            key = self._load(record)
            self._loaded[kid] = key
        return key

    def _load(self, record: Mapping[str, Any]) -> SigningKey:
        kid = str(record.get("kid"))
        path = self.directory / f"{kid}.pem"
        try:
            pem = path.read_bytes()
        except FileNotFoundError:
            raise SigningUnavailable(
                "signing key file %(path)s is missing",
                path=path,
            ) from None
        except OSError as error:
            raise SigningUnavailable(
                "cannot read signing key file %(path)s: %(problem)s",
                path=path,
                problem=error.strerror,
            ) from None
        encrypted = pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
        if encrypted and self._passphrase is None:
            raise SigningUnavailable(
                "signing key file %(path)s is encrypted and no passphrase is set", path=path
            )
        try:
            private_key = load_pem_private_key(pem, self._passphrase if encrypted else None)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            if encrypted:
                raise SigningUnavailable(
                    "signing key file %(path)s cannot be decrypted with the passphrase", path=path
                ) from None
            raise SigningUnavailable(
                "signing key file %(path)s is not a PEM key", path=path
            ) from None
        if not isinstance(private_key, Ed25519PrivateKey):
            raise SigningUnavailable(
                "signing key file %(path)s does not hold an Ed25519 key",
                path=path,
            )
        key = SigningKey(
            private_key=private_key,
            use=str(record.get("use")),
            valid_from=str(record.get("valid_from")),
            valid_until=record.get("valid_until"),
            note_name=record.get("note_name"),
        )
        if key.kid != kid:
            raise SigningUnavailable(
                "signing key file %(path)s holds a different key than its name says", path=path
            )
        return key

    def rotate(self, use: str, now: dt.datetime) -> SigningKey:
        """Retire the current key for `use` (valid_until=now) and return a new current one."""
        check_use(use)
        stamp = format_timestamp(now)
        with self._lock():
            records = self._read_records(missing_ok=True)
            retired = [r for r in records if r.get("use") == use and r.get("valid_until") is None]
            for record in retired:
                record["valid_until"] = stamp
            key = generate_key(use, now, self.note_name)
            self._save(key, records)
            self._write_records(records)
            # Only now that the metadata no longer calls them current may the old files go.
            for record in retired:
                (self.directory / f"{record.get('kid')}.pem").unlink(missing_ok=True)
                self._loaded.pop(str(record.get("kid")), None)
        return key

    def verification_keys(self) -> list[VerificationKey]:
        """Return every key ever used, current and retired, as public keys."""
        return [
            VerificationKey(
                kid=str(record.get("kid")),
                use=str(record.get("use")),
                public_key=base64.b64decode(str(record.get("public_key"))),
                valid_from=str(record.get("valid_from")),
                valid_until=record.get("valid_until"),
                note_name=record.get("note_name"),
            )
            for record in self._read_records()
        ]

    def public_keys(self) -> list[dict[str, Any]]:
        """Return the feed/keys.json records for every key, current and retired."""
        return [key.as_record() for key in self.verification_keys()]

    def find(self, kid: str) -> VerificationKey | None:
        """Return the public key with this kid, or None if the store never held it."""
        for key in self.verification_keys():
            if key.kid == kid:
                return key
        return None

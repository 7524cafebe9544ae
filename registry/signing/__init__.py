"""Signatures: Ed25519 signing keys and their on-disk store, signed envelopes and entries."""

"""Signatures: JCS canonical form, Ed25519 signing keys and their store, entries, receipts."""

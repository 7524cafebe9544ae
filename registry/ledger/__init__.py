"""The transparency log: RFC 6962 Merkle hashing, proofs, tiles, checkpoints and event leaves."""

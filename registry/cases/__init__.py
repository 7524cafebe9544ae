"""Enforcement cases (the basis of a listing): recording, revocation and bulk import."""

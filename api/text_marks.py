"""Marking texts for the catalogue where they are written, to be translated where they are shown."""

from __future__ import annotations


def N_(text: str) -> str:
    """Mark `text` for the catalogue; it is translated where it is shown, not here."""
    return text

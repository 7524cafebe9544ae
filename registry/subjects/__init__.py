"""Subjects of listings: enterprises, persons and organisations, their names and identifiers."""

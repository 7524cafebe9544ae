"""Screening counterparties against the register: name matching and identifier lookup."""

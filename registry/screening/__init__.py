"""Screening counterparties against the register.

Name matching, identifier lookup, batch screening and the signed receipts that prove it.
"""

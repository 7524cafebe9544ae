"""Listings under due process: rules engine, periods and calendar, workflow, requests."""

"""The `registry` command group every command module adds to, and what they share."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from registry.errors import DomainError
from registry.listings.policy import Policy

commands = AppGroup("registry")


def policy() -> Policy:
    """The policy configured for the running app."""
    return Policy.from_settings(current_app.config["REGISTRY"])


def fail(error: DomainError) -> None:
    """Print a domain error as a clean command-line failure."""
    raise click.ClickException(error.message)

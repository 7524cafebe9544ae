"""The `registry` console script: Flask's CLI with the registry's commands."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup

from server.cli.monitor import monitor
from server.cli.verify import verify
from server.cli.verify_proof import verify_proof
from server.witness import witness


def _create_app() -> Flask:
    # Imported here, not above: a worker process of `registry verify` runs this module again
    # (multiprocessing's spawn), and needs the verifier only, not the app (about 3 s a worker).
    from server.app import create_app

    # Command-line runs never start the in-process publisher; `registry publish` runs it once.
    return create_app({"CLI": True})


@click.group(cls=FlaskGroup, create_app=_create_app)
def main() -> None:
    """Patent Dishonesty Disclosure Registry."""


main.add_command(verify)  # on the top-level group: it runs without creating the app
main.add_command(monitor)
main.add_command(verify_proof)  # offline: bundle, entry and policy files only
main.add_command(witness)  # an independent party's program: no app, no registry database

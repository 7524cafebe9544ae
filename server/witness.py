"""The witness's HTTP server (c2sp.org/tlog-witness): `registry witness serve`, or
`python -m server.witness`. It needs none of the registry's configuration or database.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, Response, request
from werkzeug.serving import make_server

from registry.clock import utcnow
from registry.errors import DomainError
from registry.ledger.cosignature import cosigner_vkey
from registry.signing.keys import raw_public_key
from registry.witness.service import Witness, load_or_create_key, origin_hash
from registry.witness.state import WitnessState
from registry.witness.submission import (
    InconsistentCheckpoint,
    MalformedSubmission,
    StaleOldSize,
    UnknownLog,
    UntrustedCheckpoint,
)

STATUS = {
    MalformedSubmission: 400,
    UntrustedCheckpoint: 403,
    UnknownLog: 404,
    StaleOldSize: 409,
    InconsistentCheckpoint: 422,
}


def _text(body: str, status: int, content_type: str = "text/plain; charset=utf-8") -> Response:
    return Response(body, status=status, content_type=content_type)


def create_witness_app(witness: Witness) -> Flask:
    """A Flask app serving `POST /add-checkpoint` and `GET /<origin hash>/checkpoint`."""
    app = Flask("registry.witness")
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024

    @app.post("/add-checkpoint")
    def add_checkpoint() -> Response:
        try:
            line = witness.add_checkpoint(request.get_data(), utcnow())
        except StaleOldSize as error:
            return _text(f"{error.latest}\n", 409, "text/x.tlog.size")
        except DomainError as error:
            status = next((code for kind, code in STATUS.items() if isinstance(error, kind)), 400)
            return _text(f"{error.message}\n", status)
        return _text(line, 200)

    @app.get("/<digest>/checkpoint")
    def checkpoint(digest: str) -> Response:
        for origin in witness.logs:
            if origin_hash(origin) == digest:
                latest = witness.state.latest(origin)
                if latest is not None:
                    return _text(latest.note, 200)
        return _text("this witness has never cosigned a checkpoint for that log\n", 404)

    @app.errorhandler(413)
    def too_large(_error: Exception) -> Response:
        return _text("the request is larger than 64 KiB\n", 400)

    return app


def build_witness(name: str, key_file: Path, database: Path, logs: tuple[str, ...]) -> Witness:
    """The witness with its key (created on first run) and its own SQLite database."""
    return Witness(name, load_or_create_key(key_file), logs, WitnessState(database))


@click.group("witness")
def witness() -> None:
    """Run a transparency-log witness (c2sp.org/tlog-witness) for this or any log."""


name_option = click.option(
    "--name", required=True, help="the witness's key name, e.g. witness.example/w1"
)
key_option = click.option(
    "--key-file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="PEM Ed25519 private key; created (mode 0600) if missing",
)


@witness.command("vkey")
@name_option
@key_option
def print_vkey(name: str, key_file: Path) -> None:
    """Print the witness's cosigner verifier key (creating its key if needed)."""
    try:
        click.echo(cosigner_vkey(name, raw_public_key(load_or_create_key(key_file))))
    except DomainError as error:
        raise click.ClickException(error.message) from None


@witness.command("serve")
@name_option
@key_option
@click.option(
    "--log",
    "logs",
    multiple=True,
    help="verifier key of a log to follow (its name is the log's origin); repeatable",
)
@click.option(
    "--db",
    "database",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="the witness's own SQLite database file",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=7380, show_default=True, type=int)
def serve(
    name: str, key_file: Path, logs: tuple[str, ...], database: Path, host: str, port: int
) -> None:
    """Serve `POST /add-checkpoint` until interrupted."""
    if not logs:
        raise click.UsageError("name at least one log to follow with --log VKEY")
    try:
        app = create_witness_app(build_witness(name, key_file, database, logs))
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"witness {name} serving on http://{host}:{port}", err=True)
    make_server(host, port, app, threaded=True).serve_forever()


if __name__ == "__main__":
    witness()

"""The registry's command-line commands, attached to an app by `init_app`."""

from __future__ import annotations

from flask import Flask

from server.cli import accounts, import_cases, ledger, national_platform, operations, screening
from server.cli.group import commands

COMMAND_MODULES = (accounts, import_cases, ledger, national_platform, operations, screening)


def init_app(app: Flask) -> None:
    """Attach the registry's commands to the app's CLI."""
    for command in commands.commands.values():
        app.cli.add_command(command)

"""The registry's command-line commands, attached to an app by `init_app`.

The command modules are imported by `init_app`, not with this package: the offline commands
(`registry verify`, `monitor`, `verify-proof`) live here too, and a `registry verify` worker
process imports them again (multiprocessing's spawn runs the console script anew) without
needing the app's commands or what they import.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Attach the registry's commands to the app's CLI."""
    from server.cli import (  # noqa: F401 - each module registers its commands on import
        accounts,
        import_cases,
        ledger,
        national_platform,
        operations,
        screening,
        screening_index,
    )
    from server.cli.group import commands

    for command in commands.commands.values():
        app.cli.add_command(command)

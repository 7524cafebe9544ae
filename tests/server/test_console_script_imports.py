"""The `registry` console script loads the app only for the commands that use it.

multiprocessing starts each `registry verify` worker by running the console script again
(spawn): whatever `server.main` imports, every worker imports too. The offline commands need
the verifier alone, and the app's import (its blueprints, the FollowTheMoney model, the
pinyin dictionaries) took about 3 s of CPU a worker.
"""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from server.main import main
from tests.conftest import ROOT

_LOADED = """
import json, sys
import server.main
print(json.dumps(sorted(name for name in sys.modules if name.split(".")[0] in
    ("server", "api", "publisher", "followthemoney", "pypinyin"))))
"""


def test_importing_the_console_script_loads_neither_the_app_nor_its_commands() -> None:
    found = subprocess.run(
        [sys.executable, "-c", _LOADED], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = json.loads(found.stdout)
    assert "server.main" in loaded
    assert not {"server.app", "api", "publisher", "followthemoney", "pypinyin"} & set(loaded)
    assert "server.cli.accounts" not in loaded


def test_the_app_commands_are_still_there_once_the_app_is_made() -> None:
    listed = CliRunner().invoke(main, ["--help"])
    assert listed.exit_code == 0, listed.output
    for command in ("admin", "apikey", "demo", "import-cases", "publish", "verify", "monitor"):
        assert f"  {command} " in listed.output

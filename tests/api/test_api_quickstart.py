"""docs/api-quickstart.md runs as written: every curl and Python example against a live server.

Each runnable block is marked `<!-- example: NAME -->`. Shell blocks run in bash, one by one,
after the setup block (files they write stay in one working folder); Python blocks run in order
in one namespace, as in one interpreter session. The registry's address and the example key in
the text are replaced by the live server's and by the key the `create-key` example printed.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from registry.clients.webhook_signature import sign, signature
from tests.conftest import ROOT
from tests.live_demo import LiveDemo, live_demo

QUICKSTART = ROOT / "docs" / "api-quickstart.md"
DOC_URL = "https://registry.example"
DOC_KEY = "ipl_0123456789ab_example-secret-shown-once"
LISTED_CODE = "91440300752223952D"
LISTED_NAME = "深圳市禾信科技有限公司"
_BLOCK = re.compile(
    r"(?:<!-- example: (?P<name>[\w-]+) -->\n)?```(?P<lang>\w*)\n(?P<code>.*?)```", re.S
)
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Example:
    """One runnable block of the quickstart."""

    name: str
    language: str
    code: str


def examples() -> list[Example]:
    """The marked blocks, in the order they appear; unmarked sh/python blocks fail the test."""
    found = []
    for match in _BLOCK.finditer(QUICKSTART.read_text(encoding="utf-8")):
        language = match["lang"]
        if language not in ("sh", "python"):
            continue
        assert match["name"], f"a {language} block without an example marker:\n{match['code']}"
        found.append(Example(match["name"], language, match["code"]))
    return found


@dataclass
class Run:
    """What the examples share: the server, the working folder, the key and the Python session."""

    demo: LiveDemo
    folder: Path
    key: str = DOC_KEY
    namespace: dict[str, Any] = field(default_factory=dict)
    shell_setup: str = ""

    def substitute(self, code: str) -> str:
        """The block with the live address and key in place of the documented ones."""
        return code.replace(DOC_URL, self.demo.url).replace(DOC_KEY, self.key)

    def environment(self, **extra: str) -> dict[str, str]:
        """The shell's environment: `registry` and `python3` from this venv, this checkout."""
        return {
            **os.environ,
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "PYTHONPATH": str(ROOT),
            "REGISTRY_DATABASE_URL": self.demo.database_url,
            "REGISTRY_KEYS_DIR": str(self.demo.directory / "keys"),
            "REGISTRY_FEED_DIR": str(self.demo.directory / "feed"),
            **extra,
        }

    def shell(self, code: str, **extra: str) -> str:
        """Run a shell block after the setup block; its output, or a failure with stderr."""
        script = "set -euo pipefail\n" + self.substitute(self.shell_setup + code)
        done = subprocess.run(
            ["bash", "-c", script],
            cwd=self.folder,
            env=self.environment(**extra),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"exit {done.returncode}\n{script}\n{done.stderr}"
        return done.stdout

    def python(self, code: str) -> str:
        """Run a Python block in the shared namespace; what it printed."""
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(self.substitute(code), str(QUICKSTART), "exec"), self.namespace)
        return printed.getvalue()


def _entry_url_ok(entry: dict[str, Any]) -> bool:
    return str(entry["url"]).endswith(f"/entries/{entry['entry_id']}")


def check_create_key(run: Run, code: str) -> None:
    output = run.shell(code)
    found = re.search(r"^ipl_[0-9a-f]{12}_\S+$", output, re.M)
    assert found, output
    assert "scopes screen,watch" in output
    run.key = found.group(0)


def check_setup_shell(run: Run, code: str) -> None:
    run.shell_setup = code
    assert run.shell('printf "%s %s" "$REGISTRY" "$API_KEY"') == f"{run.demo.url} {run.key}"


def check_setup_python(run: Run, code: str) -> None:
    run.python(code)
    assert run.namespace["REGISTRY"] == run.demo.url
    assert run.namespace["api"].headers["Authorization"] == f"Bearer {run.key}"


def check_lookup_curl(run: Run, code: str) -> None:
    answer = json.loads(run.shell(code))
    assert answer["answer"] == "listed"
    [entry] = answer["entries"]
    assert entry["name"] == LISTED_NAME and _entry_url_ok(entry)
    assert entry["entry_id"] in answer["proofs"]


def check_lookup_python(run: Run, code: str) -> None:
    printed = run.python(code).splitlines()
    answer = run.namespace["answer"]
    entry = answer["entries"][0]
    assert printed[0] == "listed" and _entry_url_ok(entry)
    assert printed[1].split() == [
        entry["entry_id"],
        LISTED_NAME,
        entry["url"],
        entry["listed_on"],
        entry["period_end"],
    ]


def check_screen_curl(run: Run, code: str) -> None:
    batch = json.loads(run.shell(code))
    found, other = batch["results"]
    assert found["ref"] == "supplier-17" and other["ref"] == "supplier-18"
    assert [(m["name"], m["score"]) for m in found["matches"]] == [(LISTED_NAME, 1.0)]
    assert other["matches"] == []
    assert batch["receipt"]["signed"]["type"] == "ipl.receipt/v1"


def check_screen_python(run: Run, code: str) -> None:
    entry_id = run.namespace["answer"]["entries"][0]["entry_id"]
    printed = run.python(code).splitlines()
    expected = f"supplier-17 [('{entry_id}', '{LISTED_NAME}', 1.0)]"
    assert printed == [expected, "supplier-18 no match"]


def check_receipt_curl(run: Run, code: str) -> None:
    output = run.shell(code)
    assert re.match(r"receipt rcpt_[0-9a-f]+ is valid: issued .* to API key \d+", output), output
    assert json.loads((run.folder / "receipt.json").read_text())["signed"]["queries"] == [
        {"scheme": "cn_uscc", "value": LISTED_CODE}
    ]


def check_receipt_python(run: Run, code: str) -> None:
    receipt_id = run.namespace["answer"]["receipt"]["signed"]["receipt_id"]
    assert run.python(code) == f"receipt {receipt_id} verified\n"


def check_watch_curl(run: Run, code: str) -> None:
    output = run.shell(code)
    assert json.loads(output) == {"added": 1, "item_count": 1}
    watchlist = json.loads((run.folder / "watchlist.json").read_text())
    assert watchlist["webhook_secret"].startswith("whsec_")


def check_watch_python(run: Run, code: str) -> None:
    assert run.python(code) == "{'added': 1, 'item_count': 1}\n"
    assert run.namespace["webhook_secret"].startswith("whsec_")


def check_webhook_python(run: Run, code: str) -> None:
    run.python(code)
    verified = run.namespace["verified_delivery"]
    secret = run.namespace["webhook_secret"]
    body = json.dumps({"delivery_id": 7, "type": "ipl.watch-match/v1"}).encode()
    now = int(time.time())
    assert verified(secret, sign(secret, now, body), body)["delivery_id"] == 7
    with pytest.raises(ValueError, match="does not match"):
        verified(secret, sign(secret, now, body), body.replace(b"7", b"8"))
    with pytest.raises(ValueError, match="does not match"):
        verified("whsec_other", sign(secret, now, body), body)
    with pytest.raises(ValueError, match="replay"):
        verified(secret, sign(secret, now - 3600, body), body)


def check_webhook_shell(run: Run, code: str) -> None:
    secret = run.namespace["webhook_secret"]
    body = json.dumps({"delivery_id": 7, "note": "签名"}, ensure_ascii=False).encode()
    (run.folder / "body.json").write_bytes(body)
    output = run.shell(code, T="1767225600", WEBHOOK_SECRET=secret)
    assert output.strip() == signature(secret, 1767225600, body)


def check_proof_curl(run: Run, code: str) -> None:
    output = run.shell(code)
    assert output.startswith("VERIFIED: IPL-"), output
    assert "(listed) is leaf" in output


def check_proof_python(run: Run, code: str) -> None:
    output = run.python(code)
    assert re.fullmatch(r"IPL-\d{4}-\d{6} is leaf \d+ of the log; content hash matches\n", output)


CHECKS: dict[str, Callable[[Run, str], None]] = {
    "create-key": check_create_key,
    "setup-shell": check_setup_shell,
    "setup-python": check_setup_python,
    "lookup-curl": check_lookup_curl,
    "lookup-python": check_lookup_python,
    "screen-curl": check_screen_curl,
    "screen-python": check_screen_python,
    "receipt-curl": check_receipt_curl,
    "receipt-python": check_receipt_python,
    "watch-curl": check_watch_curl,
    "watch-python": check_watch_python,
    "webhook-python": check_webhook_python,
    "webhook-shell": check_webhook_shell,
    "proof-curl": check_proof_curl,
    "proof-python": check_proof_python,
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveDemo]:
    """The demo registry, published and served over HTTP."""
    with live_demo(tmp_path_factory.mktemp("quickstart")) as served:
        yield served


def test_every_runnable_block_is_a_checked_example() -> None:
    names = [example.name for example in examples()]
    assert len(names) == len(set(names)), "two blocks share an example name"
    assert names == list(CHECKS), "the checks must follow the quickstart's examples, in order"


def test_the_quickstart_examples_answer_as_documented(demo: LiveDemo, tmp_path: Path) -> None:
    run = Run(demo, tmp_path)
    for example in examples():
        CHECKS[example.name](run, example.code)

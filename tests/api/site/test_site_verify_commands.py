"""The OpenSSL commands the verification page gives for receipts work, exactly as printed."""

from __future__ import annotations

import base64
import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

from registry.signing.keys import generate_key
from registry.signing.signatures import RECEIPT_TYPE, sign_envelope
from tests.api.site.site_fixtures import NOW, ensure_site

pytestmark = pytest.mark.skipif(
    shutil.which("openssl") is None or shutil.which("bash") is None,
    reason="needs openssl (3.0 or later) and bash",
)


def _receipt_commands(app: Flask) -> str:
    ensure_site(app)
    page = app.test_client().get("/verify?lang=en").text
    blocks = re.findall(r'<pre class="command"[^>]*><code>(.*?)</code></pre>', page, re.S)
    commands = [html.unescape(block) for block in blocks if "openssl pkeyutl" in block]
    assert len(commands) == 1
    return commands[0]


def _run(commands: str, directory: Path) -> subprocess.CompletedProcess[str]:
    # `python3` in the commands must be one that has rfc8785, as the page says.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return subprocess.run(
        ["bash", "-c", commands],
        cwd=directory,
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": path},
        timeout=60,
        check=False,
    )


def test_receipt_commands_verify_a_receipt_and_reject_a_changed_one(
    app: Flask, tmp_path: Path
) -> None:
    key = generate_key("receipt", NOW)
    signed = {
        "type": RECEIPT_TYPE,
        "receipt_id": "R-1",
        "issued_at": "2026-03-02T08:00:00Z",
        "api_key_id": "k-1",
        "as_of": "2026-03-02",
        "checkpoint": {"origin": "registry.example/log", "tree_size": 3, "root": "AAAA"},
        "queries": [{"name": "福州华兴科技"}],
        "results": [[]],
    }
    receipt = sign_envelope(RECEIPT_TYPE, signed, key)
    public_key = base64.b64encode(key.public_key).decode("ascii")
    commands = _receipt_commands(app).replace("PUBLIC_KEY_BASE64", public_key)

    (tmp_path / "receipt.json").write_text(json.dumps(receipt, ensure_ascii=False))
    verified = _run(commands, tmp_path)
    assert "Signature Verified Successfully" in verified.stdout, verified.stderr

    receipt["signed"]["results"] = [[{"entry_id": "IPL-2026-000001"}]]
    (tmp_path / "receipt.json").write_text(json.dumps(receipt, ensure_ascii=False))
    rejected = _run(commands, tmp_path)
    assert "Signature Verified Successfully" not in rejected.stdout
    assert rejected.returncode != 0

"""The browser's signature check (static/site/verify.js), run under Node.js against Python's.

Node's WebCrypto is the same API browsers offer, so this checks the JCS implementation and
the Ed25519 verification the entry page relies on. Skipped where Node.js is not installed.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from typing import Any

import pytest
import rfc8785

from registry.canonical import sha256_hex
from registry.signing.keys import generate_key
from registry.signing.signatures import sign_entry
from tests.api.site.site_fixtures import NOW, entry_content
from tests.conftest import ROOT

VERIFY_JS = ROOT / "api" / "site" / "static" / "site" / "verify.js"
NODE = shutil.which("node")

RUNNER = """
const verify = require(process.argv[1]);
let input = "";
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", async () => {
  const job = JSON.parse(input);
  const canonical = job.values.map((value) => verify.canonicalJson(value));
  const outcomes = [];
  for (const check of job.checks) {
    const subtle = check.no_webcrypto ? undefined : globalThis.crypto.subtle;
    const keys = verify.keyList(check.keys);
    outcomes.push(await verify.verifyBundle(check.bundle, keys, subtle, check.sha256));
  }
  process.stdout.write(JSON.stringify({ canonical, outcomes }));
});
"""

# Runs the script as a page would (no `module`), with a stand-in document and fetch.
PAGE_RUNNER = """
const vm = require("vm");
const fs = require("fs");
const job = JSON.parse(fs.readFileSync(0, "utf8"));
const classes = new Set();
const status = {
  textContent: "",
  dataset: Object.assign({}, job.dataset),
  classList: { toggle: (name, on) => (on ? classes.add(name) : classes.delete(name)) },
};
const source = { textContent: JSON.stringify(job.bundle) };
const title = { textContent: job.title == null ? job.bundle.entry.subject.name : job.title };
const fields = Object.entries(job.fields || {}).map(
  ([path, text]) => ({ dataset: { signed: path }, textContent: text }),
);
const requested = [];
const sandbox = {
  document: {
    readyState: "complete",
    getElementById: (id) =>
      ({ "verify-status": status, "entry-bundle": source, "entry-title": title })[id] || null,
    querySelectorAll: (selector) => (selector === "[data-signed]" ? fields : []),
  },
  window: { crypto: globalThis.crypto },
  fetch: async (url) => {
    requested.push(url);
    const body = job.responses[url];
    return body === undefined ? { ok: false, status: 503 } : { ok: true, json: async () => body };
  },
  TextEncoder, atob,
};
vm.runInNewContext(fs.readFileSync(process.argv[1], "utf8"), sandbox);
const started = Date.now();
const poll = setInterval(() => {
  if (status.textContent !== job.dataset.msgChecking || Date.now() - started > 5000) {
    clearInterval(poll);
    const outcome = { text: status.textContent, classes: [...classes], requested };
    process.stdout.write(JSON.stringify(outcome));
  }
}, 10);
"""

MESSAGES = {
    "msgChecking": "checking",
    "msgVerified": "VERIFIED",
    "msgFailed": "FAILED",
    "msgHashMismatch": "HASH MISMATCH",
    "msgTextMismatch": "TEXT MISMATCH",
    "msgNoKey": "NO KEY",
    "msgUnsupported": "UNSUPPORTED",
    "msgError": "NO KEYS LOADED",
}

pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")

AWKWARD_VALUES: list[Any] = [
    {"b": 1, "a": [True, False, None], "": "empty key"},
    {"é": 1, "e": 2, "\U0001f600": 3, "\ufb01": 4, "Z": 5},  # UTF-16 code-unit order
    ['quote " backslash \\ slash / tab \t newline \n', "\u0000\u001f\u007f", "\u2028\u2029"],
    [0, -1, 9007199254740991, -9007199254740991],
    {"nested": {"z": [], "a": {}}, "text": "华兴科技 <script>&'"},
]


def _run(values: list[Any], checks: list[dict[str, Any]]) -> dict[str, Any]:
    assert NODE is not None
    result = subprocess.run(
        [NODE, "-e", RUNNER, str(VERIFY_JS)],
        input=json.dumps({"values": values, "checks": checks}),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    outcome: dict[str, Any] = json.loads(result.stdout)
    return outcome


def test_canonical_json_matches_rfc8785() -> None:
    result = _run(AWKWARD_VALUES, [])
    assert result["canonical"] == [rfc8785.dumps(value).decode("utf-8") for value in AWKWARD_VALUES]


def test_signatures_are_verified_like_the_registry_does() -> None:
    key = generate_key("entry", NOW)
    other = generate_key("entry", NOW)
    entry = entry_content("IPL-2026-000001", 1, "福州华兴科技有限公司 <b>", aliases=["\u2028"])
    bundle = sign_entry(entry, key)
    digest = sha256_hex(entry)
    keys = [key.verification_key().as_record(), other.verification_key().as_record()]

    tampered = copy.deepcopy(bundle)
    tampered["entry"]["subject"]["name"] = "别的公司"
    forged = copy.deepcopy(bundle)
    forged["signature"]["kid"] = other.kid  # the right signature claimed by the wrong key
    unknown = copy.deepcopy(bundle)
    unknown["signature"]["kid"] = "not-a-published-key"
    checks: list[dict[str, Any]] = [
        {"bundle": bundle, "keys": keys, "sha256": digest},
        {"bundle": bundle, "keys": {"keys": keys}, "sha256": None},
        {"bundle": tampered, "keys": keys, "sha256": digest},
        {"bundle": tampered, "keys": keys, "sha256": None},
        {"bundle": forged, "keys": keys, "sha256": digest},
        {"bundle": unknown, "keys": keys, "sha256": digest},
        {"bundle": bundle, "keys": [{**keys[0], "use": "receipt"}], "sha256": digest},
        {"bundle": bundle, "keys": keys, "sha256": digest, "no_webcrypto": True},
    ]
    outcomes = _run([], checks)["outcomes"]
    assert outcomes == [
        "verified",
        "verified",
        "hash-mismatch",
        "failed",
        "failed",
        "no-key",
        "no-key",
        "unsupported",
    ]


def _run_page(
    bundle: dict[str, Any],
    digest: str,
    responses: dict[str, Any],
    fields: dict[str, str] | None = None,
    title: str | None = None,
) -> dict[str, Any]:
    assert NODE is not None
    dataset = {
        **MESSAGES,
        "titleField": "subject.name",
        "keysUrl": "/api/v1/keys",
        "keysFallbackUrl": "/feed/keys.json",
        "contentSha256": digest,
    }
    result = subprocess.run(
        [NODE, "-e", PAGE_RUNNER, str(VERIFY_JS)],
        input=json.dumps(
            {
                "bundle": bundle,
                "dataset": dataset,
                "responses": responses,
                "fields": fields or {},
                "title": title,
            }
        ),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    outcome: dict[str, Any] = json.loads(result.stdout)
    return outcome


def test_the_page_shows_the_outcome_in_its_status_region() -> None:
    key = generate_key("entry", NOW)
    entry = entry_content("IPL-2026-000001", 1, "福州华兴科技有限公司")
    bundle = sign_entry(entry, key)
    digest = sha256_hex(entry)
    records = [key.verification_key().as_record()]

    from_api = _run_page(bundle, digest, {"/api/v1/keys": {"keys": records}})
    assert from_api == {"text": "VERIFIED", "classes": ["verified"], "requested": ["/api/v1/keys"]}

    from_feed = _run_page(bundle, digest, {"/feed/keys.json": records})
    assert from_feed["text"] == "VERIFIED"
    assert from_feed["requested"] == ["/api/v1/keys", "/feed/keys.json"]

    changed = _run_page(bundle, "0" * 64, {"/api/v1/keys": records})
    assert changed["text"] == "HASH MISMATCH" and changed["classes"] == ["failed"]

    no_keys = _run_page(bundle, digest, {})
    assert no_keys["text"] == "NO KEYS LOADED" and no_keys["classes"] == []


def test_the_page_fails_when_its_text_is_not_the_signed_text() -> None:
    key = generate_key("entry", NOW)
    entry = entry_content("IPL-2026-000001", 1, "福州华兴科技有限公司")
    bundle = sign_entry(entry, key)
    digest = sha256_hex(entry)
    responses = {"/api/v1/keys": [key.verification_key().as_record()]}
    shown = {
        "subject.name": " 福州华兴科技有限公司\n",
        "decision.authority": entry["decision"]["authority"],
        "basis.0.patents.0": entry["basis"][0]["patents"][0],
        "listed_on": entry["listed_on"],
    }
    assert _run_page(bundle, digest, responses, shown)["text"] == "VERIFIED"

    rewritten = {**shown, "decision.authority": "别的机关"}
    outcome = _run_page(bundle, digest, responses, rewritten)
    assert outcome == {
        "text": "TEXT MISMATCH",
        "classes": ["failed"],
        "requested": ["/api/v1/keys"],
    }
    assert _run_page(bundle, digest, responses, shown, title="别的公司")["text"] == "TEXT MISMATCH"

"""Signed entry bundles and log events shaped as the publisher hands them to the feed writers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from registry.canonical import sha256_hex
from registry.signing.keys import SigningKey, generate_key
from registry.signing.signatures import sign_entry
from registry.subjects.identifiers import mask_ric

NOW = dt.datetime(2026, 3, 2, 8, 0, 0, tzinfo=dt.UTC)
ENTRY_KEY: SigningKey = generate_key("entry", NOW)
USCC = "91350100M000100Y43"
RIC = "350100199001011236"


def make_entry(number: int, kind: str = "legal_person", **changes: Any) -> dict[str, Any]:
    """A published entry: a company by default; `changes` replace top-level or subject fields."""
    identifiers: list[dict[str, str]] = [{"scheme": "cn_uscc", "value": USCC}]
    if kind == "natural_person":
        identifiers = [{"scheme": "cn_ric", "value": mask_ric(RIC)}]
    subject: dict[str, Any] = {
        "kind": kind,
        "name": f"福州示例科技有限公司{number}",
        "name_latin": f"Fuzhou Shili Keji Youxian Gongsi {number}",
        "aliases": ["示例科技"],
        "identifiers": identifiers,
        "legal_representative": "王五",
        "region": "350100",
    }
    if kind == "natural_person":
        del subject["legal_representative"]
    entry: dict[str, Any] = {
        "type": "ipl.entry/v1",
        "entry_id": f"IPL-2026-{number:06d}",
        "revision": 1,
        "status": "published",
        "subject": subject,
        "grounds": [
            {"code": "repeat_infringement", "explanation": "Infringed ZL201510123456.7 twice"},
        ],
        "basis": [
            {
                "kind": "administrative_ruling",
                "authority": "福建省知识产权局",
                "document_number": f"闽知执字〔2024〕{number}号",
                "decided_on": "2024-05-10",
                "effective_on": "2024-06-01",
                "patents": ["ZL201510123456.7"],
                "deliberate": False,
            },
            {
                "kind": "court_judgment",
                "authority": "福州市中级人民法院",
                "document_number": f"(2025)闽01民初{number}号",
                "decided_on": "2025-09-01",
                "effective_on": "2025-10-01",
                "patents": ["ZL201510123456.7", "ZL201620654321.X"],
                "deliberate": True,
            },
        ],
        "decision": {
            "authority": "国家知识产权局",
            "document_number": f"国知失信〔2026〕{number}号",
            "decided_on": "2026-02-20",
        },
        "sectors": ["internet"],
        "listed_on": "2026-03-01",
        "period_end": "2029-02-28",
        "measures": ["procurement_exclusion", "credit_tightening"],
        "remedy": "Apply for credit restoration after one year",
        "nonce": "AAECAwQFBgcICQoLDA0ODw==",
    }
    for key, value in changes.items():
        target = subject if key in subject else entry
        target[key] = value
    return entry


def make_bundle(number: int, kind: str = "legal_person", **changes: Any) -> dict[str, Any]:
    """A signed bundle of `make_entry(...)`, signed with ENTRY_KEY."""
    return sign_entry(make_entry(number, kind, **changes), ENTRY_KEY)


def make_event(
    seq: int, event: str, bundle: dict[str, Any], *, purged: bool = False, **extra: Any
) -> dict[str, Any]:
    """A log event about `bundle`'s entry, carrying the bundle unless `purged`."""
    entry = bundle["entry"]
    recorded = NOW + dt.timedelta(minutes=seq)
    return {
        "seq": seq,
        "event": event,
        "entry_id": entry["entry_id"],
        "revision": entry["revision"],
        "content_sha256": sha256_hex(entry),
        "recorded_at": recorded.strftime("%Y-%m-%dT%H:%M:%SZ"),
        **extra,
        "bundle": None if purged else bundle,
    }

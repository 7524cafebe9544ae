"""ipl.entry/v2: Chinese primary text, English alongside, no internal ids; v1 keeps verifying."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.listings import published as published_listings
from registry.listings.policy import Policy
from registry.models import EntryRevision
from registry.publication.entries import build_entry
from registry.signing.signatures import sign_entry, verify_entry
from runtime.signing_keys import key_store
from tests import builders


@pytest.fixture
def policy(app: Flask) -> Policy:
    return Policy.from_settings(app.config["REGISTRY"])


def _signed(session: Session, listing_id: int) -> dict:
    revision = session.scalars(
        select(EntryRevision)
        .where(EntryRevision.listing_id == listing_id)
        .order_by(EntryRevision.revision.desc())
    ).first()
    assert revision is not None and revision.bundle is not None
    return revision.bundle


@pytest.mark.parametrize(
    ("ground", "name", "explanation_starts"),
    [
        ("deliberate_infringement", "故意侵犯专利权（本登记簿政策类型）", "人民法院判决"),
        ("repeat_infringement", "重复专利侵权行为", "行政裁决"),
    ],
)
def test_new_publications_are_v2_chinese_first(
    app: Flask, session: Session, policy: Policy, ground: str, name: str, explanation_starts: str
) -> None:
    listing = builders.listing(session, state="published", ground=ground, policy=policy)
    bundle = _signed(session, listing.id)
    verify_entry(bundle, key_store(app).public_keys())
    entry = bundle["entry"]
    assert entry["type"] == "ipl.entry/v2"
    [published] = entry["grounds"]
    assert (published["code"], published["name"]) == (ground, name)
    assert published["name_en"] and published["citation"] and published["citation_en"]
    assert published["explanation"].startswith(explanation_starts)
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", published["explanation"])
    assert published["explanation_en"][0].isupper() and "effective" in published["explanation_en"]
    assert entry["measures"] == ["限制参与政府采购", "从严审核信用申请", "暂停财政补贴和评优评先"]
    assert entry["measures_en"][0] == "restricted access to government procurement"
    remedy, remedy_en = entry["remedy"], entry["remedy_en"]
    assert "60日内依法申请行政复议" in remedy and "6个月内依法提起行政诉讼" in remedy
    assert "信用修复" in remedy and f"联系{listing.decision_authority}" in remedy
    assert "reconsideration within 60 days" in remedy_en and "within 6 months" in remedy_en
    assert "basis" in entry and all("conduct" in case for case in entry["basis"])


def test_public_text_names_no_internal_id(session: Session, policy: Policy) -> None:
    listing = builders.listing(session, state="published", ground="repeat_infringement")
    entry = _signed(session, listing.id)["entry"]
    texts = [entry["remedy"], entry["remedy_en"]] + [
        g[key] for g in entry["grounds"] for key in ("explanation", "explanation_en")
    ]
    case_ids = {str(case.id) for case in listing.cases}
    for text in texts:
        assert not re.search(r"\b[Cc]ase\s+\d+", text)
        assert not re.search(r"案件\s*\d+", text)
    assert case_ids  # the internal ids exist, and none is quoted as "case N"


def test_the_authority_contact_setting_is_stated(app: Flask, session: Session) -> None:
    app.config["REGISTRY"]["AUTHORITY_OBJECTION_CONTACT"] = "信用管理处，电话 0591-00000000"
    policy = Policy.from_settings(app.config["REGISTRY"])
    listing = builders.listing(session, state="published", policy=policy)
    entry = _signed(session, listing.id)["entry"]
    assert entry["remedy"].endswith("：信用管理处，电话 0591-00000000。")
    assert entry["remedy_en"].endswith(": 信用管理处，电话 0591-00000000.")


def test_an_amendment_as_written_keeps_both_languages_aligned(
    app: Flask, session: Session, policy: Policy
) -> None:
    listing = builders.listing(session, state="published", policy=policy)
    published_listings.amend(
        session,
        builders.actors(session)["reviewer"],
        key_store(app),
        listing.id,
        "measures corrected",
        measures=["限制参与政府采购"],
    )
    entry = _signed(session, listing.id)["entry"]
    assert entry["revision"] == 2
    assert entry["measures"] == entry["measures_en"] == ["限制参与政府采购"]


def test_a_v1_entry_signed_before_v2_keeps_verifying(
    app: Flask, session: Session, policy: Policy
) -> None:
    listing = builders.listing(session, state="published", policy=policy)
    v2 = build_entry(listing, "listed", "bm9uY2U=")
    v1 = {key: value for key, value in v2.items() if key not in {"measures_en", "remedy_en"}} | {
        "type": "ipl.entry/v1",
        "grounds": [{"code": g["code"], "explanation": g["explanation_en"]} for g in v2["grounds"]],
    }
    keys = key_store(app)
    verify_entry(sign_entry(v1, keys.current("entry")), keys.public_keys())


def test_the_documented_example_has_the_field_set_that_is_signed(
    session: Session, policy: Policy
) -> None:
    text = (Path(__file__).parents[3] / "docs" / "entry-v2.md").read_text(encoding="utf-8")
    example = json.loads(text.split("```json\n", 1)[1].split("```", 1)[0])
    listing = builders.listing(session, state="published", policy=policy)
    built = build_entry(listing, "listed", "bm9uY2U=")
    assert example["type"] == built["type"] == "ipl.entry/v2"
    assert set(example) == set(built)
    assert set(example["grounds"][0]) == set(built["grounds"][0])
    assert set(example["basis"][0]) == set(built["basis"][0])

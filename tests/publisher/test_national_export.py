"""The national platform export: field layout, masking, removal records, and what was exported."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from publisher.writers.national_platform import (
    FIELDS,
    ExportedEntry,
    records,
    write_national_export,
)
from registry import clock
from registry.demo.loader import load_demo
from registry.listings.policy import Policy
from registry.models import Listing, NationalReport, SubjectIdentifier
from registry.subjects.identifiers import mask_ric
from runtime.signing_keys import key_store
from tests import builders
from tests.builders import id_number

RIC = id_number(4)
CONTENT = {
    "entry_id": "IPL-2026-000007",
    "subject": {
        "kind": "natural_person",
        "name": "张伟",
        # An entry published before every personal scheme was masked holds the full number.
        "identifiers": [{"scheme": "cn_ric", "value": RIC}],
    },
    "grounds": [{"code": "repeat_infringement", "explanation": "=又一次侵权"}],
    "basis": [
        {"document_number": "榕知执字〔2024〕12号"},
        {"document_number": "榕知执字〔2025〕3号"},
    ],
    "decision": {
        "authority": "福建省知识产权局",
        "document_number": "闽知信〔2026〕7号",
        "decided_on": "2026-03-01",
    },
    "listed_on": "2026-03-05",
    "period_end": "2029-03-05",
}


def test_an_ended_entry_gives_a_listing_and_a_removal_record_with_the_id_masked() -> None:
    listing, removal = records(ExportedEntry(CONTENT, (dt.date(2026, 9, 1), "credit_restored")))
    assert listing == {
        "record_kind": "列入",
        "entry_id": "IPL-2026-000007",
        "subject_code": mask_ric(RIC),
        "subject_name": "张伟",
        "legal_representative": "",
        "list_type": "重复专利侵权行为",
        "reason": "=又一次侵权",
        "decision_document": "闽知信〔2026〕7号",
        "basis_documents": "榕知执字〔2024〕12号；榕知执字〔2025〕3号",
        "listing_authority": "福建省知识产权局",
        "listed_on": "2026-03-05",
        "period_end": "2029-03-05",
        "removed_on": "",
        "removal_reason": "",
    }
    assert removal == listing | {
        "record_kind": "移出",
        "removed_on": "2026-09-01",
        "removal_reason": "信用修复",
    }


def test_files_are_utf8_with_bom_chinese_headers_and_neutralised_formulas(tmp_path: Path) -> None:
    company = {
        **CONTENT,
        "entry_id": "IPL-2026-000008",
        "subject": {
            "kind": "legal_person",
            "name": "深圳市华兴科技有限公司",
            "identifiers": [
                {"scheme": "other", "name": "DE Handelsregister", "value": "HRB 1"},
                {"scheme": "cn_uscc", "value": "91440300MA5F0001X1"},
            ],
        },
    }
    export = write_national_export(
        tmp_path,
        dt.date(2026, 3, 6),
        12,
        [ExportedEntry(CONTENT), ExportedEntry(company, None, "王伟")],
    )

    raw = export.csv_path.read_bytes()
    assert export.csv_path.name == "national-platform-12.csv" and raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == [header for _key, header in FIELDS]
    assert rows[1][6] == "'=又一次侵权"
    assert rows[2][2:5] == ["91440300MA5F0001X1", "深圳市华兴科技有限公司", "王伟"]
    document = json.loads(export.json_path.read_text("utf-8"))
    assert document["type"] == "ipl.national-export/v1" and document["tree_size"] == 12
    assert document["records"][0]["reason"] == "=又一次侵权"
    assert RIC not in raw.decode("utf-8") and RIC not in export.json_path.read_text("utf-8")


def test_a_publish_run_exports_only_decisions_no_export_has_carried(
    app: Flask, session: Session, runner: FlaskCliRunner
) -> None:
    load_demo(session, Policy.from_settings(app.config["REGISTRY"]), key_store(app))
    result = runner.invoke(args=["publish"])
    assert result.exit_code == 0, result.output

    directory = Path(app.config["NATIONAL_EXPORT_DIR"])
    [csv_file] = directory.glob("national-platform-*.csv")
    document = json.loads(csv_file.with_suffix(".json").read_text("utf-8"))
    shown = {
        listing.entry_id
        for listing in session.scalars(select(Listing).where(Listing.entry_id.is_not(None)))
    }
    listed = [r for r in document["records"] if r["record_kind"] == "列入"]
    assert {r["entry_id"] for r in listed} <= shown and listed
    text = csv_file.read_text("utf-8-sig") + json.dumps(document, ensure_ascii=False)
    for identifier in session.scalars(
        select(SubjectIdentifier).where(SubjectIdentifier.scheme == "cn_ric")
    ):
        assert identifier.value not in text
    reports = session.scalars(select(NationalReport)).all()
    assert len(reports) == len(document["records"])
    assert all(r.export_file == csv_file.name and r.exported_at for r in reports)
    assert all(r.reported_on is None for r in reports)

    # Nothing new: no file. A removal: a file with that one removal record.
    assert runner.invoke(args=["publish"]).exit_code == 0
    assert len(list(directory.glob("*.csv"))) == 1
    ended = {r["entry_id"] for r in document["records"] if r["record_kind"] == "移出"}
    live = next(r["entry_id"] for r in listed if r["entry_id"] not in ended)
    listing = session.scalars(select(Listing).where(Listing.entry_id == live)).one()
    builders.remove(session, listing.id, on=clock.beijing_today())
    assert runner.invoke(args=["publish"]).exit_code == 0
    newest = max(directory.glob("*.json"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    records_now = json.loads(newest.read_text("utf-8"))["records"]
    assert [(r["record_kind"], r["entry_id"]) for r in records_now] == [("移出", live)]
    assert records_now[0]["removal_reason"] == "错误列入，予以更正"

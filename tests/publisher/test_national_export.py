"""The national platform export: field layout, masking, removal records, and what was exported."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from publisher import national_export
from publisher.writers.national_platform import (
    FIELDS,
    ExportedEntry,
    records,
    write_national_export,
)
from publisher.writers.snapshot import neutralise_formula
from registry import clock
from registry.demo.loader import load_demo
from registry.listings.list_types.loader import list_types_in
from registry.listings.policy import Policy
from registry.models import Listing, LogEvent, NationalReport, SubjectIdentifier
from registry.subjects.identifiers import mask_ric
from runtime.signing_keys import key_store
from tests import builders
from tests.builders import id_number

RIC = id_number(4)
CONTENT = {
    "type": "ipl.entry/v2",
    "entry_id": "IPL-2026-000007",
    "subject": {
        "kind": "natural_person",
        "name": "张伟",
        # An entry published before every personal scheme was masked holds the full number.
        "identifiers": [{"scheme": "cn_ric", "value": RIC}],
    },
    "grounds": [
        {
            "code": "repeat_infringement",
            "name": "重复专利侵权行为",
            "name_en": "Repeat patent infringement",
            "explanation": "=又一次侵权",
            "explanation_en": "Infringed again",
        }
    ],
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


def test_a_v2_entry_gives_its_own_chinese_list_type_name_and_explanation() -> None:
    grounds = [
        {
            "code": "agency_violation",
            "name": "严重违法专利代理行为（登记机关所载名称）",
            "name_en": "Serious violations in patent agency",
            "explanation": "国家知识产权局决定国知发代字〔2025〕9号认定严重违法专利代理行为。",
            "explanation_en": "CNIPA decision 国知发代字〔2025〕9号 found agency violations.",
        }
    ]
    [listing] = records(ExportedEntry(CONTENT | {"grounds": grounds}))
    assert listing["list_type"] == "严重违法专利代理行为（登记机关所载名称）"
    assert listing["reason"] == "国家知识产权局决定国知发代字〔2025〕9号认定严重违法专利代理行为。"


def test_a_v1_entry_gives_the_configured_chinese_name_never_english_or_a_code() -> None:
    v1 = {key: value for key, value in CONTENT.items() if key != "type"} | {
        "type": "ipl.entry/v1",
        "grounds": [
            {"code": "repeat_infringement", "explanation": "Decision 1 found infringement."},
            {"code": "refusal_to_perform", "explanation": "The subject did not perform."},
        ],
    }
    [listing] = records(ExportedEntry(v1))
    names = "重复专利侵权行为；不依法执行行为"
    shipped = {t.code: t.name_zh for t in list_types_in()}
    assert names == "；".join(shipped[c] for c in ("repeat_infringement", "refusal_to_perform"))
    assert listing["list_type"] == names and listing["reason"] == names

    renamed = replace(list_types_in()[0], code="repeat_infringement", name_zh="重复侵权（本省）")
    [listing] = records(ExportedEntry(v1), (renamed,))
    assert listing["list_type"].startswith("重复侵权（本省）；")
    assert "refusal_to_perform" not in listing["list_type"] + listing["reason"]
    assert not re.search("[A-Za-z]", listing["list_type"] + listing["reason"])


def test_a_v2_ground_proposed_before_list_types_falls_back_to_the_configured_name() -> None:
    old = {
        "code": "deliberate_infringement",
        "name": "deliberate_infringement",
        "name_en": "deliberate_infringement",
        "explanation": "Judgment 1 found wilful infringement.",
        "explanation_en": "Judgment 1 found wilful infringement.",
    }
    [listing] = records(ExportedEntry(CONTENT | {"grounds": [old]}))
    shipped = {t.code: t.name_zh for t in list_types_in()}
    assert listing["list_type"] == listing["reason"] == shipped["deliberate_infringement"]


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
    names = {t.name_zh for t in list_types_in()}
    assert all(set(r["list_type"].split("；")) <= names for r in document["records"])
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


def _table_bytes(rows: list[dict[str, str]]) -> bytes:
    """The CSV file as one `csv.writer` over every row writes it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header for _key, header in FIELDS)
    writer.writerows([neutralise_formula(row[key]) for key, _header in FIELDS] for row in rows)
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def _document_bytes(rows: list[dict[str, str]], as_of: dt.date, tree_size: int) -> bytes:
    """The JSON file as one `json.dumps` of the whole document lays it out."""
    document = {
        "type": "ipl.national-export/v1",
        "as_of": as_of.isoformat(),
        "tree_size": tree_size,
        "fields": {key: header for key, header in FIELDS},
        "records": rows,
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"


def test_the_streamed_json_is_laid_out_as_one_dump_of_the_document(tmp_path: Path) -> None:
    ended = ExportedEntry(CONTENT, (dt.date(2026, 9, 1), "credit_restored"))
    company = ExportedEntry(CONTENT | {"entry_id": "IPL-2026-000008"}, None, '王伟\n"总"')
    for number, entries in enumerate([[], [ExportedEntry(CONTENT)], [ended, company]]):
        export = write_national_export(tmp_path, dt.date(2026, 3, 6), number, entries)
        rows = [row for entry in entries for row in records(entry)]
        assert export.records == len(rows)
        assert export.json_path.read_bytes() == _document_bytes(rows, dt.date(2026, 3, 6), number)
        assert export.csv_path.read_bytes() == _table_bytes(rows)


def test_an_export_in_many_batches_writes_and_records_what_one_batch_does(
    app: Flask, session: Session, runner: FlaskCliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_demo(session, Policy.from_settings(app.config["REGISTRY"]), key_store(app))
    assert runner.invoke(args=["publish"]).exit_code == 0
    tree_size = int(session.scalar(select(func.max(LogEvent.seq))) or 0) + 1
    now = dt.datetime.now(dt.UTC)
    directory = Path(app.config["NATIONAL_EXPORT_DIR"])

    def export(batch: int) -> tuple[bytes, bytes, list[tuple[object, ...]]]:
        session.execute(delete(NationalReport))
        session.commit()
        monkeypatch.setattr(national_export, "BATCH", batch)
        export = national_export.export_national(session, directory / str(batch), tree_size, now)
        assert export is not None
        reports = session.execute(
            select(
                NationalReport.entry_id,
                NationalReport.event,
                NationalReport.decided_on,
                NationalReport.export_file,
                NationalReport.export_tree_size,
            ).order_by(NationalReport.entry_id, NationalReport.event)
        )
        return (
            export.csv_path.read_bytes(),
            export.json_path.read_bytes(),
            list(map(tuple, reports)),
        )

    one = export(national_export.BATCH)
    changed = len({report[0] for report in one[2]})
    assert changed > 3 and any(report[1] == "removed" for report in one[2])
    assert export(2) == one
    # Nothing new once recorded: no file, nothing added.
    assert national_export.export_national(session, directory / "again", tree_size, now) is None
    assert not (directory / "again").exists()

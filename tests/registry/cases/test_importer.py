"""Bulk import of cases from CSV: all or nothing, every error by row and column."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from stdnum.cn import uscc

from registry.actors import Actor
from registry.audit import trail as audit
from registry.cases import importer
from registry.cases.import_file import COLUMNS, ImportLimits, RowError, read_cases_file
from registry.cases.records import CaseInput, record_case
from registry.errors import Forbidden, InvalidValue
from registry.models import AuditRecord, EnforcementCase, Subject
from registry.subjects.credit_codes import organisation_check_character
from registry.subjects.records import SubjectInput, record_subject
from tests.conftest import ROOT

EXAMPLE = ROOT / "docs" / "import-cases-example.csv"
CLERK = Actor(name="clerk", role="clerk")
FORMULA = "=CMD|'/C calc'!A0"


def credit_code(body: str) -> str:
    """A valid unified social credit code from its first 16 characters (check characters added)."""
    body += organisation_check_character(body[8:16])
    return body + uscc.calc_check_digit(body)


CODE = credit_code("91350100MA2Y0K7Q")
ROW = {
    "subject_scheme": "cn_uscc",
    "subject_id_value": CODE,
    "subject_kind": "legal_person",
    "subject_name": "福州示例贸易有限公司",
    "kind": "administrative_ruling",
    "authority": "福州市知识产权局",
    "document_number": "榕知执字〔2024〕12号",
    "decided_on": "2024-03-15",
    "effective_on": "2024-04-20",
    "patents": "ZL201810123456.5",
    "sectors": "exhibition",
}


def csv_bytes(rows: list[dict[str, str]], encoding: str = "utf-8") -> bytes:
    """A cases file with every column, the given rows, in `encoding`."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def counts(session: Session) -> tuple[int, int]:
    """How many subjects and cases are recorded."""
    return (
        session.scalar(select(func.count()).select_from(Subject)) or 0,
        session.scalar(select(func.count()).select_from(EnforcementCase)) or 0,
    )


def test_example_file_imports_every_row_and_matches_repeated_subjects(session: Session) -> None:
    report = importer.import_cases(session, CLERK, EXAMPLE.read_bytes())
    assert report.errors == ()
    assert (report.rows, report.imported, report.subjects_created) == (6, 6, 4)
    assert counts(session) == (4, 6)
    first = session.scalars(select(Subject).order_by(Subject.id)).first()
    assert first is not None
    assert [c.document_number for c in first.cases] == [
        "榕知执字〔2024〕12号",
        "榕市监知罚〔2025〕3号",
    ]
    second_case = first.cases[1]
    assert second_case.patent_numbers == ["ZL201810123456.5", "ZL202020654321.4"]
    # An administrative penalty cannot find wilfulness (Patent Law art. 71): the example says 否.
    assert (second_case.deliberate, second_case.punitive_damages) == (False, False)
    assert second_case.sectors == ["food_drug", "internet"]
    foreign = session.scalars(select(EnforcementCase).order_by(EnforcementCase.id.desc())).first()
    assert foreign is not None and foreign.patent_numbers == ["ZL201710601862.3", "EP1234567B1"]
    assert foreign.effective_on is None
    determination = session.scalars(
        select(EnforcementCase).where(EnforcementCase.kind == "cnipa_determination")
    ).one()
    assert determination.conduct == "abnormal_application"
    assert not determination.infringement_found  # a determination finds no infringement
    actions = session.scalars(select(AuditRecord.action).order_by(AuditRecord.seq)).all()
    assert actions.count("case.record") == 6 and actions.count("subject.record") == 4
    assert actions[-1] == "case.import"
    assert audit.verify_chain(session).intact


def test_a_recorded_subject_is_matched_by_its_identifier(session: Session) -> None:
    subject = record_subject(
        session,
        CLERK,
        SubjectInput(
            kind="legal_person",
            name="福州示例贸易有限公司",
            identifiers=[{"scheme": "cn_uscc", "value": CODE}],
        ),
    )
    row = {**ROW, "subject_kind": "", "subject_name": "", "subject_id_value": CODE.lower()}
    report = importer.import_cases(session, CLERK, csv_bytes([row]))
    assert (report.imported, report.subjects_created, report.errors) == (1, 0, ())
    assert counts(session) == (1, 1)
    assert [c.document_number for c in subject.cases] == [ROW["document_number"]]


def test_one_bad_row_imports_nothing_and_every_error_is_reported(session: Session) -> None:
    rows = [
        ROW,
        {**ROW, "document_number": "A-2", "decided_on": "2024/03/15", "deliberate": "maybe"},
        {**ROW, "document_number": "A-3", "patents": "ZL201810123456.4", "kind": "verdict"},
        {
            **ROW,
            "document_number": "A-4",
            "subject_id_value": credit_code("91440300MA5F8R2L"),
            "subject_name": "",
        },
        {**ROW, "document_number": "A-5", "act_start": "2023-05-01", "act_end": "2023-04-01"},
        {
            **ROW,
            "document_number": "A-6",
            "kind": "court_judgment",
            "deliberate": "是",
            "infringement_found": "否",
        },
        {**ROW, "document_number": "A-7", "sectors": "internet;fishing"},
    ]
    report = importer.import_cases(session, CLERK, csv_bytes(rows))
    assert report.imported == 0 and report.rows == 7
    assert counts(session) == (0, 0)
    assert list(report.errors) == [
        RowError(3, "decided_on", "'2024/03/15' is not a date; use YYYY-MM-DD"),
        RowError(3, "deliberate", "'maybe' is not true/false/是/否"),
        RowError(
            4,
            "kind",
            "unknown kind 'verdict'; expected administrative_ruling, court_judgment, "
            "administrative_penalty, cnipa_determination, provincial_determination",
        ),
        RowError(5, "subject_name", "is required: no subject with this identifier is recorded yet"),
        RowError(6, "act_end", "2023-04-01 is before act_start 2023-05-01"),
        RowError(
            7,
            "infringement_found",
            "deliberate infringement or punitive damages need a finding of infringement",
        ),
        RowError(
            8,
            "sectors",
            "unknown sector fishing; expected food_drug, environment, production_safety, "
            "internet, exhibition, import_export, other",
        ),
    ]
    assert report.summary() == "7 rows, 7 errors: nothing was imported"


def test_asked_to_skip_bad_rows_the_good_ones_are_imported_and_the_bad_reported(
    session: Session,
) -> None:
    rows = [
        ROW,
        {**ROW, "document_number": "A-2", "decided_on": "2024/03/15"},
        {**ROW, "document_number": "A-3"},
    ]
    checked = importer.import_cases(
        session, CLERK, csv_bytes(rows), dry_run=True, skip_bad_rows=True
    )
    assert checked.imported == 2 and counts(session) == (0, 0)
    report = importer.import_cases(session, CLERK, csv_bytes(rows), skip_bad_rows=True)
    assert report.imported == 2 and report.subjects_created == 1
    assert counts(session) == (1, 2)
    assert list(report.errors) == [
        RowError(3, "decided_on", "'2024/03/15' is not a date; use YYYY-MM-DD")
    ]
    assert not report.refused
    assert report.summary() == "3 rows, 1 skipped for errors; 2 cases imported, 1 new subjects"
    imported = session.scalars(select(AuditRecord).where(AuditRecord.action == "case.import")).one()
    assert imported.after["skipped_rows"] == [3]


def test_skipping_bad_rows_still_refuses_a_file_with_no_good_row(session: Session) -> None:
    rows = [{**ROW, "decided_on": "2024/03/15"}]
    report = importer.import_cases(session, CLERK, csv_bytes(rows), skip_bad_rows=True)
    assert report.refused and report.imported == 0 and counts(session) == (0, 0)


def test_patent_and_identifier_errors_name_their_column(session: Session) -> None:
    rows = [
        {**ROW, "patents": "ZL201810123456.5;ZL201810123456.4"},
        {**ROW, "document_number": "B-2", "subject_id_value": CODE[:-1] + "0"},
        {**ROW, "document_number": "B-3", "subject_scheme": "cn_ssn"},
        {**ROW, "document_number": "B-4", "subject_scheme": "other", "subject_id_value": "X1"},
        {**ROW, "document_number": "B-5", "subject_id_value": " ", "kind": ""},
    ]
    errors = importer.import_cases(session, CLERK, csv_bytes(rows)).errors
    assert [(e.row, e.column) for e in errors] == [
        (2, "patents"),
        (3, "subject_id_value"),
        (4, "subject_scheme"),
        (5, "subject_id_name"),
        (6, "subject_id_value"),
        (6, "kind"),
    ]
    assert "check digit 4 but the number requires 5" in errors[0].reason
    assert errors[1].reason == f"unified social credit code check character should be {CODE[-1]}"
    assert errors[-2].reason == "is required: subjects are matched by their identifier"
    assert errors[-1].reason == "is required"


def test_a_wrong_organisation_code_is_reported_on_its_row(session: Session) -> None:
    body = "91440300MA5F00001"  # the organisation code's check character should be X
    wrong = body + uscc.calc_check_digit(body)
    rows = [ROW, {**ROW, "document_number": "C-2", "subject_id_value": wrong}]
    report = importer.import_cases(session, CLERK, csv_bytes(rows))
    assert report.imported == 0
    assert list(report.errors) == [
        RowError(3, "subject_id_value", "organisation code check character should be X")
    ]


def test_duplicates_in_the_file_and_on_record_are_errors(session: Session) -> None:
    first = importer.import_cases(session, CLERK, csv_bytes([ROW]))
    assert first.imported == 1
    again = {**ROW, "document_number": "C-1"}
    report = importer.import_cases(session, CLERK, csv_bytes([ROW, again, again]))
    assert [(e.row, e.column, e.reason) for e in report.errors] == [
        (2, "document_number", "is already recorded as case 1"),
        (4, "document_number", "repeats row 3"),
    ]
    assert counts(session) == (1, 1)


def test_a_name_that_does_not_match_the_identifier_is_an_error(session: Session) -> None:
    rows = [ROW, {**ROW, "document_number": "D-2", "subject_name": "另一家公司"}]
    errors = importer.import_cases(session, CLERK, csv_bytes(rows)).errors
    assert errors == (
        RowError(
            3, "subject_name", "the identifier belongs to '福州示例贸易有限公司' (an earlier row)"
        ),
    )


def test_gb18030_and_gbk_files_are_read(session: Session) -> None:
    data = EXAMPLE.read_text(encoding="utf-8").encode("gb18030")
    assert read_cases_file(data).encoding == "gb18030"
    report = importer.import_cases(session, CLERK, data)
    assert (report.imported, report.errors) == (6, ())
    names = session.scalars(select(Subject.name).order_by(Subject.id)).all()
    assert names[0] == "福州示例贸易有限公司"
    gbk_row = {
        **ROW,
        "subject_id_value": credit_code("91110000MA01ABCD"),
        "subject_name": "北京示例科技有限公司",
        "document_number": "京知执字〔2025〕1号",
    }
    gbk = csv_bytes([gbk_row], "gbk")
    assert read_cases_file(gbk).encoding == "gb18030"
    assert importer.import_cases(session, CLERK, gbk).imported == 1


def test_a_byte_order_mark_is_dropped(session: Session) -> None:
    data = b"\xef\xbb\xbf" + csv_bytes([ROW])
    cases_file = read_cases_file(data)
    assert cases_file.encoding == "utf-8-sig" and cases_file.errors == ()
    assert importer.import_cases(session, CLERK, data).imported == 1


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"subject_scheme,kind\n\xff\xfe\xff,x\n", "is neither UTF-8 nor GB18030/GBK text"),
        ("subject_scheme".encode("utf-16"), "is UTF-16 encoded"),
        (b"subject_scheme,kind\nx\x00,y\n", "contains NUL bytes"),
        (b"", "is empty"),
        (csv_bytes([]), "has a header but no rows"),
        (b'subject_scheme,kind\n"x"y,z\n', "is not valid CSV near line 2"),
    ],
)
def test_unreadable_files_are_refused_with_the_reason(data: bytes, reason: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        read_cases_file(data)
    assert refused.value.field == "file"
    assert reason in refused.value.reason


def test_size_and_row_limits_are_enforced(session: Session) -> None:
    data = csv_bytes([ROW, {**ROW, "document_number": "E-2"}, {**ROW, "document_number": "E-3"}])
    with pytest.raises(InvalidValue, match=r"file: is \d+ bytes; at most 100 bytes"):
        importer.import_cases(session, CLERK, data, ImportLimits(max_bytes=100))
    with pytest.raises(InvalidValue, match="more than 2 rows"):
        importer.import_cases(session, CLERK, data, ImportLimits(max_rows=2))
    assert importer.import_cases(session, CLERK, data, ImportLimits(max_rows=3)).imported == 3


def test_formula_looking_text_is_stored_as_given(session: Session) -> None:
    row = {**ROW, "subject_name": FORMULA, "authority": "+SUM(A1)", "document_number": "@x"}
    assert importer.import_cases(session, CLERK, csv_bytes([row])).imported == 1
    case = session.scalars(select(EnforcementCase)).one()
    assert (case.subject.name, case.authority, case.document_number) == (FORMULA, "+SUM(A1)", "@x")


def test_control_characters_are_refused(session: Session) -> None:
    report = importer.import_cases(session, CLERK, csv_bytes([{**ROW, "authority": "a\x07b"}]))
    assert report.errors == (
        RowError(2, "authority", "contains control or invisible formatting characters"),
    )


def test_header_problems_are_reported_on_row_one(session: Session) -> None:
    data = b"subject_scheme,subject_id_value,kind,verdict\ncn_uscc,x,y,z\n"
    report = importer.import_cases(session, CLERK, data)
    assert [(e.row, e.column) for e in report.errors] == [
        (1, "verdict"),
        (1, "authority"),
        (1, "document_number"),
        (1, "decided_on"),
    ]
    trailing_empty_cells = csv_bytes([ROW]).replace(b"\r\n", b",,\r\n")
    assert importer.import_cases(session, CLERK, trailing_empty_cells).imported == 1
    too_wide = csv_bytes([{**ROW, "document_number": "G-2"}]) + b"," * len(COLUMNS) + b"x\r\n"
    errors = importer.import_cases(session, CLERK, too_wide).errors
    assert errors == (
        RowError(
            3,
            f"column {len(COLUMNS) + 1}",
            f"has {len(COLUMNS) + 1} cells but the header names {len(COLUMNS)} columns",
        ),
    )


def test_dry_run_checks_without_writing(session: Session) -> None:
    report = importer.import_cases(session, CLERK, EXAMPLE.read_bytes(), dry_run=True)
    assert (report.imported, report.subjects_created, report.dry_run) == (6, 4, True)
    assert "would be imported" in report.summary()
    assert counts(session) == (0, 0)


def test_only_clerks_import(session: Session) -> None:
    with pytest.raises(Forbidden):
        importer.import_cases(session, Actor("rev", "reviewer"), csv_bytes([ROW]))


def test_a_document_recorded_between_check_and_import_undoes_the_whole_import(
    session: Session,
) -> None:
    rows = [ROW, {**ROW, "document_number": "F-2"}, {**ROW, "document_number": "F-3"}]
    plan = importer.plan_import(session, CLERK, read_cases_file(csv_bytes(rows)))
    assert plan.errors == []
    other = record_subject(session, CLERK, SubjectInput(kind="legal_person", name="Other Ltd"))
    record_case(
        session,
        CLERK,
        CaseInput(
            subject_id=other.id,
            kind="court_judgment",
            authority=ROW["authority"],
            document_number="F-3",
            decided_on=plan.cases[0].case.data.decided_on,
        ),
    )
    report = importer.apply_import(session, CLERK, plan)
    assert report.imported == 0
    assert [(e.row, e.column) for e in report.errors] == [(4, "document_number")]
    assert "already recorded as case 1" in report.errors[0].reason
    assert counts(session) == (1, 1)  # only the case recorded by hand


def _failing_on_third(add_case: Callable[..., EnforcementCase]) -> Callable[..., EnforcementCase]:
    """`add_case` that crashes on its third call, as a full disk would."""
    calls = []

    def failing(*args: Any) -> EnforcementCase:
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return add_case(*args)

    return failing


def test_a_crash_half_way_leaves_nothing_behind(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "add_case", _failing_on_third(importer.add_case))
    with pytest.raises(RuntimeError, match="disk full"):
        importer.import_cases(session, CLERK, EXAMPLE.read_bytes())
    assert counts(session) == (0, 0)
    assert session.scalar(select(func.count()).select_from(AuditRecord)) == 0


@pytest.mark.pg
def test_import_and_undo_on_postgresql(pg_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    from runtime.extensions import db

    assert importer.import_cases(db.session, CLERK, EXAMPLE.read_bytes()).imported == 6
    assert counts(db.session) == (4, 6)
    rows = [
        {**ROW, "subject_id_value": credit_code("91110000MA01ABCD"), "document_number": n}
        for n in ("P-1", "P-2", "P-3")
    ]
    monkeypatch.setattr(importer, "add_case", _failing_on_third(importer.add_case))
    with pytest.raises(RuntimeError, match="disk full"):
        importer.import_cases(db.session, CLERK, csv_bytes(rows))
    assert counts(db.session) == (4, 6)
    assert audit.verify_chain(db.session).intact


@pytest.mark.parametrize(
    ("conduct", "infringement", "column", "reason"),
    [
        ("", "", "conduct", "a determination names the conduct it found: one of agency_violation"),
        ("gossip", "", "conduct", "a determination names the conduct it found"),
        ("false_documents", "是", "infringement_found", "does not find patent infringement"),
    ],
)
def test_a_determination_row_is_checked_and_nothing_imported(
    session: Session, conduct: str, infringement: str, column: str, reason: str
) -> None:
    rows = list(csv.DictReader(io.StringIO(EXAMPLE.read_text(encoding="utf-8"))))
    determination = next(r for r in rows if r["kind"] == "cnipa_determination")
    determination["conduct"], determination["infringement_found"] = conduct, infringement
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    report = importer.import_cases(session, CLERK, out.getvalue().encode())
    row = rows.index(determination) + 2  # the header is row 1
    assert [(e.row, e.column) for e in report.errors] == [(row, column)]
    assert reason in report.errors[0].reason
    assert report.imported == 0

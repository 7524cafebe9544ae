"""Subjects keep their names exactly as the clerk typed them (Chinese punctuation included)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from registry.actors import Actor
from registry.subjects.records import SubjectInput, clean_text, record_subject

CLERK = Actor(name="clerk", role="clerk", user_id=1)


def test_full_width_punctuation_in_names_is_kept(session: Session) -> None:
    subject = record_subject(
        session,
        CLERK,
        SubjectInput(
            kind="legal_person",
            name=" 福州某某科技有限公司（闽侯分公司） ",
            aliases=["某某科技，福州"],
            legal_representative="张三·李",
            address="福州市鼓楼区（东街）１号",
        ),
    )
    assert subject.name == "福州某某科技有限公司（闽侯分公司）"  # trimmed, nothing else
    assert subject.aliases == ["某某科技，福州"]
    assert subject.legal_representative == "张三·李"
    assert subject.address == "福州市鼓楼区（东街）１号"


def test_codes_are_still_normalised() -> None:
    assert clean_text("３５０１００", "region", 6) == "350100"
    assert clean_text("（注）", "name", 10, as_typed=True) == "（注）"


def test_a_case_keeps_its_authority_and_document_number_as_written(session: Session) -> None:
    from registry.cases.records import CaseInput, record_case

    subject = record_subject(session, CLERK, SubjectInput(kind="legal_person", name="某某公司"))
    case = record_case(
        session,
        CLERK,
        CaseInput(
            subject_id=subject.id,
            kind="court_judgment",
            authority="福州市市场监督管理局（知识产权局）",
            document_number="（2025）闽01民初123号",
            decided_on=dt.date(2025, 3, 1),
        ),
    )
    assert case.authority == "福州市市场监督管理局（知识产权局）"
    assert case.document_number == "（2025）闽01民初123号"

"""Subjects keep their names exactly as the clerk typed them (Chinese punctuation included)."""

from __future__ import annotations

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

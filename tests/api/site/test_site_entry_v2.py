"""The entry page of an ipl.entry/v2 entry: the Chinese text in Chinese, the English in English."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from tests import builders


def test_a_v2_entry_is_read_in_the_readers_language(app: Flask, session: Session) -> None:
    listing = builders.listing(session, state="published", ground="repeat_infringement")
    session.commit()
    client = app.test_client()
    zh = client.get(f"/entries/{listing.entry_id}?lang=zh").text
    assert "<h3>重复专利侵权行为</h3>" in zh
    assert "行政裁决" in zh and "年" in zh  # the Chinese explanation, dates in Chinese
    assert "限制参与政府采购" in zh
    assert "60日内依法申请行政复议" in zh
    en = client.get(f"/entries/{listing.entry_id}?lang=en").text
    assert "<h3>Repeat patent infringement</h3>" in en
    assert "found infringement of patent" in en
    assert "restricted access to government procurement" in en
    assert "administrative reconsideration within 60 days" in en
    assert '<p class="quoted">对列入决定不服' not in en  # only in the embedded signed JSON

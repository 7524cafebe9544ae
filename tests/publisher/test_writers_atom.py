"""Atom writer: the latest events as a feed that feedparser reads without complaint."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import feedparser
import pytest

from publisher.writers.atom import write_atom
from registry.errors import InvalidValue
from tests.publisher.writer_samples import NOW, RIC, make_bundle, make_event


def sample_events() -> list[dict[str, Any]]:
    person = make_bundle(2, "natural_person", name="张三")
    return [
        make_event(0, "listed", make_bundle(1)),
        make_event(1, "listed", person),
        make_event(2, "removed", make_bundle(1), purged=True, reason="basis_revoked"),
        make_event(3, "amended", make_bundle(3), reason="correction"),
    ]


def parse(path: Path) -> Any:
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def test_atom_parses_cleanly_newest_first_with_tag_ids(tmp_path: Path) -> None:
    resource = write_atom(
        tmp_path, sample_events(), updated=NOW, tag_authority="cnipa.gov.cn", tag_date="2026"
    )

    parsed = parse(tmp_path / "atom.xml")
    assert parsed.version == "atom10"
    assert parsed.feed.id == "tag:cnipa.gov.cn,2026:ipl/feed"
    assert parsed.feed.updated == "2026-03-02T08:00:00+00:00"
    assert [entry.id for entry in parsed.entries] == [
        f"tag:cnipa.gov.cn,2026:ipl/event/{seq}" for seq in (3, 2, 1, 0)
    ]
    assert parsed.entries[0].title == "更正（更正）：福州示例科技有限公司3（IPL-2026-000003）"
    assert parsed.feed.language == "zh-CN" and parsed.feed.title == "专利领域严重失信主体名单公示"
    assert parsed.entries[0].updated == "2026-03-02T08:03:00+00:00"
    assert [tag.term for tag in parsed.entries[0].tags] == ["amended"]
    assert resource["name"] == "atom"
    assert resource["path"] == "atom.xml"
    assert resource["count"] == 4


def test_with_a_base_url_ids_and_links_point_at_the_entry_page(tmp_path: Path) -> None:
    write_atom(tmp_path, sample_events(), updated=NOW, base_url="https://ipl.example.cn/")

    parsed = parse(tmp_path / "atom.xml")
    assert parsed.feed.id == "https://ipl.example.cn/feed/atom.xml"
    newest = parsed.entries[0]
    assert newest.id == "https://ipl.example.cn/entries/IPL-2026-000003#event-3"
    assert newest.link == "https://ipl.example.cn/entries/IPL-2026-000003"


def test_only_the_latest_events_are_kept(tmp_path: Path) -> None:
    bundle = make_bundle(1)
    events = [make_event(seq, "listed", bundle) for seq in range(30)]

    resource = write_atom(tmp_path, reversed(events), updated=NOW, limit=5)

    parsed = parse(tmp_path / "atom.xml")
    assert [entry.id.rsplit("/", 1)[1] for entry in parsed.entries] == [
        "29",
        "28",
        "27",
        "26",
        "25",
    ]
    assert resource["count"] == 5


def test_a_purged_entry_shows_only_its_id(tmp_path: Path) -> None:
    events = [make_event(0, "removed", make_bundle(1), purged=True, reason="error")]

    write_atom(tmp_path, events, updated=NOW)

    text = (tmp_path / "atom.xml").read_text(encoding="utf-8")
    assert "IPL-2026-000001" in text
    assert "福州示例科技" not in text
    assert parse(tmp_path / "atom.xml").entries[0].title == "移出（错误列入）：IPL-2026-000001"
    assert "条目内容已不再公示" in text


def test_a_person_appears_only_as_published_with_a_masked_id_number(tmp_path: Path) -> None:
    write_atom(tmp_path, sample_events(), updated=NOW)

    text = (tmp_path / "atom.xml").read_text(encoding="utf-8")
    assert "居民身份证号码 3501**********1236" in text
    assert "列入期限：" in text and "Listed from" not in text
    assert RIC not in text


def test_an_empty_feed_is_still_valid(tmp_path: Path) -> None:
    resource = write_atom(tmp_path, [], updated=NOW)

    assert parse(tmp_path / "atom.xml").entries == []
    assert resource["count"] == 0


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"tag_authority": "not a domain"}, "tag_authority"),
        ({"tag_date": "March 2026"}, "tag_date"),
        ({"base_url": "ftp://ipl.example.cn"}, "base_url"),
        ({"limit": 0}, "limit"),
        ({"updated": dt.datetime(2026, 3, 2)}, "updated"),
    ],
)
def test_bad_options_are_refused(tmp_path: Path, options: dict[str, Any], field: str) -> None:
    arguments: dict[str, Any] = {"updated": NOW, **options}

    with pytest.raises(InvalidValue) as raised:
        write_atom(tmp_path, sample_events(), **arguments)

    assert raised.value.field == field
    assert not (tmp_path / "atom.xml").exists()


def test_an_entry_removed_in_error_keeps_only_its_removal_without_content(tmp_path: Path) -> None:
    wrong = make_bundle(2, "natural_person", name="张三")
    events = [
        make_event(0, "listed", make_bundle(1)),
        make_event(1, "listed", wrong),
        make_event(2, "amended", wrong, reason="correction"),
        make_event(3, "removed", wrong, reason="error"),
    ]
    write_atom(tmp_path, events, updated=NOW, removed_in_error={"IPL-2026-000002"})

    parsed = parse(tmp_path / "atom.xml")
    assert [entry.title for entry in parsed.entries] == [
        "移出（错误列入）：IPL-2026-000002",
        "列入：福州示例科技有限公司1（IPL-2026-000001）",
    ]
    assert "张三" not in (tmp_path / "atom.xml").read_text(encoding="utf-8")
    assert "条目内容已不再公示" in parsed.entries[0].summary

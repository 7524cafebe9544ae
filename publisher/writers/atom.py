"""`atom.xml`: the latest listings, amendments and removals as an Atom feed.

An entry shows only what the published (masked) entry already shows; once an entry's
content is purged, its removal appears with the entry_id alone. An entry removed because it
was listed in error leaves the feed: only its removal stays, with the entry_id alone, so a
reader who saw the listing learns it was an error (the public read model names these entries).
The feed is written for readers of the Chinese list (`xml:lang` zh-CN): codes appear as their
Chinese wording.
"""

from __future__ import annotations

import datetime as dt
import heapq
import os
import re
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from feedgen.feed import FeedGenerator

from publisher.writers.atomic import write_atomic
from publisher.writers.delta import event_bundle, event_leaf_object
from publisher.writers.index import Resource, describe
from registry.errors import InvalidValue
from registry.ledger.anchors import is_anchor
from registry.subjects.identifiers import public_identifiers
from registry.timestamps import format_timestamp

ATOM_FILE = "atom.xml"
DEFAULT_TITLE = "专利领域严重失信主体名单公示"
LANGUAGE = "zh-CN"
MAX_LIMIT = 10_000

_EVENT_LABELS = {"listed": "列入", "amended": "更正", "removed": "移出"}
_REASONS = {
    "expired": "列入期限届满",
    "credit_restored": "信用修复",
    "basis_revoked": "列入依据被撤销",
    "correction": "更正",
    "error": "错误列入",
}
_KINDS = {"legal_person": "法人", "natural_person": "自然人", "other_org": "其他组织"}
_SCHEMES = {"cn_uscc": "统一社会信用代码", "cn_ric": "居民身份证号码", "other": "其他证照"}
_GROUNDS = {
    "repeat_infringement": "重复侵权",
    "deliberate_infringement": "故意侵权",
    "refusal_to_perform": "拒不履行",
}
# RFC 4151: a DNS name or e-mail address, and a date the tagging entity held it.
_TAG_AUTHORITY = re.compile(r"([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+|[^@\s,]+@[A-Za-z0-9.-]+)\Z")
_TAG_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?\Z")
_BASE_URL = re.compile(r"https?://[^\s/?#]+(/[^\s?#]*)?\Z")


def _check_options(base_url: str | None, tag_authority: str, tag_date: str, limit: int) -> None:
    if base_url is not None and not _BASE_URL.match(base_url):
        reason = f"{base_url!r} must be an http(s) URL without query or fragment"
        raise InvalidValue("base_url", reason)
    if not _TAG_AUTHORITY.match(tag_authority):
        reason = f"{tag_authority!r} must be a domain name or e-mail address"
        raise InvalidValue("tag_authority", reason)
    if not _TAG_DATE.match(tag_date):
        raise InvalidValue("tag_date", f"{tag_date!r} must be YYYY, YYYY-MM or YYYY-MM-DD")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidValue("limit", f"must be an integer from 1 to {MAX_LIMIT}, got {limit!r}")


def _recorded_at(leaf: Mapping[str, Any]) -> dt.datetime:
    return dt.datetime.strptime(leaf["recorded_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


def _said(table: Mapping[str, str], code: Any) -> str:
    return table.get(str(code), str(code))


def event_title(leaf: Mapping[str, Any], entry: Mapping[str, Any] | None) -> str:
    """Return the Atom entry title: what happened, to whom (while published), which entry."""
    label = _EVENT_LABELS[leaf["event"]]
    if leaf.get("reason"):
        label = f"{label}（{_said(_REASONS, leaf['reason'])}）"
    if entry is None:
        return f"{label}：{leaf['entry_id']}"
    return f"{label}：{(entry.get('subject') or {}).get('name')}（{leaf['entry_id']}）"


def event_text(leaf: Mapping[str, Any], entry: Mapping[str, Any] | None) -> str:
    """Return the Atom entry text, drawn only from the published (masked) entry."""
    event = _EVENT_LABELS[leaf["event"]]
    lines = [f"条目 {leaf['entry_id']}，第 {leaf['revision']} 版：{event}"]
    if leaf.get("reason"):
        lines.append(f"原因：{_said(_REASONS, leaf['reason'])}")
    if entry is None:
        lines.append("条目内容已不再公示。")
        return "\n".join(lines)
    subject = entry.get("subject") or {}
    decision = entry.get("decision") or {}
    shown = public_identifiers(
        subject.get("identifiers") or [], subject.get("kind") == "natural_person"
    )
    identifiers = "；".join(
        f"{item.get('name') or _said(_SCHEMES, item.get('scheme'))} {item.get('value')}"
        for item in shown
    )
    grounds = "、".join(
        g.get("name") or _said(_GROUNDS, g.get("code", "")) for g in entry.get("grounds") or []
    )
    latin = f" / {subject['name_latin']}" if subject.get("name_latin") else ""
    lines += [
        f"主体：{subject.get('name')}{latin}（{_said(_KINDS, subject.get('kind'))}）",
        f"证照号码：{identifiers or '无'}",
        f"列入事由：{grounds}",
        f"决定：{decision.get('authority')} {decision.get('document_number')}，"
        f"{decision.get('decided_on')}",
        f"列入期限：{entry.get('listed_on')} 至 {entry.get('period_end')}",
    ]
    return "\n".join(lines)


def _newest(
    events: Iterable[Any], limit: int, in_error: Collection[str]
) -> list[tuple[dict[str, Any], Mapping[str, Any] | None]]:
    checked = (
        (leaf, event)
        for n, event in enumerate(events)
        if not is_anchor(leaf := event_leaf_object(event, f"events[{n}]"))
    )  # audit anchors are not news about entries
    shown = (
        (leaf, event)
        for leaf, event in checked
        if leaf["entry_id"] not in in_error or leaf["event"] == "removed"
    )
    newest = heapq.nlargest(limit, shown, key=lambda pair: pair[0]["seq"])
    # Only the events that make it into the feed need their content checked.
    pairs = []
    for leaf, event in newest:
        bundle = event_bundle(leaf, event, f"events[seq={leaf['seq']}]")
        content = bundle["entry"] if bundle is not None else None
        pairs.append((leaf, None if leaf["entry_id"] in in_error else content))
    return pairs


def write_atom(
    feed_dir: str | os.PathLike[str],
    events: Iterable[Any],
    *,
    updated: dt.datetime,
    base_url: str | None = None,
    tag_authority: str = "registry.invalid",
    tag_date: str = "2026",
    title: str = DEFAULT_TITLE,
    limit: int = 100,
    removed_in_error: Collection[str] = frozenset(),
) -> Resource:
    """Write `atom.xml` with the latest `limit` events (newest first); return its index record.

    Of the entries in `removed_in_error`, only the removal is written, without content.
    """
    _check_options(base_url, tag_authority, tag_date, limit)
    latest = _newest(events, limit, removed_in_error)
    base = base_url.rstrip("/") if base_url else None
    tag = f"tag:{tag_authority},{tag_date}:ipl"

    feed = FeedGenerator()
    feed.id(f"{base}/feed/{ATOM_FILE}" if base else f"{tag}/feed")
    feed.title(title)
    feed.language(LANGUAGE)
    feed.author(name=title)
    feed.updated(dt.datetime.fromisoformat(format_timestamp(updated, "updated")))
    if base:
        feed.link(href=f"{base}/feed/{ATOM_FILE}", rel="self")
        feed.link(href=f"{base}/", rel="alternate")
    for leaf, entry in latest:
        entry_url = f"{base}/entries/{quote(leaf['entry_id'])}" if base else None
        item = feed.add_entry(order="append")
        # An entry is listed, amended and removed under one URL, so each event adds its seq.
        item.id(f"{entry_url}#event-{leaf['seq']}" if entry_url else f"{tag}/event/{leaf['seq']}")
        item.title(event_title(leaf, entry))
        item.updated(_recorded_at(leaf))
        item.published(_recorded_at(leaf))
        item.content(event_text(leaf, entry), type="text")
        item.category(term=leaf["event"])
        if entry_url:
            item.link(href=entry_url, rel="alternate")

    directory = Path(feed_dir)
    path = directory / ATOM_FILE
    written = write_atomic(path, feed.atom_str(pretty=True))
    return describe(directory, path, "atom", written, len(latest))

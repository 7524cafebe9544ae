"""The standard remedy of a listing, Chinese first: how to challenge it and how to get off it.

Reconsideration and litigation periods are settings whose defaults cite their articles
(行政复议法 art. 20: 60 days; 行政诉讼法 art. 46: 6 months); the restoration conditions come from
the cited list types; the contact is the deciding authority and
`REGISTRY_AUTHORITY_OBJECTION_CONTACT`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from registry.listings.list_types.loader import ListType
from registry.listings.periods import PeriodsConfig


@dataclass(frozen=True)
class RemedyConfig:
    """Time limits to challenge a listing, and how to reach the listing authority."""

    reconsideration_days: int = 60  # 《中华人民共和国行政复议法》（2023年修订）第二十条
    litigation_months: int = 6  # 《中华人民共和国行政诉讼法》第四十六条
    authority_contact: str = ""


def standard_remedy(
    authority: str,
    types: Sequence[ListType],
    periods: PeriodsConfig,
    config: RemedyConfig,
) -> tuple[str, str]:
    """The remedy text of a listing on `types` decided by `authority`: (Chinese, English)."""
    contact_zh = f"：{config.authority_contact}" if config.authority_contact else ""
    contact_en = f": {config.authority_contact}" if config.authority_contact else ""
    restoration_zh = "".join(dict.fromkeys(t.restoration_zh for t in types))
    restoration_en = " ".join(dict.fromkeys(t.restoration_en for t in types))
    zh = (
        f"对列入决定不服的，可以自知道该决定之日起{config.reconsideration_days}日内依法申请"
        "行政复议（《中华人民共和国行政复议法》第二十条），或者自知道该决定之日起"
        f"{config.litigation_months}个月内依法提起行政诉讼（《中华人民共和国行政诉讼法》"
        "第四十六条）。认为公示信息有误的，可以随时提出异议或者更正申请，"
        f"作出决定的部门在{periods.objection_decision_days}日内作出决定。信用修复："
        f"{restoration_zh}最短期限为自列入之日起{periods.restoration_min_years}年。"
        f"联系{authority}{contact_zh}。"
    )
    en = (
        "A listing decision may be challenged by administrative reconsideration within "
        f"{config.reconsideration_days} days of learning of it (Administrative Reconsideration "
        "Law art. 20) or by administrative litigation within "
        f"{config.litigation_months} months (Administrative Litigation Law art. 46). An "
        "objection or a correction request may be lodged at any time; it is decided within "
        f"{periods.objection_decision_days} days. Credit restoration: {restoration_en} The "
        f"minimum period is {periods.restoration_min_years} year(s) from listing. "
        f"Contact {authority}{contact_en}."
    )
    return zh, en

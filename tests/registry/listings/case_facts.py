"""Case facts for the rules engine's tests: an effective administrative ruling by default."""

from __future__ import annotations

from datetime import date
from typing import Any

from registry.listings.rules import CaseFacts

ON = date(2026, 6, 1)
PATENT = "ZL201510123456.7"


def case(case_id: int, **facts: Any) -> CaseFacts:
    """An effective administrative ruling finding infringement, unless `facts` say otherwise."""
    defaults: dict[str, Any] = {
        "document_number": f"闽知裁字〔2023〕{case_id}号",
        "kind": "administrative_ruling",
        "authority": "福建省知识产权局",
        "decided_on": date(2023, 2, 1),
        "effective_on": date(2023, 3, 1),
        "act_start": date(2022, 5, 1),
        "patents": (PATENT,),
        "infringement_found": True,
    }
    return CaseFacts(case_id=case_id, **{**defaults, **facts})


FIRST = case(1)
SECOND = case(
    2, act_start=date(2024, 2, 10), decided_on=date(2024, 8, 1), effective_on=date(2024, 9, 1)
)

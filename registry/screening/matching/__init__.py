"""Name matching for screening and search: pure functions and an in-memory index, no database.

Pipeline: text (fold characters) and pinyin -> normalize (strip legal forms) -> regions and
forms (region, trade name, industry, Latin tokens) -> similarity (compare two forms) -> score
(features and explanations) -> index (blocking, identifier lookup, `MatchIndex.screen`).
"""

from registry.screening.matching.forms import NameForm, name_keys, parse_name
from registry.screening.matching.index import DEFAULT_LIMIT, DEFAULT_THRESHOLD, MatchIndex
from registry.screening.matching.normalize import normalize_name
from registry.screening.matching.pinyin import Pinyin, to_pinyin
from registry.screening.matching.records import (
    KINDS,
    SINGLE_VALUED_SCHEMES,
    ListedName,
    ScreeningQuery,
)
from registry.screening.matching.score import FeatureExplanation, ScreeningMatch

__all__ = [
    "DEFAULT_LIMIT",
    "DEFAULT_THRESHOLD",
    "KINDS",
    "SINGLE_VALUED_SCHEMES",
    "FeatureExplanation",
    "ListedName",
    "MatchIndex",
    "NameForm",
    "Pinyin",
    "ScreeningMatch",
    "ScreeningQuery",
    "name_keys",
    "normalize_name",
    "parse_name",
    "to_pinyin",
]

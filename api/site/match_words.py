"""Why a name search found an entry, feature by feature, in the reader's language.

The site shows the same per-feature explanations as the screening API (registry.screening:
`FeatureExplanation`), worded from each feature's code rather than the API's English note.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from registry.screening.matching import FeatureExplanation

# (feature, code) -> a sentence; %(score)s is the feature's own score as a percentage.
WORDS: Mapping[tuple[str, str], LazyString] = {
    ("identifier", "same"): _l("The same identifier: it decides the match."),
    ("identifier", "conflict"): _l("A different credit code or ID number: likely another subject."),
    ("name", "decides"): _l("Compared with the registered name: %(score)s alike."),
    ("latin", "decides"): _l("Compared with the name in Latin letters or pinyin: %(score)s alike."),
    ("alias", "decides"): _l("Compared with another or former name: %(score)s alike."),
    ("trade_name", "same"): _l("Trade name: the same characters."),
    ("trade_name", "sound_alike"): _l(
        "Trade name: sounds the same (a character of the same pinyin, or two swapped)."
    ),
    ("trade_name", "one_slip"): _l("Trade name: one character replaced, added or left out."),
    ("trade_name", "different"): _l("Trade name: different (%(score)s alike)."),
    ("trade_name", "person_sound_alike"): _l(
        "Personal name: sounds the same, which is often another person; the ID number decides."
    ),
    ("trade_name", "person_different"): _l("Personal name: different."),
    ("industry", "same"): _l("Industry word: the same."),
    ("industry", "different"): _l("Industry word: different (%(score)s alike)."),
    ("industry", "omitted"): _l("Industry word: left out of the search."),
    ("industry", "extra"): _l("Industry word: the search has one the registered name lacks."),
    ("industry", "rest"): _l("What follows the trade name: %(score)s alike."),
    ("legal_form", "same"): _l("Legal form: the same."),
    ("legal_form", "different"): _l("Legal form: different (often written loosely)."),
    ("name_region", "same"): _l("Place in the name: the same."),
    ("name_region", "different"): _l("Place in the name: a different place."),
    ("kind", "different"): _l("A different kind of subject (company or person)."),
    ("region", "province"): _l("Region: the same province, another city."),
    ("region", "different"): _l("Region: another province."),
}


def match_explanations(features: Iterable[FeatureExplanation]) -> list[str]:
    """One sentence per feature that says something, in the reader's language."""
    sentences = []
    for feature in features:
        words = WORDS.get((feature.feature, feature.code))
        if words is not None:
            sentences.append(str(words) % {"score": f"{feature.score:.0%}"})
    return sentences

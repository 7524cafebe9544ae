"""Score one listed subject against a query and explain the score feature by feature.

The score is the strongest name similarity, scaled down by disagreements:

- `name`, `latin`, `alias`: the name features are alternatives, so the strongest one has
  weight 1.0 and the others 0.0. `name` compares with the listed name in the same script,
  `latin` in Latin letters (a Latin or pinyin query against a Chinese name, or the listed
  Latin form), `alias` with aliases and former names.
- `kind`, `region` and a conflicting `identifier` each multiply the score by
  `1 - weight * (1 - feature score)`.
- a shared `identifier` is decisive: the score is 1.0.

A Chinese name compared with a Chinese name also explains its parts (NAME_PARTS): the trade name
(its score is the base) and the industry word, legal form and region prefix, each multiplying the
name score by `1 - weight * (1 - part score)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from registry.screening.matching.forms import NameForm, parse_name
from registry.screening.matching.records import SINGLE_VALUED_SCHEMES, ListedName, ScreeningQuery
from registry.screening.matching.regions import region_agreement
from registry.screening.matching.similarity import (
    Similarity,
    compare_forms,
    han_upper_bound,
    latin_upper_bound,
)
from registry.subjects.identifiers import public_identifier_value

KIND_WEIGHT = 0.25
REGION_WEIGHT = 0.15
IDENTIFIER_CONFLICT_WEIGHT = 0.6
NAME_FEATURES = ("name", "latin", "alias")
NAME_PARTS = ("trade_name", "industry", "legal_form", "name_region")


@dataclass(frozen=True)
class FeatureExplanation:
    """One feature's part in a score: its own score, its weight and a sentence."""

    feature: str
    score: float
    weight: float
    note: str
    # What was found, in a word, for explanations in the reader's language (api/site): per
    # feature one of same, different, missing (name parts); sound_alike, one_slip,
    # person_sound_alike, person_different (trade name); none, omitted, extra, rest
    # (industry); decides, weaker (name features); province (region); conflict (identifier).
    code: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The explanation as plain data for an API response."""
        return {
            "feature": self.feature,
            "score": self.score,
            "weight": self.weight,
            "note": self.note,
        }


@dataclass(frozen=True)
class ScreeningMatch:
    """A listed subject found for a query, with its score in [0, 1] and the reasons."""

    entry_id: str
    score: float
    features: tuple[FeatureExplanation, ...]
    listed: ListedName  # holds full identifier values: never publish it as it is

    def as_dict(self) -> dict[str, Any]:
        """The match as plain data (entry id, score, features; no identifier values)."""
        return {
            "entry_id": self.entry_id,
            "score": self.score,
            "features": [feature.as_dict() for feature in self.features],
        }


@dataclass(frozen=True)
class PreparedQuery:
    """A query with its name parsed and identifiers grouped, ready to score many records."""

    query: ScreeningQuery
    form: NameForm | None
    identifiers: frozenset[tuple[str, str]]

    @classmethod
    def prepare(cls, query: ScreeningQuery) -> PreparedQuery:
        """Parse the query name once for all the records it is scored against."""
        form = parse_name(query.name) if query.name.strip() else None
        if form is not None and form.is_empty:
            form = None
        return cls(query, form, frozenset(query.identifiers))


@dataclass(frozen=True)
class IndexedRecord:
    """A listed subject with its names parsed: (feature, name as listed, parsed form)."""

    listed: ListedName
    forms: tuple[tuple[str, str, NameForm], ...]
    has_han: bool
    identifiers: frozenset[tuple[str, str]]

    @classmethod
    def restore(cls, **fields: Any) -> IndexedRecord:
        """A record as an index file keeps it, every field given (see NameForm.restore)."""
        record = object.__new__(cls)
        record.__dict__.update(fields)
        return record

    @classmethod
    def from_listed(cls, listed: ListedName) -> IndexedRecord:
        """Parse every name of a listed subject."""
        named = [("name", listed.name)]
        if listed.latin:
            named.append(("latin", listed.latin))
        named += [("alias", alias) for alias in listed.aliases]
        parsed = [(feature, text, parse_name(text)) for feature, text in named]
        parsed = [(feature, text, form) for feature, text, form in parsed if not form.is_empty]
        # A name without a region prefix (a short name, 华兴科技) still belongs to the subject's
        # region: it takes the regions of the other names and of the record.
        regions = frozenset({listed.region} if listed.region else ()).union(
            *(form.regions for _, _, form in parsed)
        )
        person = listed.kind == "natural_person"
        # Each form's fields with these two replaced, set at once (NameForm.restore):
        # dataclasses.replace sets every field again, one by one.
        forms = tuple(
            (
                feature,
                text,
                NameForm.restore(
                    **{**vars(form), "regions": form.regions or regions, "person": person}
                ),
            )
            for feature, text, form in parsed
        )
        return cls(
            listed, forms, any(form.han for _, _, form in forms), frozenset(listed.identifiers)
        )


def score_record(
    query: PreparedQuery, record: IndexedRecord, threshold: float = 0.0
) -> ScreeningMatch | None:
    """Score one record against a query and explain each feature; None below `threshold`."""
    identifier = _identifier_feature(query.identifiers, record.identifiers)
    decisive = identifier is not None and identifier.score == 1.0
    bounds = name_bounds(query.form, record, 0.0 if decisive else threshold)
    if not decisive and threshold and max(filter(None, bounds), default=0.0) < threshold:
        # Kind, region and identifier only lower a name's score: nothing here can pass.
        return None
    names = _best_names(query.form, record, 0.0 if decisive else threshold, bounds)
    kind = _kind_feature(query.query, record.listed)
    region = _region_feature(query.query, record.listed)
    if decisive:
        score = 1.0
    else:
        score = max((similarity.score for similarity, _ in names.values()), default=0.0)
        for modifier in (identifier, kind, region):
            if modifier is not None:
                score *= 1.0 - modifier.weight * (1.0 - modifier.score)
    if score < threshold:
        return None
    features = (identifier, *_explain_names(names), kind, region)
    return ScreeningMatch(
        record.listed.entry_id,
        round(score, 4),
        tuple(feature for feature in features if feature is not None),
        record.listed,
    )


def _identifier_feature(
    query_ids: frozenset[tuple[str, str]], listed_ids: frozenset[tuple[str, str]]
) -> FeatureExplanation | None:
    if not query_ids or not listed_ids:
        return None
    shared = sorted(query_ids & listed_ids)
    if shared:
        scheme, value = shared[0]
        shown = public_identifier_value(scheme, value, natural_person=True)
        return FeatureExplanation(
            "identifier",
            1.0,
            1.0,
            f"same {scheme} {shown}: the identifier decides the match",
            "same",
        )
    listed_schemes = {scheme for scheme, _ in listed_ids}
    conflicts = sorted({scheme for scheme, _ in query_ids} & listed_schemes & SINGLE_VALUED_SCHEMES)
    if conflicts:
        return FeatureExplanation(
            "identifier",
            0.0,
            IDENTIFIER_CONFLICT_WEIGHT,
            f"different {', '.join(conflicts)}: strong evidence of a different subject",
            "conflict",
        )
    return None


def name_bounds(
    form: NameForm | None, record: IndexedRecord, floor: float = 0.0
) -> list[float | None]:
    """Per name of the record, a score its comparison with the query name cannot exceed.

    Found cheaply (latin_upper_bound, han_upper_bound); None for a name that is not compared
    (a Latin name of a Chinese subject against a Chinese query). A bound below `floor` may be
    looser than it could be: below is all that is asked of it then.
    """
    if form is None:
        return []
    bounds: list[float | None] = []
    for _, _, listed_form in record.forms:
        if form.han and record.has_han and not listed_form.han:
            bounds.append(None)  # Chinese against Chinese only: pinyin would equate homophones
        elif form.han and listed_form.han:
            bounds.append(han_upper_bound(form, listed_form, floor))
        else:
            bounds.append(latin_upper_bound(form, listed_form))
    return bounds


def _best_names(
    form: NameForm | None, record: IndexedRecord, floor: float, bounds: list[float | None]
) -> dict[str, tuple[Similarity, str]]:
    """The best similarity per name feature, with the listed name it was found against.

    Names that cannot reach `floor` in Latin letters are not compared in full.
    """
    best: dict[str, tuple[Similarity, str]] = {}
    if form is None:
        return best
    for (feature, text, listed_form), bound in zip(record.forms, bounds, strict=True):
        if bound is None:
            continue
        in_latin = not (form.han and listed_form.han)
        if floor and in_latin and bound < floor:
            continue
        kind = "latin" if feature == "name" and form.han != listed_form.han else feature
        similarity = compare_forms(form, listed_form)
        if kind not in best or similarity.score > best[kind][0].score:
            best[kind] = (similarity, text)
    return best


def _explain_names(best: dict[str, tuple[Similarity, str]]) -> list[FeatureExplanation]:
    if not best:
        return []
    strongest = max(best, key=lambda kind: best[kind][0].score)
    names = [
        FeatureExplanation(
            kind,
            round(best[kind][0].score, 4),
            1.0 if kind == strongest else 0.0,
            f"against {best[kind][1]}: {best[kind][0].reason}"
            + ("" if kind == strongest else " (a stronger name feature decides)"),
            "decides" if kind == strongest else "weaker",
        )
        for kind in NAME_FEATURES
        if kind in best
    ]
    # The deciding Chinese name, part by part: trade name, industry word, legal form, region.
    parts = [
        FeatureExplanation(part.feature, round(part.score, 4), part.weight, part.note, part.code)
        for part in best[strongest][0].parts
    ]
    return names + parts


def _kind_feature(query: ScreeningQuery, listed: ListedName) -> FeatureExplanation | None:
    if query.kind is None:
        return None
    if query.kind == listed.kind:
        return FeatureExplanation("kind", 1.0, KIND_WEIGHT, f"both are {listed.kind}", "same")
    return FeatureExplanation(
        "kind",
        0.0,
        KIND_WEIGHT,
        f"query is {query.kind}, listed subject is {listed.kind}",
        "different",
    )


def _region_feature(query: ScreeningQuery, listed: ListedName) -> FeatureExplanation | None:
    if query.region is None or listed.region is None:
        return None
    agreement = region_agreement(query.region, listed.region)
    note = {
        1.0: f"region {query.region} agrees with {listed.region}",
        0.5: f"region {query.region} is in the same province as {listed.region}",
        0.0: f"region {query.region} is in another province than {listed.region}",
    }[agreement]
    code = {1.0: "same", 0.5: "province", 0.0: "different"}[agreement]
    return FeatureExplanation("region", agreement, REGION_WEIGHT, note, code)

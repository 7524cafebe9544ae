"""Screening: scores, explanations, identifiers, hard negatives and the benchmark set."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bench.screening import per_class, quality
from bench.screening_data import generate_benchmark
from registry.errors import InvalidValue
from registry.models import SUBJECT_KINDS
from registry.screening.matching import (
    DEFAULT_THRESHOLD,
    KINDS,
    ListedName,
    MatchIndex,
    ScreeningQuery,
    score,
    similarity,
)
from registry.screening.matching.forms import parse_name
from registry.screening.matching.score import (
    NAME_PARTS,
    IndexedRecord,
    PreparedQuery,
    name_bounds,
    score_record,
)
from registry.screening.matching.similarity import compare_forms

HUAXING_USCC = "91440300MA5F8AXK4B"
HUAXING = ListedName(
    "IPL-2026-000001",
    "legal_person",
    "深圳市华兴科技有限公司",
    latin="Shenzhen Huaxing Technology Co., Ltd.",
    aliases=("深圳市华兴电子有限公司",),
    identifiers=(("cn_uscc", HUAXING_USCC),),
    region="440300",
)
LISTED = [
    HUAXING,
    ListedName(
        "IPL-2026-000002",
        "legal_person",
        "杭州瑞达新材料股份有限公司",
        identifiers=(("cn_uscc", "91330100MA27XL0F1C"),),
        region="330100",
    ),
    ListedName(
        "IPL-2026-000003",
        "natural_person",
        "张伟",
        identifiers=(("cn_ric", "110101199003071234"),),
        region="110101",
    ),
    ListedName(
        "IPL-2026-000004",
        "legal_person",
        "Nordwind Precision Instruments GmbH",
        identifiers=(("other", "HRB 12345"),),
    ),
    ListedName("IPL-2026-000005", "legal_person", "苏州工业园区恒昌光电有限公司", region="320571"),
]


@pytest.fixture(scope="module")
def index() -> MatchIndex:
    return MatchIndex.build(LISTED)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("深圳市华兴科技有限公司", "IPL-2026-000001"),  # as listed
        ("深圳市华兴科技", "IPL-2026-000001"),  # legal form left out
        ("华兴科技有限公司", "IPL-2026-000001"),  # region left out
        ("深圳市華興科技有限公司", "IPL-2026-000001"),  # traditional characters
        ("深圳市华兴科枝有限公司", "IPL-2026-000001"),  # slip in the industry word
        ("华兴科技（深圳）有限公司", "IPL-2026-000001"),  # region in brackets
        ("Shenzhen Huaxing Technology", "IPL-2026-000001"),  # English against Chinese
        ("Huaxing Keji", "IPL-2026-000001"),  # pinyin only
        ("hua xing ke ji you xian gong si", "IPL-2026-000001"),  # pinyin, spaced
        ("Shenzhen Huaxng Tecnology Co Ltd", "IPL-2026-000001"),  # two typos
        ("ＳＨＥＮＺＨＥＮ　ＨＵＡＸＩＮＧ　ＴＥＣＨＮＯＬＯＧＹ", "IPL-2026-000001"),  # full width
        ("深圳市华兴电子", "IPL-2026-000001"),  # former name (alias)
        ("瑞达新材料", "IPL-2026-000002"),
        ("Hangzhou Ruida New Materials", "IPL-2026-000002"),
        ("張偉", "IPL-2026-000003"),
        ("Wei Zhang", "IPL-2026-000003"),  # word order
        ("Precision Instruments Nordwind", "IPL-2026-000004"),  # word order
        ("Nordwnid Precision Instrumnets", "IPL-2026-000004"),  # typos
        ("NORDWIND-PRÄZISION", "IPL-2026-000004"),  # German industry word, accent, hyphen
        ("Nordwind Logistics", None),  # same word, another industry: another company
        ("恒昌光电", "IPL-2026-000005"),
        # Issue #19: these were scored as other enterprises (the tests locked that in).
        ("深圳市华星科技有限公司", "IPL-2026-000001"),  # a homophone character (xing)
        ("深圳市华兴达科技有限公司", "IPL-2026-000001"),  # a character added
        ("深圳市兴华科技有限公司", "IPL-2026-000001"),  # two characters swapped
        ("杭州市瑞大新材料股份有限公司", "IPL-2026-000002"),  # 达 typed as 大 (da)
        ("杭州市达瑞新材料股份有限公司", "IPL-2026-000002"),  # swapped
        ("苏州工业园区恒茂昌光电有限公司", "IPL-2026-000005"),  # a character added
        ("HUAXING KEJI", "IPL-2026-000001"),  # pinyin, any case and spacing
        ("HuaXingKeJi", "IPL-2026-000001"),
        ("hua-xing ke-ji", "IPL-2026-000001"),
    ],
)
def test_true_variants_score_above_the_threshold(
    index: MatchIndex, name: str, expected: str | None
) -> None:
    found = [match.entry_id for match in index.screen(ScreeningQuery(name))]
    if expected is None:
        assert found == []
    else:
        assert found[:1] == [expected]


@pytest.mark.parametrize(
    ("query", "listed_id"),
    [
        # Look-alikes: same region and industry, a trade name sharing one character with
        # another sound, or another trade name altogether.
        (ScreeningQuery("深圳市华美科技有限公司"), "IPL-2026-000001"),
        (ScreeningQuery("深圳市美兴科技有限公司"), "IPL-2026-000001"),
        (ScreeningQuery("深圳市鼎泰科技有限公司"), "IPL-2026-000001"),
        (ScreeningQuery("杭州市瑞康新材料股份有限公司"), "IPL-2026-000002"),
        # A person's homophone name is usually another person: the ID number decides.
        (ScreeningQuery("张玮"), "IPL-2026-000003"),
        # Same trade name, registered in another province.
        (ScreeningQuery("杭州市华兴科技有限公司"), "IPL-2026-000001"),
        # One letter away in pinyin, and a different credit code.
        (
            ScreeningQuery("Huaxin Keji", identifiers=(("cn_uscc", "91440300MA5G2R0U7K"),)),
            "IPL-2026-000001",
        ),
        # Another person: the same name with another ID number.
        (
            ScreeningQuery("张伟", identifiers=(("cn_ric", "110101198807154321"),)),
            "IPL-2026-000003",
        ),
        # A company named like a listed person.
        (ScreeningQuery("Zhangwei Semiconductor"), "IPL-2026-000003"),
    ],
)
def test_hard_negatives_score_below_the_threshold(
    index: MatchIndex, query: ScreeningQuery, listed_id: str
) -> None:
    assert index.screen(query) == []
    scored = {match.entry_id: match.score for match in index.screen(query, threshold=0.0)}
    assert scored.get(listed_id, 0.0) < DEFAULT_THRESHOLD


def test_a_chinese_match_explains_trade_name_industry_legal_form_and_region(
    index: MatchIndex,
) -> None:
    [match] = index.screen(ScreeningQuery("深圳市华星科技股份有限公司"))
    parts = {f.feature: f for f in match.features if f.feature in NAME_PARTS}
    assert set(parts) == set(NAME_PARTS)
    assert parts["trade_name"].score == pytest.approx(0.94)
    assert "same sound" in parts["trade_name"].note
    assert (parts["industry"].score, parts["name_region"].score) == (1.0, 1.0)
    assert parts["legal_form"].score == 0.0  # 股份有限公司 against 有限公司, a small weight
    assert match.score == pytest.approx(0.94 * (1 - parts["legal_form"].weight))
    absent = index.screen(ScreeningQuery("华兴"))[0]
    industry = next(f for f in absent.features if f.feature == "industry")
    assert "leaves out" in industry.note
    other_place = index.screen(ScreeningQuery("杭州市华兴科技有限公司"), threshold=0.0)[0]
    region = next(f for f in other_place.features if f.feature == "name_region")
    assert region.score == 0.0
    assert other_place.score < DEFAULT_THRESHOLD


def test_a_shared_identifier_decides(index: MatchIndex) -> None:
    query = ScreeningQuery("Something Else Entirely", identifiers=(("cn_uscc", HUAXING_USCC),))
    [match] = index.screen(query)
    assert (match.entry_id, match.score) == ("IPL-2026-000001", 1.0)
    identifier = match.features[0]
    assert (identifier.feature, identifier.score, identifier.weight) == ("identifier", 1.0, 1.0)


def test_identifiers_are_compared_in_canonical_form(index: MatchIndex) -> None:
    spaced = "9144 0300 MA5F 8AXK 4B".lower()
    [match] = index.screen(ScreeningQuery(identifiers=(("CN_USCC", spaced),)))
    assert match.entry_id == "IPL-2026-000001"


def test_a_different_identifier_of_the_same_scheme_counts_against(index: MatchIndex) -> None:
    query = ScreeningQuery("深圳市华兴科技", identifiers=(("cn_uscc", "91440300MA5G2R0U7K"),))
    [match] = index.screen(query, threshold=0.0)[:1]
    identifier = match.features[0]
    assert (identifier.feature, identifier.score, identifier.weight) == ("identifier", 0.0, 0.6)
    assert match.score == pytest.approx(0.4)


def test_foreign_registrations_never_conflict(index: MatchIndex) -> None:
    query = ScreeningQuery("Nordwind Precision Instruments", identifiers=(("other", "LEI 5299"),))
    [match] = index.screen(query)
    assert match.score == 1.0
    assert [feature.feature for feature in match.features] == ["name"]


def test_identity_numbers_are_masked_in_explanations(index: MatchIndex) -> None:
    query = ScreeningQuery("张伟", identifiers=(("cn_ric", "110101199003071234"),))
    [match] = index.screen(query)
    assert "1101**********1234" in match.features[0].note
    assert "110101199003071234" not in str(match.as_dict())


def test_exclude_entry_ids_suppresses_a_match(index: MatchIndex) -> None:
    query = ScreeningQuery("深圳市华兴科技")
    assert index.screen(query, exclude_entry_ids=["IPL-2026-000001"]) == []


def test_every_match_explains_itself(index: MatchIndex) -> None:
    query = ScreeningQuery("Shenzhen Huaxing Technology", kind="legal_person", region="440305")
    [match] = index.screen(query)
    features = {feature.feature: feature for feature in match.features}
    # A Latin query meets the Chinese names in pinyin, so they count as `latin` and `alias`.
    assert set(features) == {"latin", "alias", "kind", "region"}
    for feature in match.features:
        assert 0.0 <= feature.score <= 1.0
        assert 0.0 <= feature.weight <= 1.0
        assert feature.note
    assert features["latin"].weight == 1.0  # the strongest name feature decides
    assert features["alias"].weight == 0.0
    assert features["region"].score == 1.0  # 440305 (Nanshan) lies within 440300 (Shenzhen)
    assert match.as_dict()["features"][0].keys() == {"feature", "score", "weight", "note"}


def test_kind_and_region_disagreement_lower_the_score(index: MatchIndex) -> None:
    plain = index.screen(ScreeningQuery("深圳市华兴科技"))[0].score
    other_kind = index.screen(ScreeningQuery("深圳市华兴科技", kind="natural_person"), 0.0)
    other_region = index.screen(ScreeningQuery("深圳市华兴科技", region="110101"), 0.0)
    assert plain == 1.0
    assert other_kind[0].score == pytest.approx(0.75)
    assert other_region[0].score == pytest.approx(0.85)


def test_results_are_sorted_and_limited(index: MatchIndex) -> None:
    results = index.screen(ScreeningQuery("华兴"), threshold=0.0, limit=2)
    assert len(results) <= 2
    assert [m.score for m in results] == sorted((m.score for m in results), reverse=True)


def test_screen_many_answers_each_query_in_order(index: MatchIndex) -> None:
    answers = index.screen_many([ScreeningQuery("张伟"), ScreeningQuery("瑞达新材料")])
    assert [[m.entry_id for m in found] for found in answers] == [
        ["IPL-2026-000003"],
        ["IPL-2026-000002"],
    ]


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: ScreeningQuery(""), "name"),
        (lambda: ScreeningQuery("华兴", kind="company"), "kind"),
        (lambda: ScreeningQuery("华兴", region="4403"), "region"),
        (lambda: ScreeningQuery("华兴", identifiers=(("cn_uscc",),)), "identifiers[0]"),
        (lambda: ScreeningQuery("华兴", identifiers=(("cn_uscc", " "),)), "identifiers[0].value"),
        (lambda: ListedName("", "legal_person", "华兴"), "entry_id"),
        (lambda: ListedName("IPL-1", "person", "华兴"), "kind"),
        (lambda: ListedName("IPL-1", "legal_person", "  "), "name"),
        (lambda: ListedName("IPL-1", "legal_person", "华兴", aliases=("",)), "aliases[0]"),
        (lambda: ScreeningQuery("华" * 301), "name"),
    ],
)
def test_invalid_input_names_the_field(make: Callable[[], object], field: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        make()
    assert raised.value.field == field


def test_invalid_screening_options_name_the_option(index: MatchIndex) -> None:
    with pytest.raises(InvalidValue) as raised:
        index.screen(ScreeningQuery("华兴"), threshold=1.5)
    assert raised.value.field == "threshold"
    with pytest.raises(InvalidValue) as raised:
        index.screen(ScreeningQuery("华兴"), limit=0)
    assert raised.value.field == "limit"


def test_duplicate_entry_ids_are_refused() -> None:
    with pytest.raises(InvalidValue) as raised:
        MatchIndex.build([HUAXING, HUAXING])
    assert raised.value.field == "records[1].entry_id"


def test_kinds_are_the_subject_kinds_of_the_registry() -> None:
    assert KINDS == SUBJECT_KINDS


def test_benchmark_set_recall_and_false_positive_rate() -> None:
    benchmark = generate_benchmark(listed_count=400, query_count=500)
    index = MatchIndex.build(benchmark.listed)
    results = index.screen_many(labeled.query for labeled in benchmark.queries)
    recall, false_positive_rate, misses, false_positives = quality(benchmark.queries, results)
    assert recall >= 0.97, misses
    assert false_positive_rate <= 0.01, false_positives


CHINESE_CLASSES = (
    "homophone",
    "swapped",
    "trade_substitution",
    "trade_insertion",
    "trade_deletion",
    "pinyin",
    "pinyin_spacing",
    "traditional",
    "spacing",
    "region_dropped",
    "suffix_dropped",
    "form_changed",
    "industry_slip",
)
LOOKALIKE_CLASSES = ("lookalike_one_char", "lookalike_other_trade", "hard_other_region")


def test_every_chinese_variant_class_and_look_alike_class_meets_its_aim() -> None:
    benchmark = generate_benchmark(listed_count=2000, query_count=4000)
    index = MatchIndex.build(benchmark.listed)
    results = index.screen_many(labeled.query for labeled in benchmark.queries)
    classes = per_class(benchmark.queries, results)
    for variant in CHINESE_CLASSES:
        measure, count, rate = classes[variant]
        assert (measure, count > 30, rate >= 0.98) == ("recall", True, True), (variant, rate)
    for variant in LOOKALIKE_CLASSES:
        measure, count, rate = classes[variant]
        assert (measure, count > 30, rate <= 0.005) == ("false positives", True, True), variant


@pytest.mark.parametrize(
    ("query", "listed", "matches"),
    [
        # An industry word with two typing slips, one in each half, is still that word.
        ("Veklund pOtcis", "Veklund Optics S.r.l.", True),
        ("Heliowerk nEeryg", "Heliowerk Energy Corp.", True),
        # One slip in a distinctive word: a swap or a replaced letter.
        ("Nrodwind Logistics", "Nordwind Logistics GmbH", True),
        ("Nordwimd Logistics", "Nordwind Logistics GmbH", True),
        # Two slips in a distinctive word of six letters or more: letters added, left out or
        # swapped, and at most one replaced; found although they share no three letters.
        ("Pahok Labs", "Paxhof Labs PLC", True),
        ("Lamtk Dynamics", "Lumtek Dynamics S.A.", True),
        ("Velud Optics", "Veklund Optics S.r.l.", True),
        ("tSalix Software", "Stahlix Software GmbH", True),
        # A syllable of the distinctive word changed is another company: two letters replaced,
        # or another first letter.
        ("Solgen Energy Limited", "Siggen Energy AG", False),
        ("Marses Systems", "Margen Systems Ltd", False),
        ("Falkvik Optics PLC", "Altvik Optics AG", False),
    ],
)
def test_typing_slips_in_latin_names(query: str, listed: str, matches: bool) -> None:
    subject = ListedName("IPL-2026-000900", "legal_person", listed)
    found = MatchIndex.build([subject]).screen(ScreeningQuery(query))
    assert [match.entry_id for match in found] == (["IPL-2026-000900"] if matches else [])


@pytest.mark.parametrize(
    ("seed", "query", "entry_id"),
    [
        # Two slips in the pinyin word of a Chinese subject's Latin name: among two thousand
        # listed names sharing its trigrams, only keys two slips away still meet it.
        (5, "Nanjing Shingti Semiconductor Co., Ltd.", "IPL-2026-001549"),  # Shengtai
        (5, "Zhengzhou Minji Packaging Co., Ltd.", "IPL-2026-000131"),  # Mingjie
        (6, "Ningbo Tentiada Water Co., Ltd.", "IPL-2026-000401"),  # Tengtianda
        (6, "Hefei Xiangron Ceramics Co., Ltd.", "IPL-2026-001312"),  # Xianghong
        (6, "Wuhan Chergi Crafts Co., Ltd.", "IPL-2026-000643"),  # Chenrui
    ],
)
def test_a_latin_name_two_slips_away_is_found_among_many(
    seed: int, query: str, entry_id: str
) -> None:
    listed = generate_benchmark(2000, 0, seed=seed).listed
    assert next(subject for subject in listed if subject.entry_id == entry_id).latin
    found = MatchIndex.build(listed).screen(ScreeningQuery(query))
    assert [match.entry_id for match in found] == [entry_id]


def test_the_cheap_name_bound_is_never_below_the_full_comparison() -> None:
    # Records whose bound is below the threshold are never compared in full: the bound must
    # hold for every query and candidate of the benchmark set, at any threshold.
    benchmark = generate_benchmark(400, 500)
    index = MatchIndex.build(benchmark.listed)
    records = index._records
    checked = 0
    for labeled in benchmark.queries:
        query = PreparedQuery.prepare(labeled.query)
        if query.form is None:
            continue
        for position in index._blocker.candidates(query.form):
            record = records[position]
            bounds = name_bounds(query.form, record)
            # With a floor, a bound may be looser, but only where both are below the floor.
            floored = name_bounds(query.form, record, DEFAULT_THRESHOLD)
            for (_, _, listed_form), bound, loose in zip(
                record.forms, bounds, floored, strict=True
            ):
                if bound is not None:
                    full = compare_forms(query.form, listed_form).score
                    assert bound >= full, (labeled.query.name, listed_form.core, bound, full)
                    assert loose is not None and loose >= bound
                    assert (loose < DEFAULT_THRESHOLD) == (bound < DEFAULT_THRESHOLD)
                    checked += 1
    assert checked > 1000


@pytest.mark.parametrize(
    "query",
    [
        "深圳市华兴科技有限公司",
        "广州市华兴科技股份有限公司",
        "华兴科技",
        "深圳华兴科技有限责任公司",
    ],
)
@pytest.mark.parametrize(
    "listed",
    ["深圳市华兴科技有限公司", "广州华星电子股份有限公司", "华兴", "南山区华兴科技合伙企业"],
)
def test_the_bound_takes_the_legal_form_and_region_factors_of_the_full_comparison(
    query: str, listed: str
) -> None:
    # The bound finds the two factors without writing the parts' notes; they are the very
    # numbers the full comparison multiplies by.
    query_form, listed_form = parse_name(query), parse_name(listed)
    full = dict((part.feature, part) for part in compare_forms(query_form, listed_form).parts)
    assert similarity._legal_form_factor(query_form, listed_form) == similarity._factor(
        full["legal_form"]
    )
    assert similarity._region_factor(query_form, listed_form) == similarity._factor(
        full["name_region"]
    )


def test_a_chinese_name_of_another_place_is_not_compared_in_full(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The same trade name with another city's prefix: the region's factor alone keeps the name
    # below the threshold, so the cheap bound says so and the full comparison is skipped.
    query = PreparedQuery.prepare(ScreeningQuery("广州市华兴科技有限公司"))
    record = IndexedRecord.from_listed(HUAXING)
    full = score_record(query, record, 0.0)
    assert full is not None and 0.0 < full.score < DEFAULT_THRESHOLD
    assert all(
        bound is None or bound < DEFAULT_THRESHOLD for bound in name_bounds(query.form, record)
    )

    def compared(*_args: object) -> None:
        raise AssertionError("compared in full")

    monkeypatch.setattr(score, "compare_forms", compared)
    assert score_record(query, record, DEFAULT_THRESHOLD) is None


def test_pruned_and_full_scoring_find_the_same_matches() -> None:
    benchmark = generate_benchmark(400, 500)
    index = MatchIndex.build(benchmark.listed)
    for labeled in benchmark.queries[:200]:
        query = PreparedQuery.prepare(labeled.query)
        for record in index._records[:60]:
            pruned = score_record(query, record, DEFAULT_THRESHOLD)
            full = score_record(query, record, 0.0)
            assert full is not None
            expected = full.score if full.score >= DEFAULT_THRESHOLD else None
            assert (pruned.score if pruned else None) == expected

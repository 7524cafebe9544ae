"""A seeded benchmark for screening: listed subjects and labelled query variants.

`generate_benchmark(n)` lists n subjects (Chinese enterprises, foreign companies, natural
persons) and derives queries from them: true variants (typos, pinyin, dropped suffix or region,
traditional characters, full width, word order, aliases, identifiers) that must find their
subject, and negatives (a homophone trade name, another region, a near-miss pinyin name with a
different credit code, another person of the same name, unrelated names) that must find nothing.
The same seed gives the same benchmark.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import zhconv
from pypinyin import lazy_pinyin
from rapidfuzz import fuzz, process, utils
from stdnum.cn import ric, uscc

from bench.screening_names import (
    COMPOUND_SURNAMES,
    FOREIGN_FORMS,
    FOREIGN_HEADS,
    FOREIGN_TAILS,
    FOREIGN_TRADES,
    GIVEN_CHARS,
    HAN_LEGAL_FORMS,
    HOMOPHONES,
    INDUSTRIES,
    INDUSTRY_SLIPS,
    LATIN_LEGAL_FORMS,
    PLACE_PREFIXES,
    REGIONS,
    SURNAMES,
    TRADE_CHARS,
)
from registry.matching import ListedName, ScreeningQuery

SEED = 20260301
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@dataclass(frozen=True)
class LabeledQuery:
    """A query and the entry it must find (None: it must find nothing)."""

    query: ScreeningQuery
    expected: str | None
    variant: str


@dataclass(frozen=True)
class Benchmark:
    """Listed subjects and the labelled queries derived from them."""

    listed: list[ListedName]
    queries: list[LabeledQuery]


@dataclass
class _Enterprise:
    """How a generated Chinese enterprise name was put together."""

    region: tuple[str, str, str]
    trade: str
    industry: tuple[str, str]
    form: str
    listed: ListedName


@dataclass
class _World:
    rng: random.Random
    serial: int = 0
    trades: set[str] = field(default_factory=set)
    cores: dict[str, set[str]] = field(default_factory=dict)  # trade+industry -> codes
    persons: set[str] = field(default_factory=set)
    foreign_words: set[str] = field(default_factory=set)

    def next_serial(self) -> int:
        self.serial += 1
        return self.serial


@cache
def _pinyin_word(han: str) -> str:
    return "".join(lazy_pinyin(han)).capitalize()


def _uscc(world: _World, region_code: str) -> str:
    number = world.next_serial() * 7919 + world.rng.randrange(1000)
    body = ""
    for _ in range(9):
        number, digit = divmod(number, len(_USCC_ALPHABET))
        body += _USCC_ALPHABET[digit]
    code = "91" + region_code + body
    return code + uscc.calc_check_digit(code)


def _ric(world: _World) -> str:
    region = world.rng.choice(REGIONS)[1][:4] + f"{world.rng.randrange(1, 20):02d}"
    born = f"{world.rng.randrange(1955, 2004)}{world.rng.randrange(1, 13):02d}"
    born += f"{world.rng.randrange(1, 29):02d}"
    body = region + born + f"{world.next_serial() % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def _new_trade(world: _World) -> str:
    """A trade name not used yet, if one turns up in a few tries (large sets repeat some)."""
    for _ in range(10):
        trade = _trade_name(world.rng)
        if trade not in world.trades:
            break
    return trade


def _trade_name(rng: random.Random) -> str:
    while True:
        trade = "".join(rng.choice(TRADE_CHARS) for _ in range(rng.choice((2, 2, 3))))
        if not trade.startswith(PLACE_PREFIXES):
            return trade


def _enterprise(world: _World, entry_id: str) -> _Enterprise:
    rng = world.rng
    region, trade = rng.choice(REGIONS), _new_trade(world)
    industry, form = rng.choice(INDUSTRIES), rng.choice(HAN_LEGAL_FORMS)
    world.trades.add(trade)
    world.cores.setdefault(trade + industry[0], set()).add(region[1])
    if rng.random() < 0.08:  # the style 华兴科技（深圳）有限公司
        name = f"{trade}{industry[0]}（{region[0].removesuffix('市')}）{form}"
    else:
        name = region[0] + trade + industry[0] + form
    latin = None
    if rng.random() < 0.6:
        latin = f"{region[2]} {_pinyin_word(trade)} {industry[1]} {rng.choice(LATIN_LEGAL_FORMS)}"
    aliases: tuple[str, ...] = ()
    if rng.random() < 0.15:
        former = _new_trade(world)
        world.trades.add(former)
        aliases = (region[0] + former + rng.choice(INDUSTRIES)[0] + "有限公司",)
    elif rng.random() < 0.1:
        aliases = (trade + industry[0],)
    kind = "other_org" if rng.random() < 0.05 else "legal_person"
    listed = ListedName(
        entry_id, kind, name, latin, aliases, (("cn_uscc", _uscc(world, region[1])),),
        region[1] if rng.random() < 0.85 else None,
    )
    return _Enterprise(region, trade, industry, form, listed)


def _foreign(world: _World, entry_id: str) -> ListedName:
    rng = world.rng
    for _ in range(10):  # the pool runs out at large sizes: then a word repeats
        word = rng.choice(FOREIGN_HEADS) + rng.choice(FOREIGN_TAILS)
        if word not in world.foreign_words:
            break
    world.foreign_words.add(word)
    name = f"{word} {rng.choice(FOREIGN_TRADES)} {rng.choice(FOREIGN_FORMS)}"
    identifiers = (("other", f"HRB {world.next_serial()}"),) if rng.random() < 0.5 else ()
    return ListedName(entry_id, "legal_person", name, identifiers=identifiers)


def _person_name(rng: random.Random) -> str:
    surname = rng.choice(COMPOUND_SURNAMES) if rng.random() < 0.04 else rng.choice(SURNAMES)
    return surname + "".join(rng.choice(GIVEN_CHARS) for _ in range(rng.choice((1, 2, 2))))


def _person(world: _World, entry_id: str) -> ListedName:
    for _ in range(10):
        name = _person_name(world.rng)
        if name not in world.persons:
            break
    world.persons.add(name)
    return ListedName(entry_id, "natural_person", name, identifiers=(("cn_ric", _ric(world)),))


def _generate(count: int, rng: random.Random) -> tuple[_World, list[_Enterprise], list[ListedName]]:
    world = _World(rng)
    enterprises: list[_Enterprise] = []
    listed: list[ListedName] = []
    for number in range(count):
        entry_id = f"IPL-2026-{number + 1:06d}"
        roll = rng.random()
        if roll < 0.70:
            enterprise = _enterprise(world, entry_id)
            enterprises.append(enterprise)
            listed.append(enterprise.listed)
        elif roll < 0.85:
            listed.append(_foreign(world, entry_id))
        else:
            listed.append(_person(world, entry_id))
    return world, enterprises, listed


def generate_listed(count: int, seed: int = SEED) -> list[ListedName]:
    """`count` listed subjects: 70% Chinese enterprises, 15% foreign companies, 15% persons."""
    return _generate(count, random.Random(seed))[2]


# --- query variants -----------------------------------------------------------------------


def latin_typos(rng: random.Random, text: str, count: int) -> str:
    """Make `count` typing slips (replace, drop, insert, swap) at letters of the text."""
    chars = list(text)
    for _ in range(count):
        letters = [i for i, c in enumerate(chars) if c.isalpha() and c.isascii()]
        if len(letters) < 4:
            break
        at = rng.choice(letters[1:])
        slip = rng.randrange(4)
        if slip == 0:
            chars[at] = rng.choice("aeioulnrstkg".replace(chars[at].lower(), ""))
        elif slip == 1:
            del chars[at]
        elif slip == 2:
            chars.insert(at, rng.choice("aeinrst"))
        elif chars[at - 1].isalpha():
            chars[at - 1], chars[at] = chars[at], chars[at - 1]
    return "".join(chars)


def full_width(text: str) -> str:
    """ASCII letters, digits and punctuation as their full-width forms."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" if c == " " else c
                   for c in text)


def _pinyin_spellings(rng: random.Random, e: _Enterprise, with_form: bool = True) -> str:
    trade, industry = lazy_pinyin(e.trade), lazy_pinyin(e.industry[0])
    style = rng.randrange(4 if with_form else 3)
    if style == 0:
        return f"{''.join(trade).capitalize()} {''.join(industry).capitalize()}"
    if style == 1:
        return "".join(trade + industry)
    if style == 2:
        return " ".join(s.capitalize() for s in trade + industry)
    return f"{e.region[2]} {''.join(trade).capitalize()} {''.join(industry)} youxian gongsi"


def _homophone_trade(rng: random.Random, trade: str) -> str:
    at = rng.randrange(len(trade))
    group = next(g for g in HOMOPHONES if trade[at] in g)
    options = [c for c in group if c != trade[at]] or [c for c in TRADE_CHARS if c != trade[at]]
    return trade[:at] + rng.choice(options) + trade[at + 1 :]


def _enterprise_variants(rng: random.Random, e: _Enterprise) -> list[tuple[str, str]]:
    name, core = e.listed.name, e.trade + e.industry[0]
    variants = [
        ("suffix_dropped", name.removesuffix(e.form)),
        ("region_dropped", core + rng.choice(("", e.form))),
        ("traditional", zhconv.convert(name, rng.choice(("zh-hant", "zh-tw", "zh-hk")))),
        ("spacing", f"{e.region[0]} {e.trade}\u200b{e.industry[0]} （{e.form}）"),
        ("form_changed", e.region[0] + core + rng.choice((*HAN_LEGAL_FORMS, "公司", "集团"))),
        ("pinyin", _pinyin_spellings(rng, e)),
        ("pinyin_typo", latin_typos(rng, _pinyin_spellings(rng, e, with_form=False), 1)),
    ]
    slip_at = [i for i, c in enumerate(e.industry[0]) if c in INDUSTRY_SLIPS]
    if slip_at:
        at, word = rng.choice(slip_at), e.industry[0]
        slipped = word[:at] + INDUSTRY_SLIPS[word[at]] + word[at + 1 :]
        variants.append(("industry_slip", e.region[0] + e.trade + slipped + e.form))
    if e.listed.latin:
        plain = f"{e.region[2]} {_pinyin_word(e.trade)} {e.industry[1]}"
        variants += [
            ("english_suffix_dropped", plain),
            ("english_typo", latin_typos(rng, plain, rng.choice((1, 2))) + " Co., Ltd."),
            ("english_word_order", f"{_pinyin_word(e.trade)} {e.industry[1]} ({e.region[2]})"),
            ("english_full_width", full_width(e.listed.latin)),
            ("english_upper", e.listed.latin.upper()),
        ]
    if e.listed.aliases:
        variants.append(("alias", e.listed.aliases[0].removesuffix("有限公司")))
    return variants


def _foreign_variants(rng: random.Random, listed: ListedName) -> list[tuple[str, str]]:
    word = listed.name.split(" ")[0]
    form = next(f for f in sorted(FOREIGN_FORMS, key=len, reverse=True) if listed.name.endswith(f))
    plain = listed.name.removesuffix(" " + form)
    descriptor = plain.removeprefix(word + " ")
    return [
        ("typo1", latin_typos(rng, plain, 1) + " " + form),
        ("typo2", latin_typos(rng, plain, 2)),
        ("word_order", f"{descriptor} {word}"),
        ("form_changed", f"{plain} {rng.choice(FOREIGN_FORMS)}"),
        ("full_width", full_width(listed.name)),
        ("punctuation", f"{word.upper()}-{descriptor}, {form}"),
        ("ascii_folded", utils.default_process(listed.name)),
    ]


def _split_person(name: str) -> tuple[str, str]:
    size = 2 if name[:2] in COMPOUND_SURNAMES else 1
    return name[:size], name[size:]


def _person_variants(rng: random.Random, listed: ListedName) -> list[tuple[str, str]]:
    surname, given = _split_person(listed.name)
    family, personal = _pinyin_word(surname), _pinyin_word(given)
    spellings = (f"{family} {personal}", f"{personal} {family}", f"{family.upper()} {personal}")
    pinyin = rng.choice(spellings)
    return [
        ("traditional", zhconv.convert(listed.name, "zh-hant")),
        ("spacing", f"{surname}\u3000{given}"),
        ("pinyin", pinyin),
    ]


def _positive(rng: random.Random, listed: ListedName, variant: str, name: str) -> LabeledQuery:
    kind = listed.kind if rng.random() < 0.3 else None
    region = listed.region if rng.random() < 0.3 else None
    return LabeledQuery(ScreeningQuery(name, kind=kind, region=region), listed.entry_id, variant)


def _with_identifier(listed: ListedName, name: str) -> LabeledQuery:
    """A name that alone would not match, with the subject's identifier: the identifier decides."""
    query = ScreeningQuery(name, identifiers=listed.identifiers, kind=listed.kind)
    return LabeledQuery(query, listed.entry_id, "identifier")


def _positives(
    rng: random.Random, enterprises: dict[str, _Enterprise], listed: ListedName
) -> list[LabeledQuery]:
    if listed.entry_id in enterprises:
        e = enterprises[listed.entry_id]
        texts = _enterprise_variants(rng, e)
        renamed = e.region[0] + _homophone_trade(rng, e.trade) + e.industry[0] + e.form
    elif listed.kind == "natural_person":
        texts = _person_variants(rng, listed)
        surname, given = _split_person(listed.name)
        renamed = surname + rng.choice(GIVEN_CHARS) + given[1:]
    else:
        texts = _foreign_variants(rng, listed)
        renamed = ""
    queries = [_positive(rng, listed, variant, text) for variant, text in texts]
    if renamed and listed.identifiers and rng.random() < 0.2:
        queries.append(_with_identifier(listed, renamed))
    return queries


# --- negatives ----------------------------------------------------------------------------


@dataclass
class _NegativeMaker:
    rng: random.Random
    world: _World
    enterprises: list[_Enterprise]
    persons: list[ListedName]

    def __post_init__(self) -> None:
        self.foreign_words = sorted(self.world.foreign_words)

    def homophone_trade(self) -> LabeledQuery | None:
        """Same region and industry, one trade-name character swapped for a homophone."""
        e = self.rng.choice(self.enterprises)
        trade = _homophone_trade(self.rng, e.trade)
        if trade in self.world.trades or trade.startswith(PLACE_PREFIXES):
            return None
        return self._negative(e.region[0] + trade + e.industry[0] + e.form, "hard_homophone_trade")

    def other_region(self) -> LabeledQuery | None:
        """Same trade name and industry, registered in another province."""
        e = self.rng.choice(self.enterprises)
        taken = {code[:2] for code in self.world.cores[e.trade + e.industry[0]]}
        regions = [r for r in REGIONS if r[1][:2] not in taken]
        if not regions:
            return None
        region = self.rng.choice(regions)
        code = region[1] if self.rng.random() < 0.5 else None
        name = region[0] + e.trade + e.industry[0] + e.form
        return self._negative(name, "hard_other_region", region=code)

    def near_pinyin(self) -> LabeledQuery | None:
        """A pinyin name one letter away (Huaxing / Huaxin) with a different credit code."""
        e = self.rng.choice(self.enterprises)
        trade = _pinyin_word(e.trade)
        near = trade[:-1] if trade.endswith("ng") else latin_typos(self.rng, trade, 1)
        name = f"{near} {self.rng.choice((e.industry[1], _pinyin_word(e.industry[0])))}"
        code = _uscc(self.world, e.region[1])
        return self._negative(name, "hard_near_pinyin_other_uscc", ids=(("cn_uscc", code),))

    def namesake(self) -> LabeledQuery | None:
        """A different person with the same name: another ID number."""
        person = self.rng.choice(self.persons)
        ids = (("cn_ric", _ric(self.world)),)
        return self._negative(
            person.name, "hard_namesake_other_ric", ids=ids, kind="natural_person"
        )

    def other_given_name(self) -> LabeledQuery | None:
        """A person whose given name differs in one character."""
        surname, given = _split_person(self.rng.choice(self.persons).name)
        at = self.rng.randrange(len(given))
        name = surname + given[:at] + self.rng.choice(GIVEN_CHARS) + given[at + 1 :]
        if name in self.world.persons:
            return None
        return self._negative(name, "hard_other_given_name")

    def unrelated_enterprise(self) -> LabeledQuery | None:
        """An enterprise whose trade name is not listed anywhere."""
        trade = _new_trade(self.world)
        if trade in self.world.trades:
            return None
        region, industry = self.rng.choice(REGIONS), self.rng.choice(INDUSTRIES)
        name = region[0] + trade + industry[0] + self.rng.choice(HAN_LEGAL_FORMS)
        return self._negative(name, "unrelated_enterprise")

    def unrelated_foreign(self) -> LabeledQuery | None:
        """A foreign company whose distinctive word is far from every listed one."""
        word = self.rng.choice(FOREIGN_HEADS) + self.rng.choice(FOREIGN_TAILS)
        if process.extractOne(word, self.foreign_words, scorer=fuzz.ratio, score_cutoff=75):
            return None
        name = f"{word} {self.rng.choice(FOREIGN_TRADES)} {self.rng.choice(FOREIGN_FORMS)}"
        return self._negative(name, "unrelated_foreign")

    def unrelated_person(self) -> LabeledQuery | None:
        """A person whose name is not listed."""
        name = _person_name(self.rng)
        return None if name in self.world.persons else self._negative(name, "unrelated_person")

    def _negative(
        self,
        name: str,
        variant: str,
        ids: tuple[tuple[str, str], ...] = (),
        kind: str | None = None,
        region: str | None = None,
    ) -> LabeledQuery:
        query = ScreeningQuery(name, identifiers=ids, kind=kind, region=region)
        return LabeledQuery(query, None, variant)


def generate_benchmark(
    listed_count: int = 2000, query_count: int = 2400, seed: int = SEED
) -> Benchmark:
    """Listed subjects and labelled queries: three quarters true variants, a quarter negatives."""
    rng = random.Random(seed)
    world, enterprises, listed = _generate(listed_count, rng)
    by_id = {e.listed.entry_id: e for e in enterprises}
    positives: list[LabeledQuery] = []
    while len(positives) < query_count * 3 // 4:
        positives.append(rng.choice(_positives(rng, by_id, rng.choice(listed))))
    persons = [subject for subject in listed if subject.kind == "natural_person"]
    maker = _NegativeMaker(rng, world, enterprises, persons)
    makers: list[tuple[Callable[[], LabeledQuery | None], float]] = [
        (maker.homophone_trade, 0.25), (maker.other_region, 0.15), (maker.near_pinyin, 0.15),
        (maker.namesake, 0.10), (maker.other_given_name, 0.10),
        (maker.unrelated_enterprise, 0.10), (maker.unrelated_foreign, 0.10),
        (maker.unrelated_person, 0.05),
    ]
    negatives: list[LabeledQuery] = []
    while len(positives) + len(negatives) < query_count:
        make = rng.choices([m for m, _ in makers], weights=[w for _, w in makers])[0]
        if (negative := make()) is not None:
            negatives.append(negative)
    return Benchmark(listed, positives + negatives)

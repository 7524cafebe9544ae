"""Labelled queries for the screening benchmark: true variants and negatives.

True variants of a listed subject must find it: typos, pinyin (spaced, joined, any case),
dropped legal form or region, traditional characters, full width, word order, aliases,
identifiers, and trade names written another way: a homophone character, two characters
swapped, one character replaced (names of three or more characters), added or left out.
Negatives must find nothing: look-alikes (same region and industry with another trade name, or
one sharing a single character), another region, a near-miss pinyin name with a different
credit code, another person of the same name, unrelated names.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import zhconv
from pypinyin import lazy_pinyin
from rapidfuzz import fuzz, process, utils

from bench.screening_names import (
    FOREIGN_FORMS,
    FOREIGN_HEADS,
    FOREIGN_TAILS,
    FOREIGN_TRADES,
    GIVEN_CHARS,
    HAN_LEGAL_FORMS,
    INDUSTRIES,
    INDUSTRY_SLIPS,
    PLACE_PREFIXES,
    REGIONS,
)
from bench.screening_subjects import (
    Enterprise,
    World,
    homophone_trade,
    new_ric,
    new_trade,
    new_uscc,
    other_sound_char,
    person_name,
    pinyin_word,
    sound_alike_trade,
    split_person,
)
from registry.screening.matching import ListedName, ScreeningQuery


@dataclass(frozen=True)
class LabeledQuery:
    """A query and the entry it must find (None: it must find nothing)."""

    query: ScreeningQuery
    expected: str | None
    variant: str


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
    return "".join(
        chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" if c == " " else c for c in text
    )


def _pinyin_spellings(rng: random.Random, e: Enterprise, with_form: bool = True) -> str:
    trade, industry = lazy_pinyin(e.trade), lazy_pinyin(e.industry[0])
    style = rng.randrange(4 if with_form else 3)
    if style == 0:
        return f"{''.join(trade).capitalize()} {''.join(industry).capitalize()}"
    if style == 1:
        return "".join(trade + industry)
    if style == 2:
        return " ".join(s.capitalize() for s in trade + industry)
    return f"{e.region[2]} {''.join(trade).capitalize()} {''.join(industry)} youxian gongsi"


def _enterprise_variants(rng: random.Random, e: Enterprise) -> list[tuple[str, str]]:
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
    variants += _trade_variants(rng, e)
    slip_at = [i for i, c in enumerate(e.industry[0]) if c in INDUSTRY_SLIPS]
    if slip_at:
        at, word = rng.choice(slip_at), e.industry[0]
        slipped = word[:at] + INDUSTRY_SLIPS[word[at]] + word[at + 1 :]
        variants.append(("industry_slip", e.region[0] + e.trade + slipped + e.form))
    if e.listed.latin:
        plain = f"{e.region[2]} {pinyin_word(e.trade)} {e.industry[1]}"
        variants += [
            ("english_suffix_dropped", plain),
            ("english_typo", latin_typos(rng, plain, rng.choice((1, 2))) + " Co., Ltd."),
            ("english_word_order", f"{pinyin_word(e.trade)} {e.industry[1]} ({e.region[2]})"),
            ("english_full_width", full_width(e.listed.latin)),
            ("english_upper", e.listed.latin.upper()),
        ]
    if e.listed.aliases:
        variants.append(("alias", e.listed.aliases[0].removesuffix("有限公司")))
    return variants


def _trade_variants(rng: random.Random, e: Enterprise) -> list[tuple[str, str]]:
    """The trade name written another way, region, industry and legal form kept."""

    def named(trade: str) -> str:
        return e.region[0] + trade + e.industry[0] + e.form

    trade = e.trade
    at = rng.randrange(len(trade) - 1)
    variants = [
        (
            "trade_insertion",
            named(trade[: at + 1] + other_sound_char(rng, trade) + trade[at + 1 :]),
        ),
        ("pinyin_spacing", _pinyin_spacing(rng, e)),
    ]
    sound_alike = sound_alike_trade(rng, trade)
    if sound_alike:
        variants.append(("homophone", named(sound_alike)))
    if trade[at] != trade[at + 1]:
        swapped = trade[:at] + trade[at + 1] + trade[at] + trade[at + 2 :]
        variants.append(("swapped", named(swapped)))
    if len(trade) >= 3:
        cut = rng.randrange(len(trade))
        replaced = trade[:cut] + other_sound_char(rng, trade) + trade[cut + 1 :]
        variants += [
            ("trade_substitution", named(replaced)),
            ("trade_deletion", named(trade[:cut] + trade[cut + 1 :])),
        ]
    return variants


def _pinyin_spacing(rng: random.Random, e: Enterprise) -> str:
    """The pinyin of trade name and industry, syllables spaced, joined or cased at random."""
    syllables = lazy_pinyin(e.trade) + lazy_pinyin(e.industry[0])
    style = rng.randrange(5)
    if style == 0:
        return " ".join(syllables)
    if style == 1:
        return "".join(s.capitalize() for s in syllables)
    if style == 2:
        return "".join(syllables).upper()
    if style == 3:
        return "-".join(s.capitalize() for s in syllables)
    cut = len(lazy_pinyin(e.trade))
    return f"{' '.join(syllables[:cut]).upper()} {''.join(syllables[cut:])}"


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


def _person_variants(rng: random.Random, listed: ListedName) -> list[tuple[str, str]]:
    surname, given = split_person(listed.name)
    family, personal = pinyin_word(surname), pinyin_word(given)
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


def true_variants(
    rng: random.Random, enterprises: dict[str, Enterprise], listed: ListedName
) -> list[LabeledQuery]:
    """The true variants of one listed subject, each labelled with its entry id."""
    if listed.entry_id in enterprises:
        e = enterprises[listed.entry_id]
        texts = _enterprise_variants(rng, e)
        renamed = e.region[0] + homophone_trade(rng, e.trade) + e.industry[0] + e.form
    elif listed.kind == "natural_person":
        texts = _person_variants(rng, listed)
        surname, given = split_person(listed.name)
        renamed = surname + rng.choice(GIVEN_CHARS) + given[1:]
    else:
        texts = _foreign_variants(rng, listed)
        renamed = ""
    queries = [_positive(rng, listed, variant, text) for variant, text in texts]
    if renamed and listed.identifiers and rng.random() < 0.2:
        queries.append(_with_identifier(listed, renamed))
    return queries


# --- negatives ----------------------------------------------------------------------------


def sound_keys(trade: str) -> set[tuple[str, ...]]:
    """A trade name's syllables as written, sorted, and with one left out (three or more)."""
    sound = tuple(lazy_pinyin(trade))
    keys = {sound, ("sorted", *sorted(sound))}
    if len(sound) >= 3:
        keys.update(sound[:i] + sound[i + 1 :] for i in range(len(sound)))
    return keys


@dataclass
class NegativeMaker:
    """Makes negatives that no listed subject may match (None when a try collides)."""

    rng: random.Random
    world: World
    enterprises: list[Enterprise]
    persons: list[ListedName]

    def __post_init__(self) -> None:
        self.foreign_words = sorted(self.world.foreign_words)
        self.trade_sounds = set().union(*map(sound_keys, self.world.trades))
        self.provinces_by_sound: dict[tuple[str, ...], set[str]] = {}
        for e in self.enterprises:
            for key in sound_keys(e.trade):
                self.provinces_by_sound.setdefault(key, set()).add(e.region[1][:2])

    def lookalike_other_trade(self) -> LabeledQuery | None:
        """Same region, industry and legal form; another trade name, listed nowhere."""
        e = self.rng.choice(self.enterprises)
        return self._lookalike(e, new_trade(self.world), "lookalike_other_trade")

    def lookalike_one_char(self) -> LabeledQuery | None:
        """Same region, industry and legal form; a trade name sharing one character, no sound."""
        e = self.rng.choice(self.enterprises)
        keep = self.rng.randrange(len(e.trade))
        trade = "".join(
            char if at == keep else other_sound_char(self.rng, e.trade)
            for at, char in enumerate(e.trade)
        )
        return self._lookalike(e, trade, "lookalike_one_char")

    def _lookalike(self, e: Enterprise, trade: str, variant: str) -> LabeledQuery | None:
        # Not a true variant of any listed trade name: no shared sound, order or slip.
        if trade.startswith(PLACE_PREFIXES) or sound_keys(trade) & self.trade_sounds:
            return None
        return self._negative(e.region[0] + trade + e.industry[0] + e.form, variant)

    def other_region(self) -> LabeledQuery | None:
        """Same trade name and industry, registered in another province."""
        e = self.rng.choice(self.enterprises)
        taken = {code[:2] for code in self.world.cores[e.trade + e.industry[0]]}
        # Nor where a trade name sounding like it, swapped or one slip away, is listed.
        taken.update(*(self.provinces_by_sound.get(key, ()) for key in sound_keys(e.trade)))
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
        trade = pinyin_word(e.trade)
        near = trade[:-1] if trade.endswith("ng") else latin_typos(self.rng, trade, 1)
        name = f"{near} {self.rng.choice((e.industry[1], pinyin_word(e.industry[0])))}"
        code = new_uscc(self.world, e.region[1])
        return self._negative(name, "hard_near_pinyin_other_uscc", ids=(("cn_uscc", code),))

    def namesake(self) -> LabeledQuery | None:
        """A different person with the same name: another ID number."""
        person = self.rng.choice(self.persons)
        ids = (("cn_ric", new_ric(self.world)),)
        return self._negative(
            person.name, "hard_namesake_other_ric", ids=ids, kind="natural_person"
        )

    def other_given_name(self) -> LabeledQuery | None:
        """A person whose given name differs in one character."""
        surname, given = split_person(self.rng.choice(self.persons).name)
        at = self.rng.randrange(len(given))
        name = surname + given[:at] + self.rng.choice(GIVEN_CHARS) + given[at + 1 :]
        if name in self.world.persons:
            return None
        return self._negative(name, "hard_other_given_name")

    def unrelated_enterprise(self) -> LabeledQuery | None:
        """An enterprise whose trade name is not listed anywhere."""
        trade = new_trade(self.world)
        if trade in self.world.trades:
            return None
        region, industry = self.rng.choice(REGIONS), self.rng.choice(INDUSTRIES)
        name = region[0] + trade + industry[0] + self.rng.choice(HAN_LEGAL_FORMS)
        return self._negative(name, "unrelated_enterprise")

    def unrelated_foreign(self) -> LabeledQuery | None:
        """A foreign company whose distinctive word is far from every listed one."""
        word = self.rng.choice(FOREIGN_HEADS) + self.rng.choice(FOREIGN_TAILS)
        # Compared in lower case, as the matcher compares them (Vorlund is near Orilund).
        near = process.extractOne(
            word,
            self.foreign_words,
            scorer=fuzz.ratio,
            processor=utils.default_process,
            score_cutoff=75,
        )
        if near:
            return None
        name = f"{word} {self.rng.choice(FOREIGN_TRADES)} {self.rng.choice(FOREIGN_FORMS)}"
        return self._negative(name, "unrelated_foreign")

    def unrelated_person(self) -> LabeledQuery | None:
        """A person whose name is not listed."""
        name = person_name(self.rng)
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

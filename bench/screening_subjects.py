"""Listed subjects for the screening benchmark: enterprises, foreign companies, persons.

Chinese enterprise names are built as registered names are (region + trade name + industry +
legal form), with valid credit codes; persons get valid resident ID numbers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import cache

from pypinyin import lazy_pinyin
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
    LATIN_LEGAL_FORMS,
    PLACE_PREFIXES,
    REGIONS,
    SURNAMES,
    TRADE_CHARS,
)
from registry.screening.matching import ListedName

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@dataclass
class Enterprise:
    """How a generated Chinese enterprise name was put together."""

    region: tuple[str, str, str]
    trade: str
    industry: tuple[str, str]
    form: str
    listed: ListedName


@dataclass
class World:
    """The generator's state: its random source and the names handed out so far."""

    rng: random.Random
    serial: int = 0
    trades: set[str] = field(default_factory=set)
    cores: dict[str, set[str]] = field(default_factory=dict)  # trade+industry -> codes
    persons: set[str] = field(default_factory=set)
    foreign_words: set[str] = field(default_factory=set)

    def next_serial(self) -> int:
        """A number never handed out before, for unique identifiers."""
        self.serial += 1
        return self.serial


@cache
def pinyin_word(han: str) -> str:
    """Chinese characters as one capitalised pinyin word: 华兴 -> Huaxing."""
    return "".join(lazy_pinyin(han)).capitalize()


def new_uscc(world: World, region_code: str) -> str:
    """A unified social credit code not handed out before, with a valid check character."""
    number = world.next_serial() * 7919 + world.rng.randrange(1000)
    body = ""
    for _ in range(9):
        number, digit = divmod(number, len(_USCC_ALPHABET))
        body += _USCC_ALPHABET[digit]
    code = "91" + region_code + body
    return code + uscc.calc_check_digit(code)


def new_ric(world: World) -> str:
    """A resident ID number with a valid check character (unique for a thousand people)."""
    region = world.rng.choice(REGIONS)[1][:4] + f"{world.rng.randrange(1, 20):02d}"
    born = f"{world.rng.randrange(1955, 2004)}{world.rng.randrange(1, 13):02d}"
    born += f"{world.rng.randrange(1, 29):02d}"
    body = region + born + f"{world.next_serial() % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def new_trade(world: World) -> str:
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


def _enterprise(world: World, entry_id: str) -> Enterprise:
    rng = world.rng
    region, trade = rng.choice(REGIONS), new_trade(world)
    industry, form = rng.choice(INDUSTRIES), rng.choice(HAN_LEGAL_FORMS)
    world.trades.add(trade)
    world.cores.setdefault(trade + industry[0], set()).add(region[1])
    if rng.random() < 0.08:  # the style 华兴科技（深圳）有限公司
        name = f"{trade}{industry[0]}（{region[0].removesuffix('市')}）{form}"
    else:
        name = region[0] + trade + industry[0] + form
    latin = None
    if rng.random() < 0.6:
        latin = f"{region[2]} {pinyin_word(trade)} {industry[1]} {rng.choice(LATIN_LEGAL_FORMS)}"
    aliases: tuple[str, ...] = ()
    if rng.random() < 0.15:
        former = new_trade(world)
        world.trades.add(former)
        aliases = (region[0] + former + rng.choice(INDUSTRIES)[0] + "有限公司",)
    elif rng.random() < 0.1:
        aliases = (trade + industry[0],)
    kind = "other_org" if rng.random() < 0.05 else "legal_person"
    listed = ListedName(
        entry_id,
        kind,
        name,
        latin,
        aliases,
        (("cn_uscc", new_uscc(world, region[1])),),
        region[1] if rng.random() < 0.85 else None,
    )
    return Enterprise(region, trade, industry, form, listed)


def _foreign(world: World, entry_id: str) -> ListedName:
    rng = world.rng
    for _ in range(10):  # the pool runs out at large sizes: then a word repeats
        word = rng.choice(FOREIGN_HEADS) + rng.choice(FOREIGN_TAILS)
        if word not in world.foreign_words:
            break
    world.foreign_words.add(word)
    name = f"{word} {rng.choice(FOREIGN_TRADES)} {rng.choice(FOREIGN_FORMS)}"
    identifiers = (("other", f"HRB {world.next_serial()}"),) if rng.random() < 0.5 else ()
    return ListedName(entry_id, "legal_person", name, identifiers=identifiers)


def person_name(rng: random.Random) -> str:
    """A Chinese personal name: a surname and one or two given-name characters."""
    surname = rng.choice(COMPOUND_SURNAMES) if rng.random() < 0.04 else rng.choice(SURNAMES)
    return surname + "".join(rng.choice(GIVEN_CHARS) for _ in range(rng.choice((1, 2, 2))))


def _person(world: World, entry_id: str) -> ListedName:
    for _ in range(10):
        name = person_name(world.rng)
        if name not in world.persons:
            break
    world.persons.add(name)
    return ListedName(entry_id, "natural_person", name, identifiers=(("cn_ric", new_ric(world)),))


def generate_subjects(
    count: int, rng: random.Random
) -> tuple[World, list[Enterprise], list[ListedName]]:
    """`count` subjects: 70% Chinese enterprises, 15% foreign companies, 15% persons."""
    world = World(rng)
    enterprises: list[Enterprise] = []
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


def split_person(name: str) -> tuple[str, str]:
    """(surname, given name) of a generated personal name."""
    size = 2 if name[:2] in COMPOUND_SURNAMES else 1
    return name[:size], name[size:]


def homophone_trade(rng: random.Random, trade: str) -> str:
    """The trade name with one character swapped for one that sounds the same, if any."""
    at = rng.randrange(len(trade))
    group = next(g for g in HOMOPHONES if trade[at] in g)
    options = [c for c in group if c != trade[at]] or [c for c in TRADE_CHARS if c != trade[at]]
    return trade[:at] + rng.choice(options) + trade[at + 1 :]


def sound_alike_trade(rng: random.Random, trade: str) -> str | None:
    """The trade name with one character replaced by one of the same toneless pinyin, if any.

    The groups in HOMOPHONES also pair near sounds (兴 xing, 鑫 xin); only exact ones count here.
    """
    options = [
        (at, other)
        for at, char in enumerate(trade)
        for group in HOMOPHONES
        if char in group
        for other in group
        if other != char and lazy_pinyin(other) == lazy_pinyin(char)
    ]
    if not options:
        return None
    at, other = rng.choice(options)
    return trade[:at] + other + trade[at + 1 :]


def other_sound_char(rng: random.Random, trade: str) -> str:
    """A trade-name character sounding like none of the characters of `trade`."""
    taken = {lazy_pinyin(char)[0] for char in trade}
    while True:
        char = rng.choice(TRADE_CHARS)
        if lazy_pinyin(char)[0] not in taken:
            return char

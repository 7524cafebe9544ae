"""Region prefixes of Chinese enterprise names (行政区划), in Chinese and in pinyin.

A registered name usually starts with its administrative division (深圳市, 广东省, 苏州工业园区);
people often drop it when they type a name. The matcher compares names with the prefix removed
and treats two prefixes that name different places as evidence of two different enterprises.

The table covers provinces, the larger prefecture-level cities, a few county-level cities and
city districts (GB/T 2260 codes). Other places are still recognised by their 市 or 县 (慈溪市)
and get a stand-in code that agrees only with the same place name; a subject's own division code
(ListedName.region) then still relates it to the places in the table.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from registry.screening.matching.pinyin import to_pinyin
from registry.screening.matching.vocabulary import LATIN_REGION_SUFFIXES

# (root, division code, needs a suffix). Districts need their suffix (南山区), because a bare
# district name (南山) is as likely to be a trade name.
_REGION_TABLE: tuple[tuple[str, str, bool], ...] = (
    ("北京", "110000", False),
    ("天津", "120000", False),
    ("河北", "130000", False),
    ("山西", "140000", False),
    ("内蒙古", "150000", False),
    ("辽宁", "210000", False),
    ("吉林", "220000", False),
    ("黑龙江", "230000", False),
    ("上海", "310000", False),
    ("江苏", "320000", False),
    ("浙江", "330000", False),
    ("安徽", "340000", False),
    ("福建", "350000", False),
    ("江西", "360000", False),
    ("山东", "370000", False),
    ("河南", "410000", False),
    ("湖北", "420000", False),
    ("湖南", "430000", False),
    ("广东", "440000", False),
    ("广西", "450000", False),
    ("海南", "460000", False),
    ("重庆", "500000", False),
    ("四川", "510000", False),
    ("贵州", "520000", False),
    ("云南", "530000", False),
    ("西藏", "540000", False),
    ("陕西", "610000", False),
    ("甘肃", "620000", False),
    ("青海", "630000", False),
    ("宁夏", "640000", False),
    ("新疆", "650000", False),
    ("台湾", "710000", False),
    ("香港", "810000", False),
    ("澳门", "820000", False),
    ("石家庄", "130100", False),
    ("唐山", "130200", False),
    ("保定", "130600", False),
    ("太原", "140100", False),
    ("呼和浩特", "150100", False),
    ("包头", "150200", False),
    ("沈阳", "210100", False),
    ("大连", "210200", False),
    ("长春", "220100", False),
    ("哈尔滨", "230100", False),
    ("南京", "320100", False),
    ("无锡", "320200", False),
    ("徐州", "320300", False),
    ("常州", "320400", False),
    ("苏州", "320500", False),
    ("南通", "320600", False),
    ("扬州", "321000", False),
    ("镇江", "321100", False),
    ("杭州", "330100", False),
    ("宁波", "330200", False),
    ("温州", "330300", False),
    ("嘉兴", "330400", False),
    ("湖州", "330500", False),
    ("绍兴", "330600", False),
    ("金华", "330700", False),
    ("台州", "331000", False),
    ("合肥", "340100", False),
    ("芜湖", "340200", False),
    ("福州", "350100", False),
    ("厦门", "350200", False),
    ("泉州", "350500", False),
    ("南昌", "360100", False),
    ("济南", "370100", False),
    ("青岛", "370200", False),
    ("烟台", "370600", False),
    ("潍坊", "370700", False),
    ("郑州", "410100", False),
    ("洛阳", "410300", False),
    ("武汉", "420100", False),
    ("宜昌", "420500", False),
    ("长沙", "430100", False),
    ("广州", "440100", False),
    ("深圳", "440300", False),
    ("珠海", "440400", False),
    ("汕头", "440500", False),
    ("佛山", "440600", False),
    ("江门", "440700", False),
    ("惠州", "441300", False),
    ("东莞", "441900", False),
    ("中山", "442000", False),
    ("南宁", "450100", False),
    ("海口", "460100", False),
    ("三亚", "460200", False),
    ("成都", "510100", False),
    ("绵阳", "510700", False),
    ("贵阳", "520100", False),
    ("昆明", "530100", False),
    ("西安", "610100", False),
    ("兰州", "620100", False),
    ("西宁", "630100", False),
    ("银川", "640100", False),
    ("乌鲁木齐", "650100", False),
    ("常熟", "320581", False),
    ("张家港", "320582", False),
    ("昆山", "320583", False),
    ("余姚", "330281", False),
    ("义乌", "330782", False),
    ("海淀", "110108", True),
    ("徐汇", "310104", True),
    ("闵行", "310112", True),
    ("浦东", "310115", True),
    ("西湖", "330106", True),
    ("滨江", "330108", True),
    ("余杭", "330110", True),
    ("越秀", "440104", True),
    ("天河", "440106", True),
    ("番禺", "440113", True),
    ("罗湖", "440303", True),
    ("福田", "440304", True),
    ("南山", "440305", True),
    ("宝安", "440306", True),
    ("龙岗", "440307", True),
    ("龙华", "440309", True),
)

# Longest first, so that 经济技术开发区 wins over 区.
_HAN_SUFFIXES: tuple[str, ...] = tuple(
    sorted(
        (
            "维吾尔自治区",
            "壮族自治区",
            "回族自治区",
            "自治区",
            "特别行政区",
            "高新技术产业开发区",
            "经济技术开发区",
            "工业园区",
            "高新区",
            "开发区",
            "保税区",
            "新区",
            "省",
            "市",
            "区",
            "县",
        ),
        key=len,
        reverse=True,
    )
)

# English names that are not the pinyin of the Chinese root.
_LATIN_ALIASES: dict[str, str] = {
    "hongkong": "香港",
    "macau": "澳门",
    "macao": "澳门",
    "shaanxi": "陕西",
    "innermongolia": "内蒙古",
    "tibet": "西藏",
    "peking": "北京",
    "canton": "广州",
}

# Two or three characters and 市/县 at the start of a name: a place the table does not know.
# 市场 (market) and 市政 (municipal works) are industry words, not cities.
_UNKNOWN_PLACE = re.compile(r"[\u4e00-\u9fff]{2,3}?[市县](?![场政])")

_HAN_ROOTS: dict[str, tuple[str, bool]] = {
    root: (code, needs) for root, code, needs in _REGION_TABLE
}
_MAX_ROOT = max(len(root) for root in _HAN_ROOTS)
_ROOT_STARTS = frozenset(root[:1] for root in _HAN_ROOTS)
# The core that remains after a prefix must keep this many characters, or the "prefix" was
# really the whole name (a company called 中山 is not "the city of Zhongshan").
_MIN_HAN_REST = 2


def _latin_roots() -> dict[str, frozenset[str]]:
    roots: dict[str, set[str]] = {}
    for root, code, _ in _REGION_TABLE:
        roots.setdefault(to_pinyin(root).joined, set()).add(code)
    for alias, root in _LATIN_ALIASES.items():
        roots.setdefault(alias, set()).add(_HAN_ROOTS[root][0])
    # Pinyin of two places can coincide (苏州/宿州 are both "suzhou"): keep every code.
    return {key: frozenset(codes) for key, codes in roots.items()}


_LATIN_ROOTS = _latin_roots()
# Places written as one word with their suffix ("shenzhenshi") are looked up directly too.
_LATIN_PLACES: dict[str, frozenset[str]] = {
    **{
        root + suffix: codes
        for root, codes in _LATIN_ROOTS.items()
        for suffix in LATIN_REGION_SUFFIXES
    },
    **_LATIN_ROOTS,
}
_LONGEST_PLACE = 4  # syllables: wu lu mu qi


def split_han_region(text: str) -> tuple[frozenset[str], str]:
    """Split leading region names off a Chinese name: (division codes, rest)."""
    codes: set[str] = set()
    pos = 0
    while True:
        found = _root_at(text, pos)
        if found is None:
            unknown = _UNKNOWN_PLACE.match(text, pos)
            if unknown is None or len(text) - unknown.end() < _MIN_HAN_REST:
                break
            codes.add(_place_code(unknown.group()[:-1]))
            pos = unknown.end()
            continue
        root, code, needs_suffix = found
        end = pos + len(root)
        suffix = next((s for s in _HAN_SUFFIXES if text.startswith(s, end)), "")
        if needs_suffix and not suffix:
            break
        end += len(suffix)
        if len(text) - end < _MIN_HAN_REST:
            break
        codes.add(code)
        pos = end
    return frozenset(codes), text[pos:]


def han_place(text: str) -> frozenset[str] | None:
    """Division codes if a bracketed text names a place (深圳, 慈溪), else None.

    In an enterprise name, short Chinese text in brackets is a place (华为技术(深圳)有限公司);
    a place outside the table gets a stand-in code.
    """
    codes, rest = split_han_region(text + "__")  # pad: a bare place name is still a place
    if codes and rest == "__":
        return codes
    return frozenset({_place_code(text)}) if 2 <= len(text) <= 4 and text.isalpha() else None


def _place_code(name: str) -> str:
    """A stand-in code for a place the table does not know: equal only to a place of its sound.

    By sound, so that a variant character the traditional-to-simplified table leaves alone
    (慈谿 for 慈溪) still names the same place.
    """
    return "?" + to_pinyin(name).joined


def _root_at(text: str, pos: int) -> tuple[str, str, bool] | None:
    if text[pos : pos + 1] not in _ROOT_STARTS:
        return None
    for length in range(_MAX_ROOT, 1, -1):
        root = text[pos : pos + length]
        if root in _HAN_ROOTS:
            code, needs_suffix = _HAN_ROOTS[root]
            return root, code, needs_suffix
    return None


def split_latin_region(tokens: Sequence[str]) -> tuple[frozenset[str], tuple[str, ...]]:
    """Strip region names (and "shi", "city" ...) from both ends of a Latin token list."""
    codes: set[str] = set()
    start, end = 0, len(tokens)
    while end - start > 1:
        size, found = _place_at_start(tokens, start, end)
        if not size or end - (start + size) < 1:
            break
        codes |= found
        start += size
    while end - start > 1:
        size, found = _place_at_end(tokens, start, end)
        if not size or end - size - start < 1:
            break
        codes |= found
        end -= size
    return frozenset(codes), tuple(tokens[start:end])


def latin_region_codes(tokens: Sequence[str]) -> frozenset[str] | None:
    """Division codes if every token names a place (e.g. "shen zhen"), else None."""
    padded = [*tokens, "__"]
    codes, rest = split_latin_region(padded)
    return codes if codes and rest == ("__",) else None


def _place_at_start(tokens: Sequence[str], start: int, end: int) -> tuple[int, frozenset[str]]:
    """(tokens used, codes) for a place of up to four syllables, then "shi", "city" ..."""
    for size in range(min(_LONGEST_PLACE, end - start), 0, -1):
        found = _LATIN_PLACES.get("".join(tokens[start : start + size]))
        if found:
            while start + size < end and tokens[start + size] in LATIN_REGION_SUFFIXES:
                size += 1
            return size, found
    return 0, frozenset()


def _place_at_end(tokens: Sequence[str], start: int, end: int) -> tuple[int, frozenset[str]]:
    """The same, read from the end: suffix words first, then the place."""
    suffixes = 0
    while end - suffixes > start and tokens[end - suffixes - 1] in LATIN_REGION_SUFFIXES:
        suffixes += 1
    last = end - suffixes
    for size in range(min(_LONGEST_PLACE, last - start), 0, -1):
        found = _LATIN_PLACES.get("".join(tokens[last - size : last]))
        if found:
            return size + suffixes, found
    return 0, frozenset()


def latin_place_names(codes: frozenset[str]) -> frozenset[str]:
    """Pinyin names of the places with these codes and of the places containing them."""
    return _latin_place_names(codes)


@lru_cache(maxsize=4096)
def _latin_place_names(codes: frozenset[str]) -> frozenset[str]:
    wanted = [significant_code(code) for code in codes]
    return frozenset(
        name
        for name, places in _LATIN_ROOTS.items()
        if any(want.startswith(significant_code(place)) for place in places for want in wanted)
    )


def significant_code(code: str) -> str:
    """440300 -> 4403: the part of a division code that says where it is."""
    trimmed = code
    while trimmed.endswith("00") and len(trimmed) > 2:
        trimmed = trimmed[:-2]
    return trimmed


def codes_compatible(left: frozenset[str], right: frozenset[str]) -> bool:
    """True unless both sides name places and no place of one lies within a place of the other."""
    return not left or not right or _compatible(left, right)


@lru_cache(maxsize=16384)
def _compatible(left: frozenset[str], right: frozenset[str]) -> bool:
    left_codes = [significant_code(code) for code in left]
    right_codes = [significant_code(code) for code in right]
    return any(a.startswith(b) or b.startswith(a) for a in left_codes for b in right_codes)


def region_agreement(query_code: str, listed_code: str) -> float:
    """1.0 when one division lies within the other, 0.5 for the same province, else 0.0."""
    if codes_compatible(frozenset({query_code}), frozenset({listed_code})):
        return 1.0
    return 0.5 if query_code[:2] == listed_code[:2] else 0.0

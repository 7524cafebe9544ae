"""Legal forms and the canonical comparison form of a name (normalize_name)."""

from __future__ import annotations

from functools import cache

from registry.screening.matching.pinyin import to_pinyin
from registry.screening.matching.text import clean_text, contains_han, replace_brackets, tokenize
from registry.screening.matching.vocabulary import HAN_LEGAL_FORMS, LATIN_LEGAL_FORMS

_HAN_FORMS = frozenset(HAN_LEGAL_FORMS)
_SUFFIX_SIZES = (8, 7, 6, 5, 4, 3, 2, 1)  # longest first; no table word is longer than 8
# Chinese names keep at least this many characters after a legal form or industry word is
# stripped: a trade name (字号) has at least two characters.
_MIN_HAN_CORE = 2
# One- and two-letter forms ("sa", "ag", "co") are also pinyin syllables or initials, so
# they are stripped only when two tokens remain: "Zhang Sa" keeps its given name.
_SHORT_FORM = 2


def strip_han_legal_forms(text: str) -> str:
    """Remove Chinese legal forms (有限公司, 集团 ...) from the end, repeatedly."""
    return strip_han_suffixes(text, _HAN_FORMS)[0]


def split_han_legal_forms(text: str) -> tuple[str, str]:
    """(the name before its Chinese legal forms, the legal forms run together)."""
    rest, forms = strip_han_suffixes(text, _HAN_FORMS)
    return rest, "".join(forms)


def strip_han_suffixes(text: str, words: frozenset[str]) -> tuple[str, tuple[str, ...]]:
    """Strip words of a set from the end, longest first, keeping two characters in front.

    Returns the rest and the stripped words in reading order.
    """
    sizes_by_last = _suffix_table(words)
    stripped: list[str] = []
    # Only the lengths of the words ending in the name's last character are tried.
    while text:
        room = len(text) - _MIN_HAN_CORE
        sizes = sizes_by_last.get(text[-1], ())
        size = next((n for n in sizes if n <= room and text[-n:] in words), 0)
        if not size:
            break
        stripped.append(text[-size:])
        text = text[:-size]
    return text, tuple(reversed(stripped))


@cache
def _suffix_table(words: frozenset[str]) -> dict[str, tuple[int, ...]]:
    """Per last character of the words of a set, their lengths longest first (at most 8)."""
    lengths: dict[str, set[int]] = {}
    for word in words:
        if len(word) in _SUFFIX_SIZES:
            lengths.setdefault(word[-1], set()).add(len(word))
    return {last: tuple(sorted(sizes, reverse=True)) for last, sizes in lengths.items()}


def strip_latin_legal_forms(tokens: list[str]) -> list[str]:
    """Remove Latin or pinyin legal forms (Co., Ltd., GmbH, youxian gongsi ...) from the end."""
    end = len(tokens)
    while end > 1:
        for size in range(min(5, end - 1), 0, -1):
            joined = "".join(tokens[end - size : end])
            needed = 2 if len(joined) <= _SHORT_FORM else 1
            if joined in _LATIN_FORMS and end - size >= needed:
                end -= size
                break
        else:
            break
    return tokens[:end]


def is_legal_form(text: str) -> bool:
    """True if the cleaned text is nothing but a legal form, e.g. "有限合伙" or "co ltd"."""
    joined = "".join(tokenize(text))
    return joined in _HAN_FORMS or joined in _LATIN_FORMS


def normalize_name(name: str) -> str:
    """The canonical comparison form of a name: cleaned, punctuation and legal form removed.

    Chinese names come out as one run of simplified characters (深圳市华兴科技); other names as
    lowercase tokens separated by single spaces (nordwind precision instruments).
    """
    inline = replace_brackets(clean_text(name), lambda inner: "" if is_legal_form(inner) else inner)
    tokens = tokenize(inline)
    if contains_han(inline):
        return strip_han_legal_forms("".join(tokens))
    return " ".join(strip_latin_legal_forms(tokens))


def _latin_legal_forms() -> frozenset[str]:
    # Pinyin spellings of the Chinese forms ("youxian gongsi"); one-syllable forms such as
    # 厂 (chang) or 店 (dian) are left out because they are also common given names.
    pinyin_forms = {to_pinyin(form).joined for form in HAN_LEGAL_FORMS if len(form) >= 2}
    return LATIN_LEGAL_FORMS | pinyin_forms


_LATIN_FORMS = _latin_legal_forms()

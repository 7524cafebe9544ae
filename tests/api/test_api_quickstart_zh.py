"""docs/api-quickstart.zh.md, the Chinese quickstart, runs the same code as the English one.

The English quickstart's examples run against a live server (tests/api/test_api_quickstart.py);
the Chinese one translates the prose only, so its code blocks must be the English ones, in order.
"""

from __future__ import annotations

import re

from tests.conftest import ROOT

_CODE = re.compile(r"```\w*\n.*?```", re.S)
_CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _read(name: str) -> str:
    return (ROOT / "docs" / name).read_text(encoding="utf-8")


def test_the_chinese_quickstart_has_the_english_code_blocks_in_order() -> None:
    english, chinese = _read("api-quickstart.md"), _read("api-quickstart.zh.md")
    assert _CODE.findall(chinese) == _CODE.findall(english)


def test_the_chinese_quickstart_has_every_section_in_chinese() -> None:
    english, chinese = _read("api-quickstart.md"), _read("api-quickstart.zh.md")
    headings = re.findall(r"^#+ .*$", _CODE.sub("", chinese), re.M)
    assert len(headings) == len(re.findall(r"^#+ .*$", _CODE.sub("", english), re.M))
    assert all(_CHINESE.search(heading) for heading in headings)
    assert "(api-quickstart.md)" in chinese and "(api-quickstart.zh.md)" in english

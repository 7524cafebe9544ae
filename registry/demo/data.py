"""Deterministic generators for the demo dataset: realistic names, codes and decisions."""

from __future__ import annotations

import datetime as dt
import random

from stdnum.cn import ric, uscc
from stdnum.iso7064 import mod_11_2

from registry.subjects.credit_codes import organisation_check_character
from registry.subjects.identifiers import patent_check_digit

REGIONS = [
    ("深圳市", "440300"),
    ("杭州市", "330100"),
    ("苏州市", "320500"),
    ("广州市", "440100"),
    ("福州市", "350100"),
    ("成都市", "510100"),
    ("武汉市", "420100"),
    ("宁波市", "330200"),
    ("东莞市", "441900"),
    ("厦门市", "350200"),
]
TRADE_PARTS = "华兴星海瑞达博远恒信鼎盛嘉禾泰和宏图德润金科伟业天成中联创新"
INDUSTRIES = [
    "科技",
    "电子",
    "医药",
    "新材料",
    "机械",
    "光电",
    "智能装备",
    "生物科技",
    "食品",
    "环保",
]
LEGAL_FORMS = ["有限公司", "股份有限公司", "有限责任公司"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚"
FOREIGN = [
    ("Nordlicht Optics GmbH", "DE Handelsregister", "HRB 48213"),
    ("Bayview Medical Devices Inc.", "US EIN", "94-3187265"),
    ("Kaito Precision Co., Ltd.", "JP Corporate Number", "7010401034218"),
    ("Lumen Circuit Ltd.", "UK Companies House", "09823411"),
    ("Alpenrot Pharma AG", "CH UID", "CHE-112.334.901"),
    ("Seoul Nanotech Co., Ltd.", "KR Business Number", "214-86-39127"),
]
AUTHORITIES = {
    "administrative_ruling": "{city}市场监督管理局（知识产权局）",
    "administrative_penalty": "{city}市场监督管理局",
    "court_judgment": "{city}中级人民法院",
}
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# The province of each demo region, whose intellectual property office makes determinations.
PROVINCES = {
    "44": "广东省",
    "33": "浙江省",
    "32": "江苏省",
    "35": "福建省",
    "51": "四川省",
    "42": "湖北省",
}
CNIPA = "国家知识产权局"
# The personal identifier schemes of natural persons, in turn (registry/subjects/personal_ids.py).
PERSONAL_SCHEMES = (
    "cn_ric",
    "hkmo_permit",
    "tw_permit",
    "hkmotw_residence",
    "foreign_pr",
    "passport",
)


def credit_code(rng: random.Random, region_code: str) -> str:
    """A valid unified social credit code for an enterprise in `region_code`."""
    organisation = "".join(rng.choice(USCC_ALPHABET[:10]) for _ in range(8))
    body = "91" + region_code + organisation + organisation_check_character(organisation)
    return body + uscc.calc_check_digit(body)


def id_number(rng: random.Random, region_code: str) -> str:
    """A valid resident ID number (fictitious person) registered in `region_code`."""
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 35))
    body = region_code + birth.strftime("%Y%m%d") + f"{rng.randrange(0, 1000):03d}"
    return body + ric.calc_check_digit(body + "0")


def _birth(rng: random.Random) -> str:
    return (dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 35))).strftime("%Y%m%d")


def personal_identifier(rng: random.Random, scheme: str) -> dict[str, str]:
    """A valid identifier of a fictitious natural person under `scheme`."""
    if scheme == "cn_ric":
        return {"scheme": scheme, "value": id_number(rng, "110105")}
    if scheme == "hkmo_permit":
        return {"scheme": scheme, "value": rng.choice("HM") + f"{rng.randrange(10**8):08d}"}
    if scheme == "tw_permit":
        return {"scheme": scheme, "value": f"{rng.randrange(10**8):08d}"}
    if scheme == "hkmotw_residence":
        body = (
            rng.choice(("810000", "820000", "830000")) + _birth(rng) + f"{rng.randrange(1000):03d}"
        )
        return {"scheme": scheme, "value": body + mod_11_2.calc_check_digit(body)}
    if scheme == "foreign_pr":
        # 2023 form: 9, province of acceptance, nationality code, birth date, sequence, check.
        body = (
            "9"
            + rng.choice(("11", "31", "44"))
            + "840"
            + _birth(rng)
            + f"{rng.randrange(1000):03d}"
        )
        return {"scheme": scheme, "value": body + mod_11_2.calc_check_digit(body)}
    return {"scheme": "passport", "value": f"5{rng.randrange(10**8):08d}", "country": "GB"}


def patent_number(rng: random.Random) -> str:
    """A Chinese patent number with a correct check digit."""
    digits = f"{rng.randrange(2012, 2023)}{rng.choice('1123')}{rng.randrange(0, 10**7):07d}"
    return f"ZL{digits}.{patent_check_digit(digits)}"


def enterprise_name(rng: random.Random, used: set[str]) -> tuple[str, str, str]:
    """A Chinese enterprise name, its region prefix and region code, unique within `used`."""
    while True:
        city, code = rng.choice(REGIONS)
        trade = rng.choice(TRADE_PARTS) + rng.choice(TRADE_PARTS)
        name = f"{city}{trade}{rng.choice(INDUSTRIES)}{rng.choice(LEGAL_FORMS)}"
        if name not in used and trade[0] != trade[1]:
            used.add(name)
            return name, city, code


def person_name(rng: random.Random, used: set[str]) -> str:
    """A Chinese personal name, unique within `used`."""
    while True:
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        if name not in used:
            used.add(name)
            return name

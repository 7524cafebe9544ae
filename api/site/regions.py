"""Province-level names for administrative division codes (GB/T 2260, first two digits).

Place names are data rather than interface text, so both forms live in this one table
instead of in the translation catalogues.
"""

from __future__ import annotations

PROVINCES: dict[str, tuple[str, str]] = {
    "11": ("北京市", "Beijing"),
    "12": ("天津市", "Tianjin"),
    "13": ("河北省", "Hebei"),
    "14": ("山西省", "Shanxi"),
    "15": ("内蒙古自治区", "Inner Mongolia"),
    "21": ("辽宁省", "Liaoning"),
    "22": ("吉林省", "Jilin"),
    "23": ("黑龙江省", "Heilongjiang"),
    "31": ("上海市", "Shanghai"),
    "32": ("江苏省", "Jiangsu"),
    "33": ("浙江省", "Zhejiang"),
    "34": ("安徽省", "Anhui"),
    "35": ("福建省", "Fujian"),
    "36": ("江西省", "Jiangxi"),
    "37": ("山东省", "Shandong"),
    "41": ("河南省", "Henan"),
    "42": ("湖北省", "Hubei"),
    "43": ("湖南省", "Hunan"),
    "44": ("广东省", "Guangdong"),
    "45": ("广西壮族自治区", "Guangxi"),
    "46": ("海南省", "Hainan"),
    "50": ("重庆市", "Chongqing"),
    "51": ("四川省", "Sichuan"),
    "52": ("贵州省", "Guizhou"),
    "53": ("云南省", "Yunnan"),
    "54": ("西藏自治区", "Xizang"),
    "61": ("陕西省", "Shaanxi"),
    "62": ("甘肃省", "Gansu"),
    "63": ("青海省", "Qinghai"),
    "64": ("宁夏回族自治区", "Ningxia"),
    "65": ("新疆维吾尔自治区", "Xinjiang"),
    "71": ("台湾省", "Taiwan"),
    "81": ("香港特别行政区", "Hong Kong"),
    "82": ("澳门特别行政区", "Macao"),
}


def province_code(region: str | None) -> str | None:
    """The two-digit province code of a division code, or None when it names no province."""
    if not region or len(region) < 2 or region[:2] not in PROVINCES:
        return None
    return region[:2]


def province_name(code: str | None, language: str) -> str | None:
    """The province's name in `language` ("zh" or "en"), or None for an unknown code."""
    names = PROVINCES.get(code or "")
    if names is None:
        return None
    return names[1] if language == "en" else names[0]


def region_label(region: str | None, language: str) -> str:
    """A division code shown with its province, e.g. "福建省 (350100)"; "" when absent."""
    if not region:
        return ""
    name = province_name(province_code(region), language)
    return f"{name} ({region})" if name else region

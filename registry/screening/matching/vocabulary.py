"""Word lists the normaliser reads: legal forms, industry words, surnames, confusables.

These are data, not logic: extend a table rather than adding a special case in code.
"""

from __future__ import annotations

# Chinese organisational forms, stripped from the end of a name (longest first, repeatedly),
# e.g. 集团股份有限公司 -> 有限公司 stripped, then 股份, then 集团.
HAN_LEGAL_FORMS: tuple[str, ...] = (
    "股份有限公司",
    "有限责任公司",
    "股份合作公司",
    "有限公司",
    "股份公司",
    "总公司",
    "分公司",
    "公司",
    "有限合伙",
    "普通合伙",
    "合伙企业",
    "个人独资企业",
    "集团",
    "股份",
    "经营部",
    "门市部",
    "工作室",
    "合作社",
    "事务所",
    "商行",
    "分店",
    "厂",
    "店",
)

# Latin and pinyin legal forms, compared against the tail tokens joined without spaces after
# dots are removed, so "Co., Ltd.", "S.A.", "S. A." and "you xian gong si" all match.
LATIN_LEGAL_FORMS: frozenset[str] = frozenset(
    {
        "co", "company", "companies", "ltd", "limited", "llc", "lc", "inc", "incorporated",
        "corp", "corporation", "plc", "group", "gmbh", "mbh", "ag", "kg", "kgaa", "ohg",
        "ug", "ev", "se", "sa", "sas", "sarl", "srl", "spa", "sl", "sau", "bv", "nv", "vof",
        "oy", "oyj", "ab", "as", "asa", "aps", "kk", "gk", "yk", "pte", "pty", "lp",
        "llp", "lllp", "pllc", "pc", "jsc", "ojsc", "pjsc", "ooo", "zao", "sdnbhd", "bhd",
        "tbk", "pt", "coltd", "ptyltd", "pteltd",
    }
)

# Pinyin renderings of the Chinese forms above are added at import time by normalize.py.
LATIN_REGION_SUFFIXES: frozenset[str] = frozenset(
    {"shi", "sheng", "qu", "xian", "city", "province", "district", "county", "municipality"}
)

# Industry words (行业用语). Each group names the Latin token(s) it stands for (the pinyin of its
# main Chinese word); its Chinese words and English phrases map to those tokens, so "华兴科技",
# "Huaxing Keji" and "Huaxing Technology" compare equal in Latin space.
INDUSTRY_GROUPS: tuple[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = (
    (("keji",), ("科技", "技术", "科学技术"),
     ("technology", "technologies", "tech", "technical", "scitech", "sci tech",
      "science and technology", "science technology")),
    (("shengwu", "keji"), (), ("biotechnology", "biotech")),
    (("dianzi",), ("电子",), ("electronics", "electronic")),
    (("yiyao",), ("医药", "制药", "药业"),
     ("pharmaceutical", "pharmaceuticals", "pharma", "medicine")),
    (("yiliao",), ("医疗",), ("medical", "healthcare")),
    (("qixie",), ("器械",), ("devices", "device", "apparatus")),
    (("xincailiao",), ("新材料",), ("new material", "new materials", "advanced materials")),
    (("cailiao",), ("材料",), ("material", "materials")),
    (("xinxi",), ("信息",), ("information", "info")),
    (("wangluo",), ("网络",), ("network", "networks", "networking")),
    (("hulianwang",), ("互联网",), ("internet",)),
    (("ruanjian",), ("软件",), ("software",)),
    (("shuju",), ("数据",), ("data",)),
    (("shuma",), ("数码",), ("digital",)),
    (("tongxin",), ("通信", "通讯"),
     ("communication", "communications", "telecom", "telecommunication",
      "telecommunications")),
    (("shengwu",), ("生物",), ("bio", "biological", "biology")),
    (("zhineng",), ("智能",), ("intelligent", "smart", "intelligence")),
    (("jixie",), ("机械",), ("machinery", "mechanical", "machine", "machines")),
    (("shebei",), ("设备",), ("equipment",)),
    (("zhizao",), ("制造",), ("manufacturing", "manufacture")),
    (("guangdian",), ("光电",), ("optoelectronics", "optoelectronic", "photoelectric")),
    (("guangxue",), ("光学",), ("optical", "optics")),
    (("bandaoti",), ("半导体",), ("semiconductor", "semiconductors")),
    (("xinnengyuan",), ("新能源",), ("new energy",)),
    (("nengyuan",), ("能源",), ("energy",)),
    (("dianchi",), ("电池",), ("battery", "batteries")),
    (("dianqi",), ("电气",), ("electric", "electrical")),
    (("dianli",), ("电力",), ("power", "electric power")),
    (("huanbao",), ("环保",), ("environmental", "environmental protection", "eco")),
    (("huagong",), ("化工",), ("chemical", "chemicals", "chemical industry")),
    (("shipin",), ("食品",), ("food", "foods")),
    (("maoyi",), ("贸易", "商贸"), ("trading", "trade")),
    (("jinchukou",), ("进出口",),
     ("import and export", "import export", "imp and exp", "imp exp")),
    (("guoji",), ("国际",), ("international",)),
    (("shiye",), ("实业",), ("industrial", "industries")),
    (("gongye",), ("工业",), ("industry",)),
    (("touzi",), ("投资",), ("investment", "investments")),
    (("konggu",), ("控股",), ("holding", "holdings")),
    (("wuliu",), ("物流",), ("logistics",)),
    (("wenhua",), ("文化",), ("culture", "cultural")),
    (("chuanmei",), ("传媒",), ("media",)),
    (("jianzhu",), ("建筑", "建设"), ("construction", "architecture", "architectural")),
    (("gongcheng",), ("工程",), ("engineering", "projects")),
    (("fangzhi",), ("纺织",), ("textile", "textiles")),
    (("fushi",), ("服饰", "服装"), ("apparel", "garment", "garments", "clothing", "fashion")),
    (("jiaju",), ("家居", "家具"), ("furniture", "home furnishing", "home furnishings")),
    (("qiche",), ("汽车",), ("automotive", "automobile", "auto", "motor", "motors")),
    (("peijian",), ("配件", "零部件"), ("parts", "components", "accessories")),
    (("yiqi",), ("仪器",), ("instrument", "instruments")),
    (("yibiao",), ("仪表",), ("meter", "meters")),
    (("jingmi",), ("精密",), ("precision",)),
    (("jinshu",), ("金属",), ("metal", "metals")),
    (("wujin",), ("五金",), ("hardware",)),
    (("suliao",), ("塑料", "塑胶"), ("plastic", "plastics")),
    (("fangdichan",), ("房地产",), ("real estate", "property", "properties")),
    (("jinrong",), ("金融",), ("financial", "finance")),
    (("zixun",), ("咨询",), ("consulting", "consultancy", "consultants")),
    (("guanli",), ("管理",), ("management",)),
    (("fuwu",), ("服务",), ("service", "services")),
    (("shangwu",), ("商务",), ("business", "commerce")),
    (("nongye",), ("农业",), ("agriculture", "agricultural")),
    (("yinshua",), ("印刷",), ("printing",)),
    (("baozhuang",), ("包装",), ("packaging",)),
    (("zhaoming",), ("照明",), ("lighting",)),
    (("jiankang",), ("健康",), ("health",)),
    (("huazhuangpin",), ("化妆品",), ("cosmetics",)),
    (("youxi",), ("游戏",), ("games", "gaming")),
    (("jiaoyu",), ("教育",), ("education", "educational")),
    (("yingshi",), ("影视",), ("film", "pictures")),
    (("guanggao",), ("广告",), ("advertising",)),
    (("canyin",), ("餐饮",), ("catering", "restaurant", "restaurants")),
    (("jiudian",), ("酒店",), ("hotel", "hotels")),
    (("zhiye",), ("纸业",), ("paper",)),
    (("taoci",), ("陶瓷",), ("ceramics", "ceramic")),
    (("gangtie",), ("钢铁",), ("steel",)),
    (("chanpin",), ("产品", "制品"), ("products", "product")),
    (("chaye",), ("茶业", "茶叶"), ("tea",)),
    (("shuiwu",), ("水务",), ("water",)),
    (("zhuangshi",), ("装饰",), ("decoration", "decor")),
    (("dianqi",), ("电器",), ("appliances", "appliance")),
    (("wanju",), ("玩具",), ("toys", "toy")),
    (("xieye",), ("鞋业",), ("shoes", "footwear")),
    (("jiuye",), ("酒业",), ("wine", "liquor", "spirits")),
    (("kuangye",), ("矿业",), ("mining",)),
    (("muye",), ("木业",), ("wood", "timber")),
    (("xitong",), ("系统",), ("systems", "system")),
    (("fenxi",), ("分析",), ("analytics", "analysis")),
    (("jiqiren",), ("机器人",), ("robotics", "robots", "robot")),
    (("dongli",), ("动力",), ("dynamics",)),
    (("shiyanshi",), ("实验室",), ("labs", "lab", "laboratory", "laboratories")),
    (("zidonghua",), ("自动化",), ("automation",)),
    (("kongzhi",), ("控制",), ("control", "controls")),
    (("chuangxin",), ("创新",), ("innovation", "innovations", "innovative")),
    (("guangfu",), ("光伏",), ("photovoltaic", "solar")),
    (("hangkong",), ("航空",), ("aviation", "aerospace")),
    (("gongyinglian",), ("供应链",), ("supply chain",)),
    (("quanqiu",), ("全球",), ("global", "worldwide")),
    (("jiejuefangan",), ("解决方案",), ("solutions", "solution")),
)

# Two-character surnames, so that 欧阳娜娜 romanises as "ouyang nana", not "ou yangnana".
COMPOUND_SURNAMES: frozenset[str] = frozenset(
    {
        "欧阳", "司马", "诸葛", "上官", "司徒", "东方", "独孤", "南宫", "万俟", "闻人",
        "夏侯", "皇甫", "尉迟", "公羊", "澹台", "公冶", "宗政", "濮阳", "淳于", "单于",
        "太叔", "申屠", "公孙", "轩辕", "令狐", "钟离", "宇文", "长孙", "慕容", "司空",
    }
)

# Letters from other scripts that look like Latin letters (after casefolding). NFKC does not
# fold them, and a look-alike name is a common way to slip past a screening list.
CONFUSABLES: dict[str, str] = {
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
    "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j",
    "ѕ": "s", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ϲ": "c",
    "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "æ": "ae", "œ": "oe", "þ": "th",
}

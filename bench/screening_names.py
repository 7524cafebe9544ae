"""Name parts for the screening benchmark: places, trade-name characters, industries, forms.

Written independently of the matcher's own tables, and deliberately wider: a few places and
industry words here are unknown to the matcher, as they would be in real data.
"""

from __future__ import annotations

# (Chinese prefix, division code, English name)
REGIONS: tuple[tuple[str, str, str], ...] = (
    ("深圳市", "440300", "Shenzhen"), ("杭州市", "330100", "Hangzhou"),
    ("苏州工业园区", "320571", "Suzhou"), ("苏州市", "320500", "Suzhou"),
    ("广州市", "440100", "Guangzhou"), ("上海市", "310000", "Shanghai"),
    ("北京市", "110000", "Beijing"), ("南京市", "320100", "Nanjing"),
    ("成都市", "510100", "Chengdu"), ("武汉市", "420100", "Wuhan"),
    ("宁波市", "330200", "Ningbo"), ("东莞市", "441900", "Dongguan"),
    ("佛山市", "440600", "Foshan"), ("厦门市", "350200", "Xiamen"),
    ("青岛市", "370200", "Qingdao"), ("西安市", "610100", "Xi'an"),
    ("长沙市", "430100", "Changsha"), ("合肥市", "340100", "Hefei"),
    ("郑州市", "410100", "Zhengzhou"), ("天津市", "120000", "Tianjin"),
    ("重庆市", "500000", "Chongqing"), ("深圳市南山区", "440305", "Shenzhen"),
    ("深圳市宝安区", "440306", "Shenzhen"), ("杭州市余杭区", "330110", "Hangzhou"),
    ("广东省", "440000", "Guangdong"), ("浙江省", "330000", "Zhejiang"),
    ("江苏省", "320000", "Jiangsu"), ("昆山市", "320583", "Kunshan"),
    ("义乌市", "330782", "Yiwu"), ("无锡市", "320200", "Wuxi"),
    ("常州市", "320400", "Changzhou"), ("温岭市", "331081", "Wenling"),
    ("慈溪市", "330282", "Cixi"),
)

# Trade-name characters, grouped by sound: a hard negative swaps one for a homophone.
HOMOPHONES: tuple[str, ...] = (
    "华化骅", "兴星鑫欣馨", "瑞锐睿", "达大", "宏鸿弘泓", "泰钛", "丰峰锋", "源元远圆",
    "恒衡", "昌畅", "盛胜晟", "隆龙珑", "安岸", "康亢", "润闰", "德得", "嘉佳家", "博柏",
    "智志致至", "联连莲", "云芸运", "天添", "启琪奇齐", "明铭鸣", "金锦晋", "祥翔湘",
    "和禾合", "美梅玫", "晨辰宸", "光广", "诚成程", "腾藤", "飞菲", "辉晖徽", "汇惠慧",
    "通桐", "立力利丽", "众忠", "普浦", "永咏", "越悦跃", "凯恺铠", "捷杰洁", "维威薇",
    "精晶京", "迅讯", "宇雨羽", "浩昊豪", "顺舜", "亿益艺", "创", "航", "卓", "宝", "银",
    "万", "海",
)
TRADE_CHARS = "".join(HOMOPHONES)
# Trade names may not be place names (企业名称登记管理规定), so none starts with one.
PLACE_PREFIXES = ("金华", "嘉兴", "海宁", "泰州", "通化", "安康", "天水", "宝鸡", "海安")

# (Chinese industry, English rendering); the last few are unknown to the matcher.
INDUSTRIES: tuple[tuple[str, str], ...] = (
    ("科技", "Technology"), ("电子", "Electronics"), ("医药", "Pharmaceutical"),
    ("新材料", "New Materials"), ("信息技术", "Information Technology"),
    ("网络科技", "Network Technology"), ("生物科技", "Biotechnology"),
    ("智能科技", "Intelligent Technology"), ("机械设备", "Machinery Equipment"),
    ("精密仪器", "Precision Instruments"), ("光电", "Optoelectronics"),
    ("半导体", "Semiconductor"), ("新能源", "New Energy"),
    ("环保科技", "Environmental Technology"), ("化工", "Chemical"), ("食品", "Food"),
    ("贸易", "Trading"), ("进出口", "Import and Export"), ("实业", "Industrial"),
    ("投资", "Investment"), ("物流", "Logistics"), ("文化传媒", "Culture Media"),
    ("建筑工程", "Construction Engineering"), ("纺织", "Textile"), ("服饰", "Apparel"),
    ("家居", "Furniture"), ("汽车配件", "Auto Parts"), ("通信技术", "Communication Technology"),
    ("软件", "Software"), ("医疗器械", "Medical Devices"), ("电池", "Battery"),
    ("照明", "Lighting"), ("包装", "Packaging"), ("陶瓷", "Ceramics"),
    ("五金制品", "Hardware Products"), ("装饰工程", "Decoration Engineering"),
    ("茶业", "Tea"), ("水务", "Water"), ("钢结构", "Steel Structure"), ("工艺品", "Crafts"),
)
# Typing slips inside industry words: a neighbour on the keyboard's candidate list.
INDUSTRY_SLIPS: dict[str, str] = {
    "科": "课", "技": "计", "电": "店", "子": "仔", "医": "依", "药": "要", "材": "才",
    "料": "科", "信": "心", "息": "悉", "网": "往", "络": "洛", "机": "鸡", "械": "戒",
    "设": "社", "备": "倍", "光": "广", "能": "龙", "源": "原", "化": "华", "工": "公",
    "食": "石", "品": "晶", "贸": "冒", "易": "意", "实": "石", "业": "页", "投": "头",
    "资": "姿", "物": "务", "流": "留", "文": "问", "传": "船", "媒": "煤", "建": "见",
    "筑": "竹", "程": "成", "纺": "仿", "织": "值", "服": "福", "饰": "式", "家": "加",
    "居": "局", "汽": "气", "车": "侧", "配": "陪", "件": "见", "通": "同", "软": "阮",
    "疗": "了", "器": "气", "池": "驰", "照": "找", "明": "名", "包": "保", "装": "壮",
    "半": "伴", "导": "到", "体": "题", "精": "经", "密": "蜜", "仪": "以", "生": "声",
    "智": "知", "环": "还", "保": "宝", "陶": "淘", "瓷": "词", "茶": "查", "水": "睡",
}
# Repeated entries make the common forms more likely.
HAN_LEGAL_FORMS = (
    "有限公司", "有限公司", "有限公司", "有限责任公司", "股份有限公司", "集团有限公司",
)
LATIN_LEGAL_FORMS = (
    "Co., Ltd.", "Co., Ltd.", "Co.,Ltd", "Limited", "Corporation", "Group Co., Ltd.",
)

FOREIGN_HEADS = (
    "Nord", "Berg", "Lum", "Vek", "Sol", "Alt", "Kron", "Tera", "Vita", "Helio", "Astra",
    "Ferro", "Lux", "Ori", "Pax", "Quant", "Sig", "Ultra", "Vor", "West", "Brenn", "Falk",
    "Grün", "Hoch", "Klar", "Licht", "Stahl", "Wald", "Björn", "Océ", "Mar", "Cor", "Dun",
)
FOREIGN_TAILS = (
    "wind", "mann", "tek", "tron", "gen", "ix", "ara", "ium", "ora", "hof", "stein", "feld",
    "werk", "lund", "dal", "vik", "ton", "ford", "well", "mont", "ville", "haven", "bridge",
)
FOREIGN_TRADES = (
    "Precision Instruments", "Semiconductor", "Logistics", "Pharmaceuticals", "Robotics",
    "Analytics", "Systems", "Dynamics", "Optics", "Materials", "Software", "Medical Devices",
    "Energy", "Chemicals", "Solutions", "Labs", "Engineering", "Trading", "Packaging",
)
FOREIGN_FORMS = (
    "GmbH", "AG", "Ltd", "Limited", "Inc.", "LLC", "S.A.", "S.r.l.", "B.V.", "Corp.", "PLC",
    "GmbH & Co. KG", "Pte. Ltd.", "Oy", "AB", "S.A.S.",
)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官")
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力鹏宇浩晨子轩梓涵诺欣怡"
    "雨博思佳嘉俊泽天瑞"
)

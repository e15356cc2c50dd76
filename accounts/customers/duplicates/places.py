"""Place names people put in front of, behind or in brackets after a company name (佛山市南海区…, …(南海)).

Known places: the provinces and municipalities, Guangdong's 21 cities with their districts and counties,
Foshan's and Shenzhen's towns and streets. Each is recognised with or without its administrative suffix
(佛山 / 佛山市), except the few that are also common shop names (和平, 新兴, 龙门, 长安, 西南 …), which
count as a place only with the suffix (和平县). Beyond these, ``GENERIC_PLACE`` takes any 2–3 characters
followed by 省/市/区/县/镇/乡/街道 at the start of a name (湖州市…), but not words such as 超市 or 小区.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

COUNTRY, REGION, PROVINCE, CITY, DISTRICT, TOWN = "country", "region", "province", "city", "district", "town"
SUFFIXES = (
    "特别行政区",
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "自治区",
    "街道办",
    "街道",
    "省",
    "市",
    "区",
    "县",
    "镇",
    "乡",
)


@dataclass(frozen=True)
class Place:
    name: str  # without the suffix: 南海
    level: str
    city: str = ""  # the city a place is or lies in (佛山)
    district: str = ""  # the district a place is or lies in (南海)
    province: str = ""  # the province a place is or lies in (广东)


PROVINCES = (
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 四川 "
    "贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门"
)
REGIONS = "华南 华东 华北 华中 东北 西北 珠三角 粤港澳"

# city: its districts and counties. Shorthand that needs its suffix is written with it (城区).
GUANGDONG = {
    "广州": "越秀 海珠 荔湾 天河 白云 黄埔 番禺 花都 南沙 从化 增城",
    "深圳": "罗湖 福田 南山 宝安 龙岗 盐田 龙华 坪山 光明 大鹏",
    "珠海": "香洲 斗门 金湾",
    "汕头": "龙湖 金平 濠江 潮阳 潮南 澄海 南澳",
    "佛山": "禅城 南海 顺德 三水 高明",
    "韶关": "武江 浈江 曲江 乐昌 南雄 始兴 仁化 翁源 新丰 乳源",
    "河源": "源城 东源 和平县 龙川 紫金 连平",
    "梅州": "梅江 梅县 兴宁 平远 蕉岭 大埔 丰顺 五华",
    "惠州": "惠城 惠阳 博罗 惠东 龙门县",
    "汕尾": "海丰 陆丰 陆河",
    "东莞": "",
    "中山": "",
    "江门": "蓬江 江海 新会 台山 开平 鹤山 恩平",
    "阳江": "江城 阳东 阳春 阳西",
    "湛江": "赤坎 霞山 坡头 麻章 遂溪 徐闻 廉江 雷州 吴川",
    "茂名": "茂南 电白 高州 化州 信宜",
    "肇庆": "端州 鼎湖 高要 四会 广宁 怀集 封开 德庆",
    "清远": "清城 清新 英德 连州 佛冈 阳山 连山 连南",
    "潮州": "湘桥 潮安 饶平",
    "揭阳": "榕城 揭东 揭西 惠来 普宁",
    "云浮": "云城 云安 罗定 新兴县 郁南",
}
# district: its towns and streets (former towns people still write, such as 平洲 or 黄岐, included).
TOWNS = {
    ("佛山", "禅城"): "祖庙 石湾 张槎 南庄",
    ("佛山", "南海"): "桂城 九江 西樵 丹灶 狮山 大沥 里水 平洲 盐步 黄岐 罗村 松岗 官窑 小塘 和顺 金沙",
    ("佛山", "顺德"): "大良 容桂 伦教 勒流 陈村 均安 杏坛 龙江 乐从 北滘",
    ("佛山", "三水"): "西南街道 云东海 白坭 乐平 芦苞 大塘",
    ("佛山", "高明"): "荷城 杨和 明城 更合",
    ("深圳", "宝安"): "西乡 沙井 松岗镇 福永 石岩 新安",
    ("深圳", "龙岗"): "布吉 横岗 坪地 平湖",
    ("东莞", ""): "莞城 南城 东城 万江 石龙 虎门 长安镇 常平 塘厦 樟木头 大朗 寮步 厚街 凤岗 清溪 黄江 大岭山 松山湖",
    ("中山", ""): "石岐 小榄 古镇 坦洲 三乡 东凤 黄圃 沙溪 横栏",
}


def _entries() -> dict[str, tuple[Place, bool]]:
    """name → (place, needs its suffix)."""
    entries: dict[str, tuple[Place, bool]] = {"中国": (Place("中国", COUNTRY), False)}

    def add(word: str, level: str, city: str = "", district: str = "", province: str = "") -> None:
        needs_suffix = word.endswith(SUFFIXES)
        name = _without_suffix(word) if needs_suffix else word
        place = Place(name, level, city=city, district=district, province=province)
        entries.setdefault(name, (place, needs_suffix))

    for word in PROVINCES.split():
        add(word, PROVINCE, province=word)
    for word in REGIONS.split():  # 华南 is as often a shop's name: a region counts in brackets only, (华南)
        entries.setdefault(word, (Place(word, REGION), True))
    for city, districts in GUANGDONG.items():
        add(city, CITY, city=city, province="广东")
        for district in districts.split():
            add(district, DISTRICT, city=city, district=_without_suffix(district), province="广东")
    for (city, district), towns in TOWNS.items():
        for town in towns.split():
            add(town, TOWN, city=city, district=district, province="广东")
    return entries


def _without_suffix(word: str) -> str:
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            return word[: -len(suffix)]
    return word


KNOWN: dict[str, tuple[Place, bool]] = _entries()
_NAMES = sorted(KNOWN, key=len, reverse=True)
_SUFFIX = "|".join(SUFFIXES)
# A known place at the start (the longest name first), with its suffix if it has one: 佛山市, 南海区, 桂城街道, 广东.
LEADING_KNOWN = re.compile(rf"^({'|'.join(_NAMES)})({_SUFFIX})?")
TRAILING_KNOWN = re.compile(rf"({'|'.join(_NAMES)})({_SUFFIX})?$")
# Any other place at the start: two or three characters and an administrative suffix, followed by more.
GENERIC_PLACE = re.compile(r"^([\u4e00-\u9fff]{2,3}?)(省|市|自治区|区|县|镇|乡|街道)(?=[\u4e00-\u9fff\w]{2})")
# Words ending like a place that are not one: 超市, 城市, 门市, 小区, 园区, 社区, 城镇 …
NOT_A_PLACE_BEFORE = {
    "市": "超城门都夜股菜集闹",
    "区": "小园社景厂城市郊校营",
    "镇": "城乡古",
    "县": "",
    "省": "",
    "乡": "城家故老",
}
GENERIC_LEVELS = {"省": PROVINCE, "自治区": PROVINCE, "市": CITY, "区": DISTRICT, "县": DISTRICT}


def leading_place(text: str) -> tuple[Place, int] | None:
    """The place ``text`` starts with and how many characters it takes, or None."""
    match = LEADING_KNOWN.match(text)
    if match:
        place, needs_suffix = KNOWN[match.group(1)]
        if not needs_suffix or match.group(2):
            return place, match.end()
    match = GENERIC_PLACE.match(text)
    if match:
        name, suffix = match.group(1), match.group(2)
        if name[-1] in NOT_A_PLACE_BEFORE.get(suffix, ""):
            return None
        level = GENERIC_LEVELS.get(suffix, TOWN)
        place = Place(
            name,
            level,
            city=name if level == CITY else "",
            district=name if level == DISTRICT else "",
            province=name if level == PROVINCE else "",
        )
        return place, match.end()
    return None


def trailing_place(text: str) -> tuple[Place, int] | None:
    """The known place ``text`` ends with (鸿运汽车南海 → 南海) and where it starts, or None."""
    match = TRAILING_KNOWN.search(text)
    if not match or match.start() == 0:
        return None
    place, needs_suffix = KNOWN[match.group(1)]
    if needs_suffix and not match.group(2):
        return None
    return place, match.start()


def places_in(text: str) -> list[Place]:
    """Every known place named in ``text`` (a district field such as 南海区桂城街道), left to right."""
    found: list[Place] = []
    position = 0
    while position < len(text):
        hit = leading_place(text[position:])
        if hit is None:
            position += 1
            continue
        found.append(hit[0])
        position += hit[1]
    return found

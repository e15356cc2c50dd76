"""How a typed company name, address or district is reduced to what identifies it.

佛山市南海区鸿运汽车销售有限公司 → places 佛山, 南海; key 鸿运汽车销售; brand (字号) 鸿运; trade 汽车销售.
鸿运汽车(南海) → place 南海; key 鸿运汽车; brand 鸿运; trade 汽车.

Pure functions, no database: the services store ``name_key``, ``name_pinyin`` and ``address_key`` on the
customer (``match_keys``), the matcher computes the same from what is typed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from pypinyin import lazy_pinyin

from accounts.customers.duplicates.places import (
    CITY,
    COUNTRY,
    KNOWN,
    REGION,
    TOWN,
    Place,
    leading_place,
    places_in,
    trailing_place,
)

# Traditional characters seen in company names and addresses, with their simplified form: cheap, and
# enough for names typed on a Hong Kong or Taiwan keyboard. (Pinyin bridges the rest: 車 and 车 read "che".)
_TRADITIONAL = (
    "貿贸 車车 東东 華华 實实 業业 發发 電电 廣广 門门 區区 縣县 鎮镇 號号 國国 際际 龍龙 興兴 達达 運运 鴻鸿 銷销 "
    "團团 廠厂 務务 經经 營营 貨货 飾饰 裝装 機机 設设 備备 財财 險险 產产 報报 會会 長长 開开 關关 豐丰 寶宝 鳳凤 "
    "滙汇 匯汇 彙汇 園园 灣湾 島岛 陽阳 雲云 陸陆 臺台 鄉乡 間间 點点 濟济 銀银 錢钱 鐵铁 鋼钢 鋁铝 鎖锁 鏈链 線线 "
    "網网 絡络 紡纺 織织 紙纸 綠绿 藍蓝 紅红 黃黄 漢汉 韓韩 聯联 榮荣 強强 順顺 頓顿 頭头 顯显 風风 飛飞 館馆 飲饮 "
    "魚鱼 鮮鲜 鳥鸟 麗丽 齊齐 億亿 價价 優优 傳传 偉伟 儀仪 創创 劃划 勞劳 勝胜 協协 單单 參参 吳吴 員员 問问 啟启 "
    "圖图 場场 壓压 夢梦 奧奥 學学 寧宁 專专 對对 導导 層层 嶺岭 嶼屿 巖岩 幣币 幫帮 廈厦 廳厅 張张 從从 復复 恆恒 "
    "愛爱 態态 應应 懷怀 戶户 揚扬 換换 據据 擴扩 數数 時时 晉晋 曉晓 條条 來来 傑杰 極极 構构 標标 樂乐 樓楼 樣样 "
    "橋桥 檢检 權权 歐欧 歷历 氣气 滬沪 湯汤 溫温 滿满 漁渔 潔洁 潤润 濤涛 燈灯 爾尔 獅狮 環环 現现 瑪玛 畫画 當当 "
    "盤盘 眾众 衆众 礦矿 禮礼 禪禅 種种 積积 穩稳 競竞 築筑 節节 範范 簡简 糧粮 總总 維维 綜综 羅罗 義义 聖圣 聲声 "
    "職职 腦脑 臨临 與与 莊庄 萬万 葉叶 蘇苏 衛卫 製制 複复 規规 視视 親亲 觀观 訂订 計计 訊讯 記记 診诊 詢询 認认 "
    "語语 誠诚 調调 請请 證证 識识 護护 讓让 貝贝 貢贡 購购 費费 資资 賓宾 質质 贏赢 趙赵 軟软 輕轻 輪轮 輸输 辦办 "
    "農农 連连 進进 遠远 適适 選选 遼辽 郵邮 鄭郑 醫医 針针 鋪铺 舖铺 鍋锅 錦锦 鏡镜 鐘钟 閣阁 陳陈 隊队 雙双 雞鸡 "
    "離离 電电 靈灵 靜静 韻韵 項项 須须 領领 顏颜 類类 顧顾 飯饭 馬马 駕驾 騰腾 驗验 體体 魯鲁 鵬鹏 鹽盐 麥麦 齡龄 "
    "凱凯 藥药 葯药 醬酱 輝辉 濱滨 鋒锋 鈞钧 銅铜 鍍镀 鑄铸 閥阀 聰聪 綫线 紗纱 絲丝 綢绸 繡绣 塗涂 廚厨 窯窑 鴨鸭 "
    "崗岗 圍围 倉仓 儲储 邊边 遞递 傢家 鎂镁 銹锈 鑽钻 蘭兰 貴贵 賽赛 碼码 爐炉 軸轴 轎轿 鍵键 鋰锂 錫锡 獎奖 壽寿 "
    "噴喷 髮发 滷卤 縫缝 壩坝 灘滩 廟庙 樑梁 臉脸 鄧邓 劉刘 楊杨 蔣蒋 鍾钟 馮冯 黎黎 區区 鑫鑫"
)
TRADITIONAL_TO_SIMPLIFIED = str.maketrans({pair[0]: pair[1] for pair in _TRADITIONAL.split() if len(pair) == 2})

_BRACKETS = str.maketrans({"[": "(", "]": ")", "【": "(", "】": ")", "〔": "(", "〕": ")", "「": "(", "」": ")"})
# What is kept of a name: letters, digits, CJK ideographs and round brackets.
_NOT_KEPT = re.compile(r"[^0-9a-z\u3400-\u9fff()]+")
_BRACKETED = re.compile(r"\(([^()]*)\)")

# Legal forms and branch words at the end of a name, longest first (…股份有限公司 before …有限公司).
LEGAL_FORMS = sorted(
    [
        "股份有限公司",
        "有限责任公司",
        "有限公司",
        "责任公司",
        "股份公司",
        "总公司",
        "分公司",
        "子公司",
        "支公司",
        "公司",
        "集团",
        "控股",
        "企业",
        "合伙",
        "个体工商户",
        "个体户",
        "经营部",
        "门市部",
        "营业部",
        "服务部",
        "销售部",
        "办事处",
        "分部",
        "分店",
        "总店",
        "门店",
        "专卖店",
        "专营店",
        "旗舰店",
        "分厂",
        "工厂",
        "厂",
        "商行",
        "商店",
        "店",
        "分行",
        "支行",
        "有限",
        "股份",
    ],
    key=len,
    reverse=True,
)
# 酒店, 饭店 and 药店 are the trade itself, not a shop of something: their 店 stays.
_KEEP_SHOP = ("酒店", "饭店", "药店")

# Trade words at the end of a name (行业), by kind: two names of one brand whose trades share no kind are
# two companies (鸿运汽车 / 鸿运物流). Words of kind "*" go with any trade (实业, 发展, 服务 …).
_TRADE_KINDS = {
    "car": "汽车销售服务 汽车销售 汽车服务 汽车维修 汽车美容 汽车配件 汽车用品 汽车租赁 汽车贸易 汽车 汽配 汽修 车行 "
    "租车 摩托车 电动车 客车 4s",
    "driving school": "驾校",
    "logistics": "物流 运输 货运 快递 配送 仓储 供应链 搬家",
    "electric": "电器 电气 家电 电机 空调 制冷 照明 灯饰 光电 电线电缆 电缆 线缆 热水器 燃气具",
    "tech": "电子 电子科技 网络科技 信息科技 信息技术 信息 网络 软件 数码 电脑 通讯 通信 智能 自动化 电子商务 科技发展",
    "metal": "五金 五金制品 金属 金属制品 不锈钢 铝材 铝业 钢材 钢铁 铜业 模具 机械 机械设备 机电 精密 钢结构",
    "furniture": "家具 家私 家居 家具制造 木业 门窗 门业 窗业 厨具",
    "building": "陶瓷 建材 石材 卫浴 洁具 玻璃 涂料 油漆 装饰 装修 设计 工程 建筑 建设",
    "property": "房地产 地产 置业 物业",
    "plastics": "塑料 塑胶 塑料制品 橡胶 化工 新材料",
    "food": "食品 饮料 酒业 调味品 味业 饲料 水产 农业 养殖 种植",
    "catering": "餐饮 酒店 饭店",
    "medical": "医药 药房 药店 医疗 器械 诊所 医院 生物 生物科技 卫生",
    "print": "印刷 包装 纸业 造纸 彩印 印务 广告 传媒 广告传媒 文化",
    "textile": "纺织 纺织品 服装 服饰 制衣 针织 织造 染整 印染 鞋业 皮革",
    "retail": "超市 百货 商场 批发 零售 礼品 工艺 珠宝 眼镜 玉器",
    "finance": "金融 担保 租赁 保险 财产保险 财险 人寿 银行 投资 保险代理 代理",
    "education": "教育 培训",
    "primary school": "小学",
    "secondary school": "中学",
    "university": "大学 学院",
    "services": "美容 美发 美容美发 摄影 婚纱 健身 体育 旅游 清洁 保洁 安防 监控 办公 文具 咨询 顾问",
    "*": "销售 服务 贸易 商贸 经贸 外贸 工贸 进出口 国际贸易 国际 实业 发展 实业发展 科技 技术 管理 商务 制品 制造 "
    "加工 生产 用品 配件 材料 维修 修理 设备 能源 新能源 环保 中心 城 世界 广场 商城",
}
TRADE_KINDS: dict[str, frozenset[str]] = {}
for _kind, _words in _TRADE_KINDS.items():
    for _word in _words.split():
        TRADE_KINDS[_word] = TRADE_KINDS.get(_word, frozenset()) | {_kind}
TRADES = sorted(TRADE_KINDS, key=len, reverse=True)
# The trade words by their last and by their first character, longest first as in TRADES: a name is tested
# against the few words that can end (start) it, not all of them. Every row of an import is keyed twice (dry
# run, commit); the linear scan was 271 ``endswith`` a name, an eighth of an import's time (issue #24).
TRADES_BY_LAST: dict[str, tuple[str, ...]] = {}
TRADES_BY_FIRST: dict[str, tuple[str, ...]] = {}
for _word in TRADES:
    TRADES_BY_LAST[_word[-1]] = (*TRADES_BY_LAST.get(_word[-1], ()), _word)
    TRADES_BY_FIRST[_word[0]] = (*TRADES_BY_FIRST.get(_word[0], ()), _word)
# A street in front of a name (季华五路金盛大酒店): it says where, not who.
_LEADING_STREET = re.compile(
    r"^[\u4e00-\u9fff]{1,4}?(?:大道|大街|路|街)(?:[东南西北中]段?)?(?:\d+号)?(?=[\u4e00-\u9fff\w]{2})"
)


def clean_text(raw: str | None) -> str:
    """Full-width to half-width, lower case, traditional to simplified, one kind of bracket, and no
    spaces or punctuation: ``（佛山）鸿運 汽車`` → ``(佛山)鸿运汽车``."""
    text = unicodedata.normalize("NFKC", raw or "").lower().translate(TRADITIONAL_TO_SIMPLIFIED)
    return _NOT_KEPT.sub("", text.translate(_BRACKETS))


def _strip_legal_form(text: str) -> str:
    for form in LEGAL_FORMS:
        if text.endswith(form) and len(text) > len(form) and not (form == "店" and text.endswith(_KEEP_SHOP)):
            return text[: -len(form)]
    return text


def _strip_places_and_forms(text: str, places: list[Place]) -> str:
    """Take legal forms and places off the end, and places and a street off the start, until nothing more
    comes off. A place in front stays when only trade words would be left (佛山照明, 南海汽车销售)."""
    while True:
        before = text
        text = _strip_legal_form(text)
        tail = trailing_place(text)
        if tail is not None:
            places.append(tail[0])
            text = text[: tail[1]]
        hit = leading_place(text)
        if hit is not None and len(text) > hit[1] and not is_only_trade(text[hit[1] :]):
            places.append(hit[0])
            text = text[hit[1] :]
        street = _LEADING_STREET.match(text)
        if street is not None and leading_place(text) is None and not is_only_trade(text[street.end() :]):
            text = text[street.end() :]
        if text == before:
            return text


def _bracket_is_place_or_form(content: str, places: list[Place]) -> bool:
    """(南海), (佛山市), (南海店), (中国), (集团): only places and forms inside."""
    found: list[Place] = []
    rest = content
    while rest:
        if rest in KNOWN and KNOWN[rest][0].level == REGION:
            found.append(KNOWN[rest][0])
            break
        hit = leading_place(rest)
        if hit is not None:
            found.append(hit[0])
            rest = rest[hit[1] :]
            continue
        shorter = next((rest[len(form) :] for form in LEGAL_FORMS if rest.startswith(form)), None)
        if shorter is None:
            return False
        rest = shorter
    places.extend(found)
    return True


def split_trade(key: str) -> tuple[str, tuple[str, ...]]:
    """The brand in front of the trade words: 鸿运汽车销售 → (鸿运, (汽车销售,)). The brand keeps two
    characters at least (新城物业 → 新城, not 新)."""
    brand, trades = key, list[str]()
    while True:
        candidates = TRADES_BY_LAST.get(brand[-1], ()) if brand else ()
        word = next((w for w in candidates if brand.endswith(w) and len(brand) - len(w) >= 2), None)
        if word is None:
            break
        trades.insert(0, word)
        brand = brand[: -len(word)]
    return brand, tuple(trades)


def trade_kinds(trades: tuple[str, ...]) -> frozenset[str]:
    """The kinds of trade named, without the words that go with any trade."""
    return frozenset(kind for word in trades for kind in TRADE_KINDS.get(word, {word}) if kind != "*")


def is_only_trade(text: str) -> bool:
    rest = text
    while rest:
        word = next((w for w in TRADES_BY_FIRST.get(rest[0], ()) if rest.startswith(w)), None)
        if word is None:
            return False
        rest = rest[len(word) :]
    return True


def is_place(text: str) -> bool:
    hit = leading_place(text)
    return hit is not None and hit[1] == len(text)


@dataclass(frozen=True)
class NameParts:
    key: str  # the name without places, legal forms, brackets and punctuation
    brand: str  # the key without its trade words (字号)
    trades: tuple[str, ...]
    places: tuple[Place, ...] = field(default=())


@lru_cache(maxsize=4096)
def name_parts(raw: str | None) -> NameParts:
    """What identifies a company name. Places come off only while something more than trade words is
    left: 佛山照明 keeps 佛山 (照明 alone names no one), and so does 南海汽车销售."""
    text = clean_text(raw)
    places: list[Place] = []

    def unbracket(match: re.Match[str]) -> str:
        return "" if _bracket_is_place_or_form(match.group(1), places) else match.group(1)

    text = _BRACKETED.sub(unbracket, text).replace("(", "").replace(")", "")
    key = _strip_places_and_forms(text, places) or text
    brand, trades = split_trade(key)
    return NameParts(key=key, brand=brand, trades=trades, places=tuple(places))


def name_key(raw: str | None) -> str:
    return name_parts(raw).key


@lru_cache(maxsize=8192)
def _syllable(character: str) -> str:
    return lazy_pinyin(character)[0]


def reading(character: str) -> str:
    """The toneless everyday reading of a character (宏, 鸿, 红: hong); a letter or digit reads itself. Only
    the everyday one: pypinyin also lists rare readings (方: feng), which would make 东方 sound like 东风."""
    return _syllable(character) if "\u3400" <= character <= "\u9fff" else character


def pinyin(text: str) -> str:
    """Toneless pinyin, one syllable per character, letters and digits kept: 鸿运汽车 → hongyunqiche.
    Character by character (no phrase readings), so that both sides of a comparison read alike."""
    return "".join(reading(character) for character in text)


# --- addresses ----------------------------------------------------------------------------------

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
# Numbers of houses, floors and rooms (十号, 之一), not of streets (海八路 stays a name).
_CHINESE_NUMBER = re.compile(
    r"(?<=之)[零〇一二两三四五六七八九十百千]+|[零〇一二两三四五六七八九十百千]+(?=[号楼层室栋座幢铺])"
)
_HOUSE_NUMBER = re.compile(r"\d+号(?:之\d+)?")
_BARE_NUMBER = re.compile(r"\d+(?!.*\d)")


def _chinese_number(text: str) -> str:
    """十 → 10, 二十三 → 23, 一百零五 → 105, 三 → 3 (up to 9999)."""
    total, digit = 0, 0
    for character in text:
        if character in _DIGITS:
            digit = _DIGITS[character]
        else:
            unit = {"十": 10, "百": 100, "千": 1000}[character]
            total += (digit or 1) * unit
            digit = 0
    return str(total + digit)


def _strip_leading_places(text: str) -> str:
    """Places in front of the street: with their suffix (佛山市, 南海区, 桂城街道), a town, or a place followed
    by another (佛山南海…); a bare district before a street stays, being part of its name (南海大道)."""
    while (hit := leading_place(text)) is not None and len(text) > hit[1]:
        place, length = hit
        with_suffix = length > len(place.name)
        if not (with_suffix or place.level in (TOWN, COUNTRY) or leading_place(text[length:]) is not None):
            break
        text = text[length:]
    return text


def address_key(raw: str | None) -> str:
    """The address without places in front, up to and with its house number: 广东省佛山市南海区桂城南海大道北
    十号三楼 → 南海大道北10号. Floors and rooms are dropped, so that two offices of one building match. An
    address that is only a place has no key (``""``)."""
    text = clean_text(raw).replace("(", "").replace(")", "")
    text = _CHINESE_NUMBER.sub(lambda match: _chinese_number(match.group()), text)
    text = _strip_leading_places(text)
    hit = leading_place(text)
    if hit is not None and hit[1] == len(text):
        return ""
    number = _HOUSE_NUMBER.search(text) or _BARE_NUMBER.search(text)
    if number is not None:
        house = number.group()
        text = text[: number.start()] + (house if "号" in house else house + "号")
    return text[:300]


# --- where a customer is ------------------------------------------------------------------------


@dataclass(frozen=True)
class Whereabouts:
    """The provinces, cities, districts and towns a record names; two records lie apart when both name
    places at one level and share none (佛山 and 广州, 南海 and 顺德, 大良 and 容桂)."""

    provinces: frozenset[str] = frozenset()
    cities: frozenset[str] = frozenset()
    districts: frozenset[str] = frozenset()
    towns: frozenset[str] = frozenset()

    def apart_from(self, other: Whereabouts) -> tuple[str, str]:
        """The first two places, one of each record, at the level where they lie apart (``("", "")``)."""
        for mine, theirs in (
            (self.provinces, other.provinces),
            (self.cities, other.cities),
            (self.districts, other.districts),
            (self.towns, other.towns),
        ):
            if mine and theirs and not mine & theirs:
                return min(mine), min(theirs)
        return "", ""


@lru_cache(maxsize=8192)
def whereabouts(*, name: str = "", district: str = "", address: str = "") -> Whereabouts:
    """Level by level, from the district field if it names that level, else the address, else the name:
    a name 福田贸易 typed with the district 南山区 lies in 南山."""
    parts = name_parts(name)
    # Cities named inside a name count too (广东电网佛山供电局).
    in_name = list(parts.places) + [p for p in places_in(parts.key) if p.level == CITY]
    sources = (places_in(clean_text(district)), places_in(_address_head(address)), in_name)

    def level(attribute: str, *, of_level: str = "") -> frozenset[str]:
        for places in sources:
            values = frozenset(
                getattr(p, attribute) for p in places if getattr(p, attribute) and (not of_level or p.level == of_level)
            )
            if values:
                return values
        return frozenset()

    return Whereabouts(
        provinces=level("province"),
        cities=level("city"),
        districts=level("district"),
        towns=level("name", of_level=TOWN),
    )


def _address_head(address: str) -> str:
    """The places an address starts with (广东省佛山市南海区桂城…)."""
    text = clean_text(address)
    position = 0
    while (hit := leading_place(text[position:])) is not None:
        position += hit[1]
    return text[:position]


HEAD = 2


def name_head(key: str) -> str:
    """The sound of a key's first two characters (鸿运汽车 → hongyun). Names the matcher may call similar
    start with characters that read alike (``scoring.alike``), so they share it: an exact, indexed way to
    the candidates, the same on every database and for a whole batch of an import."""
    return pinyin(key[:HEAD])[:20]


def match_keys(*, unit_name: str, address: str) -> dict[str, str]:
    """The values stored on a customer for the duplicate check (``Customer.name_key`` …)."""
    key = name_key(unit_name)[:200]
    return {"name_key": key, "name_head": name_head(key), "address_key": address_key(address)}

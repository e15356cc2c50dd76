"""How alike two company names are, from 0 to 1, and what the score rests on. Pure functions.

The brand (字号) carries a name: 鸿运汽车 and 鸿运汽车销售 are one company, 宝马汽车销售 and 鸿运汽车销售 are not,
although the second pair shares more characters. So:

- the same key (name without places and legal forms) scores 1;
- otherwise the brands are compared character by character, characters that read alike counting as the
  same (宏运 / 鸿运, 华厦 / 华夏), and a brand that the other name starts with counts as an abbreviation
  (安达 / 安达租车);
- two names whose trades are of different kinds (汽车 / 物流) are two companies of one brand: the score is
  halved;
- where one side's trade was not recognised (a typo in it: 陶磁 / 陶瓷), the whole keys are compared too,
  provided they start alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import Indel

from accounts.customers.duplicates.keys import HEAD, NameParts, is_place, reading, trade_kinds

# Names that only read alike (宏运 / 鸿运), or share the brand but not the key (鸿运汽车 / 鸿运汽车销售), are
# close, but not the same name.
HOMOPHONE_SCORE = 0.9
BEST_SIMILAR = 0.95
OTHER_TRADE_FACTOR = 0.5
# Numbers name things apart: 第1分店 / 第2分店, 单位12 / 单位13.
OTHER_NUMBER_FACTOR = 0.5
_NUMBERS = re.compile(r"\d+")
ABBREVIATION_SCORE = 0.85
# Two names whose first two characters (where the brand usually is) do not read alike are cut below the
# threshold: 华发玉器 / 华艺玉器 are two shops. So every similar pair shares ``keys.name_head``.
OTHER_HEAD_FACTOR = 0.6


@dataclass(frozen=True)
class NameSimilarity:
    score: float
    same_key: bool = False
    other_trade: bool = False


def _tokens(first: str, second: str) -> tuple[list[str], list[str]]:
    """The two strings as tokens, a character of ``second`` taking the token of one of ``first`` that reads
    alike (鸿运 / 宏运: 宏 becomes 鸿)."""
    sounds = {reading(character): character for character in first}
    return list(first), [
        character if character in first else sounds.get(reading(character), character) for character in second
    ]


def _ratio(first: str, second: str) -> float:
    """0–1: the characters in order (2 × the longest common subsequence / both lengths, as difflib's ratio;
    rapidfuzz computes it in C), characters that read alike counting as the same."""
    if not first or not second:
        return 0.0
    if first == second:
        return 1.0
    ratio = Indel.normalized_similarity(*_tokens(first, second))
    return HOMOPHONE_SCORE if ratio == 1.0 else ratio


def alike(first: str, second: str) -> float:
    """As ``_ratio``, cut when the first two characters (where the brand usually is) differ: 第一中学 /
    第三中学, 华发玉器 / 华艺玉器."""
    score = _ratio(first, second)
    if score and _ratio(first[:HEAD], second[:HEAD]) < HOMOPHONE_SCORE:
        score *= OTHER_HEAD_FACTOR
    return score


def _abbreviates(short: NameParts, long: NameParts) -> bool:
    """安达 (brand of 安达汽车租赁) starts 安达租车: one was shortened from the other."""
    return len(short.brand) >= 2 and short.brand != long.key and long.key.startswith(short.brand)


def name_similarity(first: NameParts, second: NameParts) -> NameSimilarity:
    if not first.key or not second.key:
        return NameSimilarity(0.0)
    if first.key == second.key:
        return NameSimilarity(1.0, same_key=True)
    kinds_first, kinds_second = trade_kinds(first.trades), trade_kinds(second.trades)
    other_trade = bool(kinds_first and kinds_second and not kinds_first & kinds_second)
    if is_place(first.brand) or is_place(second.brand):
        # 佛山市汽车运输 / 佛山市物流运输: a place for a brand, the trade is what names them.
        score = alike("".join(first.trades), "".join(second.trades)) if first.brand == second.brand else 0.0
    else:
        score = alike(first.brand, second.brand)
        if _abbreviates(first, second) or _abbreviates(second, first):
            score = max(score, ABBREVIATION_SCORE)
        if not (first.trades and second.trades):
            score = max(score, alike(first.key, second.key))
    if other_trade:
        score *= OTHER_TRADE_FACTOR
    numbers_first, numbers_second = _NUMBERS.findall(first.key), _NUMBERS.findall(second.key)
    if numbers_first and numbers_second and numbers_first != numbers_second:
        score *= OTHER_NUMBER_FACTOR
    return NameSimilarity(round(min(score, BEST_SIMILAR), 2), other_trade=other_trade)

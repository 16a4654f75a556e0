"""Statistical division codes (统计用区划代码) of the National Bureau of Statistics.

A code has 12 digits: GB/T 2260 (province 2 + city 2 + county 2) + township 3 +
village 3, e.g. ``220581102202``. The level follows from the trailing zeros, the
subtree of a division is every code starting with its significant prefix (so a
subtree query is an index range scan on ``code LIKE prefix || '%'``).

A 6-digit GB/T 2260 code (``220581``) is accepted everywhere a code is taken and
padded with six zeros to the 12-digit county code (``220581000000``).
"""
from __future__ import annotations

from typing import Literal

from govkit.errors import ValidationError

#: GB/T 2260 province-level codes (省级), including 台湾, 香港, 澳门.
PROVINCE_CODES: dict[str, str] = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省",
    "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省", "35": "福建省",
    "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省",
    "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省", "54": "西藏自治区",
    "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区",
    "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}

#: Level numbers: 1 province (省), 2 city (市), 3 county (县), 4 township (乡镇/街道), 5 village (村/社区).
LEVEL_NAMES: dict[int, str] = {1: "省级", 2: "市级", 3: "县级", 4: "乡级", 5: "村级"}

#: Significant prefix length per level.
_PREFIX_LENGTH: dict[int, int] = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}

#: 城乡分类代码 (NBS urban-rural classification).
URBAN_RURAL_CLASSES: dict[str, str] = {
    "111": "主城区",
    "112": "城乡结合区",
    "121": "镇中心区",
    "122": "镇乡结合区",
    "123": "特殊区域",
    "210": "乡中心区",
    "220": "村庄",
}

TownshipKind = Literal["街道", "镇", "乡", "其他"]


def validate_division_code(value: str) -> str:
    """Return the normalised 12-digit code or raise ValidationError saying what is wrong.

    6-digit GB/T 2260 codes are padded to 12 digits (county level).
    """
    code = str(value).strip()
    if len(code) == 6 and code.isdigit():
        code += "000000"
    if len(code) != 12:
        raise ValidationError(
            f"区划代码“{code}”应为 12 位数字（统计用区划代码）或 6 位数字（GB/T 2260），"
            f"实际为 {len(code)} 位。"
        )
    if not code.isascii() or not code.isdigit():
        raise ValidationError(f"区划代码“{code}”只能包含数字 0–9，请删除其中的字母或符号。")
    if code[:2] not in PROVINCE_CODES:
        raise ValidationError(
            f"区划代码“{code}”的前两位“{code[:2]}”不是有效的省级代码，请核对代码来源。"
        )
    if code[2:4] == "00" and code[4:] != "00000000":
        raise ValidationError(
            f"区划代码“{code}”第 3–4 位（市级）为 00，但后面的位不全为 0；请核对代码。"
        )
    if code[6:9] == "000" and code[9:] != "000":
        raise ValidationError(
            f"区划代码“{code}”第 7–9 位（乡级）为 000，但第 10–12 位（村级）不为 000；"
            "村级代码必须挂在乡级代码之下，请核对代码。"
        )
    return code


def level_of(code: str) -> int:
    """Level from the trailing zeros: 1 province … 5 village."""
    code = validate_division_code(code)
    if code[2:] == "0" * 10:
        return 1
    if code[4:] == "0" * 8:
        return 2
    if code[6:] == "0" * 6:
        return 3
    if code[9:] == "000":
        return 4
    return 5


def parent_code(code: str) -> str | None:
    """The parent division's 12-digit code; ``None`` for a province.

    A township directly under a city without counties (e.g. 东莞 ``441900003000``)
    has that city (``441900000000``) as parent.
    """
    code = validate_division_code(code)
    level = level_of(code)
    if level == 1:
        return None
    keep = _PREFIX_LENGTH[level - 1]
    return code[:keep].ljust(12, "0")


def subtree_prefix(code: str) -> str:
    """The significant prefix (2/4/6/9/12 digits) every descendant's code starts with."""
    code = validate_division_code(code)
    return code[: _PREFIX_LENGTH[level_of(code)]]


def township_kind(code: str) -> TownshipKind:
    """街道/镇/乡/其他 from digits 7–9 of a township (or village) code."""
    code = validate_division_code(code)
    if level_of(code) < 4:
        raise ValidationError(
            f"区划代码“{code}”不是乡级或村级代码，无法判断街道/镇/乡类别。"
        )
    number = int(code[6:9])
    if number < 100:
        return "街道"
    if number < 200:
        return "镇"
    if number < 400:
        return "乡"
    return "其他"


def validate_urban_rural_class(value: str | int) -> str:
    """Return the 3-digit 城乡分类代码 or raise ValidationError listing the valid ones."""
    code = str(value).strip()
    if code not in URBAN_RURAL_CLASSES:
        choices = "、".join(f"{k} {v}" for k, v in URBAN_RURAL_CLASSES.items())
        raise ValidationError(f"城乡分类代码“{code}”无效，应为以下之一：{choices}。")
    return code

"""Citizen ID numbers (公民身份号码, GB 11643-1999) and masking of personal data.

Layout of the 18 characters: address code 6 (GB/T 2260) + birth date 8
(YYYYMMDD) + sequence 3 (odd = male) + check character (ISO 7064 MOD 11-2,
``X`` stands for 10).
"""
from __future__ import annotations

from datetime import date
from typing import Literal

from govkit.errors import ValidationError
from govkit.hierarchy.codes import PROVINCE_CODES

_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))  # 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, …
_CHECK_CHARS = "10X98765432"  # index = weighted sum mod 11
# 83 = 台湾居民居住证 (港澳台居民居住证 use 81/82/83 with the same layout).
_REGION_PREFIXES = frozenset(PROVINCE_CODES) | {"83"}
_EARLIEST_BIRTH_YEAR = 1900


def id_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def validate_id_number(value: str, *, today: date | None = None) -> str:
    """Return the normalised number (upper-case X) or raise ValidationError saying why.

    Checks the length, the characters, the province prefix, the birth date (a real
    date, from 1900, not after ``today``) and the check character.
    """
    number = str(value).strip().replace(" ", "").upper()
    if len(number) == 15 and number.isdigit():
        raise ValidationError(
            "这是 15 位旧版身份证号码，请改为录入 18 位公民身份号码（见新版身份证）。"
        )
    if len(number) != 18:
        raise ValidationError(f"身份证号码应为 18 位，实际为 {len(number)} 位，请核对后重新录入。")
    if not (number[:17].isascii() and number[:17].isdigit()):
        raise ValidationError("身份证号码前 17 位只能是数字，请核对后重新录入。")
    if not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(
            f"身份证号码最后一位只能是数字或 X，实际为“{number[17]}”，请核对后重新录入。"
        )
    if number[:2] not in _REGION_PREFIXES:
        hint = "；如为外国人永久居留身份证，请选择相应证件类型" if number[0] == "9" else ""
        raise ValidationError(
            f"身份证号码前两位“{number[:2]}”不是有效的省级行政区划代码{hint}，请核对后重新录入。"
        )
    _birth_date(number, today or date.today())
    expected = id_check_char(number[:17])
    if number[17] != expected:
        raise ValidationError(
            f"身份证号码校验位错误：应为 {expected}，实际为 {number[17]}。"
            "请逐位核对号码，常见原因是某一位抄错。"
        )
    return number


def _birth_date(number: str, today: date) -> date:
    text = number[6:14]
    try:
        born = date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise ValidationError(
            f"身份证号码第 7–14 位出生日期“{text}”不是有效日期，请核对后重新录入。"
        ) from None
    if born > today:
        raise ValidationError(
            f"身份证号码中的出生日期 {born.year}年{born.month}月{born.day}日晚于今天，"
            "请核对后重新录入。"
        )
    if born.year < _EARLIEST_BIRTH_YEAR:
        raise ValidationError(
            f"身份证号码中的出生年份 {born.year} 早于 {_EARLIEST_BIRTH_YEAR} 年，请核对后重新录入。"
        )
    return born


def birth_date_from_id(value: str) -> date:
    """Birth date encoded in a (validated) ID number."""
    return _birth_date(validate_id_number(value), date.today())


def gender_from_id(value: str) -> Literal["男", "女"]:
    """男 when the sequence digit (17th) is odd, else 女."""
    return "男" if int(validate_id_number(value)[16]) % 2 else "女"


def mask_id_number(value: str) -> str:
    """Keep the first 6 and last 4 characters: ``220581********123X``.

    Never raises; strings too short to keep 10 characters are masked entirely.
    """
    number = str(value).strip().upper()
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_phone(value: str) -> str:
    """Keep the first 3 and last 4 digits: ``138****5678``.

    Never raises; numbers shorter than 8 characters keep only the last 2.
    """
    phone = str(value).strip()
    if len(phone) <= 2:
        return "*" * len(phone)
    if len(phone) < 8:
        return "*" * (len(phone) - 2) + phone[-2:]
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]

"""Catalog codes: unified social credit code, basic code, implementation code.

- 统一社会信用代码 (GB 32100-2015): 18 characters from ``0-9A-HJ-NPQRTUWXY``;
  1 registration authority, 1 organisation category, 6 division code (digits),
  9 organisation code, 1 check character (weighted MOD 31).
- 基本编码: the catalog's basic code of a service item, up to 12 letters/digits.
- 实施编码: observed layout = USCC of the implementing body (18) + exercise level
  (1 digit, 1–6) + basic code.
"""
from __future__ import annotations

from dataclasses import dataclass

from govkit.errors import ValidationError

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
_USCC_VALUES = {c: i for i, c in enumerate(USCC_CHARSET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

BASIC_CODE_MAX_LENGTH = 12

#: 行使层级 (exercise level), the 19th character of an implementation code.
EXERCISE_LEVELS: dict[int, str] = {
    1: "国家级",
    2: "省级",
    3: "市级",
    4: "县级",
    5: "乡级（镇、街道）",
    6: "村级（社区）",
}


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a USCC."""
    total = sum(_USCC_VALUES[c] * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> str:
    """Return the normalised (upper-case) USCC or raise ValidationError saying what is wrong."""
    code = str(value).strip().upper()
    if len(code) != 18:
        raise ValidationError(
            f"统一社会信用代码应为 18 位，实际为 {len(code)} 位，请核对营业执照或登记证书。"
        )
    bad = [c for c in code if c not in _USCC_VALUES]
    if bad:
        raise ValidationError(
            f"统一社会信用代码含有不允许的字符“{bad[0]}”（代码不使用 I、O、S、V、Z 和符号），"
            "请核对是否把数字 0/1/5/2 误写成了字母。"
        )
    if not code[2:8].isdigit():
        raise ValidationError(
            f"统一社会信用代码第 3–8 位（登记管理机关行政区划码）应为数字，实际为“{code[2:8]}”。"
        )
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise ValidationError(
            f"统一社会信用代码校验位错误：应为 {expected}，实际为 {code[17]}。请逐位核对代码。"
        )
    return code


def validate_basic_code(value: str) -> str:
    """Return the normalised (upper-case) basic code (基本编码) or raise ValidationError."""
    code = str(value).strip().upper()
    if not code:
        raise ValidationError("事项基本编码不能为空，请填写 1–12 位字母或数字。")
    if len(code) > BASIC_CODE_MAX_LENGTH:
        raise ValidationError(
            f"事项基本编码最多 {BASIC_CODE_MAX_LENGTH} 位，实际为 {len(code)} 位，请核对。"
        )
    if not (code.isascii() and code.isalnum()):
        raise ValidationError(
            f"事项基本编码“{code}”只能包含字母和数字，请删除空格、横线等符号。"
        )
    return code


@dataclass(frozen=True)
class ImplementationCode:
    """A parsed implementation code (实施编码)."""

    uscc: str
    level: int
    basic_code: str

    @property
    def level_name(self) -> str:
        """行使层级 in words, e.g. 县级."""
        return EXERCISE_LEVELS[self.level]

    def __str__(self) -> str:
        return f"{self.uscc}{self.level}{self.basic_code}"


def parse_implementation_code(value: str) -> ImplementationCode:
    """Split and validate ``USCC(18) + level(1, 1–6) + basic code(≤12)``.

    Each ValidationError names the part that is wrong.
    """
    code = str(value).strip().upper()
    longest = 19 + BASIC_CODE_MAX_LENGTH
    if not 20 <= len(code) <= longest:
        raise ValidationError(
            f"实施编码应为 20–{longest} 位（18 位统一社会信用代码 + 1 位行使层级 + 基本编码），"
            f"实际为 {len(code)} 位。"
        )
    try:
        uscc = validate_uscc(code[:18])
    except ValidationError as error:
        raise ValidationError(f"实施编码第 1–18 位（实施主体统一社会信用代码）有误：{error}") from None
    level = code[18]
    if level not in "123456":
        choices = "、".join(f"{k} {v}" for k, v in EXERCISE_LEVELS.items())
        raise ValidationError(
            f"实施编码第 19 位（行使层级）应为 1–6（{choices}），实际为“{level}”。"
        )
    try:
        basic = validate_basic_code(code[19:])
    except ValidationError as error:
        raise ValidationError(f"实施编码第 20 位起（事项基本编码）有误：{error}") from None
    return ImplementationCode(uscc=uscc, level=int(level), basic_code=basic)

"""Unified social credit code, basic code and implementation code."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govkit.catalog.codes import (
    ImplementationCode,
    parse_implementation_code,
    validate_basic_code,
    validate_uscc,
)
from govkit.errors import ValidationError

# Independent reference (GB 32100-2015 §4 and Table 3).
REFERENCE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
REFERENCE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def with_check(first17: str) -> str:
    total = sum(REFERENCE_CHARSET.index(c) * w for c, w in zip(first17, REFERENCE_WEIGHTS))
    return first17 + REFERENCE_CHARSET[(31 - total % 31) % 31]


# The commonly cited example, by hand (M = 21, Y = 30):
# 9·1 + 1·3 + 3·9 + 5·27 + 0·19 + 1·26 + 0·16 + 0·17 + 21·20 + 0·29 + 0·25 + 0·13 + 1·8
# + 0·24 + 0·10 + 30·30 + 4·28 = 1640; 1640 mod 31 = 28; 31 - 28 = 3 -> "3".
EXAMPLE_USCC = "91350100M000100Y43"


@pytest.fixture
def implementation_code() -> str:
    # USCC + exercise level 4 (县级) + basic code 000105001000.
    return EXAMPLE_USCC + "4" + "000105001000"


def test_valid_uscc() -> None:
    assert with_check("91350100M000100Y4") == EXAMPLE_USCC
    assert validate_uscc(EXAMPLE_USCC) == EXAMPLE_USCC
    assert validate_uscc(" 91350100m000100y43 ") == EXAMPLE_USCC


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91350100M000100Y44", "校验位错误：应为 3，实际为 4"),
        ("91350100M000100Y4", "应为 18 位，实际为 17 位"),
        ("91350100M000100I43", "不允许的字符“I”"),
        ("9135O100M000100Y43", "不允许的字符“O”"),
        (with_check("913501A0M000100Y4"), "第 3–8 位"),
    ],
)
def test_invalid_uscc(code: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        validate_uscc(code)


bodies = st.text(alphabet=REFERENCE_CHARSET, min_size=17, max_size=17).filter(
    lambda s: s[2:8].isdigit()
)


@given(bodies)
def test_reference_codes_validate(first17: str) -> None:
    code = with_check(first17)
    assert validate_uscc(code) == code
    wrong = REFERENCE_CHARSET[(REFERENCE_CHARSET.index(code[17]) + 1) % 31]
    with pytest.raises(ValidationError, match="校验位错误"):
        validate_uscc(code[:17] + wrong)


def test_basic_code() -> None:
    assert validate_basic_code("000105001000") == "000105001000"
    assert validate_basic_code("ab12") == "AB12"
    for bad, message in [("", "不能为空"), ("0001050010001", "最多 12 位"), ("0001-05", "只能包含")]:
        with pytest.raises(ValidationError, match=message):
            validate_basic_code(bad)


def test_parse_implementation_code(implementation_code: str) -> None:
    parsed = parse_implementation_code(implementation_code)
    assert parsed == ImplementationCode(EXAMPLE_USCC, 4, "000105001000")
    assert parsed.level_name == "县级"
    assert str(parsed) == implementation_code


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda c: c[:17] + "4" + c[18:], "第 1–18 位.*校验位错误"),
        (lambda c: c[:18] + "7" + c[19:], "第 19 位（行使层级）应为 1–6"),
        (lambda c: c[:19] + "0001-5001000", "第 20 位起（事项基本编码）"),
        (lambda c: c[:19], "应为 20–31 位"),
        (lambda c: c + "0", "实际为 32 位"),
    ],
)
def test_implementation_code_errors_name_the_part(
    implementation_code: str, mutate, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_implementation_code(mutate(implementation_code))

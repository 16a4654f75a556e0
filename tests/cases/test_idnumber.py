"""GB 11643-1999 citizen ID numbers and masking."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govkit.cases.idnumber import (
    birth_date_from_id,
    gender_from_id,
    mask_id_number,
    mask_phone,
    validate_id_number,
)
from govkit.errors import ValidationError

# Independent reference (GB 11643 Table 1), written out rather than derived.
REFERENCE_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
REFERENCE_CHECK = ["1", "0", "X", "9", "8", "7", "6", "5", "4", "3", "2"]


def with_check(first17: str) -> str:
    """Append the reference check character."""
    total = sum(int(c) * w for c, w in zip(first17, REFERENCE_WEIGHTS))
    return first17 + REFERENCE_CHECK[total % 11]


# The standard's own example, by hand:
# 1·7 + 1·9 + 0·10 + 1·5 + 0·8 + 5·4 + 1·2 + 9·1 + 4·6 + 9·3 + 1·7 + 2·9 + 3·10 + 1·5
# + 0·8 + 0·4 + 2·2 = 167; 167 mod 11 = 2 -> "X".
STANDARD_EXAMPLE = "11010519491231002X"
# 梅河口市 (220581), born 1990-03-07, sequence 001, by hand:
# 2·7 + 2·9 + 0·10 + 5·5 + 8·8 + 1·4 + 1·2 + 9·1 + 9·6 + 0·3 + 0·7 + 3·9 + 0·10 + 7·5
# + 0·8 + 0·4 + 1·2 = 254; 254 mod 11 = 1 -> "0".
MEIHEKOU = "220581199003070010"


@pytest.fixture
def today() -> date:
    return date(2025, 6, 1)


def test_valid_numbers(today: date) -> None:
    assert with_check("11010519491231002") == STANDARD_EXAMPLE
    assert with_check("22058119900307001") == MEIHEKOU
    assert validate_id_number(STANDARD_EXAMPLE, today=today) == STANDARD_EXAMPLE
    assert validate_id_number(MEIHEKOU, today=today) == MEIHEKOU


def test_normalises_lowercase_x_and_spaces(today: date) -> None:
    assert validate_id_number(" 110105 19491231 002x ", today=today) == STANDARD_EXAMPLE


def test_wrong_check_digit(today: date) -> None:
    with pytest.raises(ValidationError, match="校验位错误：应为 X，实际为 5"):
        validate_id_number("110105194912310025", today=today)


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("22058119900307001", "应为 18 位，实际为 17 位"),
        ("2205811990030700101", "实际为 19 位"),
        ("220581900307001", "15 位旧版"),
        ("22058119900A070010", "前 17 位只能是数字"),
        ("22058119900307001Y", "最后一位只能是数字或 X"),
        (with_check("00058119900307001"), "前两位“00”"),
        (with_check("91058119900307001"), "外国人永久居留身份证"),
        (with_check("22058119900230001"), "出生日期“19900230”不是有效日期"),
        (with_check("22058119901301001"), "不是有效日期"),
        (with_check("22058120300101001"), "晚于今天"),
        (with_check("44052418800101001"), "早于 1900 年"),
    ],
)
def test_invalid_numbers(today: date, number: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        validate_id_number(number, today=today)


def test_birth_date_and_gender() -> None:
    assert birth_date_from_id(STANDARD_EXAMPLE) == date(1949, 12, 31)
    assert gender_from_id(STANDARD_EXAMPLE) == "女"  # sequence 002: even
    assert birth_date_from_id(MEIHEKOU) == date(1990, 3, 7)
    assert gender_from_id(MEIHEKOU) == "男"  # sequence 001: odd


def test_masking() -> None:
    assert mask_id_number("22058119900307123x") == "220581********123X"
    assert mask_id_number("") == ""
    assert mask_id_number("12345") == "*****"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0435-3212345") == "043*****2345"
    assert mask_phone("12345") == "***45"


ids = st.builds(
    lambda region, born, seq: with_check(f"{region}{born:%Y%m%d}{seq:03d}"),
    st.sampled_from(["110105", "220581", "440304", "650102"]),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 6, 1)),
    st.integers(min_value=0, max_value=999),
)


@given(number=ids)
def test_reference_numbers_validate(number: str) -> None:
    assert validate_id_number(number, today=date(2025, 6, 1)) == number
    assert mask_id_number(number) == number[:6] + "********" + number[-4:]


@given(number=ids, position=st.integers(min_value=0, max_value=16), delta=st.integers(1, 9))
def test_every_single_digit_error_is_caught(number: str, position: int, delta: int) -> None:
    wrong = str((int(number[position]) + delta) % 10)
    typo = number[:position] + wrong + number[position + 1 :]
    with pytest.raises(ValidationError):
        validate_id_number(typo, today=date(2025, 6, 1))

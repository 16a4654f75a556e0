"""NBS 12-digit statistical division codes."""
from __future__ import annotations

import pytest

from govkit.errors import ValidationError
from govkit.hierarchy.codes import (
    URBAN_RURAL_CLASSES,
    level_of,
    parent_code,
    subtree_prefix,
    township_kind,
    validate_division_code,
    validate_urban_rural_class,
)

# 吉林省 > 通化市 > 梅河口市 > a town (102) > a village (202).
CHAIN = ["220000000000", "220500000000", "220581000000", "220581102000", "220581102202"]


@pytest.fixture
def village() -> str:
    return CHAIN[-1]


@pytest.mark.parametrize(("code", "level"), [(c, i + 1) for i, c in enumerate(CHAIN)])
def test_levels(code: str, level: int) -> None:
    assert level_of(code) == level


def test_parents_walk_up_to_the_province(village: str) -> None:
    walked = [village]
    while (parent := parent_code(walked[-1])) is not None:
        walked.append(parent)
    assert walked == CHAIN[::-1]


@pytest.mark.parametrize(
    ("code", "prefix"), list(zip(CHAIN, ["22", "2205", "220581", "220581102", "220581102202"]))
)
def test_subtree_prefix(code: str, prefix: str) -> None:
    assert subtree_prefix(code) == prefix
    assert CHAIN[-1].startswith(prefix)


def test_six_digit_gbt2260_codes_are_padded() -> None:
    assert validate_division_code("220581") == "220581000000"
    assert level_of("220581") == 3
    assert parent_code("220581") == "220500000000"


def test_city_without_counties() -> None:
    # 东莞市 (441900) has its towns and 街道 directly under the city.
    assert level_of("441900003000") == 4
    assert parent_code("441900003000") == "441900000000"
    assert level_of("441900000000") == 2
    assert "441900003000".startswith(subtree_prefix("441900000000"))


@pytest.mark.parametrize(
    ("township", "kind"),
    [("001", "街道"), ("099", "街道"), ("100", "镇"), ("199", "镇"), ("200", "乡"),
     ("399", "乡"), ("400", "其他"), ("500", "其他")],
)
def test_township_kind(township: str, kind: str) -> None:
    assert township_kind(f"220581{township}000") == kind
    assert township_kind(f"220581{township}201") == kind  # a village inherits its township's


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("2205811022", "应为 12 位数字.*实际为 10 位"),
        ("22058110220A", "只能包含数字"),
        ("990581102202", "前两位“99”"),
        ("220581000202", "村级代码必须挂在乡级代码之下"),
        ("220081102202", "第 3–4 位（市级）为 00"),
    ],
)
def test_invalid_codes(code: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        validate_division_code(code)


def test_township_kind_needs_a_township() -> None:
    with pytest.raises(ValidationError, match="不是乡级或村级代码"):
        township_kind("220581000000")


def test_urban_rural_classes() -> None:
    assert set(URBAN_RURAL_CLASSES) == {"111", "112", "121", "122", "123", "210", "220"}
    assert validate_urban_rural_class("220") == "220"
    assert validate_urban_rural_class(111) == "111"
    with pytest.raises(ValidationError, match="城乡分类代码“130”无效.*220 村庄"):
        validate_urban_rural_class("130")

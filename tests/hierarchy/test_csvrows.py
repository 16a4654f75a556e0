"""The fast row parser accepts exactly what the strict one accepts, with the same result."""
from __future__ import annotations

import io
import random

import pytest

from govkit.errors import ValidationError
from govkit.hierarchy.codes import level_of, parent_code
from govkit.hierarchy.csvrows import DivisionRow, iter_records, parse_row, parse_row_strict


def _outcome(parser, raw, fmt):
    try:
        return parser(raw, fmt)
    except ValidationError as error:
        return str(error)


def _random_code(rng: random.Random) -> str:
    parts = [rng.choice(["62", "00", "99", "11", "6a"]), rng.choice(["10", "00", "19"]),
             rng.choice(["02", "00"]), rng.choice(["101", "000", "001", "201"]), rng.choice(["201", "000", "001"])]
    code = "".join(parts)
    return rng.choice([code, code[:11], code + "1", " " + code, code[:6], "６" + code[1:]])


@pytest.mark.parametrize("seed", range(5))
def test_fast_and_strict_parsers_agree(seed):
    rng = random.Random(seed)
    for _ in range(2000):
        code = _random_code(rng)
        name = rng.choice(["米王村委会", "", " 肖金镇 ", "111", "名" * 101])
        klass = rng.choice(["", "220", "999", "111"])
        raw_nbs = [code, name, klass][: rng.choice([1, 2, 3])]
        assert _outcome(parse_row, raw_nbs, "nbs") == _outcome(parse_row_strict, raw_nbs, "nbs"), raw_nbs
        level = rng.choice(["1", "3", "4", "5"])
        pcode = rng.choice(["0", "621002101000", "621002000000", ""])
        raw_five = [code, name, level, pcode, klass][: rng.choice([3, 4, 5])]
        assert _outcome(parse_row, raw_five, "five-level") == _outcome(parse_row_strict, raw_five, "five-level")


@pytest.mark.parametrize("code", ["620000000000", "621000000000", "621002000000", "621002101000",
                                  "621002101201", "441900003000", "441900003501"])
def test_row_parent_matches_codes_module(code):
    row = DivisionRow(code, "x", level_of(code), None)
    assert row.parent == parent_code(code)


def test_header_and_blank_records_are_skipped_and_lines_are_file_lines():
    text = "统计用区划代码,名称,城乡分类代码\n\n621002101201,\"米王\n村委会\",122\n,,\n621002101202,二号村委会,220\n"
    records = list(iter_records(io.StringIO(text), "nbs"))
    assert [line for line, _ in records] == [4, 6]


def test_unknown_format_is_refused():
    with pytest.raises(ValidationError):
        list(iter_records(io.StringIO("x"), "xlsx"))

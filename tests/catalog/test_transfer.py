"""Catalog import/export: lossless round trip, row-level errors, all-or-nothing."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from govkit.catalog import transfer
from govkit.catalog.models import Implementation, ServiceItem
from govkit.errors import ImportRowError

from .conftest import make_item, rich_catalog

pytestmark = pytest.mark.both_backends


@pytest.mark.parametrize("fmt", transfer.FORMATS)
def test_round_trip_is_byte_identical(divisions, empty_session, fmt):
    rich_catalog(divisions)
    first = transfer.export_catalog(divisions, fmt)
    counts = transfer.import_catalog(empty_session, first, fmt)
    empty_session.commit()
    assert counts["事项"] == 3 and counts["实施清单"] == 3 and counts["申请材料"] == 8
    second = transfer.export_catalog(empty_session, fmt)
    assert second == first
    # Re-importing the same file into the filled database changes nothing either.
    transfer.import_catalog(empty_session, first, fmt)
    empty_session.commit()
    assert transfer.export_catalog(empty_session, fmt) == first


def test_round_trip_keeps_versions_sources_and_children(divisions, empty_session):
    rich_catalog(divisions)
    transfer.import_catalog(empty_session, transfer.export_catalog(divisions, "json"), "json")
    empty_session.commit()
    impls = empty_session.scalars(select(Implementation).order_by(Implementation.code, Implementation.version)).all()
    statuses = [(i.version, i.status) for i in impls]
    assert statuses == [(1, "已发布"), (2, "草稿"), (1, "草稿")]
    town = impls[2]
    assert town.source == "plugin:local" and [str(f.amount) for f in town.fees] == ["5.00", "12.50"]
    assert town.department.name == "示范镇便民服务中心"
    v1 = impls[0]
    assert [m.necessity for m in v1.materials] == ["必需", "情形必需", "容缺"]
    assert v1.materials[0].sample_name == '样表,"填写".pdf'
    assert v1.special_procedures[0].counts_in_deadline is True
    sub = empty_session.scalar(select(ServiceItem).where(ServiceItem.basic_code == "000105001001"))
    assert sub.parent.basic_code == "000105001000" and sub.pinyin_initials == "zdshbzjff"


def test_csv_layout_is_readable(divisions):
    rich_catalog(divisions)
    text = transfer.export_catalog(divisions, "csv").decode("utf-8-sig")
    lines = text.split("\r\n")
    assert lines[0] == "#事项"
    assert lines[1].startswith("基本编码,事项名称,事项类型,服务对象,行使层级")
    assert "#实施清单" in lines and "#特别程序" in lines


def _csv_with_errors(divisions) -> bytes:
    rich_catalog(divisions)
    text = transfer.export_catalog(divisions, "csv").decode("utf-8-sig")
    lines = text.split("\r\n")
    impl_header = lines.index("#实施清单") + 1
    header = lines[impl_header].split(",")
    first_impl = lines[impl_header + 1].split(",")
    first_impl[header.index("承诺时限")] = "99"
    lines[impl_header + 1] = ",".join(first_impl)
    lines.insert(impl_header + 2, lines[impl_header + 2])  # duplicate (code, version)
    item_line = lines[2].split(",")
    item_line[2] = "88"  # unknown item type
    lines[2] = ",".join(item_line)
    # Physical line number of list entry i (quoted fields may hold line breaks of their own).
    physical = [1 + i + sum(part.count("\n") for part in lines[:i]) for i in range(len(lines))]
    return ("\r\n".join(lines)).encode("utf-8"), physical, impl_header


def test_import_reports_every_bad_row_with_line_numbers(divisions, empty_session):
    data, physical, header = _csv_with_errors(divisions)
    with pytest.raises(ImportRowError) as info:
        transfer.import_catalog(empty_session, data, "csv")
    errors = dict(info.value.errors)
    assert "事项类型：“88”无效" in errors[3]
    assert "承诺时限（99 个工作日）不能超过法定时限" in errors[physical[header + 1]]
    assert "在文件中重复" in errors[physical[header + 3]]
    assert len(info.value.errors) == 3
    assert "没有导入任何数据" in str(info.value)
    empty_session.rollback()
    assert empty_session.scalar(select(func.count(ServiceItem.id))) == 0


def test_import_rejects_unknown_division_and_bad_uscc(divisions, empty_session):
    rich_catalog(divisions)
    document = json.loads(transfer.export_catalog(divisions, "json"))
    document["items"][0]["implementations"][0]["division_code"] = "621099999000"
    code = document["items"][2]["implementations"][0]["code"]
    document["items"][2]["implementations"][0]["code"] = code[:17] + ("0" if code[17] != "0" else "1") + code[18:]
    with pytest.raises(ImportRowError) as info:
        transfer.import_catalog(empty_session, json.dumps(document).encode(), "json")
    messages = [m for _, m in info.value.errors]
    assert any("实施区划代码：区划代码“621099999000”在系统中不存在" in m for m in messages)
    assert any("校验位错误" in m for m in messages)


def test_xlsx_import_line_numbers(divisions, empty_session):
    from io import BytesIO

    from openpyxl import load_workbook

    rich_catalog(divisions)
    book = load_workbook(BytesIO(transfer.export_catalog(divisions, "xlsx")))
    book["申请材料"]["E3"] = "扫描件"  # row 3, column 材料形式 (after 实施编码, 版本, 序号, 材料名称)
    out = BytesIO()
    book.save(out)
    with pytest.raises(ImportRowError) as info:
        transfer.import_catalog(empty_session, out.getvalue(), "xlsx")
    assert info.value.errors == [(3, "〔申请材料〕第 3 行：材料形式：“扫描件”无效，应为以下之一：原件、复印件、电子。")]


FORMULA = "=cmd|' /C calc'!A0"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_neutralises_formula_cells_and_round_trip_keeps_the_text(divisions, empty_session, fmt):
    """OWASP CSV injection: a name typed as a formula is exported as text and imports back unchanged."""
    from openpyxl import load_workbook
    import io

    rich_catalog(divisions)
    make_item(divisions, "000105001002", FORMULA, item_type="07", legal_bases=[
        {"law": "@SUM(1+1)", "article": "+1", "text": "-2+3"}])
    divisions.commit()
    data = transfer.export_catalog(divisions, fmt)
    if fmt == "csv":
        text = data.decode("utf-8-sig")
        assert f'"\'{FORMULA}"' in text or f"'{FORMULA}" in text
        assert ",'@SUM(1+1),'+1,'-2+3" in text
        assert "\n=" not in text and ",=" not in text and ',"=' not in text
    else:
        sheet = load_workbook(io.BytesIO(data))["事项"]
        cells = [c for row in sheet.iter_rows() for c in row if c.value == FORMULA]
        assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)
        assert not [c for s in load_workbook(io.BytesIO(data)) for r in s.iter_rows() for c in r if c.data_type == "f"]
    transfer.import_catalog(empty_session, data, fmt)
    empty_session.commit()
    assert empty_session.scalar(select(ServiceItem.name).where(ServiceItem.basic_code == "000105001002")) == FORMULA
    assert transfer.export_catalog(empty_session, fmt) == data

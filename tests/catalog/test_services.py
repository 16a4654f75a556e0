"""Catalog services: validation messages, versions and publishing, search."""
from __future__ import annotations

from datetime import date

import pytest

from govkit.catalog import services
from govkit.catalog.models import Implementation, ServiceItem
from govkit.errors import ValidationError

from .conftest import COUNTY, COUNTY_MZJ, TOWN, make_implementation, make_item

pytestmark = pytest.mark.both_backends


def test_create_item_with_legal_bases_and_pinyin(divisions):
    session = divisions
    item = make_item(session)
    assert item.pinyin_initials == "zdshbzshqr"
    assert item.legal_bases[0].article == "第十一条"
    assert item.item_type_name == "行政确认"
    sub = make_item(session, "000105001001", "最低生活保障金发放", parent_code="000105001000")
    assert sub.parent is item and item.sub_items == [sub]


def test_item_type_accepts_name_and_rejects_unknown(divisions):
    item = make_item(divisions, item_type="行政给付")
    assert item.item_type == "05"
    with pytest.raises(ValidationError, match="事项类型") as info:
        make_item(divisions, "X1", item_type="99")
    assert info.value.details["field"] == "item_type"


def test_duplicate_basic_code_is_rejected(divisions):
    make_item(divisions)
    with pytest.raises(ValidationError, match="基本编码：“000105001000”已被其他事项使用"):
        make_item(divisions, name="另一个事项")


def test_promised_longer_than_legal_is_rejected(divisions):
    item = make_item(divisions)
    with pytest.raises(ValidationError) as info:
        make_implementation(divisions, item, legal_days=20, promised_days=25)
    assert info.value.details["field"] == "promised_days"
    assert "承诺时限（25 个工作日）不能超过法定时限（20 个工作日）" in str(info.value)


def test_bad_uscc_check_character_is_rejected(divisions):
    item = make_item(divisions)
    wrong = COUNTY_MZJ[:17] + ("0" if COUNTY_MZJ[17] != "0" else "1")
    with pytest.raises(ValidationError, match="实施编码：.*校验位错误") as info:
        make_implementation(divisions, item, body=wrong)
    assert info.value.details["field"] == "code"


def test_duplicate_implementation_code_is_rejected(divisions):
    item = make_item(divisions)
    make_implementation(divisions, item)
    with pytest.raises(ValidationError, match="实施编码：.*已存在"):
        make_implementation(divisions, item)
    other = make_item(divisions, "000105002000", "特困人员认定")
    with pytest.raises(ValidationError, match="实施编码：.*已被事项“最低生活保障审核确认”使用"):
        services.create_implementation(divisions, other, code=f"{COUNTY_MZJ}4000105001000", version=2,
                                       division_code=COUNTY)


def test_unknown_division_is_rejected(divisions):
    item = make_item(divisions)
    with pytest.raises(ValidationError, match="实施区划代码：区划代码“621099999000”在系统中不存在") as info:
        make_implementation(divisions, item, division_code="621099999000")
    assert info.value.details["field"] == "division_code"


def test_material_and_fee_rules(divisions):
    item = make_item(divisions)
    with pytest.raises(ValidationError, match="情形说明"):
        make_implementation(divisions, item, materials=[{"name": "委托书", "necessity": "情形必需"}])
    with pytest.raises(ValidationError, match="材料形式：“扫描件”无效"):
        make_implementation(divisions, item, materials=[{"name": "委托书", "form": "扫描件"}])
    with pytest.raises(ValidationError, match="不收费：已标为不收费"):
        make_implementation(divisions, item, free=True, fees=[{"name": "工本费", "amount": "10", "basis": "某文件"}])
    impl = make_implementation(divisions, item, fees=[{"name": "工本费", "amount": "10", "basis": "某文件"}])
    assert impl.free is False and str(impl.fees[0].amount) == "10.00"


def test_publish_creates_versions_and_keeps_old_rows(divisions):
    session = divisions
    item = make_item(session)
    v1 = make_implementation(session, item)
    assert v1.status == "草稿" and v1.version == 1 and v1.exercise_level == 4
    assert services.current_implementation(session, v1.code) is None
    services.publish(session, v1, effective_from=date(2025, 1, 1))
    assert services.current_implementation(session, v1.code) is v1
    with pytest.raises(ValidationError, match="不能直接修改"):
        services.update_implementation(session, v1, promised_days=5)

    v2 = services.revise(session, v1)
    assert (v2.version, v2.status) == (2, "草稿")
    assert [m.name for m in v2.materials] == [m.name for m in v1.materials]
    assert v2.materials[0].id != v1.materials[0].id
    with pytest.raises(ValidationError, match="已有未发布的修订草稿"):
        services.revise(session, v1)
    services.update_implementation(session, v2, promised_days=5)
    services.publish(session, v2, effective_from=date(2025, 6, 1))
    session.commit()

    assert (v1.status, v1.effective_to) == ("已停用", date(2025, 6, 1))
    assert (v2.status, v2.effective_from, v2.effective_to) == ("已发布", date(2025, 6, 1), None)
    assert services.current_implementation(session, v1.code) is v2
    # A case accepted in March keeps version 1, whose row is unchanged.
    assert services.current_implementation(session, v1.code, on=date(2025, 3, 1)) is v1
    assert session.get(Implementation, v1.id).promised_days == 15
    with pytest.raises(ValidationError, match="只有草稿可以发布"):
        services.publish(session, v2)


def test_search_by_name_code_and_pinyin(divisions):
    session = divisions
    a = make_item(session)
    b = make_item(session, "000105002000", "特困人员救助供养", item_type="05")
    impl = make_implementation(session, b, level=5, body=COUNTY_MZJ, division_code=TOWN)
    assert services.search_items(session, "救助") == [b]
    assert services.search_items(session, "000105001") == [a]
    assert services.search_items(session, "ZDSH") == [a]
    assert services.search_items(session, "tkry") == [b]
    assert services.search_items(session, "50%") == []
    assert services.search_implementations(session, "tkry") == [impl]
    from govkit.hierarchy.scope import Scope
    assert services.search_implementations(session, "tkry", Scope.for_division("621099200000")) == []


def test_admin_edit_of_plugin_item_is_flagged(divisions):
    item = make_item(divisions, source="plugin:local")
    assert item.updated_by_admin is False
    services.update_item(divisions, item, name="最低生活保障审核确认（修订）")
    assert item.updated_by_admin is True and item.pinyin_initials is not None
    assert isinstance(item, ServiceItem)


def test_province_item_type_mapping(divisions):
    from govkit.catalog.models import ItemTypeMapping, national_item_type, seed_item_type_mappings

    assert seed_item_type_mappings(divisions) == 11
    assert seed_item_type_mappings(divisions) == 0
    divisions.add(ItemTypeMapping(province="62", local_code="A07", local_name="其他职权", national_code="10"))
    divisions.flush()
    assert national_item_type(divisions, "A07", "62") == "10"
    assert national_item_type(divisions, "行政许可") == "01"
    assert make_item(divisions, item_type="其他职权").item_type == "10"


def test_scoped_export_lists_only_scoped_implementations(divisions):
    from govkit.catalog.transfer import export_tables
    from govkit.hierarchy.scope import Scope

    item = make_item(divisions)
    make_implementation(divisions, item)
    tables = export_tables(divisions, Scope.for_division(TOWN))
    assert tables["事项"] and tables["实施清单"] == [] and tables["申请材料"] == []
    assert len(export_tables(divisions, Scope.for_division(COUNTY))["实施清单"]) == 1

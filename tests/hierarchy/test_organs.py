"""organ_for_case: documents are issued in the implementing organ's name (行政许可法 §38), never the village's."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from govkit.errors import OrganIncomplete
from govkit.hierarchy.models import Department, Organ, ServiceCentre
from govkit.hierarchy.organs import ensure_organs, incomplete_organs, organ_for_case
from govkit.testing.fixtures import ensure_division
from tests.organ_fixtures import add_organ


@pytest.fixture
def places(db):
    county = ensure_division(db.session, "621002000000", "测试县")
    village = ensure_division(db.session, "621002101201", "东村")
    department = Department(division_id=county.id, name="民政局")
    db.session.add_all([department, ServiceCentre(division_id=village.id, name="东村便民服务站")])
    db.session.flush()
    return SimpleNamespace(county=county, village=village, department=department)


def _case(places, accepting):
    impl = SimpleNamespace(division_id=places.county.id, department_id=places.department.id, division=places.county,
                           department=places.department, implementing_body="测试县民政局")
    return SimpleNamespace(implementation=impl, accepting_division_id=accepting.id, accepting_division=accepting)


def test_unconfigured_organ_is_refused_naming_it_and_every_field(db, places):
    with pytest.raises(OrganIncomplete) as raised:
        organ_for_case(db.session, _case(places, places.village))
    message = str(raised.value)
    assert "测试县民政局" in message
    for field in ("机关全称", "印章", "行政复议机关", "行政诉讼管辖法院", "联系电话"):
        assert field in message


def test_configured_organ_and_receiving_point(db, places):
    add_organ(db.session, places.county, places.department, name="测试县民政局", review_body="测试县人民政府",
              court="测试县人民法院", phone="0930-1234567")
    organ = organ_for_case(db.session, _case(places, places.village))
    assert (organ.name, organ.review_body, organ.court, organ.phone) == (
        "测试县民政局", "测试县人民政府", "测试县人民法院", "0930-1234567")
    assert organ.received_on_behalf == "东村便民服务站代收"
    assert organ_for_case(db.session, _case(places, places.county)).received_on_behalf == ""


def test_ensure_organs_lists_the_unconfigured_as_incomplete(db, places):
    pairs = [(places.county.id, places.department.id), (places.county.id, None)]
    assert ensure_organs(db.session, pairs) == 2 and ensure_organs(db.session, pairs) == 0
    row = db.session.query(Organ).filter_by(department_id=places.department.id).one()
    row.full_name, row.seal_image_path, row.review_body = "测试县民政局", "/x.png", "测试县人民政府"
    assert row.completeness == "缺少：行政诉讼管辖法院、联系电话"
    assert incomplete_organs(db.session, pairs) == [
        ("测试县人民政府",
         ["机关全称", "印章（电子印章证书或印章图片）", "行政复议机关", "行政诉讼管辖法院", "联系电话"]),
        ("测试县民政局", ["行政诉讼管辖法院", "联系电话"]),
    ]

"""三级四同: the consistency rate on a constructed fixture equals the hand-computed value."""
from __future__ import annotations

from datetime import date

import pytest

from govkit.catalog import services
from govkit.catalog.consistency import consistency_report, report_csv
from govkit.hierarchy.scope import Scope
from govkit.testing.fixtures import ensure_division

from .conftest import CITY, COUNTY, STREET, TOWN, TOWNSHIP, make_item, uscc

pytestmark = pytest.mark.both_backends

OTHER_COUNTY = "621098000000"
CITY_BODY, COUNTY_BODY, TOWN_BODY, TOWNSHIP_BODY, STREET_BODY, OTHER_BODY = (
    uscc(f"621099MB000000{n}") for n in range(6))
BASIS = [{"law": "社会救助暂行办法", "article": "第十一条"}]


def _impl(session, item, body, level, division, *, name=None, basic=None, version_name=None, **fields):
    impl = services.create_implementation(
        session, item, code=f"{body}{level}{basic or item.basic_code}", division_code=division,
        name=name or item.name, legal_days=20, promised_days=10, **fields)
    services.publish(session, impl, effective_from=date(2025, 1, 1))
    return impl


@pytest.fixture
def fixture_catalog(divisions):
    s = divisions
    ensure_division(s, OTHER_COUNTY)
    a = make_item(s, "A00000000001", "甲事项", legal_bases=BASIS)
    b = make_item(s, "B00000000001", "乙事项", legal_bases=BASIS)
    c = make_item(s, "C00000000001", "丙事项", legal_bases=BASIS)
    d = make_item(s, "D00000000001", "丁事项", legal_bases=BASIS)
    e = make_item(s, "E00000000001", "戊事项", legal_bases=BASIS)
    f = make_item(s, "F00000000001", "己事项", legal_bases=BASIS)
    # A: city + county + two townships, all identical → consistent.
    _impl(s, a, CITY_BODY, 3, CITY)
    _impl(s, a, COUNTY_BODY, 4, COUNTY)
    _impl(s, a, TOWN_BODY, 5, TOWN)
    _impl(s, a, TOWNSHIP_BODY, 5, TOWNSHIP)
    # B: county + town; the town's name differs → 1 deviation (名称).
    _impl(s, b, COUNTY_BODY, 4, COUNTY)
    b_town = _impl(s, b, TOWN_BODY, 5, TOWN, name="乙事项（镇）")
    # ... a later revision of that town row is published; the retired v1 no longer counts.
    v2 = services.revise(s, b_town)
    services.update_implementation(s, v2, name="乙事项（镇级）")
    services.publish(s, v2, effective_from=date(2025, 6, 1))
    # C: county + street; the street's basic-code part and its item type differ → 2 deviations.
    _impl(s, c, COUNTY_BODY, 4, COUNTY)
    _impl(s, c, STREET_BODY, 5, STREET, basic="C00000000002", item_type="20")
    # D: county only → not compared.
    _impl(s, d, COUNTY_BODY, 4, COUNTY)
    # E: city + county; the county cites another legal basis → 1 deviation (设定依据).
    _impl(s, e, CITY_BODY, 3, CITY)
    _impl(s, e, COUNTY_BODY, 4, COUNTY, legal_basis="《某省社会救助条例》第八条")
    # F: county + town identical; a draft with another name exists but drafts are not in force.
    _impl(s, f, COUNTY_BODY, 4, COUNTY)
    _impl(s, f, TOWN_BODY, 5, TOWN)
    services.create_implementation(s, f, code=f"{TOWNSHIP_BODY}5{f.basic_code}", division_code=TOWNSHIP,
                                   name="己事项草稿名")
    # Other county: A at county level, identical to the city's A → consistent.
    _impl(s, a, OTHER_BODY, 4, OTHER_COUNTY)
    s.commit()
    return s


def test_rate_matches_hand_computed_value(fixture_catalog):
    report = {c.county_code: c for c in consistency_report(fixture_catalog)}
    county = report[COUNTY]
    # Compared items (≥ 2 published implementations in city + county + townships): A, B, C, E, F = 5
    # (D has one). Consistent: A and F = 2. 同一率 = 2 / 5 = 0.4 = 40.0 %.
    assert (county.compared, county.consistent) == (5, 2)
    assert county.rate == pytest.approx(0.4) and county.rate_text == "40.0%"
    # Deviations: B 名称 (1) + C 编码 and 类型 (2) + E 设定依据 (1) = 4.
    found = sorted((d.basic_code, d.element, d.expected, d.actual) for d in county.deviations)
    assert found == [
        ("B00000000001", "名称", "乙事项", "乙事项（镇级）"),
        ("C00000000001", "类型", "07", "20"),
        ("C00000000001", "编码", "C00000000001", "C00000000002"),
        ("E00000000001", "设定依据", "《社会救助暂行办法》第十一条", "《某省社会救助条例》第八条"),
    ]
    # Other county: only A is compared (city + county), identical → 1 / 1 = 100 %.
    other = report[OTHER_COUNTY]
    assert (other.compared, other.consistent, other.rate_text) == (1, 1, "100.0%")


def test_scope_limits_counties_and_deviations(fixture_catalog):
    street_user = Scope.for_division(STREET)
    report = consistency_report(fixture_catalog, street_user)
    assert [c.county_code for c in report] == [COUNTY]
    assert {d.division_code for d in report[0].deviations} == {STREET}
    assert report[0].rate == pytest.approx(0.4)  # the county's figure, not a partial one


def test_csv_export(fixture_catalog):
    text = report_csv(consistency_report(fixture_catalog)).decode("utf-8-sig")
    lines = text.split("\r\n")
    assert lines[0] == "县（区）代码,县（区）,比对事项数,同一事项数,同一率"
    assert f"{COUNTY},区划{COUNTY},5,2,40.0%" in lines
    assert sum(1 for line in lines if line.startswith(COUNTY + ",")) == 1 + 4

"""The demo catalog loads onto the demo county and is realistic enough to show."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select

import govkit.hierarchy
from govkit.catalog import services
from govkit.catalog.consistency import consistency_report
from govkit.catalog.demo import DEMO_DIVISIONS, demo_catalog_bytes, load_demo_catalog
from govkit.catalog.models import Implementation, ItemTypeMapping, ServiceItem
from govkit.catalog.transfer import export_catalog
from govkit.testing.fixtures import ensure_division

pytestmark = pytest.mark.both_backends

DEMO_CSV = Path(govkit.hierarchy.__file__).parent / "data" / "demo_county.csv"


def test_demo_divisions_exist_in_the_demo_county_file():
    with DEMO_CSV.open(encoding="utf-8") as f:
        codes = {row[0] for row in csv.reader(f)}
    assert set(DEMO_DIVISIONS) <= codes


def test_load_demo_catalog(session):
    for code in DEMO_DIVISIONS:
        ensure_division(session, code)
    counts = load_demo_catalog(session)
    session.commit()
    assert counts["事项"] >= 30 and counts["实施清单"] >= 60
    names = set(session.scalars(select(ServiceItem.name)))
    for expected in ("最低生活保障审核确认", "临时救助", "高龄津贴发放", "残疾人证办理", "城乡居民基本养老保险参保登记",
                     "城乡居民基本医疗保险参保登记", "生育登记", "农村宅基地审批", "林木采伐许可证核发",
                     "独生子女父母光荣证办理", "困难残疾人生活补贴和重度残疾人护理补贴", "婚姻登记", "居住证核发"):
        assert expected in names
    # Most items are free; the few fees carry their basis.
    charged = session.scalars(select(Implementation).where(Implementation.free.is_(False))).all()
    assert 0 < len(charged) <= 3 and all(f.basis for i in charged for f in i.fees)
    assert session.scalar(select(func.count(ItemTypeMapping.id))) == 11
    marriage = session.scalar(select(ServiceItem).where(ServiceItem.name == "婚姻登记"))
    assert {s.name for s in marriage.sub_items} == {"结婚登记", "离婚登记"}
    every = session.scalars(select(Implementation)).all()
    assert all(i.status == "已发布" and i.materials and i.steps for i in every)
    assert services.search_items(session, "zjd")[0].name == "农村宅基地审批"
    # The demo shows a 三级四同 deviation (石岭乡 names 高龄津贴 differently).
    county = next(c for c in consistency_report(session) if c.county_code == "629901000000")
    assert 0.8 <= county.rate < 1 and any(d.actual == "高龄老人补贴发放" for d in county.deviations)
    # Loading twice changes nothing, and the file is exactly what an export gives.
    load_demo_catalog(session)
    session.commit()
    assert export_catalog(session, "json") == demo_catalog_bytes()

"""Catalog test fixtures: a small county tree and builders for items and implementations."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from govkit.catalog import services
from govkit.catalog.codes import uscc_check_char
from govkit.testing.fixtures import ensure_division

CITY = "621000000000"
COUNTY = "621099000000"
STREET = "621099001000"  # 街道
TOWN = "621099100000"  # 镇
TOWNSHIP = "621099200000"  # 乡
VILLAGE = "621099100201"


def uscc(body: str) -> str:
    """A valid USCC for a government organ (11 + division 6 digits + 9-char body)."""
    first17 = ("11" + body)[:17].ljust(17, "0")
    return first17 + uscc_check_char(first17)


COUNTY_MZJ = uscc("621099MB1234567")  # 示范县民政局
TOWN_GOV = uscc("621099MB7654321")  # 示范镇人民政府


@pytest.fixture
def session(govkit_db_url):
    """A plain SQLAlchemy session on the test database (no Flask app: services need none)."""
    import govkit.models  # noqa: F401

    engine = sa.create_engine(govkit_db_url)
    with Session(engine) as db_session:
        yield db_session
    engine.dispose()


@pytest.fixture
def divisions(session):
    """City, county, three townships and one village (synthetic names); returns the session."""
    for code in (CITY, COUNTY, STREET, TOWN, TOWNSHIP, VILLAGE):
        ensure_division(session, code)
    session.commit()
    return session


def make_item(session, basic_code="000105001000", name="最低生活保障审核确认", **fields):
    fields.setdefault("item_type", "07")
    fields.setdefault("legal_bases", [{"law": "社会救助暂行办法", "article": "第十一条",
                                       "text": "申请最低生活保障，按照下列程序办理……"}])
    return services.create_item(session, basic_code=basic_code, name=name, **fields)


def make_implementation(session, item, *, body=COUNTY_MZJ, level=4, division_code=COUNTY, **fields):
    fields.setdefault("legal_days", 30)
    fields.setdefault("promised_days", 15)
    fields.setdefault("department", "示范县民政局")
    fields.setdefault("materials", [{"name": "最低生活保障申请书", "form": "原件"},
                                    {"name": "户口簿", "form": "复印件"}])
    fields.setdefault("steps", [{"name": "受理", "days": 1}, {"name": "审核", "days": 10}, {"name": "确认", "days": 4}])
    return services.create_implementation(
        session, item, code=f"{body}{level}{item.basic_code}", division_code=division_code, **fields)


def _divisions_only(session) -> None:
    for code in (CITY, COUNTY, STREET, TOWN, TOWNSHIP, VILLAGE):
        ensure_division(session, code)


@pytest.fixture
def empty_session(govkit_backend, govkit_databases):
    """A session on a second database of the same backend holding the divisions only.

    Copied from a template built once per session (govkit.testing.databases).
    """
    url = govkit_databases.copy(govkit_backend, "catalog_divisions", _divisions_only)
    engine = sa.create_engine(url)
    with Session(engine) as db_session:
        yield db_session
    engine.dispose()
    govkit_databases.drop(url)


def rich_catalog(session):
    """Items with a sub-item, several legal bases, two versions, fees, steps, special procedures."""
    from datetime import date

    item = make_item(session, synonyms="低保、低保金", legal_bases=[
        {"law": "社会救助暂行办法", "article": "第十一条", "text": "申请最低生活保障，按照下列程序办理：\n（一）……"},
        {"law": "最低生活保障审核确认办法", "article": "第二条", "text": None}])
    make_item(session, "000105001001", "最低生活保障金发放", parent_code=item.basic_code, item_type="05",
              service_object="自然人、其他组织", exercise_level=5, legal_bases=[])
    plugin_item = make_item(session, "LOCAL0001", "老年人优待证办理", item_type="20", source="plugin:local")
    plugin_item.source_hash = "ab" * 32
    v1 = make_implementation(session, item, materials=[
        {"name": "申请书", "form": "原件", "copies": 1, "necessity": "必需", "blank_form_path": "catalog/1/a.docx",
         "blank_form_name": "申请书.docx", "sample_path": "catalog/1/b.pdf", "sample_name": "样表,\"填写\".pdf"},
        {"name": "委托书", "form": "原件", "necessity": "情形必需", "condition_text": "委托他人办理的"},
        {"name": "收入证明", "form": "电子", "copies": 0, "necessity": "容缺", "source_channel": "部门共享",
         "acceptance_standard": "加盖单位公章"}],
        special_procedures=[{"name": "入户调查", "days": 5, "counts_in_deadline": True, "description": "两人以上"},
                            {"name": "民主评议", "days": 3}],
        conditions="家庭人均收入低于当地最低生活保障标准", consult_phone="0934-1234567",
        place="县政务服务中心 3 号窗口",
        hours="工作日 9:00-17:00", implementing_body="示范县民政局", legal_basis="《社会救助暂行办法》第十一条")
    services.publish(session, v1, effective_from=date(2024, 1, 1))
    v2 = services.revise(session, v1)
    services.update_implementation(session, v2, promised_days=10, kind="承诺件", handling_forms="窗口办理、网上办理")
    town = make_implementation(session, plugin_item, body=TOWN_GOV, level=5, division_code=TOWN,
                               department="示范镇便民服务中心", free=False, promised_days=0, legal_days=0,
                               kind="即办件", fees=[{"name": "工本费", "amount": "5", "basis": "甘价费〔2020〕1号"},
                                                  {"name": "邮寄费", "amount": "12.5", "basis": "快递协议价"}],
                               steps=[{"name": "受理并办结", "days": 0, "actor": "窗口人员"}], source="plugin:local")
    town.item_type = "20"
    session.commit()
    return item

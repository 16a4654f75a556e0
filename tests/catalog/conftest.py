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
    fields.setdefault("legal_bases", [{"law": "社会救助暂行办法", "article": "第十一条", "text": "申请最低生活保障，按照下列程序办理……"}])
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

"""A small county for desk tests: one township, two villages, one published item."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

COUNTY = "621002000000"
TOWNSHIP = "621002101000"
VILLAGE = "621002101201"
OTHER_VILLAGE = "621002101202"
OTHER_TOWNSHIP = "621002102000"


@dataclass
class World:
    implementation_id: int
    material_ids: list[int]
    item_code: str


def build_world(session) -> World:
    from govkit.catalog.models import Implementation, Material, ServiceItem
    from govkit.testing.fixtures import ensure_division

    county = ensure_division(session, COUNTY, "测试县")
    township = ensure_division(session, TOWNSHIP, "城关镇")
    ensure_division(session, VILLAGE, "东村")
    ensure_division(session, OTHER_VILLAGE, "西村")
    ensure_division(session, OTHER_TOWNSHIP, "南乡")
    item = ServiceItem(basic_code="000105001000", name="城乡居民最低生活保障审核确认", item_type="07",
                       pinyin_initials=None)
    other = ServiceItem(basic_code="000105002000", name="临时救助申请", item_type="05")
    session.add_all([item, other])
    session.flush()
    impl = Implementation(
        item_id=item.id, division_id=township.id, code="11621002MB0000001X4000105001000",
        name="城乡居民最低生活保障审核确认", status="已发布", conditions="家庭人均收入低于当地低保标准。",
        promised_days=10, legal_days=20,
    )
    retired = Implementation(item_id=other.id, division_id=county.id, code="11621002MB0000002X3000105002000",
                             name="临时救助申请", status="已停用")
    session.add_all([impl, retired])
    session.flush()
    materials = [
        Material(implementation_id=impl.id, position=1, name="居民身份证", form="原件"),
        Material(implementation_id=impl.id, position=2, name="户口簿", form="复印件"),
        Material(implementation_id=impl.id, position=3, name="家庭收入证明", form="原件"),
    ]
    session.add_all(materials)
    session.commit()
    return World(impl.id, [m.id for m in materials], item.basic_code)


@pytest.fixture
def world(app, db) -> World:
    return build_world(db.session)


def make_case(session, world: World, village: str = VILLAGE, state: str = "accepted", number: str | None = None):
    """A case row written directly (for services that only need one to exist)."""
    import secrets

    from govkit.cases.models import Case
    from govkit.hierarchy.models import Division

    from sqlalchemy import select

    division = session.scalar(select(Division).where(Division.code == village))
    case = Case(
        number=number or f"T{secrets.token_hex(6)}", progress_token=secrets.token_hex(8), state=state,
        implementation_id=world.implementation_id, accepting_division_id=division.id,
        accepting_division_code=village, current_division_id=division.id, current_division_code=village,
        implementing_division_code=TOWNSHIP, applicant_name="张三", applicant_id_number="11010519491231002X",
    )
    session.add(case)
    session.flush()
    return case

"""A small county for desk tests: one township, two villages, one published item."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.organ_fixtures import add_organ

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
    """低保 is decided by the county (民政局 window); 临时救助 by the township; one item is retired."""
    from govkit.catalog.models import Implementation, Material, ServiceItem
    from govkit.hierarchy.models import Department
    from govkit.testing.fixtures import ensure_division

    county = ensure_division(session, COUNTY, "测试县")
    township = ensure_division(session, TOWNSHIP, "城关镇")
    ensure_division(session, VILLAGE, "东村")
    ensure_division(session, OTHER_VILLAGE, "西村")
    ensure_division(session, OTHER_TOWNSHIP, "南乡")
    civil = Department(division_id=county.id, name="民政局", window_no="3")
    # 人社局 sorts before 民政局: 分派 must still preselect the item's own department.
    session.add_all([civil, Department(division_id=county.id, name="人社局", window_no="5")])
    session.flush()
    item = ServiceItem(basic_code="000105001000", name="城乡居民最低生活保障审核确认", item_type="07",
                       pinyin_initials=None)
    relief = ServiceItem(basic_code="000105002000", name="临时救助申请", item_type="05")
    old = ServiceItem(basic_code="000105003000", name="特困人员认定", item_type="07")
    session.add_all([item, relief, old])
    session.flush()
    impl = Implementation(
        item_id=item.id, division_id=county.id, code="11621002MB0000001X4000105001000",
        name="城乡居民最低生活保障审核确认", status="已发布", conditions="家庭人均收入低于当地低保标准。",
        promised_days=10, legal_days=20, department_id=civil.id,
    )
    session.add_all([
        impl,
        Implementation(item_id=relief.id, division_id=township.id, code="11621002MB0000003X5000105002000",
                       name="临时救助申请", status="已发布", promised_days=5, legal_days=10),
        Implementation(item_id=old.id, division_id=county.id, code="11621002MB0000002X4000105003000",
                       name="特困人员认定", status="已停用"),
    ])
    session.flush()
    # The organs documents are issued in the name of (行政许可法 §38), fully configured.
    add_organ(session, county, name="测试县人民政府", review_body="上级市人民政府", court="测试县人民法院")
    add_organ(session, township, name="城关镇人民政府", review_body="测试县人民政府", court="测试县人民法院")
    # 低保 is implemented by the county 民政局: its documents are issued in the department's name.
    add_organ(session, county, civil, name="测试县民政局", review_body="测试县人民政府", court="测试县人民法院")
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


@pytest.fixture
def app(make_app, tmp_path):
    """Desk tests run on an app with the fake county form plugin and a small upload limit (60 KB)."""
    from tests.plugins import desk_form_plugin

    application = make_app(plugins=[("desk_form_plugin", desk_form_plugin)], UPLOAD_MAX_BYTES=60_000,
                           STORAGE_DIR=str(tmp_path / "storage"))
    with application.app_context():
        yield application
        from govkit.db import db as _db

        _db.session.remove()


@pytest.fixture
def desk_app(app):
    return app


@pytest.fixture
def desk_world(world) -> World:
    return world


def _fresh_client_class():
    from flask import g
    from flask.testing import FlaskClient

    class Fresh(FlaskClient):
        """A test client whose requests do not inherit ``g`` from the test's pushed app context.

        Flask reuses an app context that is already pushed, so ``g`` (where Flask-Login keeps
        the current user and govkit its scope cache) would otherwise leak between clients.
        """

        def open(self, *args, **kwargs):
            for key in ("_login_user", "_govkit_actor", "_govkit_scope"):
                g.pop(key, None)
            return super().open(*args, **kwargs)

    return Fresh


FreshClient = _fresh_client_class()


@pytest.fixture
def user_client(desk_app):
    """``user_client(role, division_code, department=None)`` → (logged-in test client, user)."""
    from govkit.testing.fixtures import create_user

    def make(role: str, code: str, department=None, username=None):
        user = create_user(desk_app, role, code, department=department, username=username)
        desk_app.test_client_class = FreshClient
        client = desk_app.test_client()
        response = client.post("/login/", data={"username": user.username, "password": "pw-123456"})
        assert response.status_code in (200, 302)
        return client, user

    return make


def actor_of(app, user):
    """The workflow Actor of a user (as the views build it)."""
    from govkit.web.actor import actor_of_user

    return actor_of_user(user)


def valid_id(birth: str = "19491231", seq: str = "002") -> str:
    from govkit.cases.idnumber import id_check_char

    first = "110105" + birth + seq
    return first + id_check_char(first)

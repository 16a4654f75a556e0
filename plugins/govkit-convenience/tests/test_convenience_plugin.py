"""The convenience plugin: its tables, scoped screens, menu, actions and role permissions."""
from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from govkit.testing import ensure_division
from govkit.toolkit import InvalidTransition, Scope, create_plugin_tables, get_state
from govkit_convenience import models, plugin, services

pytestmark = pytest.mark.both_backends

NAME = "govkit_convenience"
VILLAGE_A = "629901101202"  # 柳湾村
VILLAGE_B = "629901101203"  # 杨家庄村 (same township)
OTHER_TOWN_VILLAGE = "629901201202"


@pytest.fixture
def conv_app(app, register_plugin, govkit_db_url):
    # ``app`` first: sync_roles of the app created last decides the permission rows, and
    # the plugin's views exist only in this one.
    engine = sa.create_engine(govkit_db_url)
    create_plugin_tables(engine)  # what `govkit db upgrade` does for plugin tables
    engine.dispose()
    return register_plugin(plugin, name=NAME)


def _parcel(db, code, name="张三", tracking="SF1000"):
    division = ensure_division(db.session, code)
    record = models.ParcelRecord(division_id=division.id, resident_name=name, resident_phone="13800001234",
                                 carrier="顺丰", tracking_number=tracking, shelf="A-1")
    db.session.add(record)
    db.session.commit()
    return record


def test_tables_are_marked_as_plugin_tables():
    for model in models.MODELS:
        assert model.__table__.info == {"plugin": NAME}
        assert model.__tablename__.startswith("gkc_")


def test_complete_and_cancel_rules():
    record = models.UtilityPayment(status="已登记")
    services.complete(record)
    assert record.status == "已完成" and record.completed_at is not None
    with pytest.raises(InvalidTransition):
        services.cancel(record)
    assert models.ProducePurchase(quantity=Decimal("2.5"), unit_price=Decimal("4")).total() == Decimal("10.0")


def test_menu_and_permissions(conv_app):
    state = get_state(conv_app)
    assert "register_views" in {i.name: i for i in state.pm.info()}[NAME].hooks
    menu = {item.name: item for item in conv_app.appbuilder.menu.get_list()}
    assert {c.name for c in menu[plugin.CATEGORY].childs} == {"便民服务概况", "代缴水电", "代收快递", "农产品代购"}
    with conv_app.app_context():
        clerk = conv_app.appbuilder.sm.find_role("代办员")
        granted = {(p.permission.name, p.view_menu.name) for p in clerk.permissions}
        assert ("can_add", "ParcelRecordView") in granted and ("complete", "ParcelRecordView") in granted
        assert ("menu_access", "代收快递") in granted
        supervisor = conv_app.appbuilder.sm.find_role("监察")
        assert ("can_add", "ParcelRecordView") not in {(p.permission.name, p.view_menu.name)
                                                       for p in supervisor.permissions}


def test_village_clerk_sees_and_changes_only_own_village(conv_app, db, login_as):
    own = _parcel(db, VILLAGE_A, "本村群众", "SF0001")
    other = _parcel(db, VILLAGE_B, "邻村群众", "SF0002")
    client = conv_app.test_client()
    login_as("代办员", VILLAGE_A, test_client=client)

    html = client.get("/parcelrecordview/list/").get_data(as_text=True)
    assert "本村群众" in html and "邻村群众" not in html
    assert "138****1234" in html and "13800001234" not in html  # masked in the list
    assert client.get(f"/parcelrecordview/show/{other.id}").status_code in (302, 404)
    client.post(f"/parcelrecordview/delete/{other.id}")
    assert db.session.get(models.ParcelRecord, other.id) is not None

    response = client.post("/parcelrecordview/action_post", data={"action": "complete", "rowid": [str(own.id)]})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(models.ParcelRecord, own.id).status == "已完成"
    assert client.post("/parcelrecordview/action_post",
                       data={"action": "complete", "rowid": [str(other.id)]}).status_code == 404
    db.session.expire_all()
    assert db.session.get(models.ParcelRecord, other.id).status == "已登记"


def test_clerk_registers_a_bill_payment(conv_app, db, login_as):
    village = ensure_division(db.session, VILLAGE_A, "柳湾村委会")
    foreign = ensure_division(db.session, OTHER_TOWN_VILLAGE)
    db.session.commit()
    client = conv_app.test_client()
    login_as("受理员", VILLAGE_A, test_client=client)
    form = {"division": str(village.id), "resident_name": "王大爷", "resident_phone": "13912345678",
            "utility": "电费", "account_number": "0102030405", "amount": "86.50"}
    assert client.post("/utilitypaymentview/add", data=form).status_code == 302
    row = db.session.scalar(sa.select(models.UtilityPayment).where(models.UtilityPayment.resident_name == "王大爷"))
    assert row.amount == Decimal("86.50") and row.status == "已登记" and row.division_id == village.id
    # A forged post naming another township's village is refused.
    client.post("/utilitypaymentview/add", data=dict(form, division=str(foreign.id), resident_name="越权"))
    assert db.session.scalar(sa.select(models.UtilityPayment)
                             .where(models.UtilityPayment.resident_name == "越权")) is None
    # Validation messages are Chinese.
    html = client.post("/utilitypaymentview/add",
                       data=dict(form, amount="0", resident_name="零元")).get_data(as_text=True)
    assert "金额应在" in html


def test_overview_counts_inside_scope(conv_app, db, login_as):
    _parcel(db, VILLAGE_A, tracking="SF1")
    _parcel(db, VILLAGE_B, tracking="SF2")
    _parcel(db, OTHER_TOWN_VILLAGE, tracking="SF3")
    client = conv_app.test_client()
    login_as("办理员", "629901101000", test_client=client)  # the township of A and B
    html = client.get("/convenience/").get_data(as_text=True)
    assert "便民服务概况" in html
    with conv_app.test_request_context():
        counts = services.summary(db.session, Scope.for_division("629901101000"))
    assert counts["代收快递"] == {"已登记": 2}

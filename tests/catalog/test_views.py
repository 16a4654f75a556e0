"""Catalog screens: Chinese labels, validation messages, scope, publishing, attachments, roles, API."""
from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select

from govkit.catalog import services
from govkit.catalog.models import Implementation, Material, ServiceItem
from govkit.testing.fixtures import ensure_division

from .conftest import COUNTY, COUNTY_MZJ, TOWN, TOWN_GOV, TOWNSHIP, make_implementation, make_item

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def catalog(db):
    for code in (COUNTY, TOWN, TOWNSHIP):
        ensure_division(db.session, code)
    item = make_item(db.session)
    county = make_implementation(db.session, item)
    town = make_implementation(db.session, item, body=TOWN_GOV, level=5, division_code=TOWN, department="便民服务中心")
    db.session.commit()
    return item, county, town


def test_admin_manages_items_and_implementations(app, client, db, login_as, catalog):
    item, county, town = catalog
    login_as("事项管理员", COUNTY)
    page = client.get("/catalog/items/list/?_flt_0_pinyin_initials=zdsh").get_data(as_text=True)
    assert "基本目录事项" in page and "最低生活保障审核确认" in page and "基本编码" in page
    assert "最低生活保障审核确认" not in client.get(
        "/catalog/items/list/?_flt_0_pinyin_initials=xyz").get_data(as_text=True)

    # A new item through the form; a duplicate code is refused with the field named.
    response = client.post("/catalog/items/add", data={"basic_code": "000705017000", "name": "临时救助",
                                                       "item_type": "05", "service_object": "自然人",
                                                       "exercise_level": "4"}, follow_redirects=True)
    assert response.status_code == 200
    assert db.session.scalar(select(ServiceItem)
                             .where(ServiceItem.basic_code == "000705017000")).pinyin_initials == "lsjz"
    response = client.post("/catalog/items/add", data={"basic_code": "000705017000", "name": "重复", "item_type": "05",
                                                       "service_object": "自然人", "exercise_level": "4"},
                           follow_redirects=True)
    # FAB's unique check answers first, next to the field (the service check backs it up).
    assert "已存在" in response.get_data(as_text=True)
    assert db.session.scalar(select(ServiceItem).where(ServiceItem.name == "重复")) is None

    # Implementation form: promised > legal is refused with a clear message, nothing saved.
    data = {"item": str(item.id), "division": str(county.division_id), "code": f"{COUNTY_MZJ}4000105001999",
            "name": "测试", "legal_days": "10", "promised_days": "12", "kind": "承诺件", "handling_forms": "窗口办理",
            "visits_needed": "1", "free": "y", "item_type": ""}
    text = client.post("/catalog/implementations/add", data=data, follow_redirects=True).get_data(as_text=True)
    assert "承诺时限（12 个工作日）不能超过法定时限（10 个工作日）" in text
    assert db.session.scalar(select(Implementation).where(Implementation.name == "测试")) is None

    # Publish action, then editing the published version is refused.
    client.post(f"/catalog/implementations/action/publish/{county.id}", follow_redirects=True)
    db.session.expire_all()
    assert db.session.get(Implementation, county.id).status == "已发布"
    text = client.post(f"/catalog/implementations/edit/{county.id}", data={**data, "promised_days": "5"},
                       follow_redirects=True).get_data(as_text=True)
    assert "不能直接修改" in text
    db.session.expire_all()
    assert db.session.get(Implementation, county.id).promised_days == 15
    # Revise → draft v2; publish → v1 retired.
    client.post(f"/catalog/implementations/action/revise/{county.id}", follow_redirects=True)
    v2 = db.session.scalar(select(Implementation)
                           .where(Implementation.code == county.code, Implementation.version == 2))
    assert v2.status == "草稿"
    client.post(f"/catalog/implementations/action/publish/{v2.id}", follow_redirects=True)
    db.session.expire_all()
    assert ((db.session.get(Implementation, county.id).status, db.session.get(Implementation, v2.id).status)
            == ("已停用", "已发布"))

    show = client.get(f"/catalog/implementations/show/{v2.id}").get_data(as_text=True)
    assert "申请材料" in show and "办理流程" in show and "最低生活保障申请书" in show


def test_scope_and_attachments(app, client, db, login_as, catalog):
    item, county, town = catalog
    login_as("事项管理员", TOWN)
    # Upload a blank form to a material of the town's draft.
    material = town.materials[0]
    response = client.post(f"/catalog/materials/edit/{material.id}", data={
        "implementation": str(town.id), "position": "0", "name": material.name, "form": "原件", "copies": "1",
        "necessity": "必需", "blank_form_file": (io.BytesIO(PDF), "申请书空表.pdf")},
        content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200
    db.session.expire_all()
    stored = db.session.get(Material, material.id)
    assert stored.blank_form_name == "申请书空表.pdf" and stored.blank_form_path.startswith("catalog/")
    download = client.get(f"/catalog/materials/attachment/{material.id}/blank_form")
    assert download.status_code == 200 and download.data == PDF
    # A disguised executable is refused.
    text = client.post(f"/catalog/materials/edit/{material.id}", data={
        "implementation": str(town.id), "position": "0", "name": material.name, "form": "原件", "copies": "1",
        "necessity": "必需", "sample_file": (io.BytesIO(b"MZ\x90\x00"), "样表.pdf")},
        content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "内容与扩展名 .pdf 不符" in text
    # The town user sees only the town's implementation; the county's is not found.
    listing = client.get("/catalog/implementations/list/").get_data(as_text=True)
    assert town.code in listing and county.code not in listing
    assert client.get(f"/catalog/implementations/show/{county.id}").status_code in (302, 404)
    county_material = county.materials[0]
    assert client.get(f"/catalog/materials/attachment/{county_material.id}/blank_form").status_code == 404


def test_other_township_sees_nothing(app, client, db, login_as, catalog):
    # (A separate test: within one test the app context, and so the cached scope, is shared by clients.)
    item, county, town = catalog
    from govkit.catalog.attachments import store_attachment

    material = town.materials[0]
    material.blank_form_path, material.blank_form_name = store_attachment(
        app.config["GOVKIT_STORAGE_DIR"], "空表.pdf", io.BytesIO(PDF), 1024 * 1024)
    db.session.commit()
    login_as("受理员", TOWNSHIP)
    assert client.get(f"/catalog/materials/attachment/{material.id}/blank_form").status_code == 404
    assert client.get(f"/catalog/implementations/show/{town.id}").status_code in (302, 404)
    listing = client.get("/catalog/implementations/list/").get_data(as_text=True)
    assert town.code not in listing and county.code not in listing
    assert client.get("/api/v1/catalog_implementation/").get_json()["count"] == 0
    assert client.get(f"/api/v1/catalog_implementation/{town.id}").status_code == 404


def test_roles_read_only_for_other_duties(app, client, db, login_as, catalog):
    item, county, town = catalog
    login_as("受理员", TOWN)
    assert "最低生活保障审核确认" in client.get("/catalog/items/list/").get_data(as_text=True)
    client.post("/catalog/items/add", data={"basic_code": "X1", "name": "越权新增", "item_type": "05",
                                            "service_object": "自然人", "exercise_level": "4"})
    assert db.session.scalar(select(ServiceItem).where(ServiceItem.basic_code == "X1")) is None
    client.post(f"/catalog/implementations/action/publish/{town.id}")
    db.session.expire_all()
    assert db.session.get(Implementation, town.id).status == "草稿"
    assert client.get("/catalog/transfer/").status_code in (302, 403)
    api = client.get("/api/v1/catalog_implementation/").get_json()
    assert [row["code"] for row in api["result"]] == [town.code]


def test_consistency_screen_and_transfer_page(app, client, db, login_as, catalog):
    item, county, town = catalog
    services.publish(db.session, county, effective_from=date(2025, 1, 1))
    services.publish(db.session, town, effective_from=date(2025, 1, 1))
    town.name = "最低生活保障审核确认（镇）"
    db.session.commit()
    login_as("事项管理员", COUNTY)
    page = client.get("/catalog/consistency/").get_data(as_text=True)
    assert "三级四同" in page and "0.0%" in page and "最低生活保障审核确认（镇）" in page
    csv_text = client.get("/catalog/consistency/csv").data.decode("utf-8-sig")
    assert f"{COUNTY}," in csv_text and "名称" in csv_text

    exported = client.get("/catalog/transfer/download/csv")
    assert exported.status_code == 200 and exported.data.decode("utf-8-sig").startswith("#事项")
    bad = exported.data.decode("utf-8-sig").replace("承诺件", "慢件", 1).encode("utf-8")
    page = client.post("/catalog/transfer/upload", data={"file": (io.BytesIO(bad), "catalog.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "import-errors" in page and "办件类型：“慢件”无效" in page
    page = client.post("/catalog/transfer/upload", data={"file": (io.BytesIO(exported.data), "catalog.csv")},
                       content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "导入完成" in page


def test_startup_sync_of_plugin_items(make_app, db, tmp_path):
    from tests.plugins import local_items_plugin

    app = make_app(plugins=[("local-items", local_items_plugin)], SYNC_ITEMS_ON_START=False)
    with app.app_context():
        from govkit.db import db as gdb
        for code in ("621099000000", "621099100000"):
            ensure_division(gdb.session, code)
        gdb.session.commit()
    app = make_app(plugins=[("local-items", local_items_plugin)], SYNC_ITEMS_ON_START=True)
    report = app.extensions["govkit"].cache["catalog_sync"]
    assert report.created == ["LOCAL0001", "LOCAL0002"]
    with app.app_context():
        from govkit.db import db as gdb
        sources = set(gdb.session.scalars(select(ServiceItem.source)))
    assert sources == {"plugin:local-items"}


def test_saving_a_version_returns_to_it_not_to_the_home_page(app, client, db, login_as, catalog):
    item, county, _town = catalog
    login_as("事项管理员", COUNTY)
    client.get("/catalog/implementations/list/")
    data = {"item": str(item.id), "division": str(county.division_id), "department": str(county.department_id),
            "code": county.code, "name": county.name, "implementing_body": county.implementing_body or "",
            "legal_days": "30", "promised_days": "12", "kind": "承诺件", "handling_forms": "窗口办理",
            "visits_needed": "1", "free": "y", "item_type": ""}
    response = client.post(f"/catalog/implementations/edit/{county.id}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert response.headers["Location"].endswith(f"/catalog/implementations/show/{county.id}")
    db.session.expire_all()
    assert db.session.get(Implementation, county.id).promised_days == 12
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "行政确认" in page and "县级" in page  # 事项类型 07 and 行使层级 4 by their labels

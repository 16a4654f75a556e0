"""Intake desk through HTTP: find, checklist, plugin form, register + accept/supplement/refuse."""
import io
import re

from sqlalchemy import func, select

from govkit.cases.models import Attachment, Case

from .conftest import VILLAGE, valid_id
from .test_storage import pdf_bytes


def files_in(root):
    return [p for p in root.rglob("*") if p.is_file()]


def intake_data(world, received=None, **extra):
    """The intake form; each checklist row decided: the ``received`` ids 已收 (default all), the others 缺."""
    received = world.material_ids if received is None else [int(i) for i in received]
    data = {
        "applicant_name": "王秀英", "applicant_id_type": "居民身份证", "applicant_id_number": valid_id(),
        "applicant_phone": "13912345678", "item-household_size": "3", "item-monthly_income": "900",
        "item-hardship": "疾病", "decision": "accept",
        **{f"m-{i}": "received" if i in received else "missing" for i in world.material_ids},
    }
    data.update(extra)
    return data


def test_search_and_item_page_show_checklist_and_plugin_form(desk_world, user_client):
    client, _ = user_client("受理员", VILLAGE)
    page = client.get("/desk/intake/?q=zdshbz").get_data(as_text=True)
    assert "城乡居民最低生活保障审核确认" in page and "开始受理" in page
    page = client.get(f"/desk/intake/item/{desk_world.implementation_id}").get_data(as_text=True)
    assert "家庭人均收入低于当地低保标准" in page  # conditions
    for name in ("居民身份证", "户口簿", "家庭收入证明"):
        assert name in page
    assert 'name="item-household_size"' in page and "家庭人口（人）" in page  # plugin form
    assert client.get("/desk/intake/item/999999").status_code == 404


def test_accept_with_upload_and_plugin_form(desk_app, desk_world, user_client, db):
    client, _ = user_client("受理员", VILLAGE)
    data = intake_data(desk_world)
    data[f"file-{desk_world.material_ids[0]}"] = (io.BytesIO(pdf_bytes("身份证")), "身份证 正面.pdf")
    response = client.post(f"/desk/intake/item/{desk_world.implementation_id}", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    case = db.session.scalar(select(Case))
    assert case.state == "accepted" and case.due_date is not None
    assert case.form_data["household_size"] == 3 or case.form_data["household_size"] == "3"
    assert response.headers["Location"].endswith(f"/desk/case/{case.id}?print=acceptance_notice")
    attachment = db.session.scalar(select(Attachment))
    assert (attachment.filename, attachment.material_id) == ("身份证 正面.pdf", desk_world.material_ids[0])
    page = client.get(f"/desk/case/{case.id}?print=acceptance_notice").get_data(as_text=True)
    assert "受理通知书" in page and "110105********002X" in page and valid_id() not in page
    assert "家庭人口（人）" in page  # stored form shown with the plugin's labels
    pdf = client.get(f"/desk/case/{case.id}/print/acceptance_notice")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and pdf.mimetype == "application/pdf"
    assert client.get(f"/desk/file/{attachment.id}/preview").mimetype == "application/pdf"


def test_invalid_plugin_form_or_id_registers_nothing(desk_app, desk_world, user_client, db):
    client, _ = user_client("受理员", VILLAGE)
    url = f"/desk/intake/item/{desk_world.implementation_id}"
    page = client.post(url, data=intake_data(desk_world, **{"item-household_size": "0"})).get_data(as_text=True)
    assert "家庭人口应为 1 到 20 人" in page
    bad_id = valid_id()[:-1] + ("1" if valid_id()[-1] != "1" else "2")
    page = client.post(url, data=intake_data(desk_world, applicant_id_number=bad_id)).get_data(as_text=True)
    assert "校验位错误" in page
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0


def test_supplement_lists_unticked_materials(desk_world, user_client, db):
    client, _ = user_client("受理员", VILLAGE)
    data = intake_data(desk_world, decision="supplement", received=[str(desk_world.material_ids[0])],
                       missing_extra="村委会证明")
    response = client.post(f"/desk/intake/item/{desk_world.implementation_id}", data=data)
    case = db.session.scalar(select(Case))
    assert case.state == "supplement"
    assert response.headers["Location"].endswith("print=supplement_notice")
    event = case.events[-1]
    assert event.data["missing"] == ["户口簿", "家庭收入证明", "村委会证明"]
    page = client.get(f"/desk/case/{case.id}").get_data(as_text=True)
    assert "村委会证明" in page and "缺（清单外补正）" in page and "补正期限" in page  # the extra item on the case page
    assert "村委会证明" in client.get(f"/desk/case/{case.id}/act/resubmit").get_data(as_text=True)  # 补正 checklist


def test_checklist_starts_undecided_and_supplement_is_refused_until_every_row_is_decided(desk_world, user_client, db):
    client, _ = user_client("受理员", VILLAGE)
    page = client.get(f"/desk/intake/item/{desk_world.implementation_id}").get_data(as_text=True)
    radios = re.findall(r'<input type="radio" name="m-\d+"[^>]*>', page)
    assert len(radios) == 2 * len(desk_world.material_ids)  # 已收 and 缺 per row (no 情形必需 row: no 不适用)
    assert not [r for r in radios if "checked" in r]  # nothing pre-decided
    assert "必需材料均已收取" in page
    data = intake_data(desk_world, decision="supplement")
    del data[f"m-{desk_world.material_ids[2]}"]  # 家庭收入证明 not decided
    data[f"m-{desk_world.material_ids[1]}"] = "missing"
    page = client.post(f"/desk/intake/item/{desk_world.implementation_id}", data=data,
                       follow_redirects=True).get_data(as_text=True)
    case = db.session.scalar(select(Case))
    assert case.state == "registered" and "尚有 1 项未确认（家庭收入证明）" in page
    # On the case page the clerk decides the last row; the notice then lists every 缺 row.
    response = client.post(f"/desk/case/{case.id}/act/request_supplement",
                           data={f"m-{desk_world.material_ids[2]}": "received", "version": case.version})
    assert response.headers["Location"].endswith("print=supplement_notice")
    db.session.expire_all()
    assert db.session.get(Case, case.id).events[-1].data["missing"] == ["户口簿"]


def test_one_click_all_required_received_accepts(desk_world, user_client, db):
    client, _ = user_client("受理员", VILLAGE)
    data = {k: v for k, v in intake_data(desk_world).items() if not k.startswith("m-")}
    data["all_required_received"] = "1"
    response = client.post(f"/desk/intake/item/{desk_world.implementation_id}", data=data)
    assert response.status_code == 302
    case = db.session.scalar(select(Case))
    assert case.state == "accepted" and {r.status for r in case.materials} == {"received"}


def test_accept_with_missing_material_keeps_the_registration_and_says_why(desk_world, user_client, db):
    client, _ = user_client("受理员", VILLAGE)
    response = client.post(f"/desk/intake/item/{desk_world.implementation_id}",
                           data=intake_data(desk_world, received=[str(desk_world.material_ids[0])]),
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "缺少必需材料：户口簿、家庭收入证明" in page
    assert db.session.scalar(select(Case)).state == "registered"


def test_refuse_needs_a_reason(desk_world, user_client, db):
    client, _ = user_client("受理员", VILLAGE)
    url = f"/desk/intake/item/{desk_world.implementation_id}"
    page = client.post(url, data=intake_data(desk_world, decision="refuse"),
                       follow_redirects=True).get_data(as_text=True)
    assert "请填写“原因”" in page
    case = db.session.scalar(select(Case))
    assert case.state == "registered"
    response = client.post(f"/desk/case/{case.id}/act/refuse",
                           data={"reason": "不属于本事项受理范围", "version": case.version})
    assert response.headers["Location"].endswith("print=refusal_notice")
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == "refused"


def test_agent_cannot_accept_but_can_register(desk_world, user_client, db):
    client, _ = user_client("代办员", VILLAGE)
    page = client.post(f"/desk/intake/item/{desk_world.implementation_id}", data=intake_data(desk_world),
                       follow_redirects=True).get_data(as_text=True)
    assert "您的角色不能执行“受理”" in page
    assert db.session.scalar(select(Case)).state == "registered"


def test_supervisor_has_no_intake_desk(desk_world, user_client):
    client, _ = user_client("监察", VILLAGE)
    assert client.get("/desk/intake/").status_code in (302, 403)


def test_csrf_is_enforced_on_the_intake_post(make_app, tmp_path, db):
    from govkit.db import db as _db
    from govkit.testing.fixtures import create_user
    from tests.plugins import desk_form_plugin

    from .conftest import build_world

    app = make_app(plugins=[("desk_form_plugin", desk_form_plugin)], WTF_CSRF_ENABLED=True,
                   STORAGE_DIR=str(tmp_path / "s"))
    with app.app_context():
        world = build_world(_db.session)
        user = create_user(app, "受理员", VILLAGE)
        client = app.test_client()
        login_page = client.get("/login/").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page).group(1)
        client.post("/login/", data={"username": user.username, "password": "pw-123456", "csrf_token": token})
        url = f"/desk/intake/item/{world.implementation_id}"
        assert client.post(url, data=intake_data(world)).status_code == 400
        assert _db.session.scalar(select(func.count()).select_from(Case)) == 0
        page = client.get(url).get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        response = client.post(url, data=intake_data(world, csrf_token=token))
        assert response.status_code == 302
        assert _db.session.scalar(select(Case)).state == "accepted"
        _db.session.remove()

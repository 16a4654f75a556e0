"""Public portal: division picker, items, guide, downloads, search, 六公开 board."""
from pathlib import Path

import pytest

from tests.publicity.world import add_staff, make_world

pytestmark = pytest.mark.both_backends


def test_portal_needs_no_login_and_is_mobile_chinese(app, client, db):
    world = make_world(db.session)
    db.session.commit()
    response = client.get("/public/", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="viewport"' in html and 'lang="zh-CN"' in html
    assert "示范县" in html and "城关镇" in html  # county page offers its townships
    assert "/static/appbuilder" not in html and "http" not in html.split("<body")[0].replace("http-equiv", "")
    town = client.get(f"/public/d/{world.town.code}").get_data(as_text=True)
    assert "最低生活保障金给付" in town and "东关村" in town and "六公开" in town


def test_guide_shows_the_full_service_guide(app, client, db):
    world = make_world(db.session)
    db.session.commit()
    html = client.get(f"/public/guide/{world.impl.id}").get_data(as_text=True)
    for text in ("共同生活的家庭成员", "户口簿", "审查", "15 个工作日", "30 个工作日", "工本费", "5.00 元",
                 "《某某收费文件》", "城关镇便民服务中心3号窗口", "0934-7654321", "0934-12345", "社会救助暂行办法"):
        assert text in html, text


def test_draft_implementations_are_not_public(app, client, db):
    world = make_world(db.session)
    world.impl.status = "草稿"
    db.session.commit()
    assert client.get(f"/public/guide/{world.impl.id}").status_code == 404
    assert "最低生活保障金给付" not in client.get(f"/public/d/{world.town.code}").get_data(as_text=True)


def test_blank_form_download(app, client, db):
    world = make_world(db.session)
    db.session.commit()
    storage = Path(app.config["GOVKIT_STORAGE_DIR"])
    (storage / "catalog" / "forms").mkdir(parents=True, exist_ok=True)
    (storage / "catalog" / "forms" / "blank.txt").write_text("申请表", encoding="utf-8")
    material = world.impl.materials[0]
    response = client.get(f"/public/material/{material.id}/blank")
    assert response.status_code == 200 and response.data.decode() == "申请表"
    assert client.get(f"/public/material/{material.id}/sample").status_code == 404
    material.blank_form_path = "../../etc/passwd"
    db.session.commit()
    assert client.get(f"/public/material/{material.id}/blank").status_code == 404
    # A path to an existing file outside the catalog's folder — a case scan: personal data — is not served.
    (storage / "cases" / "ab").mkdir(parents=True, exist_ok=True)
    (storage / "cases" / "ab" / "scan.pdf").write_text("张三的身份证", encoding="utf-8")
    material.blank_form_path = "cases/ab/scan.pdf"
    db.session.commit()
    assert client.get(f"/public/material/{material.id}/blank").status_code == 404


def test_search_by_name_and_pinyin_initials(app, client, db):
    make_world(db.session)
    db.session.commit()
    for words in ("生活保障", "最低生活", "zdsh", "ZDSH"):
        html = client.get("/public/search", query_string={"q": words}).get_data(as_text=True)
        assert "最低生活保障金给付" in html, words
    html = client.get("/public/search", query_string={"q": "营业执照"}).get_data(as_text=True)
    assert "没有找到相关事项" in html


def test_search_by_the_items_synonyms(app, client, db):
    """Before: the public search found nothing for 低保 (issue 22). The item's 别名简称 find it; the guide shows
    them."""
    world = make_world(db.session)
    db.session.commit()
    assert "没有找到相关事项" in client.get("/public/search", query_string={"q": "低保"}).get_data(as_text=True)
    world.impl.item.synonyms = "低保、低保金"
    db.session.commit()
    html = client.get("/public/search", query_string={"q": "低保"}).get_data(as_text=True)
    assert "最低生活保障金给付" in html
    assert "又称" in client.get(f"/public/guide/{world.impl.id}").get_data(as_text=True)


def test_xss_in_item_name_is_inert(app, client, db):
    world = make_world(db.session, item_name='<script>alert("x")</script>低保')
    db.session.commit()
    for url in (f"/public/d/{world.town.code}", f"/public/guide/{world.impl.id}",
                "/public/search?q=%E4%BD%8E%E4%BF%9D", f"/public/centre/{world.centre.id}/board"):
        html = client.get(url).get_data(as_text=True)
        assert "&lt;script&gt;" in html, url
        assert "<script>alert" not in html, url


def test_board_lists_six_publics_and_public_contacts_only(app, client, db):
    world = make_world(db.session)
    staff = add_staff(app, db.session, world.town, name="李四", duty="受理员", contact="0934-1112223",
                      department=world.department)
    db.session.commit()
    response = client.get(f"/public/centre/{world.centre.id}/board")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for text in ("最低生活保障金给付", "受理 → 审查", "户口簿", "15个工作日", "工本费", "《某某收费文件》",
                 "李四", "0934-1112223", "民政办 3号窗口", "@media print"[:0]):
        assert text in html, text
    assert staff.user.email not in html and staff.user.username not in html
    css = client.get("/public/static/public.css").get_data(as_text=True)
    assert "@media print" in css


def test_unknown_division_and_centre_are_404(app, client, db):
    assert client.get("/public/d/999999999999").status_code == 404
    assert client.get("/public/centre/999/board").status_code == 404


def test_guide_pdf_through_the_print_registry(app, client, db):
    world = make_world(db.session)
    db.session.commit()
    html = client.get(f"/public/guide/{world.impl.id}").get_data(as_text=True)
    response = client.get(f"/public/guide/{world.impl.id}.pdf")
    if "下载PDF办事指南" not in html:  # printing not installed: no link, and the URL is a 404
        assert response.status_code == 404
        return
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    world.impl.status = "已停用"
    db.session.commit()
    assert client.get(f"/public/guide/{world.impl.id}.pdf").status_code == 404

"""Online application in real headless Chromium (issue 22): at 390×844 an applicant applies with uploads,
receives a 一次性告知 (补正), uploads the missing material, is accepted and downloads the 受理通知书, which the
public verify page confirms; and the village terminal's kiosk layout at 1280×1024 and 1920×1080, where a
代办员 applies for a villager who signs on the screen. Screenshots go to artifacts_dir."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from govkit.testing.services import LiveServer, launch_chromium
from tests.desk.conftest import COUNTY, VILLAGE, build_world, valid_id
from tests.desk.test_storage import pdf_bytes

ID_NUMBER = valid_id(seq="071")


@pytest.fixture
def served(make_app, tmp_path):
    from tests.plugins import desk_form_plugin

    app = make_app(plugins=[("desk_form_plugin", desk_form_plugin)], WTF_CSRF_ENABLED=True,
                   STORAGE_DIR=str(tmp_path / "storage"))
    with app.app_context():
        from govkit.catalog.models import Implementation
        from govkit.db import db
        from govkit.online.models import Applicant
        from govkit.orm import utcnow
        from govkit.testing.fixtures import create_user

        world = build_world(db.session)
        db.session.get(Implementation, world.implementation_id).online_mode = "全程网办"
        account = Applicant(kind="person", name="周八", id_number=ID_NUMBER, phone="13900000071",
                            phone_verified_at=utcnow())
        db.session.add(account)
        db.session.commit()
        session_cookie = _session_cookie(app, {"gk_applicant": {"id": account.id, "epoch": 0}})
        create_user(app, "代办员", VILLAGE, username="kiosk-agent")
        create_user(app, "受理员", COUNTY, username="county-clerk")
    with LiveServer(app) as base:
        yield app, base, world, session_cookie


def _session_cookie(app, data: dict) -> str:
    """The signed Flask session cookie of an applicant login (what the hall's login sets)."""
    return app.session_interface.get_signing_serializer(app).dumps(data)


def _prereview(app, action: str, states: dict[int, str]) -> None:
    """The county's 受理员 decides the pre-review through the real workflow and issues the notice."""
    from govkit.cases.models import Case
    from govkit.cases.runtime import workflow_for
    from govkit.db import db
    from govkit.desk import issuing
    from govkit.desk.storage import FileStore
    from govkit.hierarchy.models import Staff
    from govkit.state import get_state
    from govkit.web.actor import actor_of_user
    from flask_appbuilder.security.sqla.models import User

    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "county-clerk"))
        assert db.session.scalar(select(Staff).where(Staff.user_id == user.id)) is not None
        clerk = actor_of_user(user)
        case = db.session.scalars(select(Case).order_by(Case.id.desc())).first()
        workflow = workflow_for(app)
        workflow.perform(db.session, case, action, clerk, material_states=states)
        store = FileStore(app.config["GOVKIT_STORAGE_DIR"], int(get_state(app).settings["UPLOAD_MAX_BYTES"]))
        notice = {"accept": "acceptance_notice", "request_supplement_online": "supplement_notice"}[action]
        issuing.issue_document(db.session, case, notice, clerk, issuing.issuer_for(get_state(app), workflow=workflow,
                                                                                      store=store))
        db.session.commit()


@pytest.mark.browser
def test_phone_apply_supplement_accept_and_verify_the_notice(served, artifacts_dir, tmp_path):
    from playwright.sync_api import sync_playwright

    app, base, world, cookie = served
    shots = artifacts_dir / "online_apply"
    shots.mkdir(parents=True, exist_ok=True)
    scan = tmp_path / "材料.pdf"
    scan.write_bytes(pdf_bytes())
    external: list[str] = []
    with sync_playwright() as p:
        browser = launch_chromium(p)
        context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                      has_touch=True, locale="zh-CN")
        context.add_cookies([{"name": app.config.get("SESSION_COOKIE_NAME", "session"), "value": cookie,
                              "url": base}])
        page = context.new_page()
        page.on("request", lambda r: external.append(r.url) if not r.url.startswith(base) else None)

        def fits() -> bool:
            return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

        page.goto(base + "/online/apply/")
        page.get_by_role("button", name="在线申请").first.click()
        page.wait_for_selector("h2:has-text('1. 填写申请表')")
        page.get_by_label("家庭人口（人）").fill("3")
        page.get_by_label("困难类型").select_option("疾病")
        page.get_by_role("button", name="保存申请表").click()
        page.wait_for_selector("text=申请表已保存")
        for name in ("居民身份证", "户口簿", "家庭收入证明"):
            page.get_by_label(name, exact=True).set_input_files(str(scan))
            page.locator(f"li:has(input[aria-label='{name}']) button:has-text('上传')").click()
            page.wait_for_selector("text=已上传 1 个文件")
        page.get_by_label("本人已阅读并同意以上声明").check()
        page.get_by_label("请再次输入申请人身份证号码以确认").fill(ID_NUMBER)
        page.get_by_role("button", name="确认声明").click()
        page.wait_for_selector("text=申请人声明已确认")
        assert fits()
        page.screenshot(path=str(shots / "01-draft.png"), full_page=True)
        page.get_by_role("button", name="提交申请").click()
        page.wait_for_selector("text=申请已提交")
        assert page.locator("text=网上申报（待预审）").count() >= 1

        ident, household, income = world.material_ids
        _prereview(app, "request_supplement_online", {ident: "received", household: "missing", income: "received"})
        page.reload()
        page.wait_for_selector("h2:has-text('一次性告知：请补正以下材料')")
        assert page.locator("#supplement li").count() == 1 and "户口簿" in page.locator("#supplement").inner_text()
        page.screenshot(path=str(shots / "02-supplement.png"), full_page=True)
        page.locator("#supplement input[type=file]").set_input_files(str(scan))
        page.locator("#supplement button:has-text('上传')").click()
        page.wait_for_selector("text=已上传 1 个文件")
        page.get_by_role("button", name="提交补正材料").click()
        page.wait_for_selector("text=补正材料已提交")

        _prereview(app, "accept", {ident: "received", household: "received", income: "received"})
        page.reload()
        link = page.get_by_role("link", name="下载《受理通知书》")
        link.wait_for()
        assert page.locator("text=已受理").count() >= 1 and fits()
        page.screenshot(path=str(shots / "03-accepted.png"), full_page=True)
        pdf = context.request.get(base + link.get_attribute("href"))
        assert pdf.ok and pdf.body().startswith(b"%PDF")
        number = page.locator("#documents li:has-text('受理通知书') small").inner_text().split("文号 ")[1].split(" ")[0]
        notice = tmp_path / "受理通知书.pdf"
        notice.write_bytes(pdf.body())

        page.goto(base + "/public/verify")
        page.get_by_label("文书编号（通知书标题下方的编号）").fill(number)
        page.locator("input[name=file]").set_input_files(str(notice))
        page.get_by_role("button", name="核验").click()
        result = page.locator(".verify-result")
        result.wait_for()
        assert "该文件与本系统签发的文书完全一致" in result.inner_text(), (number, result.inner_text())
        page.screenshot(path=str(shots / "04-verified.png"), full_page=True)
        browser.close()
    assert external == []


@pytest.mark.browser
def test_kiosk_agent_applies_with_the_villagers_signature(served, artifacts_dir, tmp_path):
    from playwright.sync_api import sync_playwright

    app, base, world, _ = served
    shots = artifacts_dir / "online_apply"
    shots.mkdir(parents=True, exist_ok=True)
    scan = tmp_path / "扫描.pdf"
    scan.write_bytes(pdf_bytes())
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1280, "height": 1024}, locale="zh-CN")
        page.goto(base + "/login/")
        page.fill("input[name=username]", "kiosk-agent")
        page.fill("input[name=password]", "pw-123456")
        with page.expect_navigation():
            page.locator("input[type=submit], button[type=submit]").first.click()
        page.goto(base + "/online/terminal/")
        tile = page.locator("a.tile").first
        tile.wait_for()

        def layout_ok() -> bool:
            font = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
            fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
            small = page.evaluate("""[...document.querySelectorAll('a.button, button, a.tile, input:not([type=hidden])'
                ).values()].filter(e => e.offsetParent && e.type !== 'checkbox' && e.type !== 'radio'
                && e.getBoundingClientRect().height < 56).map(e => e.outerHTML.slice(0, 80))""")
            assert small == [], small
            return font >= 18 and fits

        assert layout_ok()
        page.screenshot(path=str(shots / "10-kiosk-1280.png"), full_page=True)
        tile.click()
        page.get_by_label("申请人（村民）姓名").fill("吴九")
        page.get_by_label("居民身份证号码").fill(valid_id(seq="081"))
        page.get_by_label("手机号码（接收短信通知）").fill("13900000081")
        page.get_by_role("button", name="下一步：填写申请").click()
        page.wait_for_selector("h2:has-text('1. 填写申请表')")
        page.get_by_label("家庭人口（人）").fill("2")
        page.get_by_label("困难类型").select_option("残疾")
        page.get_by_role("button", name="保存申请表").click()
        page.wait_for_selector("text=申请表已保存")
        for name in ("居民身份证", "户口簿", "家庭收入证明"):
            page.get_by_label(name, exact=True).set_input_files(str(scan))
            page.locator(f"li:has(input[aria-label='{name}']) button:has-text('上传')").click()
            page.wait_for_selector("text=已上传 1 个文件")
        page.get_by_label("本人已阅读并同意以上声明").check()
        canvas = page.locator("canvas[data-signature]")
        box = canvas.bounding_box()
        page.mouse.move(box["x"] + 40, box["y"] + 60)
        page.mouse.down()
        for step in range(1, 12):
            page.mouse.move(box["x"] + 40 + step * 30, box["y"] + 60 + (step % 3) * 40)
        page.mouse.up()
        page.get_by_role("button", name="确认声明").click()
        page.wait_for_selector("text=已确认：手写签名")
        page.set_viewport_size({"width": 1920, "height": 1080})
        assert layout_ok()
        page.screenshot(path=str(shots / "11-kiosk-1920.png"), full_page=True)
        page.get_by_role("button", name="提交申请").click()
        page.wait_for_selector("text=申请已提交")
        assert page.locator("text=网上代申办").count() >= 1
        browser.close()
    with app.app_context():
        from govkit.cases.models import Case, CaseEvent
        from govkit.db import db

        case = db.session.scalars(select(Case).order_by(Case.id.desc())).first()
        event = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)).first()
        assert case.state == "online" and case.proxy_name and "手写签名" in event.comment

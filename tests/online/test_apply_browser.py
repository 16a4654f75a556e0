"""Online application in real headless Chromium (issue 22, must-show). The applicant on a phone (390×844) signs
up with the development message channel (the code read from gk_dev_message, as /demo/ lists it), applies with
uploads, receives a 一次性告知 (补正) that the county's 受理员 sends from the 预审 screen at desktop size
(1366×768), uploads the missing material, is accepted on the same screen, downloads the 受理通知书 and has the
public verify page confirm it, follows the timeline to delivery (the steps between are driven through the
workflow) and rates the case (好差评) from 我的办件. At desktop size the 受理员 then refuses another online
application with reasons, and the applicant sees the refusal and its reasons. The village terminal's kiosk
layout at 1280×1024 and 1920×1080: a 代办员 applies for a villager who signs on the screen.
Screenshots go to artifacts_dir/online_apply. 行政许可法 §29, §32, §33, §44."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from govkit.testing.services import LiveServer, launch_chromium
from tests.desk.conftest import COUNTY, VILLAGE, build_world, valid_id
from tests.desk.test_storage import pdf_bytes

ID_NUMBER = valid_id(seq="071")
PHONE = "13900000071"
REASON = "申请人家庭人均收入高于当地低保标准。"


@pytest.fixture
def served(make_app, tmp_path):
    from tests.plugins import desk_form_plugin

    app = make_app(plugins=[("desk_form_plugin", desk_form_plugin)], WTF_CSRF_ENABLED=True,
                   STORAGE_DIR=str(tmp_path / "storage"))
    with app.app_context():
        from govkit.catalog.models import Implementation
        from govkit.db import db
        from govkit.hierarchy.models import Department
        from govkit.testing.fixtures import create_user

        world = build_world(db.session)
        implementation = db.session.get(Implementation, world.implementation_id)
        implementation.online_mode = "全程网办"
        department = db.session.get(Department, implementation.department_id)
        db.session.commit()
        create_user(app, "代办员", VILLAGE, username="kiosk-agent")
        create_user(app, "受理员", COUNTY, username="county-clerk")
        create_user(app, "指挥中心", COUNTY, username="county-dispatch")
        create_user(app, "办理员", COUNTY, username="county-handler", department=department)
    with LiveServer(app) as base:
        yield app, base, world


def _actor(username: str):
    from flask_appbuilder.security.sqla.models import User

    from govkit.db import db
    from govkit.web.actor import actor_of_user

    return actor_of_user(db.session.scalar(select(User).where(User.username == username)))


def _dev_code(app, phone: str) -> str:
    """The newest code the development channel stored for ``phone`` (what /demo/ lists)."""
    with app.app_context():
        from govkit.db import db
        from govkit.online.models import DevMessage

        text = db.session.scalars(select(DevMessage.text).where(DevMessage.phone == phone, DevMessage.kind == "code")
                                  .order_by(DevMessage.id.desc())).first()
    return re.search(r"验证码为 (\d{6})", text).group(1)


def _to_delivery(app, case_id: int) -> None:
    """The staff steps between acceptance and delivery, through the workflow (分派, 审查, 准予, 办结, 送达)."""
    from govkit.cases.models import Case
    from govkit.cases.runtime import workflow_for
    from govkit.db import db

    with app.app_context():
        workflow = workflow_for(app)
        case = db.session.get(Case, case_id)
        dispatch, handler = _actor("county-dispatch"), _actor("county-handler")
        workflow.perform(db.session, case, "assign", dispatch, department_id=case.implementation.department_id)
        workflow.perform(db.session, case, "start_review", handler)
        workflow.perform(db.session, case, "approve", handler, result_number="低保证 2026-071")
        workflow.perform(db.session, case, "complete", handler)
        workflow.perform(db.session, case, "deliver", handler, method="电子送达", receiver="周八")


def _submitted_by_python(app, world, account_id: int) -> int:
    """A second online application of the same applicant, filled and submitted through the services."""
    import io

    from govkit.cases.runtime import workflow_for
    from govkit.db import db
    from govkit.desk.attachments import PendingFiles
    from govkit.desk.storage import FileStore
    from govkit.online import apply as A
    from govkit.online.models import Applicant
    from govkit.state import get_state

    with app.app_context():
        owner = A.Owner(applicant=db.session.get(Applicant, account_id))
        application = A.start(db.session, world.implementation_id, owner)
        A.save_form(application, {"household_size": "4", "hardship": "疾病"})
        store = FileStore(app.config["GOVKIT_STORAGE_DIR"], int(get_state(app).settings["UPLOAD_MAX_BYTES"]))
        pending = PendingFiles(store)
        for material_id in world.material_ids:
            A.add_upload(db.session, pending, application, material_id, io.BytesIO(pdf_bytes()), "材料.pdf")
        A.record_consent(application, agreed=True, id_number=ID_NUMBER)
        return A.submit(db.session, workflow_for(app), application, owner).id


def _staff_page(browser, base: str):
    """The county 受理员 logged in at desktop size (1366×768)."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(base + "/login/")
    page.fill("input[name=username]", "county-clerk")
    page.fill("input[name=password]", "pw-123456")
    with page.expect_navigation():
        page.locator("input[type=submit], button[type=submit]").first.click()
    return page


def _prereview(page, base: str, case_id: int, states: dict[str, str], action: str, reason: str = "") -> str:
    """Decide the pre-review on /desk/prereview/<case> as the 受理员 would; return the flash text."""
    page.goto(f"{base}/desk/prereview/{case_id}")
    page.locator("form.prereview").wait_for()
    for name, label in states.items():
        page.get_by_label(f"{name} {label}", exact=True).check()
    if reason:
        page.get_by_label("不予受理的理由（不予受理时必填）").fill(reason)
    with page.expect_navigation():
        page.get_by_role("button", name=action, exact=True).click()
    flash = page.locator(".alert, .flash, .flashes").first
    flash.wait_for()
    return flash.inner_text()


@pytest.mark.browser
def test_phone_sign_up_apply_supplement_accept_verify_deliver_rate_and_a_refusal(served, artifacts_dir, tmp_path):
    from playwright.sync_api import sync_playwright

    from govkit.online.models import Applicant

    app, base, world = served
    shots = artifacts_dir / "online_apply"
    shots.mkdir(parents=True, exist_ok=True)
    scan = tmp_path / "材料.pdf"
    scan.write_bytes(pdf_bytes())
    external: list[str] = []
    with sync_playwright() as p:
        browser = launch_chromium(p)
        phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                    has_touch=True, locale="zh-CN")
        phone.set_default_timeout(15_000)
        page = phone.new_page()
        page.on("request", lambda r: external.append(r.url) if not r.url.startswith(base) else None)

        def fits() -> bool:  # no sideways scrolling on a phone
            return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

        # Sign up: phone, the code the development channel stored, real name with a GB 11643 number.
        page.goto(base + "/online/")
        page.wait_for_url(re.compile(r"/online/login\?next="))
        page.get_by_label("手机号码").first.fill(PHONE)
        page.get_by_role("button", name="获取验证码").click()
        page.get_by_text("验证码已发送").first.wait_for()
        page.get_by_label("短信验证码").fill(_dev_code(app, PHONE))
        page.get_by_role("button", name="确定").click()
        page.locator("h1:has-text('实名注册')").wait_for()
        page.get_by_label("真实姓名或单位全称").fill("周八")
        page.get_by_label("公民身份号码或统一社会信用代码").fill(ID_NUMBER)
        page.get_by_label("本人承诺").check()
        with page.expect_navigation():
            page.get_by_role("button", name="注册并登录").click()
        with app.app_context():
            from govkit.db import db

            account_id = db.session.scalar(select(Applicant.id).where(Applicant.phone == PHONE))
        assert account_id is not None

        # Apply with uploads and the declaration.
        page.goto(base + "/online/apply/")
        page.get_by_role("button", name="在线申请").first.click()
        page.locator("h2:has-text('1. 填写申请表')").wait_for()
        page.get_by_label("家庭人口（人）").fill("3")
        page.get_by_label("困难类型").select_option("疾病")
        page.get_by_role("button", name="保存申请表").click()
        page.get_by_text("申请表已保存").first.wait_for()
        for name in ("居民身份证", "户口簿", "家庭收入证明"):
            page.get_by_label(name, exact=True).set_input_files(str(scan))
            with page.expect_navigation():
                page.locator(f"li:has(input[aria-label='{name}']) button:has-text('上传')").click()
            page.get_by_text("已上传 1 个文件").first.wait_for()
        page.get_by_label("本人已阅读并同意以上声明").check()
        page.get_by_label("请再次输入申请人身份证号码以确认").fill(ID_NUMBER)
        page.get_by_role("button", name="确认声明").click()
        page.get_by_text("申请人声明已确认").first.wait_for()
        assert fits()
        page.screenshot(path=str(shots / "01-draft.png"), full_page=True)
        page.get_by_role("button", name="提交申请").click()
        page.get_by_text("申请已提交").first.wait_for()
        assert page.get_by_text("网上申报（待预审）").count() >= 1
        application_url = page.url
        with app.app_context():
            from govkit.online.apply_models import OnlineApplication

            case_id = db.session.scalar(select(OnlineApplication.case_id).where(
                OnlineApplication.applicant_id == account_id))

        # The county's 受理员 at desktop size: 一次性告知 补正 of the 户口簿 on the 预审 screen.
        staff = _staff_page(browser, base)
        said = _prereview(staff, base, case_id, {"居民身份证": "已收", "户口簿": "缺", "家庭收入证明": "已收"},
                          "网上一次性告知补正")
        assert "一次性告知书" in said and "已出具并电子送达申请人" in said, said
        staff.screenshot(path=str(shots / "02-prereview-supplement.png"), full_page=True)

        page.goto(application_url)
        page.locator("h2:has-text('一次性告知：请补正以下材料')").wait_for()
        assert page.locator("#supplement li").count() == 1 and "户口簿" in page.locator("#supplement").inner_text()
        page.screenshot(path=str(shots / "03-supplement.png"), full_page=True)
        page.locator("#supplement input[type=file]").set_input_files(str(scan))
        page.locator("#supplement button:has-text('上传')").click()
        page.get_by_text("已上传 1 个文件").first.wait_for()
        page.get_by_role("button", name="提交补正材料").click()
        page.get_by_text("补正材料已提交").first.wait_for()

        said = _prereview(staff, base, case_id, {"户口簿": "已收"}, "受理")
        assert "受理通知书" in said and "已出具并电子送达申请人" in said, said

        # The applicant downloads the 受理通知书 and the public verify page confirms it.
        page.goto(application_url)
        link = page.get_by_role("link", name="下载《受理通知书》")
        link.wait_for()
        assert page.get_by_text("已受理").count() >= 1 and fits()
        page.screenshot(path=str(shots / "04-accepted.png"), full_page=True)
        pdf = phone.request.get(base + link.get_attribute("href"))
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
        page.screenshot(path=str(shots / "05-verified.png"), full_page=True)

        # The timeline to delivery in 我的办件, then 好差评.
        _to_delivery(app, case_id)
        page.goto(base + "/online/")
        page.locator("h1:has-text('我的办件')").wait_for()
        with page.expect_navigation():
            page.get_by_role("link", name=re.compile("城乡居民最低生活保障审核确认")).first.click()
        page.locator("h2:has-text('办理过程')").wait_for()
        timeline = page.locator("ol.timeline").inner_text()
        for step in ("网上补正中", "已受理", "审查中", "予以确认", "已办结", "已送达"):
            assert step in timeline, (step, timeline)
        assert "已送达" in page.locator("table.facts").first.inner_text() and fits()
        page.screenshot(path=str(shots / "06-delivered.png"), full_page=True)
        page.get_by_label("满意", exact=True).check()
        with page.expect_navigation():
            page.get_by_role("button", name="提交评价").click()
        page.get_by_text("感谢您的评价").first.wait_for()
        assert page.get_by_text("本办件已评价").count() == 1
        page.screenshot(path=str(shots / "07-rated.png"), full_page=True)

        # Another online application: refused with reasons at desktop size; the applicant sees the reasons.
        refused_id = _submitted_by_python(app, world, account_id)
        said = _prereview(staff, base, refused_id, {}, "不予受理")
        assert "未能不予受理" in said, said  # a refusal needs its reasons
        said = _prereview(staff, base, refused_id, {}, "不予受理", reason=REASON)
        assert "不予受理通知书" in said, said
        staff.screenshot(path=str(shots / "08-refused-desk.png"), full_page=True)
        page.goto(base + "/online/")
        with page.expect_navigation():
            page.locator("li.card a:has-text('不予受理')").first.click()
        page.locator("h2:has-text('办理结果')").wait_for()
        body = page.locator("main, body").first.inner_text()
        assert REASON in body and "不予受理通知书" in body and fits()
        page.screenshot(path=str(shots / "09-refused.png"), full_page=True)
        browser.close()
    assert external == []


@pytest.mark.browser
def test_kiosk_agent_applies_with_the_villagers_signature(served, artifacts_dir, tmp_path):
    from playwright.sync_api import sync_playwright

    app, base, world = served
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
            # The text a test waits for is in the DOM before the page's stylesheet may have loaded: measure the
            # page as shown, after its load event (stylesheets included).
            page.wait_for_load_state("load")
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

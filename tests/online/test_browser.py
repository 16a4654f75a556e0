"""The online hall in real headless Chromium at a phone viewport (390×844), CSRF on: sign up with the
development message channel, find a counter case in 我的办件, open its document, rate it. Screenshots go to
artifacts_dir/online."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from govkit.testing.services import LiveServer, launch_chromium
from tests.publicity.world import APPLICANT, make_case, make_world

ID_NUMBER = "621002198001010020"  # GB 11643, check character 0


@pytest.fixture
def served(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from govkit.db import db
        from govkit.desk.storage import FileStore
        from govkit.printing.models import IssuedDocument

        world = make_world(db.session)
        case = make_case(db.session, world, state="delivered", provisional=True)
        case.applicant_id_number = ID_NUMBER
        pdf = b"%PDF-1.4\n% test notice\n"
        store = FileStore(app.config["GOVKIT_STORAGE_DIR"], 10**6)
        db.session.add(IssuedDocument(document_number="621002100000-1-2026-00001", template_name="acceptance_notice",
                                      title="受理通知书", case_id=case.id, issuing_body="城关镇民政办",
                                      sha256=store.put(pdf), size=len(pdf)))
        db.session.commit()
        number = case.number
    with LiveServer(app) as base:
        yield app, base, number


def dev_code(app, phone: str) -> str:
    with app.app_context():
        from govkit.db import db
        from govkit.online.models import DevMessage

        text = db.session.scalars(select(DevMessage.text).where(DevMessage.phone == phone)
                                  .order_by(DevMessage.id.desc())).first()
    return re.search(r"验证码为 (\d{6})", text).group(1)


@pytest.mark.browser
def test_phone_sign_up_my_cases_document_and_rating(served, artifacts_dir):
    from playwright.sync_api import sync_playwright

    app, base, number = served
    shots = artifacts_dir / "online"
    shots.mkdir(parents=True, exist_ok=True)
    external: list[str] = []
    phone = "13712345678"
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                has_touch=True, locale="zh-CN")
        page.on("request", lambda r: external.append(r.url) if not r.url.startswith(base) else None)

        def fits() -> bool:  # no sideways scrolling on a phone
            return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

        page.goto(base + "/online/")
        page.wait_for_url(re.compile(r"/online/login\?next="))
        page.get_by_label("手机号码").first.fill(phone)
        page.get_by_role("button", name="获取验证码").click()
        page.wait_for_selector("text=验证码已发送")
        assert fits()
        page.screenshot(path=str(shots / "01-code.png"), full_page=True)
        page.get_by_label("短信验证码").fill(dev_code(app, phone))
        page.get_by_role("button", name="确定").click()
        page.wait_for_selector("h1:has-text('实名注册')")
        page.get_by_label("真实姓名或单位全称").fill(APPLICANT["name"])
        page.get_by_label("公民身份号码或统一社会信用代码").fill(ID_NUMBER[:-1] + "1")  # a wrong check digit
        page.get_by_label("本人承诺").check()
        page.get_by_role("button", name="注册并登录").click()
        page.wait_for_selector("text=校验位错误")
        page.screenshot(path=str(shots / "02-check-digit.png"), full_page=True)
        page.get_by_label("公民身份号码或统一社会信用代码").fill(ID_NUMBER)
        page.get_by_label("本人承诺").check()
        page.get_by_role("button", name="注册并登录").click()
        page.wait_for_selector("h1:has-text('我的办件')")
        assert number in page.inner_text("body") and fits()
        page.screenshot(path=str(shots / "03-my-cases.png"), full_page=True)

        page.get_by_role("link", name=re.compile("最低生活保障金给付")).first.click()
        page.wait_for_selector("h2:has-text('办理过程')")
        body = page.inner_text("body")
        assert "已送达" in body and "受理通知书" in body and fits()
        page.screenshot(path=str(shots / "04-case.png"), full_page=True)
        with page.expect_response(re.compile(r"/online/documents/\d+$")) as pdf:
            page.evaluate("u => fetch(u)", page.get_attribute("a[href*='/documents/']", "href"))
        assert pdf.value.status == 200 and pdf.value.headers["content-type"] == "application/pdf"

        page.get_by_label("满意", exact=True).check()
        page.get_by_role("button", name="提交评价").click()
        page.wait_for_selector("text=感谢您的评价")
        page.screenshot(path=str(shots / "05-rated.png"), full_page=True)
        browser.close()
    assert external == []

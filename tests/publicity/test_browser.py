"""The public portal in real headless Chromium at a phone viewport (390×844):
find an item, open its guide, look up a case's progress, rate it. Screenshots go to artifacts_dir."""
from __future__ import annotations

import pytest

from govkit.printing.qr import progress_url
from govkit.testing.services import LiveServer, launch_chromium
from tests.publicity.world import APPLICANT, make_case, make_world

@pytest.fixture
def served(make_app):
    """A CSRF-enabled app with a county, an item and a completed case, served on 127.0.0.1."""
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from govkit.db import db

        world = make_world(db.session)
        case = make_case(db.session, world, state="delivered", provisional=True)
        db.session.commit()
        number = case.number
    with LiveServer(app) as base:
        yield app, base, number


@pytest.mark.browser
def test_phone_find_guide_progress_and_rate(served, artifacts_dir):
    from playwright.sync_api import sync_playwright

    app, base, number = served
    shots = artifacts_dir / "publicity"
    shots.mkdir(parents=True, exist_ok=True)
    external: list[str] = []
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                has_touch=True, locale="zh-CN")
        page.on("request", lambda r: external.append(r.url) if not r.url.startswith(base) else None)

        def fits() -> bool:  # no sideways scrolling on a phone
            return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

        # 1. Choose the township, then find the item by its pinyin initials.
        page.goto(base + "/public/")
        page.get_by_role("link", name="城关镇").first.click()
        page.wait_for_url("**/public/d/621002100000")
        assert fits()
        page.screenshot(path=str(shots / "01-township.png"), full_page=True)
        page.get_by_label("搜索事项").fill("zdsh")
        page.get_by_role("button", name="搜索").click()
        page.wait_for_selector("text=找到 1 项")
        page.screenshot(path=str(shots / "02-search.png"), full_page=True)

        # 2. Open its service guide.
        page.get_by_role("link", name="最低生活保障金给付").first.click()
        page.wait_for_selector("h2:has-text('申请材料')")
        assert page.locator("text=户口簿").count() >= 1 and fits()
        page.screenshot(path=str(shots / "03-guide.png"), full_page=True)

        # 3. Look up the case's progress with the last 4 digits of the phone.
        page.get_by_role("link", name="进度查询").click()
        page.get_by_label("办件编号").fill(number)
        page.get_by_label("申请人手机号后4位").fill(APPLICANT["phone"][-4:])
        page.get_by_role("button", name="查询").click()
        page.wait_for_selector("text=当前状态")
        body = page.inner_text("body")
        assert "已送达" in body and "（暂定）" in body and fits()
        for secret in APPLICANT.values():
            assert secret not in body
        page.screenshot(path=str(shots / "04-progress.png"), full_page=True)

        # 3b. The notice's QR code: the token rides in the #fragment (never sent); the page posts it.
        with app.app_context():
            from govkit.cases.models import Case
            from govkit.db import db

            token = db.session.query(Case.progress_token).filter_by(number=number).scalar()
        qr, sent = browser.new_page(), []
        qr.on("request", lambda r: sent.append((r.method, r.url.split("#")[0], r.post_data or "")))
        qr.goto(progress_url(base + "/public/progress", number, token))
        qr.wait_for_selector("text=当前状态")
        assert "已送达" in qr.inner_text("body") and token not in qr.url
        assert not [url for _, url, _ in sent if token in url]
        assert [m for m, url, data in sent if m == "POST" and token in data and url.endswith("/public/progress")]
        qr.close()

        # 4. Rate it.
        page.get_by_label("满意", exact=True).check()
        page.locator("textarea[name=comment]").fill("代办员送达及时，谢谢！")
        page.get_by_role("button", name="提交评价").click()
        page.wait_for_selector("text=感谢您的评价")
        page.screenshot(path=str(shots / "05-rated.png"), full_page=True)
        browser.close()
    assert not external, f"pages loaded assets from outside the server: {external}"
    with app.app_context():
        from govkit.db import db
        from govkit.publicity.models import Rating

        rating = db.session.query(Rating).one()
        assert rating.level == "满意" and rating.comment == "代办员送达及时，谢谢！"
    for name in ("01-township", "02-search", "03-guide", "04-progress", "05-rated"):
        assert (shots / f"{name}.png").stat().st_size > 5000

"""The catalog screens in headless Chromium on the demo catalog (CSRF on): find an item by pinyin,
open an implementation with its materials, publish a revision, read the 三级四同 report.
Screenshots go to artifacts_dir/catalog."""
from __future__ import annotations

import pytest

from govkit.testing.fixtures import create_user, ensure_division
from govkit.testing.services import LiveServer, launch_chromium

@pytest.fixture
def served(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from govkit.catalog.demo import DEMO_DIVISIONS, load_demo_catalog
        from govkit.db import db

        for code in DEMO_DIVISIONS:
            ensure_division(db.session, code)
        load_demo_catalog(db.session)
        db.session.commit()
        username = create_user(app, "事项管理员", "629901000000", username="catalog_admin").username
    with LiveServer(app) as base:
        yield app, base, username


@pytest.mark.browser
def test_catalog_admin_in_browser(served, artifacts_dir):
    from playwright.sync_api import sync_playwright

    app, base, username = served
    shots = artifacts_dir / "catalog"
    shots.mkdir(parents=True, exist_ok=True)
    external: list[str] = []
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        page.on("request", lambda r: external.append(r.url) if not r.url.startswith(base) else None)
        page.goto(base + "/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", "pw-123456")
        page.press("input[name=password]", "Enter")
        page.wait_for_load_state("networkidle")

        page.goto(base + "/catalog/items/list/?_flt_0_pinyin_initials=nczjd")
        assert page.locator("text=农村宅基地审批").count() >= 1
        page.screenshot(path=str(shots / "01-items-pinyin-search.png"), full_page=True)

        page.goto(base + "/catalog/implementations/list/?_flt_0_name=最低生活保障")
        page.screenshot(path=str(shots / "02-implementations.png"), full_page=True)
        page.locator("a[href*='/catalog/implementations/show/']").first.click()
        # On a loaded machine the tab script may attach late: click only once the page is idle.
        page.wait_for_load_state("networkidle")
        page.get_by_role("tab", name="申请材料").first.click() if page.get_by_role("tab", name="申请材料").count() \
            else page.locator("a:has-text('申请材料')").first.click()
        page.wait_for_selector("text=最低生活保障申请书", timeout=90_000)
        page.screenshot(path=str(shots / "03-implementation-show.png"), full_page=True)

        page.goto(base + "/catalog/consistency/")
        assert page.locator("#consistency-summary").count() == 1
        assert page.locator("text=高龄老人补贴发放").count() >= 1
        page.screenshot(path=str(shots / "04-sanji-sitong.png"), full_page=True)

        page.goto(base + "/catalog/transfer/")
        page.screenshot(path=str(shots / "05-transfer.png"), full_page=True)
        browser.close()
    assert external == []

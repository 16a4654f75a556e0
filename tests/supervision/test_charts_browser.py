"""The supervision charts in real headless Chromium: ECharts from govkit's own static files draws every
chart (SVG), under the CSP, with no console error and no request leaving the server; printing keeps them."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from govkit.testing.fixtures import create_user
from tests.publicity.world import make_case, make_world


@pytest.fixture
def served(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from govkit.cases.calendar import WorkingCalendar
        from govkit.db import db
        from govkit.publicity import ratings

        world = make_world(db.session)
        today = date.today()
        for n, (due, done) in enumerate(((10, 5), (10, 12), (40, 30))):
            make_case(db.session, world, number=f"CHART-{n}", state="completed", accepted=today - timedelta(days=60),
                      due=today - timedelta(days=60 - due), completed=today - timedelta(days=60 - done))
        rated = make_case(db.session, world, number="CHART-R", state="delivered")
        ratings.submit_rating(db.session, rated, level="满意", calendar=WorkingCalendar(), rectification_days=10)
        user = create_user(app, "监察", world.town.code)
        db.session.commit()
        username = user.username
    from govkit.testing.services import LiveServer

    with LiveServer(app) as base:
        yield base, username


@pytest.mark.browser
def test_charts_render_in_chromium(served, artifacts_dir):
    from playwright.sync_api import sync_playwright

    from govkit.testing.services import launch_chromium

    base, username = served
    errors: list[str] = []
    external: list[str] = []
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
            page.on("console", lambda msg: errors.append(f"{msg.text} {msg.location.get('url')}")
                    if msg.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(f"script error {exc}"))
            page.on("request", lambda r: external.append(r.url) if not r.url.startswith(base) else None)
            page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
            page.goto(base + "/login/")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", "pw-123456")
            page.locator("input[name=password]").press("Enter")
            page.wait_for_load_state()
            page.goto(base + "/supervision/charts?days=0")
            for chart in ("monthly", "ratings", "divisions"):
                page.wait_for_selector(f"#gk-chart-{chart} svg", timeout=10000)
            # Something is drawn: bars/lines/sectors are SVG paths, and the labels are text.
            assert page.locator("#gk-chart-monthly svg path").count() > 10
            assert page.locator("#gk-chart-ratings svg path").count() >= 1
            assert "城关镇" in page.inner_text("#gk-chart-divisions")
            assert page.locator("table.gk-chart-table").count() == 3  # the fallbacks stay on the page
            shots = artifacts_dir / "supervision"
            shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shots / "charts.png"), full_page=True)
            page.emulate_media(media="print")
            page.wait_for_timeout(200)
            box = page.locator("#gk-chart-monthly svg").bounding_box()
            assert box and box["width"] > 300 and box["height"] > 150
            assert not page.locator("form.gk-noprint").is_visible()
            pdf = page.pdf(format="A4")
            assert pdf.startswith(b"%PDF") and len(pdf) > 10000
        finally:
            browser.close()
    assert [e for e in errors if not e.endswith("/favicon.ico")] == []  # the app has no favicon (not ours)
    assert external == []

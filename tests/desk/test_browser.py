"""The whole desk in real headless Chromium: village intake → township → county → delivery.

Every step goes through the UI (login form, intake desk, queues, action forms) at
1366×768; a screenshot of each step is saved in ``artifacts_dir``, and the bytes the
intake page pulls over the wire are written to ``desk-page-weight.json``.
"""
from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import select

from govkit.cases.models import Attachment, Case
from govkit.hierarchy.models import Department
from govkit.printing.models import IssuedDocument
from govkit.testing.services import LiveServer, launch_chromium

from .conftest import COUNTY, TOWNSHIP, VILLAGE, valid_id
from .test_storage import pdf_bytes

pytestmark = pytest.mark.browser

@pytest.fixture
def live_server(app):
    with LiveServer(app) as base:
        yield base


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = launch_chromium(p)
        yield instance
        instance.close()


def test_case_from_village_desk_to_delivery(app, world, live_server, browser, artifacts_dir, db, tmp_path,
                                           govkit_backend):
    from govkit.testing.fixtures import create_user

    dept = db.session.scalar(select(Department).where(Department.name == "民政局"))
    names = {
        "clerk": create_user(app, "受理员", VILLAGE).username,
        "town": create_user(app, "办理员", TOWNSHIP).username,
        "dispatch": create_user(app, "指挥中心", COUNTY).username,
        "handler": create_user(app, "办理员", COUNTY, department=dept.id).username,
    }
    shots = artifacts_dir / f"desk-browser-{govkit_backend}"
    shots.mkdir(parents=True, exist_ok=True)
    scan = tmp_path / "身份证扫描.pdf"
    scan.write_bytes(pdf_bytes("ID card scan"))
    step = iter(range(1, 100))

    def session(who):
        context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
        page = context.new_page()
        page.goto(live_server + "/login/")
        page.fill("input[name=username]", names[who])
        page.fill("input[name=password]", "pw-123456")
        page.locator("input[name=password]").press("Enter")
        page.wait_for_load_state()
        return context, page

    def shot(page, label):
        page.screenshot(path=str(shots / f"{next(step):02d}-{label}.png"), full_page=True)

    def ok(page):
        flash = page.locator(".flash").first
        assert "danger" not in (flash.get_attribute("class") or ""), flash.inner_text()

    # 1. Village clerk: find the item by pinyin initials, fill the applicant and the plugin form,
    #    attach a scan, accept in one click, print the acceptance notice, forward the case.
    context, page = session("clerk")
    weight = {"bytes": 0, "requests": 0}

    def count(response):
        weight["requests"] += 1
        try:
            weight["bytes"] += len(response.body())
        except Exception:  # redirects have no body
            pass

    page.on("response", count)
    page.goto(live_server + "/desk/intake/?q=zdshbz")
    page.click("text=开始受理")
    page.wait_for_selector("#intake-form")
    page.remove_listener("response", count)
    shot(page, "intake-checklist")
    page.fill("input[name=applicant_name]", "王秀英")
    page.fill("input[name=applicant_id_number]", valid_id())
    page.fill("input[name=applicant_phone]", "13912345678")
    page.fill("input[name=item-household_size]", "3")
    page.fill("input[name=item-monthly_income]", "900")
    page.select_option("select[name=item-hardship]", "疾病")
    page.set_input_files(f"input[name=file-{world.material_ids[0]}]", str(scan))
    page.check("input[name=all_required_received]")  # the one click: every 必需 row 已收
    shot(page, "intake-filled")
    page.click("button[value=accept]")
    page.wait_for_selector(".offer")
    ok(page)
    shot(page, "accepted-print-offer")
    case = db.session.scalar(select(Case))
    assert case.state == "accepted" and case.form_data["household_size"] in (3, "3")
    assert db.session.scalar(select(Attachment)).filename == "身份证扫描.pdf"
    assert "110105********002X" in page.content()
    notice = page.request.get(live_server + page.locator(".offer a").get_attribute("href"))
    assert notice.ok and notice.body().startswith(b"%PDF")
    # Issued through the issue path: numbered in the implementing organ's name, stored, printed again byte for byte.
    db.session.expire_all()
    issued = db.session.scalar(select(IssuedDocument))
    assert issued.sha256 == hashlib.sha256(notice.body()).hexdigest() and issued.division_code == COUNTY
    assert page.request.get(live_server + page.locator(".offer a").get_attribute("href")).body() == notice.body()
    page.reload()
    assert issued.document_number in page.locator("ul.issued").inner_text()
    page.click(".actions >> text=上报")
    page.click("button.primary")
    ok(page)
    shot(page, "forwarded")
    context.close()

    # 2. Township handler: sign for it from the queue, then forward it to the county.
    context, page = session("town")
    page.goto(live_server + "/desk/queue/sign")
    assert case.number in page.content()
    shot(page, "township-sign-queue")
    page.click("td.acts >> text=签收")
    ok(page)
    page.goto(live_server + "/desk/queue/forward")
    page.click("td.acts >> text=上报")  # no fields needed: the queue button posts at once
    ok(page)
    shot(page, "township-forwarded")
    context.close()

    # 3. County: the handler signs for it, the dispatch centre assigns it to 民政局.
    context, page = session("handler")
    page.goto(live_server + "/desk/queue/sign")
    page.click("td.acts >> text=签收")
    ok(page)
    context.close()
    context, page = session("dispatch")
    page.goto(live_server + "/desk/queue/assign")
    page.click("td.acts >> text=分派")
    page.select_option("select[name=department_id]", str(dept.id))
    shot(page, "county-assign-form")
    page.click("button.primary")
    ok(page)
    context.close()

    # 4. County handler: start the review, approve with a result number, complete.
    context, page = session("handler")
    page.goto(live_server + "/desk/queue/review")
    shot(page, "county-review-queue")
    page.click("td.acts >> text=开始审查")
    ok(page)
    page.goto(live_server + f"/desk/case/{case.id}")
    # 低保 is a 行政确认 (item type 07): the decision is worded 予以确认, never 准予许可 (catalog.wording).
    page.click(".actions >> text=予以确认")
    # The browser itself asks for the required field; without that check the server answers
    # with a plain Chinese message, not a 500.
    # The locator waits for the action form to load (a bare querySelector raced the navigation).
    page.locator("input[name=result_number]").evaluate("e => e.removeAttribute('required')")
    page.click("button.primary")
    assert "请填写“证照/结果文号”" in page.locator(".flash").first.inner_text()
    shot(page, "approve-missing-field")
    page.fill("input[name=result_number]", "民低保〔2026〕18号")
    page.click("button.primary")
    ok(page)
    page.click(".actions >> text=办结")
    page.click("button.primary")
    ok(page)
    shot(page, "county-completed")
    context.close()

    # 5. Village clerk: deliver it, with the delivery receipt printed first.
    context, page = session("clerk")
    page.goto(live_server + "/desk/queue/deliver")
    assert case.number in page.content()
    page.click("td.acts >> text=送达")
    page.select_option("select[name=method]", "代办员送达")
    page.fill("input[name=receiver]", "王秀英")
    page.click("button.primary")
    ok(page)
    shot(page, "delivered-case-page")
    text = page.content()
    for label in ("登记", "受理", "上报", "签收", "分派", "开始审查", "予以确认", "办结", "送达"):
        assert f"<b>{label}</b>" in text, label
    assert "准予许可" not in text
    context.close()

    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert (case.state, case.result_number, case.delivery_receiver) == ("delivered", "民低保〔2026〕18号", "王秀英")
    (artifacts_dir / "desk-page-weight.json").write_text(json.dumps(
        {"page": "/desk/intake/?q=zdshbz then the item page", **weight}, ensure_ascii=False), encoding="utf-8")

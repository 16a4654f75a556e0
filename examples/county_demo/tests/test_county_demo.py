"""The demo county: a small seed covers every case state, logins work, the local plugin is active."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import column, func, select, table

import county_demo
from county_demo import local_plugin
from county_demo.accounts import ACCOUNTS, login_lines
from county_demo.seed import STATE_MIX, person
from govkit.toolkit import (
    Case, CaseEvent, Complaint, Disclosure, Division, Rating, Rectification, ServiceCentre, ServiceItem, Staff,
    case_notice, db, get_state, registry_for, validate_id_number,
)
from govkit.toolkit import case_states as S

pytestmark = pytest.mark.both_backends

SMALL = 48  # every state at least once, plus a few more


@pytest.fixture(scope="module")
def demo(govkit_backend, tmp_path_factory, request):
    """The demo seeded once per module (SQLite file in a folder, or a fresh PostgreSQL database)."""
    folder = tmp_path_factory.mktemp("county-demo")
    overrides = {"SECRET_KEY": "demo-test", "TESTING": True}
    if govkit_backend == "postgres":
        overrides["DATABASE_URL"] = request.getfixturevalue("postgres_cluster").create_database("county_demo")
    lines: list[str] = []
    app = county_demo.prepare(folder, reset=True, echo=lines.append, cases=SMALL, **overrides)
    return app, folder, lines, overrides


def _login(app, username: str, password: str):
    """Log in through the real login form (the demo keeps CSRF protection on)."""
    client = app.test_client()
    page = client.get("/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return client, client.post("/login/", data={"username": username, "password": password, "csrf_token": token})


def _count(app, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Case).where(*where))


def test_every_state_is_seeded_through_the_workflow(demo):
    app, _, lines, _ = demo
    with app.app_context():
        at_counter = select(CaseEvent.case_id).where(CaseEvent.action == "register")
        by_state = dict(db.session.execute(select(Case.state, func.count()).where(Case.id.in_(at_counter))
                                           .group_by(Case.state)).all())
        assert sum(by_state.values()) == SMALL
        assert {state for state, _ in STATE_MIX} <= set(by_state), by_state
        # Real events: a delivered case went through every step, in order.
        delivered = db.session.scalar(select(Case).where(Case.state == S.DELIVERED).limit(1))
        actions = [e.action for e in db.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == delivered.id).order_by(CaseEvent.id))]
        assert actions[:2] == ["register", "accept"] and actions[-3:] == ["approve", "complete", "deliver"]
        assert "forward" in actions and "sign_for" in actions and "assign" in actions
        # Deadlines are real: accepted cases have due dates; some are overdue (red cards).
        running = db.session.scalars(select(Case).where(Case.state.in_(S.CLOCK_STATES))).all()
        assert running and all(c.due_date is not None for c in running)
        assert any(c.due_date < date.today() for c in running)
        assert any(c.state == S.SUPPLEMENT for c in db.session.scalars(select(Case)))
    assert any("办件" in line for line in lines)


def test_online_applications_in_every_state(demo):
    """网上申报 (issue 22): 待预审, 网上补正中, resubmitted, accepted and refused online cases, a draft and a
    网上代申办; the accepted and refused ones carry their issued notices."""
    app, _, lines, _ = demo
    with app.app_context():
        online = select(CaseEvent.case_id).where(CaseEvent.action == "submit_online")
        cases = db.session.scalars(select(Case).where(Case.id.in_(online))).all()
        assert sorted(c.state for c in cases) == sorted(
            [S.ONLINE, S.ONLINE_SUPPLEMENT, S.ONLINE, S.ACCEPTED, S.REFUSED, S.ONLINE])
        actions = {c.state: [e.action for e in c.events] for c in cases}
        assert actions[S.ACCEPTED] == ["submit_online", "request_supplement_online", "document_issued",
                                       "resubmit_online", "accept", "document_issued"]
        assert any(c.proxy_name for c in cases)  # the 网上代申办
        assert all(c.accepting_division_code == c.implementing_division_code for c in cases)
    assert any("网上申报" in line for line in lines)


def test_an_extension_asked_by_the_handler_and_approved_by_the_organ_head(demo):
    """行政许可法第四十二条 in the demo: one approved extension of 10 working days, approver ≠ requester."""
    app, _, _, _ = demo
    with app.app_context():
        approved = db.session.scalars(select(CaseEvent).where(CaseEvent.action == "extend")).all()
        assert approved and all(e.role == "机关负责人" and e.data["days"] == 10 for e in approved)
        for event in approved:
            asked = db.session.scalars(select(CaseEvent).where(
                CaseEvent.case_id == event.case_id, CaseEvent.action == "request_extension")).one()
            assert asked.role == "办理员" and asked.actor_name != event.actor_name
            case = db.session.get(Case, event.case_id)
            assert case.extension_days == 10 and case.legal_due_date >= case.due_date


def test_documents_come_with_their_steps_and_corrections_supersede(demo):
    """Issue 19 in the demo: every approved extension has its 延期通知书 and superseded its 受理通知书,
    every special procedure its 特别程序告知书 (行政许可法第四十二、四十五条), and a few corrected
    受理通知书 are 已被替代 — which /public/verify says for the old number."""
    app, _, _, _ = demo
    with app.app_context():
        issued = table("gk_issued_document", *(column(name) for name in (  # the issue path's records
            "id", "case_id", "template_name", "status", "status_reason", "superseded_by_id", "document_number",
            "sha256")))
        docs = db.session.execute(select(issued).order_by(issued.c.id)).all()
        valid = {(d.case_id, d.template_name) for d in docs if d.status == "valid"}
        extended = db.session.scalars(select(CaseEvent.case_id).where(CaseEvent.action == "extend")).all()
        assert extended and all((c, "extension_notice") in valid for c in extended)
        suspended = db.session.scalars(select(CaseEvent.case_id).where(CaseEvent.action == "suspend")).all()
        assert suspended and all((c, "special_procedure_notice") in valid for c in suspended)
        superseded = [d for d in docs if d.status == "superseded"]
        assert {d.case_id for d in superseded} >= set(extended)
        corrected = [d for d in superseded if "姓名登记有误" in (d.status_reason or "")]
        assert len(corrected) == 3 and all(d.superseded_by_id for d in superseded)
        old = corrected[0]
        newer = next(d for d in docs if d.id == old.superseded_by_id)
    client = app.test_client()
    page = client.get("/public/verify").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    html = client.post("/public/verify", data={"csrf_token": token, "no": old.document_number,
                                               "sha256": old.sha256}).get_data(as_text=True)
    assert "已被替代" in html and newer.document_number in html


def test_intake_watch_deemed_acceptance_and_deemed_withdrawal(demo):
    """行政许可法第三十二条 in the demo: registered cases on the intake clock, 视为受理 from receipt,
    补正逾期 cases flagged and some closed as 视为撤回 by a clerk."""
    app, _, _, _ = demo
    with app.app_context():
        registered = db.session.scalars(select(Case).where(Case.state == S.REGISTERED)).all()
        assert registered and all(c.intake_due_date is not None and c.intake_due_date >= date.today()
                                  for c in registered)
        deemed = db.session.scalars(select(Case).where(Case.deemed_accepted.is_(True))).all()
        assert deemed and all(c.accepted_date == c.received_date for c in deemed)
        withdrawn = db.session.scalars(select(CaseEvent).where(CaseEvent.action == "withdraw_deemed")).all()
        assert withdrawn and all(e.role == "受理员" for e in withdrawn)
        lapsed = _count(app, Case.state == S.SUPPLEMENT, Case.supplement_due_date < date.today())
        assert lapsed >= 1


def test_structure_staff_catalog_and_local_items(demo):
    app, _, _, _ = demo
    with app.app_context():
        levels = dict(db.session.execute(select(Division.level, func.count()).where(Division.code.like("6299%"))
                                         .group_by(Division.level)).all())
        assert levels[2] == 1 and levels[3] == 1 and levels[4] == 3 and levels[5] == 20
        # county, 3 townships, 20 villages
        assert db.session.scalar(select(func.count()).select_from(ServiceCentre)) == 24
        duties = set(db.session.scalars(select(Staff.duty)))
        assert {"受理员", "代办员", "办理员", "指挥中心", "机关负责人", "监察", "事项管理员", "公开审核"} <= duties
        assert db.session.scalar(select(func.count()).select_from(ServiceItem)) >= 30
        local = db.session.scalars(select(ServiceItem).where(ServiceItem.source == "plugin:county_demo")).all()
        assert {i.basic_code for i in local} == {local_plugin.WATER_ITEM, local_plugin.ECOMMERCE_ITEM}


def test_publicity_seeded(demo):
    app, _, _, _ = demo
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Rating)) > 0
        assert db.session.scalar(select(func.count()).select_from(Complaint)) == 24
        assert db.session.scalar(select(func.count()).select_from(Disclosure).where(Disclosure.state == "已发布")) == 6
        negative = db.session.scalar(select(func.count()).select_from(Rating)
                                     .where(Rating.level.in_(("不满意", "非常不满意"))))
        assert db.session.scalar(select(func.count()).select_from(Rectification)) == negative


def test_questions_and_information_requests_seeded(demo):
    """网上咨询 answered, published and overdue; 依申请公开 in every state, with last year's annual report."""
    from sqlalchemy import text

    app, _, _, _ = demo
    with app.app_context():
        questions = dict(db.session.execute(text(
            "SELECT state, count(*) FROM gk_question GROUP BY state")).all())
        assert questions.get("已答复", 0) >= 5 and questions.get("待答复", 0) >= 5
        assert db.session.scalar(text("SELECT count(*) FROM gk_question WHERE published")) >= 3
        states = {row[0] for row in db.session.execute(text("SELECT DISTINCT state FROM gk_info_request"))}
        assert states == {"办理中", "待补正", "已答复", "视为放弃"}
        replies = {row[0] for row in db.session.execute(text(
            "SELECT DISTINCT reply_type FROM gk_info_request WHERE reply_type IS NOT NULL"))}
        assert replies == {"予以公开", "部分公开", "不予公开", "信息不存在", "非本机关", "重复申请"}
        assert db.session.scalar(text("SELECT count(*) FROM gk_info_request WHERE extension_days > 0")) == 1
        assert db.session.scalar(text("SELECT count(*) FROM gk_foi_annual_figures")) == 1
        last_year = db.session.scalar(text("SELECT max(year) FROM gk_foi_annual_figures"))
        assert db.session.scalar(text("SELECT count(*) FROM gk_info_request WHERE received_on < :d"),
                                 {"d": date(last_year + 1, 1, 1)}) == 9
        # The first demo applicant account asked and applied while signed in; answer and reply reached it.
        linked = db.session.execute(text(
            "SELECT (SELECT count(*) FROM gk_question WHERE applicant_id IS NOT NULL),"
            " (SELECT count(*) FROM gk_info_request WHERE applicant_id IS NOT NULL),"
            " (SELECT count(*) FROM gk_dev_message WHERE kind = 'reply')")).one()
        assert tuple(linked) == (2, 2, 2)


def test_listed_accounts_log_in(demo):
    app, _, _, _ = demo
    client = app.test_client()
    login_page = client.get("/login/").get_data(as_text=True)
    assert "演示账号" in login_page and "/demo/" in login_page
    start = client.get("/demo/").get_data(as_text=True)
    for account in ACCOUNTS:
        assert account.username in start
    for username, password, page in (("admin", "admin1234", "/users/list/"), ("slr101202", "demo1234", "/"),
                                     ("dispatch", "demo1234", "/")):
        c, response = _login(app, username, password)
        assert response.status_code == 302, username
        assert c.get(page).status_code == 200, (username, page)
        # The navbar shows the whole Chinese name (FAB prints "first_name last_name").
        account = next(a for a in ACCOUNTS if a.username == username)
        assert account.name in c.get("/").get_data(as_text=True), username
    c, wrong = _login(app, "admin", "nope")
    assert c.get("/users/list/").status_code == 302  # not logged in: sent to the login page
    assert any("admin" in line and "admin1234" in line for line in login_lines())


def test_county_acceptance_notice_replaces_the_builtin(demo):
    app, _, _, _ = demo
    registry = registry_for(get_state(app))
    assert registry.get("acceptance_notice").title == "示范县政务服务受理通知书"
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.state == S.ACCEPTED).limit(1))
        pdf = registry.render("acceptance_notice", case_notice(db.session, case, get_state(app).settings))
    assert pdf.startswith(b"%PDF-")


def test_local_forms_validate():
    from werkzeug.datastructures import MultiDict

    assert local_plugin.item_application_form(item_code=local_plugin.WATER_ITEM, implementation=None) is \
        local_plugin.WaterConnectionForm
    form = local_plugin.EcommerceSubsidyForm(MultiDict({"shop_name": "山货", "platform": "抖音", "products": "花椒",
                                                         "annual_sales": "5000"}))
    assert not form.validate() and "1 万元" in form.errors["annual_sales"][0]


def test_generated_people_are_valid():
    import random

    rng = random.Random(1)
    for _ in range(200):
        name, id_number, phone = person(rng)
        assert validate_id_number(id_number) == id_number and len(phone) == 11 and 2 <= len(name) <= 3


def test_prepare_reuses_a_seeded_database(demo):
    app, folder, _, overrides = demo
    before = _count(app)
    lines: list[str] = []
    again = county_demo.prepare(folder, echo=lines.append, cases=SMALL, **overrides)
    assert _count(again) == before
    assert any("已存在" in line for line in lines)


def test_organs_are_configured_and_documents_use_them(demo):
    """Every implementing organ has its name, seal, 复议机关 and 法院 (issue 19): documents name it, not the village."""
    from govkit.toolkit import Implementation, Organ, organ_for_case

    app, _, lines, _ = demo
    assert any("实施机关" in line for line in lines)
    with app.app_context():
        pairs = set(db.session.execute(select(Implementation.division_id, Implementation.department_id)).all())
        organs = {(o.division_id, o.department_id): o for o in db.session.scalars(select(Organ))}
        assert pairs <= set(organs)
        assert all(organs[p].missing == [] for p in pairs), [str(organs[p]) for p in pairs if organs[p].missing]
        assert all(organs[p].review_body and organs[p].court.endswith("人民法院") for p in pairs)
        denied = db.session.scalar(select(Case).where(Case.decision == "denied").limit(1))
        organ = organ_for_case(db.session, denied)
        notice = case_notice(db.session, denied, get_state(app).settings)
        assert notice.issuing_body == organ.name and notice.review_body and notice.court
        assert notice.decision_title.endswith("决定书") or notice.decision_title.endswith("通知书")
        pdf = registry_for(get_state(app)).render("decision_deny", notice)
    assert pdf.startswith(b"%PDF-")


def test_online_applicants_listed_with_their_codes_and_cases(demo):
    """The /demo/ page lists the online hall's applicant accounts; a visitor logs in with a listed phone and the
    development code shown there, and 我的办件 shows that person's counter cases."""
    app, _, lines, _ = demo
    assert any("申请人账号" in line for line in lines)
    client = app.test_client()
    start = client.get("/demo/").get_data(as_text=True)
    phones = re.findall(r"<code>(1\d{10})</code>", start)
    assert len(phones) >= 4 and "开发用消息通道" in start
    page = client.get("/online/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/online/login", data={"phone": phones[0], "csrf_token": token}).status_code == 302
    code = re.search(rf"<code>{phones[0]}</code>.*?验证码为 (\d{{6}})", client.get("/demo/").get_data(as_text=True),
                     re.S).group(1)
    page = client.get("/online/login/code").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    done = client.post("/online/login/code", data={"code": code, "csrf_token": token})
    assert done.status_code == 302 and done.headers["Location"] == "/online/"
    mine = client.get("/online/").get_data(as_text=True)
    assert "我的办件" in mine and mine.count('class="card"') >= 1
    link = re.search(r'href="(/online/case\?no=\d{24})"', mine).group(1)  # a real case number
    detail = client.get(link)
    assert detail.status_code == 200 and "办理过程" in detail.get_data(as_text=True)


def test_supervision_seeded_and_the_city_supervisor_sees_the_county_escalations(demo):
    """Issue 24: 督办单 in every state, escalated cases, 过错责任追究 records, a staff ranking and last month's
    电子监察月报; the city's supervisor (city_supervisor) sees the county's order escalated to the city."""
    from sqlalchemy import text

    app, _, _, _ = demo
    with app.app_context():
        states = {row[0] for row in db.session.execute(text("SELECT DISTINCT state FROM gk_supervision_order"))}
        assert states == {"待回复", "已回复", "已办结", "已升级"}
        assert db.session.scalar(text("SELECT count(*) FROM gk_supervision_order "
                                      "WHERE automatic AND subject_kind = 'case'")) >= 1
        findings = {row[0] for row in db.session.execute(text("SELECT state FROM gk_accountability_finding"))}
        assert findings == {"已决定", "已撤销"}
        county = db.session.scalar(select(Division).where(Division.level == 3, Division.code.like("6299%")))
        escalated_to_city = db.session.execute(text(
            "SELECT o.id, o.subject_label FROM gk_supervision_order o JOIN gk_supervision_order f "
            "ON f.id = o.escalated_from_id WHERE f.issuer_division_code = :county AND o.issuer_division_code = :city"),
            {"county": county.code, "city": county.code[:4] + "00000000"}).all()
        assert len(escalated_to_city) == 1
        beijing = datetime.now(timezone(timedelta(hours=8))).date()  # the seed's day
        last = beijing.replace(day=1) - timedelta(days=1)
        assert db.session.scalar(text("SELECT count(*) FROM gk_issued_document WHERE title = :t"),
                                 {"t": f"{county.name}电子监察月报（{last.year}年{last.month}月）"}) == 1
    city, response = _login(app, "city_supervisor", "demo1234")
    assert response.status_code == 302
    [(order_id, label)] = escalated_to_city
    listing = city.get("/supervision/orders/").get_data(as_text=True)
    assert f"/supervision/orders/{order_id}" in listing and label in listing
    assert "自动升级" in city.get(f"/supervision/orders/{order_id}").get_data(as_text=True)
    supervisor, _ = _login(app, "supervisor", "demo1234")
    ranking = supervisor.get("/supervision/performance?by=staff").get_data(as_text=True)
    assert "绩效考核（人员" in ranking and "期间内没有数据" not in ranking  # last month's staff ranking
    assert "<tr><td>1</td>" in ranking and "<tr><td>2</td>" in ranking
    assert "已撤销" in supervisor.get("/supervision/accountability/").get_data(as_text=True)

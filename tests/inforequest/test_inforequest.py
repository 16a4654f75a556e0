"""依申请公开 (政府信息公开条例 2019): the 20-working-day clock with one extension of at most 20 approved by the
organ's head (§33), 补正 (§30), every reply type (§36, §37) as an issued, verifiable 答复书, the deadline cards,
scope between townships, the public form without personal data on public pages, and the annual report (§50)."""
import hashlib
import io
import re
from datetime import date, timedelta

import pytest

from govkit.errors import InvalidTransition, OutOfScope, PermissionDenied, ValidationError
from govkit.hierarchy.scope import Scope
from govkit.inforequest import report, services
from govkit.inforequest.models import InfoRequest
from tests.organ_fixtures import add_organ
from tests.publicity.world import make_world

pytestmark = pytest.mark.both_backends

STAMP = re.compile(r'name="form_stamp" value="([^"]+)"')
ID = "11010519491231002X"
USCC = "91110108MA01ABCDXX"


class Actor:
    def __init__(self, name, user_id=None):
        self.name, self.user_id = name, user_id


def _uscc():
    from govkit.catalog.codes import uscc_check_char

    return USCC[:17] + uscc_check_char(USCC[:17])


def _setup(app):
    """A world with the town's government and the other town's as organs; returns what tests need."""
    from govkit.cases.runtime import calendar_for
    from govkit.db import db
    from govkit.desk.storage import FileStore
    from govkit.inforequest.letters import DeskLetterIssuer
    from govkit.printing.registry import registry_for
    from govkit.state import get_state

    world = make_world(db.session)
    organ = add_organ(db.session, world.town, name="城关镇人民政府", review_body="示范县人民政府")
    other = add_organ(db.session, world.other_town, name="河西乡人民政府")
    db.session.commit()
    state = get_state(app)
    issuer = DeskLetterIssuer(templates=registry_for(state), store=FileStore(app.config["GOVKIT_STORAGE_DIR"], 10**7),
                              settings=state.settings, verify_url="https://zw.example.gov.cn/public/verify")
    return world, organ, other, calendar_for(db.session, app), issuer


def _submit(session, organ, calendar, day, **fields):
    values = dict(applicant_type="自然人", name="欧阳秀英", id_number=ID, phone="13912345678",
                  description="2025 年东关村低保资金发放名册", delivery="电子邮件", email="oy@example.com")
    values.update(fields)
    return services.submit(session, organ, calendar=calendar, today=day, **values)[0]


def _pdf_text(pdf: bytes) -> str:
    import pypdfium2

    document = pypdfium2.PdfDocument(io.BytesIO(pdf))
    return "".join(page.get_textpage().get_text_range() for page in document).replace("\r", "").replace("\n", "")


def test_clock_extension_by_the_head_and_every_reply_type(app):
    from govkit.db import db
    from govkit.printing import issued

    world, organ, _, calendar, issuer = _setup(app)
    town = world.town.code
    handler = Scope.for_division(town, roles=frozenset({"办理员"}))
    head = Scope.for_division(town, roles=frozenset({"机关负责人"}))
    day = date(2026, 3, 2)
    request = _submit(db.session, organ, calendar, day)
    assert request.due_date == calendar.add_working_days(day, 20).due and request.division_code == town
    with pytest.raises(PermissionDenied, match="机关负责人"):
        services.extend(db.session, handler, request, days=20, reason="需要调档", actor=Actor("王"), issuer=issuer,
                        calendar=calendar, today=day)
    with pytest.raises(ValidationError, match="1 至 20 个工作日"):
        services.extend(db.session, head, request, days=21, reason="需要调档", actor=Actor("刘"), issuer=issuer,
                        calendar=calendar, today=day)
    services.extend(db.session, head, request, days=20, reason="需要调取档案馆材料", actor=Actor("刘负责"),
                    issuer=issuer, calendar=calendar, today=day + timedelta(days=3))
    assert request.due_date == calendar.add_working_days(day, 40).due and request.extended_by == "刘负责"
    with pytest.raises(InvalidTransition, match="只能延长一次"):
        services.extend(db.session, head, request, days=5, reason="再延", actor=Actor("刘"), issuer=issuer,
                        calendar=calendar, today=day + timedelta(days=4))
    db.session.commit()
    extension = db.session.get(issued.IssuedDocument, request.extension_document_id)
    assert extension.case_id is None and extension.issuing_body == "城关镇人民政府"

    wanted = {"予以公开": ("第三十六条第（二）项", {}),
              "部分公开": ("第三十七条", {"reason": services.WITHHOLD_REASONS[3]}),
              "不予公开": ("第三十六条第（三）项", {"reason": services.WITHHOLD_REASONS[0]}),
              "信息不存在": ("第三十六条第（四）项", {}),
              "非本机关": ("第三十六条第（五）项", {"competent_organ": "示范县民政局（0930-8210001）"}),
              "重复申请": ("第三十六条第（六）项", {})}
    numbers = {extension.document_number}
    for reply_type, (article, extra) in wanted.items():
        request = _submit(db.session, organ, calendar, day)
        if extra:  # the reason (or the competent organ) is required
            with pytest.raises(ValidationError):
                services.reply(db.session, handler, request, reply_type=reply_type, actor=Actor("王办理"),
                               issuer=issuer, today=day)
        services.reply(db.session, handler, request, reply_type=reply_type, actor=Actor("王办理"), issuer=issuer,
                       today=day + timedelta(days=5), **extra)
        db.session.commit()
        row = db.session.get(issued.IssuedDocument, request.reply_document_id)
        pdf = issuer.store.read(row.sha256)
        text = _pdf_text(pdf)
        assert request.state == "已答复" and row.template_name == services.REPLY_TYPES[reply_type]
        assert article in text and "行政复议" in text and "城关镇人民政府" in text and "示范县人民政府" in text
        for value in extra.values():
            assert value.split("（")[0] in text
        assert issued.verify(db.session, row.document_number, hashlib.sha256(pdf).hexdigest()).matches
        numbers.add(row.document_number)
    assert len(numbers) == 7
    with pytest.raises(InvalidTransition):
        services.reply(db.session, handler, request, reply_type="予以公开", actor=Actor("王"), issuer=issuer)
    with pytest.raises(ValidationError, match="答复类型"):
        services.reply(db.session, handler, _submit(db.session, organ, calendar, day), reply_type="随便",
                       actor=Actor("王"), issuer=issuer)


def test_supplement_stops_the_clock_and_it_restarts_on_correction(app):
    from govkit.db import db
    from govkit.clock import local_date
    from govkit.state import get_state

    world, organ, _, calendar, issuer = _setup(app)
    handler = Scope.for_division(world.town.code, roles=frozenset({"办理员"}))
    today = local_date()
    received = today - timedelta(days=40)
    request = _submit(db.session, organ, calendar, received)
    settings = get_state(app).settings
    county = Scope.for_division(world.county.code)
    assert [r.card for r in services.cards(db.session, county, calendar=calendar, settings=settings,
                                           today=today)] == ["red"]
    with pytest.raises(InvalidTransition, match="7 个工作日"):
        services.ask_supplement(db.session, handler, request, text="请说明年份", days=15, actor=Actor("王"),
                                issuer=issuer, calendar=calendar, today=today)
    request = _submit(db.session, organ, calendar, received)
    services.ask_supplement(db.session, handler, request, text="请说明所需名册的年份和村别", days=15, actor=Actor("王"),
                            issuer=issuer, calendar=calendar, today=received + timedelta(days=2))
    assert request.state == "待补正" and request.supplement_document_id
    assert len(services.cards(db.session, county, calendar=calendar, settings=settings, today=today)) == 1
    with pytest.raises(InvalidTransition, match="视为放弃"):
        services.lapse(db.session, handler, request, today=received + timedelta(days=3))
    corrected = today - timedelta(days=1)
    services.record_correction(db.session, handler, request, text="2025 年东关村", calendar=calendar, today=corrected)
    assert request.state == "办理中" and request.clock_start == corrected
    assert request.due_date == calendar.add_working_days(corrected, 20).due
    db.session.commit()
    assert "【补正" in request.description


def test_a_township_sees_only_its_own_requests(app, client, login_as):
    from govkit.db import db

    world, organ, other, calendar, issuer = _setup(app)
    mine = _submit(db.session, organ, calendar, date(2026, 3, 2))
    theirs = _submit(db.session, other, calendar, date(2026, 3, 2), name="河西乡申请人")
    db.session.commit()
    mine_id, theirs_id, mine_number, theirs_number = mine.id, theirs.id, mine.number, theirs.number
    with pytest.raises(OutOfScope):
        services.reply(db.session, Scope.for_division(world.town.code, roles=frozenset({"办理员"})), theirs,
                       reply_type="予以公开", actor=Actor("王"), issuer=issuer)
    db.session.rollback()
    login_as("办理员", world.town.code)
    listing = client.get("/admin/info-requests/list/").get_data(as_text=True)
    assert mine_number in listing and theirs_number not in listing
    assert client.get(f"/admin/info-requests/handle/{mine_id}").status_code == 200
    assert client.get(f"/admin/info-requests/handle/{theirs_id}").status_code == 404
    assert client.get(f"/admin/info-requests/show/{theirs_id}").status_code in (302, 404)
    annual = client.get("/foi/annual/").get_data(as_text=True)
    assert "城关镇人民政府" in annual and "河西乡人民政府" not in annual
    assert client.get(f"/foi/annual/csv?organ={other.id}&year=2026").status_code == 404
    reply = client.post(f"/admin/info-requests/handle/{mine_id}/act",
                        data={"action": "reply", "reply_type": "不予公开", "reason": ""}, follow_redirects=True)
    assert "须选择法定理由" in reply.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(InfoRequest, mine_id).state == "办理中"
    act = f"/admin/info-requests/handle/{mine_id}/act"
    done = client.post(act, data={"action": "reply", "reply_type": "信息不存在"},
                       follow_redirects=True).get_data(as_text=True)
    assert "已答复并出具答复书" in done and "政府信息公开申请答复书（信息不存在）" in done
    document_id = db.session.get(InfoRequest, mine_id).reply_document_id
    pdf = client.get(f"/admin/info-requests/handle/{mine_id}/document/{document_id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    assert client.get(f"/admin/info-requests/handle/{theirs_id}/document/{document_id}.pdf").status_code == 404


def test_an_incomplete_organ_issues_nothing(app):
    from govkit.db import db
    from govkit.errors import OrganIncomplete
    from govkit.printing.models import IssuedDocument

    world, organ, _, calendar, issuer = _setup(app)
    request = _submit(db.session, organ, calendar, date(2026, 3, 2))
    organ.court = ""
    db.session.commit()
    with pytest.raises(OrganIncomplete, match="人民法院|法院"):
        services.reply(db.session, Scope.for_division(world.town.code, roles=frozenset({"办理员"})), request,
                       reply_type="予以公开", actor=Actor("王"), issuer=issuer)
    db.session.rollback()
    assert db.session.get(InfoRequest, request.id).state == "办理中"
    assert db.session.query(IssuedDocument).count() == 0


def test_public_form_and_lookup_show_no_personal_data(make_app):
    app = make_app(COMPLAINT_MIN_FILL_SECONDS=0)
    client = app.test_client()
    with app.app_context():
        _setup(app)
        from govkit.db import db
        from govkit.hierarchy.models import Organ

        organ_id = db.session.query(Organ).filter_by(full_name="城关镇人民政府").one().id
    html = client.get("/public/foi/apply").get_data(as_text=True)
    assert "城关镇人民政府" in html and "获取信息的方式" in html
    data = {"organ": str(organ_id), "applicant_type": "法人或其他组织", "name": "示范县清河农业合作社",
            "id_number": _uscc(), "phone": "13912345678", "description": "2025 年农机购置补贴发放名单",
            "delivery": "电子邮件", "email": "coop@example.com", "medium": "电子",
            "form_stamp": STAMP.search(html).group(1)}
    bad = client.post("/public/foi/apply", data={**data, "id_number": "91110108MA01ABCD00"})
    assert bad.status_code == 400 and "统一社会信用代码校验位错误" in bad.get_data(as_text=True)
    no_email = client.post("/public/foi/apply", data={**data, "email": ""})
    assert no_email.status_code == 400 and "请填写电子邮箱" in no_email.get_data(as_text=True)
    done = client.post("/public/foi/apply", data=data)
    text = done.get_data(as_text=True)
    assert done.status_code == 200, text
    number = re.search(r"(YSQ\d{14})", text).group(1)
    code = re.search(r'<td class="big">(\d{6})</td>', text).group(1)
    found = client.post("/public/foi/lookup", data={"number": number, "code": code}).get_data(as_text=True)
    assert "办理中" in found and "城关镇人民政府" in found
    for private in ("示范县清河农业合作社", _uscc(), "13912345678", "coop@example.com"):
        assert private not in found
    with app.app_context():
        from govkit.db import db

        assert db.session.query(InfoRequest).count() == 1


def test_annual_report_counts_the_year_and_exports_csv(app, client, login_as):
    from govkit.db import db

    world, organ, _, calendar, issuer = _setup(app)
    handler = Scope.for_division(world.town.code, roles=frozenset({"办理员"}))
    carried = _submit(db.session, organ, calendar, date(2024, 12, 20))
    services.reply(db.session, handler, carried, reply_type="予以公开", actor=Actor("王"), issuer=issuer,
                   today=date(2025, 1, 10))
    for reply_type, extra in (("信息不存在", {}), ("不予公开", {"reason": services.WITHHOLD_REASONS[4]})):
        found = _submit(db.session, organ, calendar, date(2025, 6, 2), applicant_type="法人或其他组织",
                        name="=HYPERLINK(1)", id_number=_uscc())
        services.reply(db.session, handler, found, reply_type=reply_type, actor=Actor("王"), issuer=issuer,
                       today=date(2025, 6, 20), fee="12.50", **extra)
    _submit(db.session, organ, calendar, date(2025, 12, 29))  # carried over to 2026
    _submit(db.session, organ, calendar, date(2024, 1, 5)).replied_on = date(2024, 2, 1)  # finished before 2025
    db.session.commit()
    data = report.annual_report(db.session, organ, 2025)
    assert (data.new.person, data.new.organisation) == (1, 2) and data.carried_in.total == 1
    assert data.replies["予以公开"].total == 1 and data.replies["不予公开"].organisation == 1
    assert data.replies["信息不存在"].organisation == 1 and data.handled.total == 3
    assert data.carried_out.total == 1 and data.fees == 25
    with pytest.raises(ValidationError, match="正整数"):
        report.save_figures(db.session, organ, 2025, {"review_upheld": "-1"}, "李")
    login_as("公开审核", world.town.code)
    saved = client.post(f"/foi/annual/figures?organ={organ.id}&year=2025",
                        data={"review_upheld": "2", "suit_pending": "1"}, follow_redirects=True)
    assert "复议、诉讼情况已保存" in saved.get_data(as_text=True)
    from govkit.audit.models import AuditEntry

    entry = db.session.query(AuditEntry).filter_by(table_name="gk_foi_annual_figures").one()
    assert '"review_upheld":2' in (entry.after or "")
    page = client.get(f"/foi/annual/?organ={organ.id}&year=2025").get_data(as_text=True)
    assert "城关镇人民政府2025年政府信息公开工作年度报告" in page and "25.00" in page
    csv = client.get(f"/foi/annual/csv?organ={organ.id}&year=2025").get_data(as_text=True)
    assert "三、本年度办理结果：不予公开,0,1,1" in csv and "行政复议：结果维持,,,2" in csv
    assert "HYPERLINK" not in csv  # no requester data in the report
    bad_year = client.get(f"/foi/annual/?organ={organ.id}&year=99", follow_redirects=True)
    assert "四位数年份" in bad_year.get_data(as_text=True)

"""绩效考核: the figures of a constructed fixture, checked by hand arithmetic; the page and its exports."""
from datetime import date, datetime, timezone
import io

import pytest

from govkit.cases.calendar import DayOverride, WorkingCalendar
from govkit.cases.models import CaseEvent
from govkit.hierarchy.scope import Scope
from govkit.publicity import complaints, ratings
from govkit.supervision import orders, performance
from tests.publicity.world import add_staff, make_case, make_world

pytestmark = pytest.mark.both_backends

CALENDAR = WorkingCalendar(overrides=[DayOverride(date(2027, 3, 3), False, "停电闭馆")])
MARCH = {"since": date(2027, 3, 1), "until": date(2027, 3, 31)}


def _fixture(app, db):
    world = make_world(db.session)
    x = add_staff(app, db.session, world.town, name="甲办理", duty="办理员")
    y = add_staff(app, db.session, world.town, name="乙办理", duty="办理员")
    mon = date(2027, 3, 1)
    # accepted Monday 03-01; 03-03 is a holiday.      due        completed   working days
    a = make_case(db.session, world, number="P-A", accepted=mon, due=date(2027, 3, 10), completed=date(2027, 3, 5))
    b = make_case(db.session, world, number="P-B", accepted=mon, due=date(2027, 3, 8), completed=date(2027, 3, 8))
    c = make_case(db.session, world, number="P-C", accepted=mon, due=date(2027, 3, 4), completed=date(2027, 3, 9))
    d = make_case(db.session, world, number="P-D", state="in_review", accepted=mon, due=date(2027, 3, 5))
    a.handler_id = b.handler_id = x.user_id
    c.handler_id = d.handler_id = y.user_id
    db.session.query(CaseEvent).filter_by(case_id=a.id, action="register").one().actor_id = x.user_id
    for case, level in ((a, "满意"), (c, "非常不满意")):
        rating = ratings.submit_rating(db.session, case, level=level, calendar=CALENDAR, rectification_days=10,
                                       today=date(2027, 3, 10))
        rating.created_at = datetime(2027, 3, 10, 2, tzinfo=timezone.utc)
    complaint, _ = complaints.file_complaint(db.session, kind="投诉", division_code=world.town.code, subject="s",
                                             content="c")
    complaint.created_at = datetime(2027, 3, 11, 2, tzinfo=timezone.utc)
    order = orders.issue_order(db.session, Scope.for_division(world.town.code, roles=frozenset({"监察"})),
                               kind="unit", ref=world.town.code, reason="r", days=3, calendar=CALENDAR,
                               actor=orders.Actor("监察"), today=mon)
    order.created_at = order.events[0].at = datetime(2027, 3, 1, 2, tzinfo=timezone.utc)
    db.session.flush()
    return world, x, y


def test_unit_and_staff_figures_by_hand(app, db):
    world, x, y = _fixture(app, db)
    scope = Scope.for_division(world.county.code)
    units = performance.performance(db.session, scope, "unit", calendar=CALENDAR, **MARCH)
    town, village = units  # ranked by score
    assert (town.label, village.label) == ("城关镇", "东关村")
    # Town: A early, B on the due day, C late → 3 completed, 2 on time, 1 early; overdue = C + open D past due.
    assert (town.completed, town.on_time, town.early, town.overdue) == (3, 2, 1, 2)
    # Working days from acceptance: A 3 (Tue, Thu, Fri), B 4 (+Mon), C 5 (+Tue) → mean 4.0.
    assert sorted(town.days) == [3, 4, 5] and town.avg_days == 4.0
    assert (town.ratings["满意"], town.ratings["非常不满意"], town.satisfaction) == (1, 1, 0.5)
    assert (town.complaints, town.orders, town.received) == (1, 1, 0)
    # 60×2/3 + 10×1/3 + 30×0.5 − 1×2 − 2×1 − 2×1 = 40 + 3.33 + 15 − 6 = 52.33
    assert town.score == pytest.approx(52.333, abs=0.001)
    assert (village.received, village.completed, village.score) == (4, 0, 0.0)  # accepted at the village
    assert town.cells(1)[:11] == [1, "城关镇", 0, 3, 2, 1, 2, "66.7%", "33.3%", "4.0", 0]

    staff = {r.label: r for r in performance.performance(db.session, scope, "staff", calendar=CALENDAR, **MARCH)}
    first, second = staff["甲办理"], staff["乙办理"]
    assert (first.received, first.completed, first.on_time, first.early, first.overdue, first.avg_days) == \
        (1, 2, 2, 1, 0, 3.5)
    assert (second.completed, second.on_time, second.overdue, second.avg_days) == (1, 0, 2, 5.0)
    assert (first.complaints, second.orders) == (None, None)
    # Another township's supervisor sees none of it.
    assert performance.performance(db.session, Scope.for_division(world.other_town.code), "unit",
                                   calendar=CALENDAR, **MARCH) == []


def test_performance_page_and_exports(app, client, db, login_as):
    from openpyxl import load_workbook

    world, _, _ = _fixture(app, db)
    db.session.commit()
    login_as("监察", world.county.code)
    url = "/supervision/performance?by=unit&since=2027-03-01&until=2027-03-31"
    page = client.get(url).get_data(as_text=True)
    assert "城关镇" in page and "52.3" in page and "综合得分" in page
    xlsx = client.get(url + "&format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert [c.value for c in sheet[2]][:3] == ["排名", "单位/人员", "收件"]
    assert [c.value for c in sheet[3]][:2] == ["1", "城关镇"]
    csv = client.get(url + "&format=csv").get_data(as_text=True)
    assert csv.lstrip("\ufeff").startswith("排名,单位/人员") and "城关镇" in csv
    assert client.get("/supervision/performance?since=bad&until=").status_code == 200  # defaults, no 500


def test_monthly_report_pdf_once_xlsx_and_command(app, client, db, login_as, monkeypatch, tmp_path):
    from click.testing import CliRunner
    from openpyxl import load_workbook
    from pypdf import PdfReader

    from govkit.printing.models import IssuedDocument
    from govkit.supervision import cli, report

    world, _, _ = _fixture(app, db)
    db.session.commit()
    figures = report.gather(db.session, world.county, month="2027-03", calendar=CALENDAR,
                            settings={"PERFORMANCE_WEIGHTS": performance.DEFAULT_WEIGHTS})
    assert figures.month == "2027年3月" and dict(figures.volumes)["办结"] == 3
    assert dict(figures.volumes)["按时办结率"] == "66.7%" and dict(figures.orders)["发出督办"] == 1
    assert figures.units[0][:2] == ("1", "城关镇") and {row[1] for row in figures.staff} == {"甲办理", "乙办理"}
    sheets = load_workbook(io.BytesIO(report.report_xlsx(figures)))
    assert sheets.sheetnames == ["概况", "单位", "人员排名"] and sheets["单位"]["B2"].value == "城关镇"
    with pytest.raises(Exception, match="YYYY-MM"):
        report.month_bounds("2027-13")

    monkeypatch.setattr(cli, "make_app", lambda **_: app)
    run = CliRunner().invoke(cli.supervision, ["report", "--month", "2027-03", "--division", world.county.code,
                                               "--out", str(tmp_path)])
    assert run.exit_code == 0, run.output
    assert "示范县电子监察月报（2027年3月）" in run.output and "新出具" in run.output
    pdf = (tmp_path / f"supervision-report-{world.county.code}-2027-03.pdf").read_bytes()
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "电子监察月报" in text and "城关镇" in text and "甲办理" in text
    again = CliRunner().invoke(cli.supervision, ["report", "--month", "2027-03", "--division", world.county.code,
                                                 "--out", str(tmp_path)])
    assert "已出具" in again.output and db.session.query(IssuedDocument).count() == 1
    login_as("监察", world.county.code)
    assert client.get("/supervision/report?month=2027-03").data == pdf  # the same issued bytes on demand
    assert client.get("/supervision/report?month=2027-03&format=xlsx").data.startswith(b"PK")

"""Complaints and suggestions: anti-spam, rate limit, routing, handling states, lookup by number + code."""
import re

import pytest

from govkit.errors import PermissionDenied, ValidationError
from govkit.hierarchy.scope import Scope
from govkit.publicity import antispam, complaints
from govkit.publicity.models import Complaint
from tests.publicity.world import make_world

STAMP = re.compile(r'name="form_stamp" value="([^"]+)"')


def _form(client, **fields):
    html = client.get("/public/complaints/new").get_data(as_text=True)
    data = {"kind": "投诉", "subject": "窗口无人", "content": "上午十点窗口没有人。",
            "form_stamp": STAMP.search(html).group(1)}
    data.update(fields)
    return data


def test_file_and_look_up_a_complaint(make_app):
    app = make_app(COMPLAINT_MIN_FILL_SECONDS=0)
    client = app.test_client()
    with app.app_context():
        from govkit.db import db

        world = make_world(db.session)
        db.session.commit()
        village_code, town_code = world.village.code, world.town.code
    html = client.get("/public/complaints/new").get_data(as_text=True)
    assert "东关村" in html and 'name="website"' in html  # picker and honeypot
    response = client.post("/public/complaints/new", data=_form(client, division=village_code,
                                                                contact="13900001111"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    number = re.search(r"(TS\d{14})", page).group(1)
    code = re.search(r'<td class="big">(\d{6})</td>', page).group(1)
    with app.app_context():
        from govkit.db import db

        row = db.session.query(Complaint).filter_by(number=number).one()
        assert row.supervising_code == town_code and row.state == "已受理" and row.lookup_hash != code
    found = client.post("/public/complaints/lookup", data={"number": number, "code": code}).get_data(as_text=True)
    assert "窗口无人" in found and "正在办理" in found and "13900001111" not in found
    wrong = client.post("/public/complaints/lookup",
                        data={"number": number, "code": "000000" if code != "000000" else "111111"})
    assert "未查到匹配" in wrong.get_data(as_text=True) and "窗口无人" not in wrong.get_data(as_text=True)


def test_honeypot_and_too_fast_submissions_are_refused(make_app):
    app = make_app(COMPLAINT_MIN_FILL_SECONDS=30)
    client = app.test_client()
    too_fast = client.post("/public/complaints/new", data=_form(client))
    assert too_fast.status_code == 400 and "提交过快" in too_fast.get_data(as_text=True)
    bot = client.post("/public/complaints/new", data=_form(client, website="http://spam.example"))
    assert bot.status_code == 400
    forged = client.post("/public/complaints/new", data=_form(client, form_stamp="forged"))
    assert forged.status_code == 400 and "页面已失效" in forged.get_data(as_text=True)
    with app.app_context():
        from govkit.db import db

        assert db.session.query(Complaint).count() == 0


def test_antispam_stamp_rules():
    stamp = antispam.issue_stamp("k", now=1000.0)
    antispam.check("k", {"form_stamp": stamp}, min_seconds=5, now=1010.0)
    with pytest.raises(ValidationError):
        antispam.check("k", {"form_stamp": stamp}, min_seconds=5, now=1002.0)
    with pytest.raises(ValidationError):
        antispam.check("other-key", {"form_stamp": stamp}, min_seconds=5, now=1010.0)
    with pytest.raises(ValidationError):
        antispam.check("k", {"form_stamp": stamp}, min_seconds=5, now=1000.0 + 2 * 86400)
    with pytest.raises(ValidationError):
        antispam.check("k", {"form_stamp": stamp, "website": "x"}, min_seconds=5, now=1010.0)


def test_complaint_rate_limit(make_app):
    app = make_app(COMPLAINT_MIN_FILL_SECONDS=0, COMPLAINT_RATE_LIMIT="2 per hour")
    client = app.test_client()
    with app.app_context():
        from govkit.db import db

        make_world(db.session)
        db.session.commit()
    codes = [client.post("/public/complaints/new", data=_form(client)).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_handling_states_and_roles(app, db):
    world = make_world(db.session)
    complaint, code = complaints.file_complaint(db.session, kind="意见", division_code=world.town.code,
                                                subject="建议延长午间办公", content="中午也开放一个窗口。")
    assert complaint.supervising_code == world.county.code and complaint.number.startswith("YJ")
    supervisor = Scope.for_division(world.county.code, user_id=1, roles=frozenset({"监察"}))
    clerk = Scope.for_division(world.county.code, user_id=2, roles=frozenset({"受理员"}))
    with pytest.raises(PermissionDenied):
        complaints.start_handling(db.session, clerk, complaint)
    complaints.start_handling(db.session, supervisor, complaint)
    complaints.reply(db.session, supervisor, complaint, text="已安排午间轮值窗口。", actor="监察员")
    complaints.close(db.session, supervisor, complaint)
    assert complaint.state == "已关闭"
    assert complaints.lookup(db.session, complaint.number, code) is complaint
    assert complaints.lookup(db.session, "YJ00000000000000", code) is None


def test_staff_screen_is_scoped_to_supervising_unit(app, client, db, login_as):
    world = make_world(db.session)
    mine, _ = complaints.file_complaint(db.session, kind="投诉", division_code=world.village.code,
                                        subject="<script>alert(1)</script>我的", content="内容")
    other, _ = complaints.file_complaint(db.session, kind="投诉", division_code=world.other_town.code,
                                         subject="别处的投诉", content="内容")
    db.session.commit()
    login_as("监察", world.town.code)
    listing = client.get("/admin/complaints/list/").get_data(as_text=True)
    assert "&lt;script&gt;" in listing and "<script>alert(1)" not in listing and "别处的投诉" not in listing
    assert client.get(f"/admin/complaints/handle/{other.id}").status_code == 404
    assert client.get(f"/admin/complaints/handle/{mine.id}").status_code == 200
    assert "办理与答复" in client.get(f"/admin/complaints/show/{mine.id}").get_data(as_text=True)
    client.post(f"/admin/complaints/handle/{mine.id}/act", data={"action": "reply", "reply": "已整改"})
    db.session.expire_all()
    assert db.session.get(Complaint, mine.id).state == "已答复"
    client.post(f"/admin/complaints/handle/{other.id}/act", data={"action": "reply", "reply": "越权"})
    db.session.expire_all()
    assert db.session.get(Complaint, other.id).state == "已受理"


def test_complaint_export_neutralises_formulas_written_by_visitors(app, client, db, login_as):
    """OWASP CSV injection: an anonymous visitor's =HYPERLINK(...) reaches the CSV as text."""
    world = make_world(db.session)
    complaints.file_complaint(db.session, kind="投诉", division_code=world.village.code,
                              subject='=HYPERLINK("http://evil.example","点此")', content="内容")
    complaints.file_complaint(db.session, kind="投诉", division_code=world.village.code,
                              subject="@cmd|' /C calc'!A0", content="内容")
    db.session.commit()
    login_as("监察", world.town.code)
    text = client.get("/admin/complaints/export/").get_data(as_text=True)
    assert '"\'=HYPERLINK(""http://evil.example"",""点此"")"' in text
    assert "'@cmd|' /C calc'!A0" in text
    assert ",=" not in text and ',"=' not in text and ",@" not in text


def test_a_form_stamp_files_one_complaint_only(make_app):
    """Replaying a filled-in complaint form (same signed stamp) is refused; a fresh form works."""
    app = make_app(COMPLAINT_MIN_FILL_SECONDS=0)
    client = app.test_client()
    with app.app_context():
        from govkit.db import db

        make_world(db.session)
        db.session.commit()
    data = _form(client)
    assert client.post("/public/complaints/new", data=data).status_code == 200
    replay = client.post("/public/complaints/new", data={**data, "subject": "再来一条"})
    assert replay.status_code == 400 and "已提交过" in replay.get_data(as_text=True)
    assert client.post("/public/complaints/new", data=_form(client, subject="新的一条")).status_code == 200
    with app.app_context():
        from govkit.db import db

        assert [c.subject for c in db.session.query(Complaint).order_by(Complaint.id)] == ["窗口无人", "新的一条"]

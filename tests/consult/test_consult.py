"""网上咨询: the public form (CSRF, stamp, Chinese errors), routing to the implementing unit, the answer and
its message, the anonymised FAQ on the guide, and the yellow/red cards with their scope."""
import re
from datetime import timedelta

import pytest

from govkit.consult import services
from govkit.consult.models import AskerMessage, Question
from govkit.hierarchy.scope import Scope
from tests.publicity.world import make_world

pytestmark = pytest.mark.both_backends

STAMP = re.compile(r'name="form_stamp" value="([^"]+)"')
ID = "11010519491231002X"


def working_days_before(calendar, today, n):
    """The latest day with ``n`` working days after it up to ``today``."""
    day = today
    while calendar.working_days_between(day, today) < n:
        day -= timedelta(days=1)
    return day


def _form(client, impl_id, **fields):
    html = client.get(f"/public/consult/ask/{impl_id}").get_data(as_text=True)
    data = {"subject": "低保申请条件", "content": "我家在东关村，母亲身份证11010519491231002X，能申请低保吗？",
            "name": "欧阳秀英", "phone": "13912345678", "form_stamp": STAMP.search(html).group(1)}
    data.update(fields)
    return data


def test_ask_answer_and_publish_to_the_guide_without_personal_data(make_app):
    app = make_app(COMPLAINT_MIN_FILL_SECONDS=0, CONSULT_ANSWER_DAYS=5)
    client = app.test_client()
    with app.app_context():
        from govkit.db import db

        world = make_world(db.session)
        db.session.commit()
        impl_id, town = world.impl.id, world.town.code
    page = client.post(f"/public/consult/ask/{impl_id}", data=_form(client, impl_id, id_number=ID))
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text
    number = re.search(r"(ZX\d{14})", text).group(1)
    code = re.search(r'<td class="big">(\d{6})</td>', text).group(1)
    with app.app_context():
        from govkit.db import db
        from govkit.cases.runtime import calendar_for

        question = db.session.query(Question).filter_by(number=number).one()
        assert question.division_code == town and question.id_number == ID and question.lookup_hash != code
        assert question.due_date == calendar_for(db.session, app).add_working_days(question.asked_on, 5).due
        unit = Scope.for_division(town, roles=frozenset({"办理员"}))
        services.answer(db.session, unit, question, actor="王办理",
                        text="可以申请。请欧阳秀英本人携带户口簿到城关镇便民服务中心，咨询电话 13900001111。")
        services.publish(db.session, unit, question)
        db.session.commit()
        message = db.session.query(AskerMessage).filter_by(reference=number).one()
        assert message.recipient == "13912345678" and "已答复" in message.text
    guide = client.get(f"/public/guide/{impl_id}").get_data(as_text=True)
    assert "常见问题" in guide and "能申请低保吗" in guide and "可以申请" in guide
    for private in ("欧阳秀英", "13912345678", "13900001111", ID, "110105"):
        assert private not in guide
    looked = client.post("/public/consult/lookup", data={"number": number, "code": code}).get_data(as_text=True)
    assert "可以申请" in looked and "欧阳秀英" not in looked.split("答复")[0]
    wrong = client.post("/public/consult/lookup", data={"number": number, "code": "x"}).get_data(as_text=True)
    assert "未查到匹配的咨询" in wrong


def test_bad_input_gets_a_chinese_error_and_writes_nothing(make_app):
    app = make_app(COMPLAINT_MIN_FILL_SECONDS=0, CONSULT_RATE_LIMIT="6 per hour")
    client = app.test_client()
    with app.app_context():
        from govkit.db import db

        impl_id = make_world(db.session).impl.id
        db.session.commit()
    cases = (({"phone": "12345"}, "手机号码应为 11 位数字"),
             ({"phone": "", "email": "", "address": ""}, "至少留下一种联系方式"),
             ({"id_number": "110105194912310021"}, "校验位错误"),
             ({"email": "not-an-email"}, "电子邮箱格式不正确"),
             ({"form_stamp": "forged"}, "页面已失效"))
    for fields, message in cases:
        response = client.post(f"/public/consult/ask/{impl_id}", data=_form(client, impl_id, **fields))
        assert response.status_code == 400 and message in response.get_data(as_text=True), fields
    data = _form(client, impl_id)
    assert client.post(f"/public/consult/ask/{impl_id}", data=data).status_code == 200
    replay = client.post(f"/public/consult/ask/{impl_id}", data=data)
    assert replay.status_code == 400 and "此页面已提交过" in replay.get_data(as_text=True)
    assert client.get("/public/consult/ask/999999").status_code == 404
    limited = client.post(f"/public/consult/ask/{impl_id}", data=_form(client, impl_id))
    assert limited.status_code == 429 and "请求过于频繁" in limited.get_data(as_text=True)
    with app.app_context():
        from govkit.db import db

        assert db.session.query(Question).count() == 1
    guarded = make_app(COMPLAINT_MIN_FILL_SECONDS=0, WTF_CSRF_ENABLED=True).test_client()
    no_token = guarded.post(f"/public/consult/ask/{impl_id}", data={"subject": "x", "content": "y", "name": "z"})
    assert no_token.status_code == 400 and "页面已过期" in no_token.get_data(as_text=True)


def test_unanswered_questions_get_yellow_and_red_cards_in_scope(make_app, login_as):
    app = make_app()
    with app.app_context():
        from govkit.cases.runtime import calendar_for
        from govkit.db import db
        from govkit.clock import local_date
        from govkit.state import get_state

        world = make_world(db.session)
        calendar, today = calendar_for(db.session, app), local_date()
        settings = get_state(app).settings
        made = {}
        for label, ago in (("red", 8), ("yellow", 4), ("green", 0)):
            asked = working_days_before(calendar, today, ago)
            made[label], _ = services.ask(db.session, world.impl, name="张三", phone="13900000000", subject=label,
                                          content="问题", calendar=calendar, days=5, today=asked)
        answered, _ = services.ask(db.session, world.impl, name="李四", phone="13900000001", subject="答",
                                   content="问题", calendar=calendar, days=5, today=today - timedelta(days=30))
        services.answer(db.session, Scope.unrestricted(), answered, text="已答复", actor="x")
        db.session.commit()
        rows = services.cards(db.session, Scope.for_division(world.county.code), calendar=calendar,
                              settings=settings, today=today)
        assert [(r.number, r.card) for r in rows] == [(made["red"].number, "red"), (made["yellow"].number, "yellow")]
        assert rows[0].remaining < 0
        other = services.cards(db.session, Scope.for_division(world.other_town.code), calendar=calendar,
                               settings=settings, today=today)
        assert other == []
        numbers = (made["red"].number, made["yellow"].number, made["green"].number)
        other_code = world.other_town.code
    client = app.test_client()
    login_as("监察", other_code, test_client=client)
    assert made["red"].number not in client.get("/supervision/questions/").get_data(as_text=True)
    county_client = app.test_client()
    login_as("监察", world.county.code, test_client=county_client)
    page = county_client.get("/supervision/questions/").get_data(as_text=True)
    assert numbers[0] in page and numbers[1] in page and numbers[2] not in page and "红牌 1 件" in page
    assert "张三" not in page and "13900000000" not in page

"""Public progress lookup: verification, no personal data, indistinguishable failures, rate limit."""
import re
from datetime import date, timedelta

from govkit.cases.models import Case
from tests.publicity.world import APPLICANT, make_case, make_world

CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')


def _strip(html: str) -> str:
    return CSRF.sub("", html)


def test_lookup_by_phone_shows_progress_without_personal_data(app, client, db):
    world = make_world(db.session)
    case = make_case(db.session, world, state="in_review", provisional=True,
                     events=(("register", "registered"), ("accept", "accepted"), ("forward", "forwarded"),
                             ("review", "in_review")))
    db.session.commit()
    response = client.post("/public/progress", data={"no": case.number, "f": APPLICANT["phone"][-4:]})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "审查中" in html and "最低生活保障金给付" in html and "已受理" in html and "已上报待签收" in html
    assert case.due_date and f"{case.due_date.year}年{case.due_date.month}月{case.due_date.day}日" in html
    assert "（暂定）" in html
    assert "无需您再做什么" in html  # what to do next
    assert "城关镇" in html  # the unit, not a person
    for secret in (APPLICANT["name"], APPLICANT["id"], APPLICANT["phone"], APPLICANT["address"], "经办人",
                   APPLICANT["phone"][-4:], case.progress_token):
        assert secret not in html, secret


def test_qr_token_lookup_posts_and_a_get_never_looks_up(app, client, db):
    """No factor in a URL: a GET (even one carrying ?t=) only pre-fills the number; the lookup is a POST."""
    world = make_world(db.session)
    case = make_case(db.session, world, state="supplement")
    db.session.commit()
    got = client.get("/public/progress", query_string={"no": case.number, "t": case.progress_token})
    page = got.get_data(as_text=True)
    assert got.status_code == 200 and "待补正" not in page and case.progress_token not in page
    assert f'value="{case.number}"' in page and "progress.js" in page  # the script posts the #t= fragment
    html = client.post("/public/progress", data={"no": case.number, "t": case.progress_token}).get_data(as_text=True)
    assert "待补正" in html and "一次性告知书" in html
    assert APPLICANT["name"] not in html


def test_failed_lookups_are_limited_per_case_number_across_addresses(make_app):
    """Guessing a case's 4-digit factor from many addresses: the case number itself runs out of attempts."""
    app = make_app(PROGRESS_CASE_FAILURE_LIMIT="3 per hour", PROGRESS_RATE_LIMIT="100 per minute")
    with app.app_context():
        from govkit.db import db

        world = make_world(db.session)
        case, other = make_case(db.session, world), make_case(db.session, world)
        db.session.commit()
        number, other_number = case.number, other.number
    client, right = app.test_client(), APPLICANT["phone"][-4:]
    wrong = "0000" if right != "0000" else "1111"

    def lookup(no, factor, address):
        return client.post("/public/progress", data={"no": no, "f": factor}, environ_base={"REMOTE_ADDR": address})

    assert [lookup(number, wrong, f"10.0.0.{i}").status_code for i in range(3)] == [200, 200, 200]
    blocked = lookup(number, right, "10.0.9.9")  # a fourth address, even with the right factor
    assert blocked.status_code == 429 and "失败次数过多" in blocked.get_data(as_text=True)
    assert "审查中" not in blocked.get_data(as_text=True) and "办理过程" not in blocked.get_data(as_text=True)
    assert "办理过程" in lookup(other_number, right, "10.0.0.1").get_data(as_text=True)  # other cases unaffected
    # An unknown number runs out the same way (the limit says nothing about which numbers exist).
    unknown = number[:-1] + ("0" if number[-1] != "0" else "1")
    assert [lookup(unknown, wrong, f"10.0.1.{i}").status_code for i in range(4)] == [200, 200, 200, 429]


def test_wrong_factor_and_unknown_number_are_identical(app, client, db):
    world = make_world(db.session)
    case = make_case(db.session, world)
    db.session.commit()
    # Same shape of number for both, so the echoed value in the form does not differ.
    unknown = case.number[:-1] + ("0" if case.number[-1] != "0" else "1")
    assert db.session.query(Case).filter_by(number=unknown).count() == 0
    answers = []
    for number, data in ((case.number, {"f": "0000"}), (unknown, {"f": "0000"}),
                         (case.number, {"t": "not-the-token"}), (unknown, {"t": "not-the-token"})):
        response = client.post("/public/progress", data={"no": case.number, **data} if number == case.number
                               else {"no": number, **data})
        answers.append((response.status_code, _strip(response.get_data(as_text=True)).replace(number, "N")))
    assert answers[0] == answers[1] and answers[2] == answers[3] and answers[0] == answers[2]
    assert answers[0][0] == 200 and "未查到匹配的办件" in answers[0][1]
    # And via the QR (GET) path as well.
    a = client.get("/public/progress", query_string={"no": case.number, "t": "x" * 16})
    b = client.get("/public/progress", query_string={"no": unknown, "t": "x" * 16})
    assert a.status_code == b.status_code
    assert (_strip(a.get_data(as_text=True)).replace(case.number, "N")
            == _strip(b.get_data(as_text=True)).replace(unknown, "N"))


def test_wrong_factor_with_csrf_enabled_still_identical(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/public/progress").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token, "the lookup form carries a CSRF token"
    one = client.post("/public/progress", data={"no": "X1", "f": "1234", "csrf_token": token.group(1)})
    two = client.post("/public/progress", data={"no": "X1", "f": "1234"})  # no token: refused, in Chinese
    assert one.status_code == 200 and "未查到匹配的办件" in one.get_data(as_text=True)
    assert two.status_code == 400 and "页面已过期" in two.get_data(as_text=True)


def test_rate_limit_answers_429_after_n_lookups(make_app):
    app = make_app(PROGRESS_RATE_LIMIT="3 per minute")
    client = app.test_client()
    codes = [client.post("/public/progress", data={"no": "NOPE", "f": "1234"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.post("/public/progress", data={"no": "NOPE", "f": "1234"})
    assert limited.status_code == 429 and "过于频繁" in limited.get_data(as_text=True)
    # Another address is not affected; showing the empty form is not counted.
    assert client.get("/public/progress").status_code == 200
    other = client.post("/public/progress", data={"no": "NOPE", "f": "1234"},
                        environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 200


def test_limiter_is_one_per_app(make_app):
    first, second = make_app(PROGRESS_RATE_LIMIT="1 per minute"), make_app(PROGRESS_RATE_LIMIT="1 per minute")
    assert first.extensions["govkit_public_limiter"] is not second.extensions["govkit_public_limiter"]
    assert first.test_client().post("/public/progress", data={"no": "A", "f": "1234"}).status_code == 200
    assert second.test_client().post("/public/progress", data={"no": "A", "f": "1234"}).status_code == 200


def test_steps_use_local_dates_and_not_completed_case_has_no_rating(app, client, db):
    world = make_world(db.session)
    case = make_case(db.session, world, state="accepted", accepted=date.today() - timedelta(days=2),
                     events=(("register", "registered"), ("accept", "accepted")))
    db.session.commit()
    html = client.post("/public/progress",
                       data={"no": case.number, "f": APPLICANT["phone"][-4:]}).get_data(as_text=True)
    assert "服务评价" not in html and "已受理" in html

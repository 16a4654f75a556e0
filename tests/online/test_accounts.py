"""Applicant accounts of the online hall: one flow for sign-up and login by phone + code, no enumeration,
codes hashed / short-lived / throttled, the staff login's lockout, real name with check digits."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from govkit.online import services
from govkit.online.models import Applicant, DevMessage, OneTimeCode
from govkit.orm import utcnow

PERSON_ID = "11010519491231002X"  # GB 11643 sample number (valid check character)
COMPANY_USCC = "91350100M000100Y43"
PHONE = "13800138000"


def last_code(db, phone=PHONE) -> str:
    text = db.session.scalars(select(DevMessage.text).where(DevMessage.phone == phone, DevMessage.kind == "code")
                              .order_by(DevMessage.id.desc())).first()
    return re.search(r"验证码为 (\d{6})", text).group(1)


def age_codes(db, minutes=5):
    """Move every code into the past (the per-phone resend interval has passed)."""
    db.session.execute(OneTimeCode.__table__.update().values(created_at=utcnow() - timedelta(minutes=minutes)))
    db.session.commit()


def ask_code(client, phone=PHONE, **kw):
    return client.post("/online/login", data={"phone": phone}, **kw)


def sign_up(client, db, phone=PHONE, id_number=PERSON_ID, name="张三"):
    assert ask_code(client, phone).status_code == 302
    response = client.post("/online/login/code", data={"code": last_code(db, phone)})
    assert response.headers["Location"].startswith("/online/signup")
    return client.post("/online/signup", data={"kind": "person", "name": name, "id_number": id_number, "agree": "y"})


def test_sign_up_then_log_in_with_a_code(client, db):
    response = sign_up(client, db)
    assert response.status_code == 302
    applicant = db.session.scalar(select(Applicant))
    assert (applicant.name, applicant.id_number, applicant.phone) == ("张三", PERSON_ID, PHONE)
    assert applicant.phone_verified_at is not None and applicant.password_hash is None
    assert "我的办件" in client.get("/online/").get_data(as_text=True)
    # The code is stored only as a hash.
    code_row = db.session.scalar(select(OneTimeCode))
    assert last_code(db) not in code_row.code_hash and code_row.used_at is not None
    client.post("/online/logout")
    assert client.get("/online/").status_code == 302
    # Logging in again: a known phone goes straight to 我的办件 after the code.
    age_codes(db)
    assert ask_code(client).status_code == 302
    response = client.post("/online/login/code", data={"code": last_code(db)})
    assert response.headers["Location"] == "/online/"


def test_asking_a_code_answers_the_same_for_known_and_unknown_phones(client, db):
    sign_up(client, db)
    client.post("/online/logout")
    age_codes(db)
    known, unknown = ask_code(client, PHONE), ask_code(client, "13900139000")
    assert (known.status_code, known.headers["Location"]) == (unknown.status_code, unknown.headers["Location"])
    assert "手机号已注册" not in client.get("/online/login/code").get_data(as_text=True)


def test_sign_up_checks_check_characters_then_a_company_signs_up_with_a_uscc(client, db):
    assert ask_code(client).status_code == 302
    client.post("/online/login/code", data={"code": last_code(db)})
    for kind, number, message in (("person", "110105194912310021", "校验位错误"),
                                  ("person", COMPANY_USCC, "身份证号码"),      # a USCC typed as an ID number
                                  ("company", "91350100M000100Y44", "统一社会信用代码校验位错误"),
                                  ("company", COMPANY_USCC, "经办人")):      # a company needs its 经办人
        response = client.post("/online/signup", data={"kind": kind, "name": "某某农业合作社", "id_number": number,
                                                       "agree": "y"})
        assert response.status_code == 200 and message in response.get_data(as_text=True), number
    assert db.session.scalar(select(Applicant)) is None
    # Only a local /online page may follow the sign-up (no open redirect).
    response = client.post("/online/signup?next=https://evil.example/x",
                           data={"kind": "company", "name": "某某农业合作社", "id_number": COMPANY_USCC.lower(),
                                 "contact_name": "李四", "agree": "y"})
    assert response.status_code == 302 and response.headers["Location"] == "/online/"
    applicant = db.session.scalar(select(Applicant))
    assert (applicant.kind, applicant.id_number, applicant.id_type) == ("company", COMPANY_USCC, "统一社会信用代码")
    # Without a phone proven by a code there is no sign-up.
    other = client.application.test_client()
    response = other.post("/online/signup", data={"kind": "person", "name": "张三", "id_number": PERSON_ID,
                                                  "agree": "y"})
    assert response.status_code == 302 and db.session.scalar(select(func.count()).select_from(Applicant)) == 1


@pytest.mark.both_backends  # counted in SQL over timestamps
def test_codes_are_throttled_per_phone_and_per_address(app, client, db):
    assert ask_code(client).status_code == 302
    again = ask_code(client)
    assert again.status_code == 200 and "秒后再重新获取" in again.get_data(as_text=True)
    policy = services.CodePolicy(per_ip_hour=3, resend=0)
    for phone in ("13900000001", "13900000002", "13900000003"):
        services.issue_code(db.session, phone, "login", secret="s", policy=policy, ip="10.0.0.9")
    with pytest.raises(services.CodeThrottled, match="一小时后再试"):
        services.issue_code(db.session, "13900000004", "login", secret="s", policy=policy, ip="10.0.0.9")
    for _ in range(4):
        services.issue_code(db.session, "13700000000", "login", secret="s", policy=services.CodePolicy(resend=0))
    services.issue_code(db.session, "13700000000", "login", secret="s", policy=services.CodePolicy(resend=0))
    with pytest.raises(services.CodeThrottled):
        services.issue_code(db.session, "13700000000", "login", secret="s", policy=services.CodePolicy(resend=0))


def test_a_code_expires_and_dies_after_wrong_guesses(db, app):
    policy = services.CodePolicy(max_attempts=2, resend=0)
    code = services.issue_code(db.session, PHONE, "login", secret="s", policy=policy)
    assert not services.check_code(db.session, PHONE, "login", "000000" if code != "000000" else "111111",
                                   secret="s", policy=policy)
    assert not services.check_code(db.session, PHONE, "login", "x", secret="s", policy=policy)
    assert not services.check_code(db.session, PHONE, "login", code, secret="s", policy=policy)  # dead now
    code = services.issue_code(db.session, "13911110000", "login", secret="s", policy=policy,
                               now=utcnow() - timedelta(minutes=10))
    assert not services.check_code(db.session, "13911110000", "login", code, secret="s", policy=policy)  # expired


@pytest.mark.both_backends  # the throttle's counts are INSERT … ON CONFLICT on each database
def test_wrong_codes_lock_like_the_staff_login(make_app):
    app = make_app(LOGIN_MAX_FAILURES=3)
    client = app.test_client()
    with app.app_context():
        from govkit.db import db

        assert ask_code(client).status_code == 302
        good = last_code(db)
        wrong = "000000" if good != "000000" else "111111"
        for _ in range(3):
            page = client.post("/online/login/code", data={"code": wrong}).get_data(as_text=True)
        assert "已暂时锁定" in page
        # Locked: even the right code is refused, with the same message whether or not an account exists.
        page = client.post("/online/login/code", data={"code": good}).get_data(as_text=True)
        assert "已暂时锁定" in page and db.session.scalar(select(Applicant)) is None


def test_optional_password_login_without_enumeration(client, db):
    sign_up(client, db)
    assert client.post("/online/account", data={"password": "短"}).status_code == 200
    client.post("/online/account", data={"password": "Qingshui-2026-mima"})
    client.post("/online/logout")
    wrong = client.post("/online/login/password", data={"phone": PHONE, "password": "nope-nope-nope"})
    unknown = client.post("/online/login/password", data={"phone": "13911112222", "password": "nope-nope-nope"})
    assert wrong.status_code == unknown.status_code == 400
    assert "手机号或密码错误" in wrong.get_data(as_text=True) and "手机号或密码错误" in unknown.get_data(as_text=True)
    ok = client.post("/online/login/password", data={"phone": PHONE, "password": "Qingshui-2026-mima"})
    assert ok.status_code == 302 and ok.headers["Location"] == "/online/"


def test_a_staff_login_is_not_an_applicant(client, login_as):
    login_as("办件受理员", "621002000000")
    response = client.get("/online/")
    assert response.status_code == 302 and "/online/login" in response.headers["Location"]

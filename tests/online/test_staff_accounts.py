"""申请人账号 (/desk/applicants): the staff screen of applicant accounts — scoped (Admin: all; 受理员: accounts
with a case in scope), searched by phone or name, ID numbers and phones masked, 停用 (with a reason) and 启用
audited; locking ends the account's sessions; other roles and other scopes get nothing."""
from __future__ import annotations

from sqlalchemy import select

from govkit.audit.models import AuditEntry
from govkit.online.models import Applicant
from govkit.orm import utcnow
from tests.desk.conftest import COUNTY, OTHER_TOWNSHIP, TOWNSHIP, VILLAGE, build_world, make_case, valid_id


def _login(app, role, code, username):
    from govkit.testing.fixtures import create_user

    create_user(app, role, code, username=username)
    client = app.test_client()
    assert client.post("/login/", data={"username": username, "password": "pw-123456"}).status_code in (200, 302)
    return client


def test_scoped_masked_search_lock_unlock_audited(app, db):
    world = build_world(db.session)
    mine = Applicant(kind="person", name="周八", id_number=valid_id(seq="111"), phone="13900000111",
                     phone_verified_at=utcnow())
    theirs = Applicant(kind="person", name="吴九", id_number=valid_id(seq="112"), phone="13900000112",
                       phone_verified_at=utcnow())
    db.session.add_all([mine, theirs])
    db.session.flush()
    case = make_case(db.session, world, village=VILLAGE)  # accepted in the township's village
    case.applicant_id_number = mine.id_number
    db.session.commit()

    admin = _login(app, "Admin", COUNTY, "acc-admin")
    page = admin.get("/desk/applicants/").get_data(as_text=True)
    assert "周八" in page and "吴九" in page and "申请人账号" in page
    assert mine.id_number not in page and mine.phone not in page and "139****0111" in page  # masked on the list
    page = admin.get("/desk/applicants/?q=1390000011").get_data(as_text=True)
    assert "周八" in page and "吴九" in page
    page = admin.get("/desk/applicants/?q=吴").get_data(as_text=True)
    assert "吴九" in page and "周八" not in page
    assert "没有找到" in admin.get("/desk/applicants/?q=%25").get_data(as_text=True)  # no wildcard

    township = _login(app, "受理员", TOWNSHIP, "acc-town")
    page = township.get("/desk/applicants/").get_data(as_text=True)
    assert "周八" in page and "吴九" not in page  # only accounts with a case in scope
    assert township.post(f"/desk/applicants/{theirs.id}/lock", data={"reason": "x"}).status_code == 404
    other = _login(app, "受理员", OTHER_TOWNSHIP, "acc-other")
    assert "周八" not in other.get("/desk/applicants/").get_data(as_text=True)
    assert other.post(f"/desk/applicants/{mine.id}/lock", data={"reason": "x"}).status_code == 404
    handler = _login(app, "办理员", TOWNSHIP, "acc-handler")
    assert handler.get("/desk/applicants/").status_code in (302, 403)

    # 停用 needs a reason; then the account is locked, its sessions end, and the audit trail has it.
    page = township.post(f"/desk/applicants/{mine.id}/lock", data={"reason": " "},
                         follow_redirects=True).get_data(as_text=True)
    assert "请填写停用原因" in page
    epoch = db.session.get(Applicant, mine.id).session_epoch
    page = township.post(f"/desk/applicants/{mine.id}/lock", data={"reason": "冒用他人身份证件注册"},
                         follow_redirects=True).get_data(as_text=True)
    assert "已停用申请人账号 周八" in page and "已停用" in page
    db.session.expire_all()
    locked = db.session.get(Applicant, mine.id)
    assert not locked.active and locked.session_epoch == epoch + 1
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.table_name == "gk_applicant")
                               .order_by(AuditEntry.id.desc())).first()
    assert entry.action == "停用" and entry.actor == "acc-town" and "冒用他人身份证件注册" in str(entry.after)
    assert mine.id_number not in str(entry.after) and mine.phone not in entry.summary
    page = township.post(f"/desk/applicants/{mine.id}/unlock", follow_redirects=True).get_data(as_text=True)
    assert "已启用申请人账号 周八" in page
    db.session.expire_all()
    assert db.session.get(Applicant, mine.id).active
    assert "未停用" in township.post(f"/desk/applicants/{mine.id}/unlock", follow_redirects=True).get_data(
        as_text=True)
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.table_name == "gk_applicant")
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["停用", "启用"]

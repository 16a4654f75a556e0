"""首问负责 and 过错责任追究: recorded by a supervisor in scope, appealed by the staff member, reviewed by another."""
import pytest

from govkit.errors import InvalidTransition, OutOfScope, PermissionDenied, ValidationError
from govkit.hierarchy.scope import Scope
from govkit.supervision import accountability
from govkit.supervision.models import APPEALING, REVOKED, AccountabilityFinding
from govkit.supervision.orders import Actor
from tests.publicity.world import add_staff, make_case, make_world

pytestmark = pytest.mark.both_backends


def test_finding_recorded_appealed_and_reviewed_in_scope(app, client, db, login_as):
    world = make_world(db.session)
    case = make_case(db.session, world, number="ACC-1", state="in_review")
    clerk = add_staff(app, db.session, world.town, name="张窗口", duty="办理员")
    elsewhere = add_staff(app, db.session, world.other_town, name="李河西", duty="办理员")
    db.session.commit()
    first = accountability.first_receiver(db.session, case.id)
    assert first.name.startswith("经办人") and first.division == "东关村"  # the register event's actor

    town = Scope.for_division(world.town.code, roles=frozenset({"监察"}))
    boss_staff = add_staff(app, db.session, world.town, name="孙监察", duty="监察")
    reviewer = add_staff(app, db.session, world.town, name="周监察", duty="监察")
    db.session.commit()
    boss = Actor("孙监察", boss_staff.user_id)
    with pytest.raises(OutOfScope):  # a township supervisor cannot hold another township's staff to account
        accountability.record_finding(db.session, town, kind="case", ref="ACC-1", staff_id=elsewhere.id,
                                      fault="x", decision="批评教育", actor=boss)
    for kind, ref, decision, message in (("case", "NOPE", "批评教育", "不存在"), ("case", "ACC-1", "开除", "处理决定"),
                                         ("thing", "1", "批评教育", "关联")):
        with pytest.raises(ValidationError, match=message):
            accountability.record_finding(db.session, town, kind=kind, ref=ref, staff_id=clerk.id, fault="x",
                                          decision=decision, actor=boss)
    finding = accountability.record_finding(db.session, town, kind="case", ref="ACC-1", staff_id=clerk.id,
                                            fault="超期未办结且未告知申请人", decision="通报批评", actor=boss)
    assert (finding.division_code, finding.staff_name, finding.subject_label) == \
        (world.town.code, "张窗口", "办件 ACC-1")
    with pytest.raises(PermissionDenied):  # only the staff member appeals
        accountability.appeal(db.session, finding, reason="r", actor=Actor("别人", elsewhere.user_id))
    accountability.appeal(db.session, finding, reason="系统故障导致超期", actor=Actor("张窗口", clerk.user_id))
    assert finding.state == APPEALING
    with pytest.raises(InvalidTransition):
        accountability.appeal(db.session, finding, reason="again", actor=Actor("张窗口", clerk.user_id))
    with pytest.raises(PermissionDenied):  # not the one who decided
        accountability.decide_appeal(db.session, town, finding, uphold=True, comment="维持", actor=boss)
    accountability.decide_appeal(db.session, town, finding, uphold=False, comment="经核实确系系统故障",
                                 actor=Actor("周监察", reviewer.user_id))
    assert finding.state == REVOKED and finding.appeal_decided_by == "周监察"
    db.session.commit()

    # Screens: the supervisor lists and opens it; another township's supervisor gets 404; staff see their own.
    login_as("监察", world.town.code)
    page = client.get(f"/supervision/accountability/{finding.id}").get_data(as_text=True)
    assert "首问负责人" in page and "通报批评" in page and "已撤销" in page
    assert "张窗口" in client.get("/supervision/accountability/").get_data(as_text=True)
    from flask import g

    g.pop("_login_user", None), g.pop("_govkit_scope", None)
    other = app.test_client()
    login_as("监察", world.other_town.code, test_client=other)
    assert other.get(f"/supervision/accountability/{finding.id}").status_code == 404
    made = other.post("/supervision/accountability/new", data={"kind": "case", "ref": "ACC-1",
                                                               "staff_id": str(clerk.id), "fault": "x",
                                                               "decision": "批评教育"})
    assert made.status_code in (302, 404) and db.session.query(AccountabilityFinding).count() == 1

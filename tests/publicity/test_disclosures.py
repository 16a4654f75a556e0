"""Government information disclosure: catalogue seed, workflow roles, public list/search, Atom feed."""
import xml.etree.ElementTree as ET

import pytest

from govkit.errors import InvalidTransition, OutOfScope, PermissionDenied
from govkit.hierarchy.scope import Scope
from govkit.publicity import disclosures
from govkit.testing.fixtures import create_user
from govkit.publicity.disclosure_catalogue import GROUPS
from govkit.publicity.models import Disclosure, DisclosureCategory
from tests.publicity.world import make_world

pytestmark = pytest.mark.both_backends

ATOM = "{http://www.w3.org/2005/Atom}"


def _category(db, number=4):
    return db.session.query(DisclosureCategory).filter_by(code=f"1.1.{number}").one()


def test_seed_categories_from_the_annex(app, db):
    added = disclosures.seed_categories(db.session)
    assert added == 1 + len(GROUPS) + 62
    assert disclosures.seed_categories(db.session) == 0  # idempotent
    budget = _category(db, 4)
    assert budget.name == "财政预算、决算报告" and budget.default_unit == "区财政局"
    assert budget.parent.name == "政府信息公开条例规定事项"
    assert len(disclosures.leaf_categories(db.session)) == 62


def _publish(db, world, *, title="2026年财政预算报告", content="全年预算……"):
    author = Scope.for_division(world.town.code, user_id=None, roles=frozenset({"办理员"}))
    reviewer = Scope.for_division(world.county.code, user_id=None, roles=frozenset({"公开审核"}))
    entry = disclosures.create_draft(db.session, author, title=title, category_id=_category(db).id,
                                     division_code=world.town.code, content=content, author="张起草")
    disclosures.submit(db.session, author, entry)
    disclosures.approve(db.session, reviewer, entry, approver_name="李审核")
    disclosures.publish(db.session, reviewer, entry)
    return entry, author, reviewer


def test_workflow_roles_and_states(app, db):
    world = make_world(db.session)
    disclosures.seed_categories(db.session)
    author = Scope.for_division(world.town.code, user_id=None, roles=frozenset({"办理员"}))
    outsider = Scope.for_division(world.other_town.code, user_id=None, roles=frozenset({"公开审核"}))
    reviewer = Scope.for_division(world.county.code, user_id=None, roles=frozenset({"公开审核"}))
    entry = disclosures.create_draft(db.session, author, title="预算", category_id=_category(db).id,
                                     division_code=world.town.code, content="正文")
    assert entry.state == "草稿" and entry.responsible_unit == "区财政局"
    with pytest.raises(InvalidTransition):
        disclosures.publish(db.session, reviewer, entry)
    disclosures.submit(db.session, author, entry)
    with pytest.raises(PermissionDenied):
        disclosures.approve(db.session, author, entry, approver_name="自己")
    with pytest.raises(OutOfScope):
        disclosures.approve(db.session, outsider, entry, approver_name="外乡")
    disclosures.reject(db.session, reviewer, entry, comment="请补充文号")
    assert entry.state == "草稿" and entry.review_comment == "请补充文号"
    disclosures.update_draft(db.session, author, entry, doc_number="城政发〔2026〕1号")
    disclosures.submit(db.session, author, entry)
    disclosures.approve(db.session, reviewer, entry, approver_name="李审核")
    assert (entry.state, entry.approver_name) == ("已审核", "李审核")
    disclosures.publish(db.session, reviewer, entry)
    with pytest.raises(InvalidTransition):
        disclosures.update_draft(db.session, author, entry, title="改标题")
    disclosures.withdraw(db.session, reviewer, entry, reason="内容已过时")
    assert entry.state == "已撤回"


def test_public_list_search_detail_and_withdrawn_hidden(app, client, db):
    world = make_world(db.session)
    disclosures.seed_categories(db.session)
    entry, _, reviewer = _publish(db, world, content='<script>alert("d")</script>预算总额一亿元')
    draft = disclosures.create_draft(db.session, Scope.unrestricted(), title="未发布的草稿",
                                     category_id=_category(db).id, division_code=world.town.code, content="x")
    db.session.commit()
    listing = client.get("/public/disclosures").get_data(as_text=True)
    assert "2026年财政预算报告" in listing and "未发布的草稿" not in listing
    assert "2026年财政预算报告" in client.get("/public/disclosures?q=一亿").get_data(as_text=True)
    assert "2026年财政预算报告" not in client.get("/public/disclosures?q=不存在的词").get_data(as_text=True)
    group = _category(db).parent
    for category in (group.id, group.parent_id):  # a group and the top category include their items
        assert "2026年财政预算报告" in client.get(f"/public/disclosures?c={category}").get_data(as_text=True)
    other = _category(db, 5).id
    assert "2026年财政预算报告" not in client.get(f"/public/disclosures?c={other}").get_data(as_text=True)
    detail = client.get(f"/public/disclosures/{entry.id}").get_data(as_text=True)
    assert "&lt;script&gt;" in detail and "<script>alert" not in detail
    assert client.get(f"/public/disclosures/{draft.id}").status_code == 404
    disclosures.withdraw(db.session, reviewer, entry, reason="过时")
    db.session.commit()
    assert client.get(f"/public/disclosures/{entry.id}").status_code == 404


def test_atom_feed_is_well_formed_and_escaped(app, client, db):
    world = make_world(db.session)
    disclosures.seed_categories(db.session)
    _publish(db, world, title='预算 <b>&"x"</b>', content="第一段\x0b<script>x</script> & 第二段")
    _publish(db, world, title="第二条", content="内容")
    db.session.commit()
    response = client.get("/public/disclosures.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 2
    titles = {e.find(f"{ATOM}title").text for e in entries}
    assert '预算 <b>&"x"</b>' in titles
    content = [e.find(f"{ATOM}content").text for e in entries if e.find(f"{ATOM}title").text.startswith("预算")][0]
    assert "<script>x</script>" in content  # text, not markup
    assert all(e.find(f"{ATOM}updated").text.endswith("Z") for e in entries)
    assert b"<script>" not in response.data


def test_attachment_upload_and_public_download(app, client, db):
    world = make_world(db.session)
    disclosures.seed_categories(db.session)
    author = Scope.for_division(world.town.code, user_id=None, roles=frozenset({"办理员"}))
    reviewer = Scope.for_division(world.county.code, user_id=None, roles=frozenset({"公开审核"}))
    entry = disclosures.create_draft(db.session, author, title="附件公开", category_id=_category(db).id,
                                     division_code=world.town.code)
    from govkit.errors import UploadRejected

    with pytest.raises(UploadRejected):
        disclosures.add_attachment(db.session, author, entry, app.config["GOVKIT_STORAGE_DIR"], "x.exe", b"MZ", 1000)
    file = disclosures.add_attachment(db.session, author, entry, app.config["GOVKIT_STORAGE_DIR"], "预算表.pdf",
                                      b"%PDF-1.4 test", 1000)
    disclosures.submit(db.session, author, entry)
    db.session.commit()
    assert client.get(f"/public/disclosures/{entry.id}/files/{file.id}").status_code == 404  # not yet published
    disclosures.approve(db.session, reviewer, entry, approver_name="李审核")
    disclosures.publish(db.session, reviewer, entry)
    db.session.commit()
    response = client.get(f"/public/disclosures/{entry.id}/files/{file.id}")
    assert response.status_code == 200 and response.data == b"%PDF-1.4 test"


def _forget_request_user():
    """The ``app`` fixture keeps one app context for the whole test, so Flask-Login's user and
    govkit's scope cached in ``g`` would leak from one client to the next; drop them."""
    from flask import g

    g.pop("_login_user", None)
    g.pop("_govkit_scope", None)


def test_staff_screens_roles(app, client, db, login_as):
    world = make_world(db.session)
    disclosures.seed_categories(db.session)
    db.session.commit()
    login_as("办理员", world.town.code)
    response = client.post("/admin/disclosures/add", data={"title": "乡镇财务公开", "category": _category(db).id,
                                                           "division": world.town.id, "content": "收支明细"})
    assert response.status_code in (200, 302)
    entry = db.session.query(Disclosure).filter_by(title="乡镇财务公开").one()
    assert entry.state == "草稿" and entry.division_code == world.town.code
    assert "审核与发布" in client.get(f"/admin/disclosures/show/{entry.id}").get_data(as_text=True)
    client.post(f"/admin/disclosures/handle/{entry.id}/act", data={"action": "submit"})
    client.post(f"/admin/disclosures/handle/{entry.id}/act", data={"action": "approve"})
    db.session.expire_all()
    assert db.session.get(Disclosure, entry.id).state == "已提交"  # the author cannot approve
    reviewer_client = app.test_client()
    _forget_request_user()
    login_as("公开审核", world.county.code, test_client=reviewer_client)
    page = reviewer_client.get(f"/admin/disclosures/handle/{entry.id}").get_data(as_text=True)
    assert "审核通过" in page
    reviewer_client.post(f"/admin/disclosures/handle/{entry.id}/act", data={"action": "approve"})
    reviewer_client.post(f"/admin/disclosures/handle/{entry.id}/act", data={"action": "publish"})
    db.session.expire_all()
    published = db.session.get(Disclosure, entry.id)
    assert published.state == "已发布" and published.approver_name and published.approver_id is not None
    other_client = app.test_client()
    _forget_request_user()
    login_as("公开审核", world.other_town.code, test_client=other_client)
    assert other_client.get(f"/admin/disclosures/handle/{entry.id}").status_code == 404


def test_demo_seed_publishes_samples_once(app, client, db):
    from govkit.publicity.demo import seed_demo

    world = make_world(db.session)
    assert seed_demo(db.session, world.county.code) == 3
    assert seed_demo(db.session, world.county.code) == 0
    db.session.commit()
    assert "示范县2026年财政预算执行情况" in client.get("/public/disclosures").get_data(as_text=True)


@pytest.mark.parametrize("same_submitter", [True, False])
def test_the_author_or_submitter_cannot_approve_their_disclosure(app, db, same_submitter):
    world = make_world(db.session)
    disclosures.seed_categories(db.session)
    author_id, other_id, reviewer_id = (create_user(app, "公开审核", world.county.code).id for _ in range(3))
    submitter_id = author_id if same_submitter else other_id
    both = frozenset({"办理员", "公开审核"})
    author = Scope.for_division(world.county.code, user_id=author_id, roles=both)
    submitter = Scope.for_division(world.county.code, user_id=submitter_id, roles=both)
    entry = disclosures.create_draft(db.session, author, title="预算", category_id=_category(db).id,
                                     division_code=world.town.code, content="正文", author="张起草")
    disclosures.submit(db.session, submitter, entry)
    for own in {author_id, submitter_id}:
        with pytest.raises(PermissionDenied, match="职责分离"):
            disclosures.approve(db.session, Scope.for_division(world.county.code, user_id=own, roles=both), entry,
                                approver_name="自己")
    assert entry.state == "已提交"
    reviewer = Scope.for_division(world.county.code, user_id=reviewer_id, roles=frozenset({"公开审核"}))
    disclosures.approve(db.session, reviewer, entry, approver_name="李审核")
    assert (entry.state, entry.created_by_id, entry.submitted_by_id) == ("已审核", author_id, submitter_id)

"""Lists and queues cost a constant number of SQL statements per page, and every screen shows the same card counts.

Issue 23: a page of 10 and a page of 100 rows, with related columns, issue the same statements (≤ 6) —
no count of all rows, no lazy load per row, no permission query per menu entry; the card counts of the home
page, the 临期/超期 menu badge and the card page are one function over ALL rows (more than a page here).
"""
import re
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from govkit.hierarchy.models import Department
from govkit.testing.fixtures import ensure_division

from .conftest import COUNTY, OTHER_VILLAGE, TOWNSHIP, VILLAGE

pytestmark = pytest.mark.both_backends
ROWS = 120  # more than any page (card page: 50, lists: 100)


@pytest.fixture
def overdue(app, world, db):
    """``ROWS`` red-card cases in a village, each rated (a rating shows its department: a related column)."""
    from govkit.cases.runtime import workflow_for
    from govkit.cases.models import Case
    from govkit.publicity.models import Rating

    today = workflow_for(app).today()
    # Twelve villages: a page shows many division names (one lookup for the page, not one per code).
    villages = [ensure_division(db.session, VILLAGE[:9] + f"{201 + n:03d}") for n in range(12)]
    department = db.session.scalar(select(Department).where(Department.name == "民政局"))
    for n in range(ROWS):
        village = villages[n % len(villages)]
        case = Case(number=f"LATE{n:04d}", progress_token=secrets.token_hex(8), state="accepted",
                    implementation_id=world.implementation_id, accepting_division_id=village.id,
                    accepting_division_code=village.code, current_division_id=village.id,
                    current_division_code=village.code,
                    implementing_division_code=TOWNSHIP, applicant_name="张三",
                    applicant_id_number="11010519491231002X",
                    accepted_date=today - timedelta(days=40), due_date=today - timedelta(days=3 + n % 20),
                    time_limit_days=15)
        db.session.add(case)
        db.session.flush()
        db.session.add(Rating(case_id=case.id, division_code=village.code, department_id=department.id, level="满意",
                              score=4, comment=f"评价{n}"))
    db.session.commit()
    return ROWS


def statements(app, client, url):
    """(number of SQL statements, page, statements) of one GET, after a first GET that warms the per-worker
    caches (permissions, badge counts); the session starts empty as in a served request (user loaded too)."""
    assert client.get(url).status_code == 200
    return counted(client, url)


def counted(client, url):
    """(number of SQL statements, page, statements) of one GET, the session starting empty."""
    from govkit.db import db

    db.session.remove()
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, url
    return len(seen), response.get_data(as_text=True), seen


@pytest.mark.parametrize("family, url", [
    ("scoped model view (related: department)", "/admin/ratings/list/?psize_RatingView={size}"),
    ("case list (related: implementation)", "/cases/list/?psize_CaseAdminView={size}"),
    ("desk queue (related: implementation)", "/desk/queue/due?size={size}"),
])
def test_a_page_of_100_costs_the_statements_of_a_page_of_10(app, world, db, overdue, user_client, family, url):
    client, _ = user_client("监察", COUNTY)
    small, html_small, seen_small = statements(app, client, url.format(size=10))
    large, html_large, seen = statements(app, client, url.format(size=100))
    assert html_large.count("LATE0") + html_large.count("评价") >= 100 > html_small.count("LATE0") + \
        html_small.count("评价") >= 10, family
    assert small == large, (family, seen)
    assert large <= 6, (family, seen)


def test_home_page_badge_and_card_page_count_all_cards(app, world, db, overdue, user_client):
    client, _ = user_client("监察", COUNTY)
    home = client.get("/").get_data(as_text=True)
    assert re.search(r'data-queue="临期/超期">(\d+)<', home).group(1) == str(ROWS)
    menu = client.get("/admin/ratings/list/").get_data(as_text=True)
    assert re.search(r'临期/超期 <span class="badge">(\d+)</span>', menu).group(1) == str(ROWS)
    cards = client.get("/supervision/cards").get_data(as_text=True)
    assert re.search(r'data-card="red">(\d+)<', cards).group(1) == str(ROWS)
    assert re.search(r'data-card="total">(\d+)<', cards).group(1) == str(ROWS)
    assert cards.count('class="gk-card red"') == 50 and "第 1 / 3 页" in cards
    assert "超期 " in cards and "个工作日" in cards
    last = client.get("/supervision/cards?page=3").get_data(as_text=True)
    assert last.count('class="gk-card red"') == ROWS - 100


def test_rates_page_figures_come_from_the_count_cache_until_a_case_changes(app, world, db, overdue, user_client):
    """/supervision/rates: one GROUP BY and one name lookup when built, none while the scope's cases do not change
    (the card counts' per-worker cache), rebuilt after a completion in scope."""
    from govkit.cases.models import Case

    cases = list(db.session.scalars(select(Case).order_by(Case.id).limit(5)))
    for case in cases[:3]:
        case.completed_date = case.due_date  # on time
    cases[3].completed_date = cases[3].due_date + timedelta(days=1)  # late
    db.session.commit()
    client, _ = user_client("监察", COUNTY)
    url = "/supervision/rates?by=division&days=90"

    def grouped(seen):
        return [s for s in seen if "GROUP BY gk_case.implementing_division_code" in s]

    warm, html, seen = statements(app, client, url)
    assert grouped(seen) == [] and "75.0%" in html  # 3 of 4 on time, from the cache
    cases = list(db.session.scalars(select(Case).order_by(Case.id).limit(5)))
    cases[4].completed_date = cases[4].due_date
    db.session.commit()  # a completion in the scope drops the entry
    cold, html, seen = counted(client, url)
    assert len(grouped(seen)) == 1 and "80.0%" in html  # 4 of 5 on time
    # The rates' GROUP BY and the division names, and the menu badge's card counts (the same cache, the same
    # change): nothing per row.
    assert cold == warm + 3, seen
    assert counted(client, url)[0] == warm


def _with_parameters(client, url):
    """(statement, parameters) of one GET."""
    from govkit.db import db

    db.session.remove()
    seen = []

    def note(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return seen


@pytest.mark.parametrize("family, view, url, model", [
    ("scoped model view (related: department)", "govkit.publicity.views:RatingView",
     "/admin/ratings/list/?psize_RatingView={size}&after_RatingView={after}", "govkit.publicity.models:Rating"),
    ("case list (related: implementation)", "govkit.cases.views:CaseAdminView",
     "/cases/list/?psize_CaseAdminView={size}&after_CaseAdminView={after}", "govkit.cases.models:Case"),
])
def test_a_deep_page_seeks_past_the_counted_rows_in_the_statements_of_a_first_page(
        app, world, db, overdue, user_client, monkeypatch, family, view, url, model):
    """Past the bounded count (here 5 rows) a list goes on with seek links: ``WHERE (sort column, id) < (the last
    row's)`` instead of an OFFSET — a page of 10 and of 100 rows cost the same statements (≤ 6) however deep."""
    import importlib

    def load(path):
        module, name = path.split(":")
        return getattr(importlib.import_module(module), name)

    monkeypatch.setattr(load(view), "list_count_cap", 5)
    newest = db.session.scalar(select(load(model).id).order_by(load(model).id.desc()).limit(1))
    client, _ = user_client("监察", COUNTY)
    first, html_first, _ = statements(app, client, url.split("&after")[0].format(size=10))
    assert "after_" in html_first and "…" not in html_first  # the counted pages, then a seek link
    small, html_small, seen_small = statements(app, client, url.format(size=10, after=newest))
    large, html_large, seen = statements(app, client, url.format(size=100, after=newest))
    shown_small = html_small.count("LATE0") + html_small.count("评价")
    shown_large = html_large.count("LATE0") + html_large.count("评价")
    assert shown_large >= 100 > shown_small >= 10, family
    assert "LATE0119" not in html_large and "评价119<" not in html_large  # the row sought past is not shown
    assert 'class="active"><a href="#">…</a>' in html_large and f"after_{load(view).__name__}=" in html_large
    pages = [(statement, parameters) for statement, parameters in _with_parameters(client, url.format(
        size=100, after=newest)) if "ORDER BY" in statement and "ab_user" not in statement]
    assert len(pages) == 1, pages  # one page query: it seeks past the given row, it does not skip rows
    statement, parameters = pages[0]
    values = list(parameters.values()) if isinstance(parameters, dict) else list(parameters)
    assert newest in values and ("OFFSET" not in statement or values[-1] == 0), pages
    assert small == large <= 6, (family, seen)
    assert small <= first + 1, (family, seen_small)  # the seek costs no more than the page's own query


def test_seeking_past_a_row_outside_the_scope_shows_nothing(app, world, db, overdue, user_client, monkeypatch):
    """The row a seek link names is read through the list's own filters: the id of another county's case gives an
    empty page, not the rows that sort after it (which would tell where that case sorts, e.g. by 申请人; sorted by
    the id, the id itself is the position and tells nothing)."""
    from govkit.cases.models import Case
    from govkit.cases.views import CaseAdminView

    monkeypatch.setattr(CaseAdminView, "list_count_cap", 5)
    elsewhere = ensure_division(db.session, "621003101201")
    first = db.session.scalar(select(Case).order_by(Case.id).limit(1))
    other = Case(number="OTHER0001", progress_token=secrets.token_hex(8), state="accepted",
                 implementation_id=world.implementation_id, accepting_division_id=elsewhere.id,
                 accepting_division_code=elsewhere.code, current_division_id=elsewhere.id,
                 current_division_code=elsewhere.code, implementing_division_code=elsewhere.code,
                 applicant_name="李四", applicant_id_number="11010519491231002X", accepted_date=first.accepted_date,
                 due_date=first.due_date, time_limit_days=15)
    db.session.add(other)
    db.session.commit()
    client, _ = user_client("监察", COUNTY)
    order = "&_oc_CaseAdminView=number&_od_CaseAdminView=desc"  # sorted by a NOT NULL column, not the id
    inside = client.get(f"/cases/list/?after_CaseAdminView={first.id + 60}{order}").get_data(as_text=True)
    assert "LATE0" in inside  # an in-scope row: the list goes on after it
    html = client.get(f"/cases/list/?after_CaseAdminView={other.id}{order}").get_data(as_text=True)
    assert "LATE0" not in html and "OTHER0001" not in html


def _counted(total: str) -> str:
    """What a list's record count says was counted: "122", or "5+" past a cap of 5 — shown as "5+（可翻阅前 5 条…）"
    or, on PostgreSQL when the planner's estimate is larger, "约 40（估计值；可翻阅前 5 条…）"."""
    capped = re.search(r"可翻阅前 ([\d,]+) 条", total)
    return f"{capped.group(1)}+" if capped else total


@pytest.mark.parametrize("cap, shown", [(200, "122"), (122, "122"), (121, "121+"), (5, "5+")])
def test_the_bounded_count_counts_a_case_in_scope_by_several_divisions_once(
        app, world, db, overdue, user_client, monkeypatch, cap, shown):
    """The case list's count goes branch by branch (accepting, current, implementing division in scope; issue 23):
    for the township every ``overdue`` case meets all three, and two cases accepted in another county meet only
    the third. Each case counts once; the count is exact up to the cap and "cap+" past it."""
    from govkit.cases.models import Case
    from govkit.cases.views import CaseAdminView

    monkeypatch.setattr(CaseAdminView, "list_count_cap", cap)
    elsewhere = ensure_division(db.session, "621003101201")
    first = db.session.scalar(select(Case).order_by(Case.id).limit(1))
    for n in range(2):
        db.session.add(Case(number=f"HERE{n:04d}", progress_token=secrets.token_hex(8), state="accepted",
                            implementation_id=world.implementation_id, accepting_division_id=elsewhere.id,
                            accepting_division_code=elsewhere.code, current_division_id=elsewhere.id,
                            current_division_code=elsewhere.code, implementing_division_code=TOWNSHIP,
                            applicant_name="李四", applicant_id_number="11010519491231002X",
                            accepted_date=first.accepted_date, due_date=first.due_date, time_limit_days=15))
    db.session.commit()
    client, _ = user_client("监察", TOWNSHIP)
    html = client.get("/cases/list/").get_data(as_text=True)
    total = re.search(r"</strong> ([^<]+)</div>", html).group(1)
    assert _counted(total) == shown, total
    village, _ = user_client("受理员", OTHER_VILLAGE)  # one of the twelve villages: 10 cases
    html = village.get("/cases/list/").get_data(as_text=True)
    total = re.search(r"</strong> ([^<]+)</div>", html).group(1)
    assert _counted(total) == ("10" if cap >= 10 else f"{cap}+"), total


@pytest.mark.parametrize("url", ["/supervision/rates?days=90", "/supervision/ratings", "/admin/ratings/list/"])
def test_a_scoped_page_reads_the_users_scope_from_the_workers_actor(app, world, db, overdue, user_client, url):
    """``current_scope()`` takes the signed-in user's actor from the worker's cache (as ``request_actor()`` does):
    a page that only asks for the scope runs no staff query; moving the user to another division still shows at
    once (the cache is dropped when a staff row changes)."""
    from govkit.hierarchy.models import Staff

    client, user = user_client("监察", COUNTY)
    _, _, seen = statements(app, client, url)
    assert not [s for s in seen if "gk_staff" in s], seen
    if url == "/admin/ratings/list/":
        assert client.get(url).get_data(as_text=True).count("满意") >= 10
        staff = db.session.scalar(select(Staff).where(Staff.user_id == user.id))
        staff.division_id = ensure_division(db.session, "621003101201").id  # another county
        db.session.commit()
        db.session.remove()
        assert client.get(url).get_data(as_text=True).count("满意") <= 1  # at most a search choice; no rows


def test_past_the_cap_postgresql_shows_the_planners_estimate_asked_once_per_filter(
        app, world, db, overdue, user_client, monkeypatch):
    """Past ``list_count_cap`` the total is PostgreSQL's row estimate ("约 …（估计值…"), asked with one EXPLAIN per
    worker, filter and minute (keyed by the statement's shape and values: another state asks again); SQLite
    shows "5+"."""
    from govkit.cases.views import CaseAdminView

    monkeypatch.setattr(CaseAdminView, "list_count_cap", 5)
    client, _ = user_client("监察", COUNTY)
    township, _ = user_client("监察", TOWNSHIP)  # the same statement with other values (the scope's range)
    postgres = db.engine.dialect.name == "postgresql"
    if postgres:
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE gk_case")  # row statistics for the planner, as autovacuum keeps them
            conn.commit()

    def total(url, who=client):
        count, html, seen = counted(who, url)
        return re.search(r"</strong> ([^<]+)</div>", html).group(1), [s for s in seen if s.startswith("EXPLAIN")]

    shown, explains = total("/cases/list/")
    again, explains_again = total("/cases/list/")
    other, explains_other = total("/cases/list/?_flt_0_state=accepted")
    theirs, explains_theirs = total("/cases/list/", township)
    if postgres:
        assert shown.startswith("约 ") and "估计值" in shown, shown
        assert len(explains) == 1 and explains_again == [] and len(explains_other) == 1
        assert len(explains_theirs) == 1 and "621002101000" in explains_theirs[0]
        assert again == shown and other.startswith("约 ") and theirs.startswith("约 ")
    else:
        assert shown.startswith("5+") and explains == explains_other == explains_theirs == []


def test_a_villages_list_read_branch_by_branch_shows_the_rows_of_the_or_in_order(
        app, world, db, overdue, user_client, monkeypatch):
    """A village's scope is ``code = X`` on each of the three division columns, so its list (sorted by id) reads
    the first rows of each branch from ``ix_gk_case_{accepting,current,implementing}_id`` and merges them
    (issue 23). The pages — numbered, seeking past the counted rows, in both directions — show exactly the rows
    of the OR, each once, in order: cases in the village by all three columns, by the current division only and
    by the implementing division only."""
    from govkit.cases.models import Case
    from govkit.cases.views import CaseAdminView

    monkeypatch.setattr(CaseAdminView, "list_count_cap", 8)
    elsewhere = ensure_division(db.session, "621003101201")
    first = db.session.scalar(select(Case).order_by(Case.id).limit(1))
    for n, (current, implementing) in enumerate([(OTHER_VILLAGE, TOWNSHIP)] * 3 + [(TOWNSHIP, OTHER_VILLAGE)] * 2
                                                + [(TOWNSHIP, TOWNSHIP)] * 2):
        db.session.add(Case(number=f"MOVE{n:04d}", progress_token=secrets.token_hex(8), state="accepted",
                            implementation_id=world.implementation_id, accepting_division_id=elsewhere.id,
                            accepting_division_code=elsewhere.code, current_division_id=elsewhere.id,
                            current_division_code=current, implementing_division_code=implementing,
                            applicant_name="李四", applicant_id_number="11010519491231002X",
                            accepted_date=first.accepted_date, due_date=first.due_date, time_limit_days=15))
    db.session.commit()
    in_scope = [number for number, codes in (
        (case.number, (case.accepting_division_code, case.current_division_code, case.implementing_division_code))
        for case in db.session.scalars(select(Case).order_by(Case.id.desc()))) if OTHER_VILLAGE in codes]
    assert len(in_scope) == 15 and sum(number.startswith("MOVE") for number in in_scope) == 5

    def shown(html):
        return re.findall(r"<td>((?:LATE|MOVE)\d{4})</td>", html)

    client, _ = user_client("受理员", OTHER_VILLAGE)
    size = "psize_CaseAdminView=3"
    pages = [shown(client.get(f"/cases/list/?{size}&page_CaseAdminView={page}").get_data(as_text=True))
             for page in range(3)]
    assert sum(pages, []) == in_scope[:9], pages
    seen, after = pages[0][:0], None
    while True:  # seek page by page from the top to the end
        query = f"?{size}" + (f"&after_CaseAdminView={after}" if after else "")
        page = shown(client.get(f"/cases/list/{query}").get_data(as_text=True))
        if not page:
            break
        seen += page
        after = db.session.scalar(select(Case.id).where(Case.number == page[-1]))
    assert seen == in_scope
    ascending = shown(client.get(f"/cases/list/?{size}&_oc_CaseAdminView=id&_od_CaseAdminView=asc")
                      .get_data(as_text=True))
    assert ascending == in_scope[::-1][:3]
    _, _, statements_seen = counted(client, f"/cases/list/?{size}")
    assert any("UNION ALL" in statement for statement in statements_seen), statements_seen
    township, _ = user_client("受理员", TOWNSHIP)  # a range of codes: the OR, walked along the primary key
    _, _, statements_seen = counted(township, f"/cases/list/?{size}")
    assert not any("UNION ALL" in statement for statement in statements_seen), statements_seen


def test_a_kept_page_statement_serves_only_the_scope_and_search_it_was_built_for(
        app, world, db, overdue, user_client):
    """A worker keeps a numbered list page's statements (``govkit.web.scoped._page_key``: the model, the filters'
    values with the user's scope, the order, page, size, columns and cap). Two villages' clerks, one after the
    other and back, each see their own village's cases; a search on 状态 is a statement of its own; a filter whose
    SQL may depend on more than its value (FAB's ``FilterEqualFunction`` calls a function) is never kept."""
    from flask_appbuilder.models.sqla.filters import FilterEqual, FilterEqualFunction
    from flask_appbuilder.models.sqla.interface import SQLAInterface

    from govkit.cases.models import Case
    from govkit.web.scoped import _page_key, _page_statements

    def numbers(client, url="/cases/list/"):
        return re.findall(r"<td>(LATE\d{4})</td>", client.get(url).get_data(as_text=True))

    def expected(code, state="accepted"):
        return list(db.session.scalars(select(Case.number).where(
            Case.accepting_division_code == code, Case.state == state).order_by(Case.id.desc())))

    one, _ = user_client("受理员", VILLAGE)
    other, _ = user_client("受理员", OTHER_VILLAGE)
    with app.app_context():
        _page_statements().clear()
    assert numbers(one) == expected(VILLAGE) and len(expected(VILLAGE)) == 10
    assert numbers(other) == expected(OTHER_VILLAGE) != expected(VILLAGE)
    assert numbers(one) == expected(VILLAGE)
    assert numbers(other, "/cases/list/?_flt_0_state=delivered") == []
    assert numbers(other, "/cases/list/?_flt_0_state=accepted") == expected(OTHER_VILLAGE)
    with app.app_context():
        kept = [key for key in _page_statements()._data if key[0] is Case]
    assert len(kept) == 4, kept  # the two scopes, and the second scope with each of the two searches

    datamodel = SQLAInterface(Case)
    plain = [(FilterEqual("state", datamodel), "accepted")]
    called = [(FilterEqualFunction("state", datamodel), lambda: "accepted")]
    assert _page_key(datamodel, plain, "", "", 0, 25, ["number"], 1000) is not None
    assert _page_key(datamodel, called, "", "", 0, 25, ["number"], 1000) is None


@pytest.mark.parametrize("queue, role, division, state, changes", [
    ("intake", "受理员", None, "registered", {}),
    ("extension", "机关负责人", TOWNSHIP, "in_review", {"extension_requested_days": 5}),
])
def test_a_queue_with_action_buttons_costs_the_same_statements_for_10_and_100_rows(
        app, world, db, overdue, user_client, queue, role, division, state, changes):
    """A queue row shows the actions its user may take, and their guards read the case's pauses (补正 asked
    once?) or events (an extension is not approved by its requester): loaded for the whole page
    (``Queue.loads``), not one query per row (issue 23: a page of 100 costs what a page of 10 does, ≤ 6)."""
    from sqlalchemy import update

    from govkit.cases.models import Case

    # every case at one division: the village that accepted them all, the township that decides them all
    db.session.execute(update(Case).values(state=state, accepting_division_code=VILLAGE, **changes))
    db.session.commit()
    client, _ = user_client(role, division or VILLAGE)
    small, html_small, _ = statements(app, client, f"/desk/queue/{queue}?size=10")
    large, html_large, seen = statements(app, client, f"/desk/queue/{queue}?size=100")
    assert html_small.count("LATE0") >= 10 and html_large.count("LATE0") >= 100
    assert small == large <= 6, seen


@pytest.mark.backends("postgres")
def test_the_due_queue_keeps_one_generic_plan_and_restores_the_planner_settings(
        app, world, db, overdue, user_client):
    """A county's 临期/超期 page walks ``ix_gk_case_open_due`` with planner settings for that one statement
    (``govkit.cases.cards.walk_in_due_order``), among them ``plan_cache_mode``: once psycopg has prepared the
    statement (its fifth use on a connection), PostgreSQL runs it on one generic plan instead of planning it on
    every page. The settings are back to their defaults after the page."""
    from sqlalchemy import text

    client, _ = user_client("监察", COUNTY)
    for _ in range(14):
        assert client.get("/desk/queue/due").status_code == 200
    db.session.remove()
    generic, mode = 0, set()
    connections = [db.engine.connect() for _ in range(db.engine.pool.checkedin())]  # every one the pages used
    try:
        for connection in connections:
            generic += connection.scalar(text(
                "SELECT coalesce(sum(generic_plans), 0) FROM pg_prepared_statements "
                "WHERE statement LIKE '%gk_working_day%' AND statement LIKE '%remaining%'")) or 0
            mode.add(connection.scalar(text("SHOW plan_cache_mode")))
            connection.rollback()
    finally:
        for connection in connections:
            connection.close()
    assert generic > 0 and mode == {"auto"}, (generic, mode)

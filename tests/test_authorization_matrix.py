"""Authorization matrix: every built-in role × every endpoint × an object inside / outside scope.

For each role one test logs in a user homed where that duty works, then runs every row of
``MATRIX`` twice — against an object inside the user's subtree and one outside it — and
asserts the outcome:

* role lacks the permission → 403 (pages) / 401-403 (API), and nothing changes;
* permitted, object in scope (or Admin) → the row's OK status and its effect (renamed, deleted,
  created, listed);
* permitted, object out of scope → 404 (or the row's refusal status), and nothing changes;
* always, for every role but Admin: the name of **any** out-of-scope object created so far never
  appears in any response — lists, search, dropdowns, CSV export, REST JSON.

To add your endpoints (see docs/hierarchy.md, "Authorization matrix"): describe your model in a
``Kit`` and append ``crud_rows(kit)`` (a ScopedModelView + ScopedModelRestApi pair) and/or
hand-written ``Row``s to ``MATRIX``.
"""
from __future__ import annotations

import itertools
import json
import re
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Callable

import pytest
import sqlalchemy as sa
from flask_appbuilder.security.sqla.models import User

from govkit.hierarchy.models import Department, Division, ServiceCentre, Staff
from govkit.hierarchy.sample import load_sample
from govkit.testing.fixtures import ensure_division

pytestmark = pytest.mark.both_backends

DUTIES = ("受理员", "代办员", "办理员", "指挥中心", "机关负责人", "监察", "事项管理员", "公开审核")
ROLES = DUTIES + ("Admin",)
EVERYONE = frozenset(ROLES)
ADMIN = frozenset({"Admin"})
NETWORK_MANAGERS = frozenset({"Admin", "指挥中心"})

#: role → (home division, an anchor just outside the home subtree: a sibling where possible).
HOMES = {
    "受理员": ("621002101201", "621002101202"),     # village clerk: own village vs the next village
    "代办员": ("621002101203", "621002101204"),
    "办理员": ("621002101000", "621002102000"),     # township handler: own town vs a sibling town
    "指挥中心": ("621002000000", "621021000000"),   # county roles: own county vs another county
    "机关负责人": ("621002101000", "621002102000"),  # a township organ's head: own town vs a sibling town
    "监察": ("621002000000", "621021000000"),
    "事项管理员": ("621002000000", "621021000000"),
    "公开审核": ("621002000000", "621021000000"),
    "Admin": ("621002000000", "621021000000"),
}
PAGE_DENIED = frozenset({403})
API_DENIED = frozenset({401, 403})

_numbers = itertools.count(1)


def unique(kind: str, where: str) -> str:
    """A name no other object has and that is no substring of another (fixed width)."""
    return f"矩阵{'内' if where == 'in' else '外'}{kind}-{next(_numbers):06d}"


# -- how to make and inspect each model -----------------------------------------------------

@dataclass(frozen=True)
class Kit:
    """Everything the generic rows need to know about one scoped model."""

    name: str
    model: type
    page: str | None                                   # ModelView route_base
    api: str | None                                    # ModelRestApi base URL
    make: Callable[[Any, Division, str], Any]          # (session, anchor division, name) → object
    form: Callable[[Any, Division, str], dict]         # edit/add form: (object or None, division, name)
    payload: Callable[[Any, Division, str], dict]      # REST body for POST: (session, division, name)
    readers: frozenset[str]
    writers: frozenset[str]
    label: Callable[[Any], str] = lambda obj: obj.name  # text identifying the object in responses


def _child_code(session, anchor: Division) -> str | None:
    """An unused code directly under ``anchor`` (None for a village)."""
    if anchor.level == 5:
        return None
    prefix = anchor.prefix
    for n in range(300, 999):
        code = (prefix + (f"{n:03d}" if anchor.level in (3, 4) else f"{n % 100:02d}")).ljust(12, "0")
        if anchor.level == 3:
            code = prefix + f"{n:03d}000"
        if not session.scalar(sa.select(Division.id).where(Division.code == code)):
            return code
    raise AssertionError("no free code")


def make_division(session, anchor: Division, name: str) -> Division:
    code = _child_code(session, anchor)
    if code is None:  # a village clerk's subtree is the village itself
        anchor.name = name
        session.commit()
        return anchor
    division = ensure_division(session, code, name)
    session.commit()
    return division


def make_centre(session, anchor: Division, name: str) -> ServiceCentre:
    centre = ServiceCentre(division_id=anchor.id, name=name, kind="便民服务站")
    session.add(centre)
    session.commit()
    return centre


def make_department(session, anchor: Division, name: str) -> Department:
    department = Department(division_id=anchor.id, name=name)
    session.add(department)
    session.commit()
    return department


def make_user(session, name: str, anchor: Division | None = None) -> User:
    """A user (no password hashing: fast) with a Staff row in ``anchor`` unless None."""
    n = next(_numbers)
    user = User(username=f"matrix{n}", first_name=name, last_name="测", email=f"matrix{n}@example.invalid",
                active=True, password="x")
    session.add(user)
    session.flush()
    if anchor is not None:
        session.add(Staff(user_id=user.id, division_id=anchor.id, duty="受理员", name=name))
    session.commit()
    return user


def make_staff(session, anchor: Division, name: str) -> Staff:
    user = make_user(session, name, anchor)
    return session.scalar(sa.select(Staff).where(Staff.user_id == user.id))


DIVISIONS = Kit(
    "区划", Division, "/divisions", "/api/v1/division", make_division,
    form=lambda obj, division, name: {"name": name, "urban_rural_class": "", "active": "y"},
    payload=lambda session, division, name: {"code": _child_code(session, division) or division.code, "name": name},
    readers=EVERYONE, writers=ADMIN,
)
CENTRES = Kit(
    "中心", ServiceCentre, "/service-centres", "/api/v1/service_centre", make_centre,
    form=lambda obj, division, name: {"division": division.id, "name": name, "kind": "便民服务站"},
    payload=lambda session, division, name: {"division": division.id, "name": name, "kind": "便民服务站"},
    readers=EVERYONE, writers=NETWORK_MANAGERS,
)
DEPARTMENTS = Kit(
    "部门", Department, "/departments", "/api/v1/department", make_department,
    form=lambda obj, division, name: {"division": division.id, "name": name},
    payload=lambda session, division, name: {"division": division.id, "name": name},
    readers=EVERYONE, writers=NETWORK_MANAGERS,
)
def _staff_form(obj, division: Division, name: str) -> dict:
    form = {"name": name, "duty": "受理员", "division": division.id, "on_duty": "y"}
    if obj is None:  # adding: link a fresh account nobody has yet
        from govkit.db import db

        form["user"] = make_user(db.session, "待分配").id
    return form


STAFF = Kit(
    "人员", Staff, "/staff", "/api/v1/staff", make_staff,
    form=_staff_form,
    payload=lambda session, division, name: {"user": make_user(session, "待分配").id, "name": name,
                                             "duty": "受理员", "division": division.id},
    readers=EVERYONE, writers=NETWORK_MANAGERS,
)
#: Users as a dropdown target (the staff form's account field).
USERS = Kit("账号", User, None, None, lambda s, a, n: make_user(s, n, a), form=None, payload=None,
            readers=EVERYONE, writers=EVERYONE, label=lambda user: user.first_name)


# -- rows -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    """One endpoint. ``url`` may contain ``{pk}`` (the target object's id).

    ``kind``: "item" (one object by pk: in-scope → ok, out-of-scope → hidden),
    "collection" (in-scope object must be listed, out-of-scope object must not),
    "write" (a write naming an in/out-of-scope division in its body; out-of-scope → refused).
    ``effect(session, target, new_name)`` → True when the write happened.
    """

    id: str
    kit: Kit
    method: str
    url: str
    roles: frozenset[str]
    kind: str = "item"
    api: bool = False
    ok: frozenset[int] = frozenset({200})
    hidden: frozenset[int] = frozenset({404})
    body: Callable[..., dict] | None = None
    effect: Callable[..., bool] | None = None
    target: Kit | None = None  # the kit whose objects the row lists (dropdowns); default ``kit``


def _renamed(session, obj, new_name) -> bool:
    session.expire_all()
    current = session.get(type(obj), obj.id)
    return current is not None and current.name == new_name


def _deleted(session, obj, new_name) -> bool:
    session.expire_all()
    return session.get(type(obj), obj.id) is None


def _created(model):
    def effect(session, obj, new_name) -> bool:
        session.expire_all()
        return session.scalar(sa.select(sa.func.count()).select_from(model).where(model.name == new_name)) > 0
    return effect


def _moved(session, obj, new_name) -> bool:
    session.expire_all()
    return session.get(type(obj), obj.id).division_id != obj._matrix_division_id


SEARCH = urllib.parse.quote("(filters:!((col:name,opr:sw,value:'矩阵')),page_size:100)")
BIG_PAGE = urllib.parse.quote("(page_size:100)")


def crud_rows(kit: Kit, *, dropdowns: tuple[tuple[str, Kit], ...] = (("division", DIVISIONS),),
              search_dropdowns: tuple[tuple[str, Kit], ...] | None = None, forged_writes: bool = True) -> list[Row]:
    """The standard rows of a ScopedModelView at ``kit.page`` and a ScopedModelRestApi at ``kit.api``.

    ``dropdowns``: related fields of the add form / REST _info, with the kit of their targets;
    ``search_dropdowns``: those also in the list's search form (default: the same).
    """
    rows: list[Row] = []
    r, w = kit.readers, kit.writers
    if kit.page:
        p = kit.page
        rows += [
            Row(f"{kit.name} 列表", kit, "GET", f"{p}/list/?psize_{kit.model.__name__}View=100", r, "collection"),
            Row(f"{kit.name} 搜索", kit, "GET", f"{p}/list/?_flt_0_name=矩阵", r, "collection"),
            Row(f"{kit.name} 导出CSV", kit, "GET", f"{p}/export/", r, "collection"),
            Row(f"{kit.name} 详情", kit, "GET", f"{p}/show/{{pk}}", r),
            Row(f"{kit.name} 编辑表单", kit, "GET", f"{p}/edit/{{pk}}", w),
            Row(f"{kit.name} 编辑提交", kit, "POST", f"{p}/edit/{{pk}}", w, ok=frozenset({302}),
                body=lambda s, obj, name: kit.form(obj, _division_of(s, obj), name), effect=_renamed),
            Row(f"{kit.name} 删除", kit, "POST", f"{p}/delete/{{pk}}", w, ok=frozenset({302}), effect=_deleted),
            Row(f"{kit.name} 按钮动作", kit, "GET", f"{p}/action/nosuchaction/{{pk}}", w | r,
                ok=frozenset({404})),
        ]
        for column, target in dropdowns:
            rows.append(Row(f"{kit.name} 新增表单下拉·{column}", kit, "GET", f"{p}/add", w, "collection",
                            target=target))
        for column, target in dropdowns if search_dropdowns is None else search_dropdowns:
            rows.append(Row(f"{kit.name} 搜索下拉·{column}", kit, "GET", f"{p}/list/", r, "collection",
                            target=target))
        if forged_writes:
            rows += [
                Row(f"{kit.name} 新增提交(区划)", kit, "POST", f"{p}/add", w, "write", ok=frozenset({302}),
                    hidden=frozenset({200}), body=lambda s, division, name: kit.form(None, division, name),
                    effect=_created(kit.model)),
                Row(f"{kit.name} 编辑移出辖区", kit, "POST", f"{p}/edit/{{pk}}", w, "move", ok=frozenset({302}),
                    hidden=frozenset({200}), body=lambda s, obj, division, name: kit.form(obj, division, name),
                    effect=_moved),
            ]
    if kit.api:
        a = kit.api
        rows += [
            Row(f"{kit.name} API 列表", kit, "GET", f"{a}/?q={BIG_PAGE}", r, "collection", api=True),
            Row(f"{kit.name} API 搜索", kit, "GET", f"{a}/?q={SEARCH}", r, "collection", api=True),
            Row(f"{kit.name} API 详情", kit, "GET", f"{a}/{{pk}}", r, api=True),
            Row(f"{kit.name} API 修改", kit, "PUT", f"{a}/{{pk}}", w, api=True,
                body=lambda s, obj, name: {"name": name}, effect=_renamed),
            Row(f"{kit.name} API 删除", kit, "DELETE", f"{a}/{{pk}}", w, api=True, effect=_deleted),
        ]
        for column, target in dropdowns:
            info = urllib.parse.quote(f"(add_columns:({column}:(page:{{page}},page_size:100)),keys:!(add_columns))",
                                      safe="{}")
            rows.append(Row(f"{kit.name} API 下拉·{column}", kit, "GET", f"{a}/_info?q={info}", r, "collection",
                            api=True, target=target))
        if forged_writes:
            rows.append(Row(f"{kit.name} API 新增(区划)", kit, "POST", f"{a}/", w, "write", api=True,
                            ok=frozenset({201}), hidden=frozenset({404, 422}), body=kit.payload,
                            effect=_created(kit.model)))
    return rows


def _division_of(session, obj) -> Division:
    return obj if isinstance(obj, Division) else session.get(Division, obj.division_id)


MATRIX: list[Row] = (
    crud_rows(DIVISIONS, dropdowns=(), forged_writes=False)
    + crud_rows(CENTRES)
    + crud_rows(DEPARTMENTS, dropdowns=(("division", DIVISIONS), ("centre", CENTRES)))
    + crud_rows(STAFF, dropdowns=(("division", DIVISIONS), ("department", DEPARTMENTS), ("user", USERS)),
                search_dropdowns=(("division", DIVISIONS), ("department", DEPARTMENTS)))
)
# Append your rows here (keep ids unique), e.g.  MATRIX += crud_rows(CASES, dropdowns=(...))


# -- the runner ------------------------------------------------------------------------------

@dataclass
class Run:
    role: str
    client: Any
    session: Any
    home: Division
    outside: Division
    outside_names: set[str] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)

    def anchor(self, where: str) -> Division:
        return self.home if where == "in" else self.outside

    def make(self, kit: Kit, where: str):
        name = unique(kit.name, where)
        obj = kit.make(self.session, self.anchor(where), name)
        if where == "out":
            self.outside_names.add(kit.label(obj))
        return obj

    def request(self, row: Row, url: str, body: dict | None):
        kwargs: dict[str, Any] = {}
        if body is not None:
            kwargs = {"json": body} if row.api else {"data": body}
        if "{page}" in url:  # a paged REST dropdown: read every page
            texts, page, status = [], 0, 0
            while True:
                status, text, data = self._open(row, url.replace("{page}", str(page)), kwargs)
                texts.append(text)
                total = max([f.get("count", 0) for f in (data or {}).get("add_columns", []) if "values" in f] or [0])
                if status != 200 or (page + 1) * 100 >= total:
                    return status, "\n".join(texts)
                page += 1
        status, text, _ = self._open(row, url, kwargs)
        return status, text

    def _open(self, row: Row, url: str, kwargs: dict):
        response = self.client.open(url, method=row.method, **kwargs)
        text = response.get_data(as_text=True)
        data = response.get_json(silent=True) if response.is_json else None
        if data is not None:
            text = json.dumps(data, ensure_ascii=False)
        # FAB embeds the search form's options as JSON with \uXXXX escapes: decode them too.
        text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
        return response.status_code, text, data

    def fail(self, row: Row, where: str, message: str) -> None:
        self.failures.append(f"[{self.role}] {row.id} ({'辖区内' if where == 'in' else '辖区外'}): {message}")

    def check_leaks(self, row: Row, where: str, text: str) -> None:
        if self.role == "Admin":
            return
        leaked = [name for name in self.outside_names if name in text]
        if leaked:
            self.fail(row, where, f"response shows out-of-scope {leaked}")


def run_row(run: Run, row: Row, where: str) -> None:
    permitted = run.role in row.roles
    visible = where == "in" or run.role == "Admin"
    denied = API_DENIED if row.api else PAGE_DENIED
    new_name = unique(row.kit.name + "改", where)
    if row.kind == "collection":
        target = row.target or row.kit
        inside, outside = run.make(target, "in"), run.make(target, "out")
        status, text = run.request(row, row.url, None)
        if not permitted:
            if status not in denied:
                run.fail(row, where, f"expected {sorted(denied)}, got {status}")
        else:
            if status not in row.ok:
                run.fail(row, where, f"expected {sorted(row.ok)}, got {status}")
            elif target.label(inside) not in text:
                run.fail(row, where, f"in-scope {target.label(inside)} missing")
            if run.role == "Admin" and target.label(outside) not in text and status in row.ok:
                run.fail(row, where, f"Admin should see {target.label(outside)}")
        run.check_leaks(row, where, text)
        return
    if row.kind == "write":
        body = row.body(run.session, run.anchor(where), new_name)
        obj = None
    elif row.kind == "move":
        obj = run.make(row.kit, "in")
        obj._matrix_division_id = obj.division_id
        body = row.body(run.session, obj, run.anchor(where), obj.name)
    else:
        obj = run.make(row.kit, where)
        body = row.body(run.session, obj, new_name) if row.body else None
    url = row.url.format(pk=obj.id) if obj is not None else row.url
    status, text = run.request(row, url, body)
    expected = denied if not permitted else (row.ok if visible else row.hidden)
    if status not in expected:
        run.fail(row, where, f"expected {sorted(expected)}, got {status}")
    if row.effect is not None:
        # Moving an object "into" its own division changes nothing even when allowed.
        should_happen = permitted and visible and (row.kind != "move" or where == "out")
        happened = row.effect(run.session, obj, new_name)
        if happened != should_happen:
            run.fail(row, where, "the write happened" if happened else "the write did not happen")
    run.check_leaks(row, where, text)


@pytest.mark.parametrize("role", ROLES)
def test_authorization_matrix(role, app, db, client, login_as):
    load_sample(db.session)
    home_code, outside_code = HOMES[role]
    outside = ensure_division(db.session, outside_code, unique("区划", "out"))
    db.session.commit()
    login_as(role, home_code)
    run = Run(role, client, db.session, db.session.scalar(sa.select(Division).where(Division.code == home_code)),
              outside)
    run.outside_names.add(outside.name)
    for row in MATRIX:
        for where in ("in", "out"):
            run_row(run, row, where)
    assert not run.failures, "\n" + "\n".join(run.failures)


def test_matrix_covers_every_hierarchy_endpoint(app):
    """A new scoped view or API under 层级管理 must get rows here."""
    prefixes = {row.url.split("/")[1] if not row.url.startswith("/api") else row.url.split("/")[3]
                for row in MATRIX}
    from govkit.hierarchy.views import APIS, VIEWS

    for view, _, _ in VIEWS:
        assert view.route_base.strip("/") in prefixes, view
    for api in APIS:
        assert api.resource_name in prefixes, api


def test_matrix_catches_a_view_that_forgets_the_scope(app, db, client, login_as, monkeypatch):
    """Guard for the guard: with the scope switched off, the same rows must report leaks."""
    from govkit.web import scope as web
    from govkit.web import scoped
    from govkit.hierarchy.scope import Scope

    load_sample(db.session)
    home_code, outside_code = HOMES["办理员"]
    user = login_as("办理员", home_code)
    everything = Scope.unrestricted(user.id, frozenset({"办理员"}))
    monkeypatch.setattr(web, "current_scope", lambda: everything)
    monkeypatch.setattr(scoped, "current_scope", lambda: everything)
    home = db.session.scalar(sa.select(Division).where(Division.code == home_code))
    outside = db.session.scalar(sa.select(Division).where(Division.code == outside_code))
    run = Run("办理员", client, db.session, home, outside, {outside.name})
    for row in crud_rows(CENTRES):
        run_row(run, row, "out")
    leaks = [f for f in run.failures if "out-of-scope" in f]
    assert any("中心 列表" in f for f in leaks) and any("API 列表" in f for f in leaks)
    assert any("expected [404], got 200" in f for f in run.failures)

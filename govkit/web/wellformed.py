"""Malformed requests answer 4xx, never 500 — on govkit's routes and on Flask-AppBuilder's.

* An integer in a URL beyond what the database stores (≥ 2⁶³) cannot name a row: the ``int``
  converter refuses it, and any such path segment (FAB takes ``<pk>`` as a string) answers 404
  instead of overflowing in SQL.
* ``q=`` of FAB's REST lists must be a Rison object; anything else answers 400 naming ``q``.
* A list filter number a column does not have (``?_flt_8_due_date=…``: an old bookmark, a hand-edited
  address) answers 400 naming the column; FAB looks the number up in the column's filter list and fails
  with an IndexError (a 500) on every model view.
* FAB's security API (users, roles, groups, permissions, resources) answers 404 for an id
  that does not exist (FAB's own ``PUT /security/users/<id>`` fails on a missing user), and 400
  for a body that is not a JSON object or names a permission/resource id that does not exist, and 422
  for a name (or user name, e-mail) another row already has — FAB itself answers those with a 500.

:func:`install` runs in the app factory before any view is registered (converters are bound
when a route is added).
"""
from __future__ import annotations

import re

import prison
from flask import Flask, abort, current_app, jsonify, request
from flask_appbuilder.security.sqla.models import Group, Permission, PermissionView, Role, User, ViewMenu
from sqlalchemy import func, inspect, select
from werkzeug.routing import IntegerConverter

from govkit.db import db
from govkit.errors import ValidationError

#: Largest id a BIGINT column holds.
MAX_ID = 2**63 - 1
_SECURITY_MODELS = {"users": User, "roles": Role, "groups": Group, "permissions": Permission,
                    "permissions-resources": PermissionView, "resources": ViewMenu}
_SECURITY_REFERENCES = {"permission_id": (Permission, False), "view_menu_id": (ViewMenu, False),
                        "roles": (Role, True), "groups": (Group, True), "users": (User, True)}


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` that matches only ids a database column can hold (else the route is a 404)."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - werkzeug's parameter name
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def install(app: Flask) -> None:
    """Bound ``int`` URL values and check FAB's list filters and REST parameters before its views run."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(_check_list_filters)
    app.before_request(_check_api_request)


#: A list filter argument as FAB's ``urltools.get_filter_args`` reads it: ``_flt_<filter number>_<column>``.
_FILTER_ARG = re.compile(r"_flt_(\d)_(.*)")


def _check_list_filters():
    """A filter number beyond the column's filters is a 400 naming the column (FAB: IndexError, a 500)."""
    args = [m for m in map(_FILTER_ARG.search, request.args) if m]
    if not args or not request.blueprint:
        return
    view = next((v for v in current_app.appbuilder.baseviews if v.__class__.__name__ == request.blueprint), None)
    filters = getattr(view, "_filters", None)
    if filters is None:
        return
    for match in args:
        number, column = int(match.group(1)), match.group(2)
        known = filters._all_filters.get(column)
        if known is not None and number >= len(known):
            label = view.label_columns.get(column, column)
            raise ValidationError(f"“{label}”没有第 {number + 1} 种筛选方式，请在页面上的搜索框中重新选择筛选条件。")


def _bad(field: str, message: str, status: int = 400):
    return jsonify(message={field: [message]}), status


def _check_api_request():
    # FAB's own routes take ids as strings (``/<pk>``): a number no column holds is a 404 there too.
    if any(part.isdigit() and len(part) >= 19 and int(part) > MAX_ID for part in request.path.split("/")):
        abort(404)
    if not request.path.startswith("/api/v1/"):
        return None
    if "q" in request.args:
        try:
            value = prison.loads(request.args["q"])
        except Exception:  # noqa: BLE001 - prison raises several types for malformed input
            return _bad("q", "参数 q 不是合法的 Rison 对象，例如 (page:0,page_size:20)。")
        if not isinstance(value, dict):
            return _bad("q", "参数 q 应为 Rison 对象，例如 (page:0,page_size:20)。")
    parts = request.path[len("/api/v1/"):].strip("/").split("/")
    if len(parts) >= 2 and parts[0] == "security" and parts[1] in _SECURITY_MODELS:
        return _check_security_api(parts)
    return None


def _check_security_api(parts: list[str]):
    model = _SECURITY_MODELS[parts[1]]
    if len(parts) >= 3 and parts[2].isdigit() and db.session.get(model, int(parts[2])) is None:
        return _bad("pk", f"编号 {parts[2]} 不存在。", 404)
    if request.method in ("POST", "PUT") and len(parts) <= 3:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return _bad("body", "请求体应为 JSON 对象。")
        field = unknown_reference(body, _SECURITY_REFERENCES)
        if field:
            return _bad(field, f"{field} 应为已存在记录的编号"
                               f"（正整数{'的列表' if _SECURITY_REFERENCES[field][1] else ''}）。")
        taken = taken_unique_value(model, body, int(parts[2]) if len(parts) >= 3 and parts[2].isdigit() else None)
        if taken:
            return _bad(taken, f"{taken} “{body[taken]}”已存在，不能重复。", 422)
        if request.method == "POST" and parts[1] == "permissions-resources":
            missing = [f for f in _SECURITY_REFERENCES if f not in body]
            if missing:
                return _bad(missing[0], f"缺少 {missing[0]}。")
    return None


def taken_unique_value(model: type, body: dict, pk: int | None) -> str | None:
    """The first field of ``body`` that repeats a unique column's value held by another row, else None.

    FAB 5's REST ``post``/``put`` catch only its own ``DatabaseException``, so the database's
    IntegrityError on a duplicate name (a resource, permission, role, group, user name or e-mail)
    would be a 500."""
    table, key = model.__table__, inspect(model).primary_key[0]
    for column in table.columns:
        if not (column.unique or any(set(c.columns) == {column} for c in table.constraints
                                     if c.__class__.__name__ == "UniqueConstraint")):
            continue
        value = body.get(column.name)
        if not isinstance(value, str):
            continue
        query = select(func.count()).select_from(model).where(column == value)
        if pk is not None:
            query = query.where(key != pk)
        if db.session.scalar(query):
            return column.name
    return None


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def unknown_reference(body: dict, references: dict[str, tuple[type, bool]]) -> str | None:
    """The first field of ``body`` that does not name existing rows by id, else None.

    ``references`` maps a field to (model, to_many): a to-one field holds one id (or null), a
    to-many field a list of ids. FAB would otherwise fail on a dict, a list or a missing row.
    """
    for field, (model, many) in references.items():
        if body.get(field) is None:
            continue
        values = body[field] if many else [body[field]]
        if not isinstance(values, list) or not all(_is_id(v) for v in values):
            return field
        key = inspect(model).primary_key[0]
        wanted = set(values)
        if wanted and db.session.scalar(select(func.count()).select_from(model).where(key.in_(wanted))) != len(wanted):
            return field
    return None

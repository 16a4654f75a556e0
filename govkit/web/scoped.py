"""Scoped FAB views: the base classes every govkit CRUD screen and REST API builds on.

A subclass names how its rows belong to a division and gets, with no further code:

* ``base_filters`` restricted to the user's scope, so list, show, edit, delete by
  primary key, REST get/put/delete, search and export only ever see in-scope rows;
* related-field dropdowns (add/edit/search forms, REST ``_info``) restricted the same
  way for every related model govkit knows how to scope (see :func:`scope_rule_for`);
* a check before add/update that the row and every object it points to are in scope
  (this catches forged form posts and REST payloads naming an out-of-scope id);
* a CSV export of the (filtered, scoped) list at ``<route_base>/export/`` (cells neutralised
  against formula injection by :mod:`govkit.spreadsheet`).

::

    from govkit.web.scoped import ScopedModelView, ScopedModelRestApi

    class CaseView(ScopedModelView):
        datamodel = SQLAInterface(Case)
        scope_column = "current_division_code"      # a 12-digit code column

    class CentreApi(ScopedModelRestApi):
        datamodel = SQLAInterface(ServiceCentre)
        scope_division_fk = "division_id"           # an FK to gk_division.id
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from flask import Response, abort, current_app, g, request, stream_with_context
from flask_appbuilder import ModelRestApi, ModelView, expose, has_access
from flask_appbuilder.models.filters import BaseFilter, Filters
from flask_appbuilder.models.sqla import filters as sqla_filters
from flask_appbuilder.security.sqla.models import User
from flask_appbuilder.urltools import get_filter_args, get_order_args
from flask_appbuilder.widgets import ListWidget
from markupsafe import escape
from sqlalchemy import case, func, literal, literal_column, or_, select, text, tuple_, union, union_all
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import joinedload, selectinload

from govkit.auth.cache import TTLCache, auth_cache, generation
from govkit.errors import GovkitError, OutOfScope
from govkit.hierarchy.models import Division, Staff
from govkit.hierarchy.scope import Scope
from govkit.labels import is_division_column, prime_division_names
from govkit.spreadsheet import csv_row
from govkit.state import get_state
from govkit.web.fastlist import CachedSearchWidget, FastListWidget, link_with
from govkit.web.scope import FilterCodeInScope, FilterDivisionIdInScope, current_scope
from govkit.web.wellformed import unknown_reference

TEMPLATE_FOLDER = str(Path(__file__).parent / "templates")


@dataclass(frozen=True)
class ScopeRule:
    """How rows of one model belong to a division: by a code column or an FK to gk_division.id."""

    code_column: str | None = None
    division_fk: str | None = None
    user: bool = False


_RULES: dict[type, ScopeRule | None] = {}


def register_scope_rule(model: type, *, code_column: str | None = None, division_fk: str | None = None) -> None:
    """Tell govkit how ``model`` is scoped when it appears as a related field (dropdowns, checks).

    Needed only when :func:`scope_rule_for` cannot detect it (no ``division_id`` FK, no
    ``division_code`` column).
    """
    if bool(code_column) == bool(division_fk):
        raise ValueError("register_scope_rule: give exactly one of code_column or division_fk")
    _RULES[model] = ScopeRule(code_column=code_column, division_fk=division_fk)


def scope_rule_for(model: type) -> ScopeRule | None:
    """The scope rule of ``model``: registered, else Division (code), User (via Staff),
    a ``division_id`` FK to gk_division, or a ``division_code`` column; None = not scoped."""
    if model in _RULES:
        return _RULES[model]
    rule: ScopeRule | None = None
    if issubclass(model, Division):
        rule = ScopeRule(code_column="code")
    elif issubclass(model, User):
        rule = ScopeRule(user=True)
    elif sa_inspect(model, raiseerr=False) is None:
        rule = None  # not a mapped class
    else:
        columns = sa_inspect(model).columns
        fk = columns.get("division_id")
        if fk is not None and any(k.column.table.name == Division.__tablename__ for k in fk.foreign_keys):
            rule = ScopeRule(division_fk="division_id")
        elif "division_code" in columns:
            rule = ScopeRule(code_column="division_code")
    _RULES[model] = rule
    return rule


class FilterUserInScope(BaseFilter):
    """FAB filter on ab_user: users whose staff record is in scope, or who have none yet."""

    name = "在管辖范围内"
    arg_name = "gkscopeuser"

    def apply(self, query, value):
        return query.filter(user_scope_clause(current_scope(), self.model.id))


def user_scope_clause(scope: Scope, user_id_column: Any):
    """SQL: the user is unassigned (no Staff row) or their Staff division is in scope."""
    if scope.is_unrestricted:
        return user_id_column.isnot(None)
    in_scope = select(Staff.user_id).join(Division, Division.id == Staff.division_id).where(scope.clause(Division.code))
    if scope.empty:
        # No scope: offer nobody (an unassigned user is still somebody else's business).
        return user_id_column.in_(in_scope)
    return or_(user_id_column.in_(in_scope), ~user_id_column.in_(select(Staff.user_id)))


def rel_filters_for(model: type) -> list[list[Any]] | None:
    """FAB ``*_query_rel_fields`` entry restricting a dropdown of ``model`` to the scope."""
    rule = scope_rule_for(model)
    if rule is None:
        return None
    if rule.user:
        return [["id", FilterUserInScope, None]]
    if rule.code_column:
        return [[rule.code_column, FilterCodeInScope, None]]
    return [[rule.division_fk, FilterDivisionIdInScope, None]]


def object_in_scope(session, scope: Scope, obj: Any) -> bool:
    """Whether one related object lies in ``scope`` (models without a rule always do)."""
    if obj is None or scope.is_unrestricted:
        return True
    rule = scope_rule_for(type(obj))
    if rule is None:
        return True
    if rule.user:
        staff = session.scalar(select(Staff).where(Staff.user_id == obj.id))
        return staff is None or object_in_scope(session, scope, staff)
    if rule.code_column:
        return scope.covers(getattr(obj, rule.code_column))
    return scope.covers(_division_code(session, obj, rule.division_fk))


def _division_code(session, obj: Any, fk_name: str) -> str | None:
    """Code of the division an object points to through ``fk_name`` (relationship first: a
    freshly populated form sets the relationship, not yet the FK value)."""
    for rel in sa_inspect(type(obj)).relationships:
        if rel.direction.name == "MANYTOONE" and any(c.key == fk_name for c in rel.local_columns):
            target = getattr(obj, rel.key)
            if target is not None:
                return target.code
    division_id = getattr(obj, fk_name, None)
    if division_id is None:
        return None
    return session.scalar(select(Division.code).where(Division.id == division_id))


class _ScopedBase:
    """What ScopedModelView and ScopedModelRestApi share. Subclasses set ONE of these."""

    #: Name of a 12-digit division-code column on the model (e.g. ``"code"``).
    scope_column: str | None = None
    #: Name of an FK column to ``gk_division.id`` on the model (e.g. ``"division_id"``).
    scope_division_fk: str | None = None

    def _scope_base_filters(self) -> list[list[Any]]:
        if self.scope_column and self.scope_division_fk:
            raise TypeError(f"{type(self).__name__}: set scope_column OR scope_division_fk, not both")
        if self.scope_column:
            return [[self.scope_column, FilterCodeInScope, None]]
        if self.scope_division_fk:
            return [[self.scope_division_fk, FilterDivisionIdInScope, None]]
        raise TypeError(f"{type(self).__name__}: a scoped view must set scope_column or scope_division_fk")

    def _scope_rel_fields(self, explicit: dict | None) -> dict[str, list]:
        """Scope filters for every related model we can scope; explicit entries win (and are
        extended with the scope filter, never replaced by an unscoped one)."""
        merged: dict[str, list] = {}
        for rel in sa_inspect(self.datamodel.obj).relationships:
            filters = rel_filters_for(rel.mapper.class_)
            if filters:
                merged[rel.key] = list(filters)
        for key, filters in (explicit or {}).items():
            merged[key] = merged.get(key, []) + [f for f in filters if f not in merged.get(key, [])]
        return merged

    def _init_scope(self) -> None:
        self.base_filters = self._scope_base_filters() + list(self.base_filters or [])

    # -- object checks -------------------------------------------------------------------
    def scope_check_item(self, item: Any) -> None:
        """Raise OutOfScope unless ``item`` and every object it refers to are in scope."""
        scope = current_scope()
        if scope.is_unrestricted:
            return
        session = self.datamodel.session
        if self.scope_column:
            own = getattr(item, self.scope_column)
        else:
            own = _division_code(session, item, self.scope_division_fk)
        if not scope.covers(own):
            raise OutOfScope("所选行政区划不在您的管辖范围内，请选择本辖区内的区划。")
        for rel in sa_inspect(type(item)).relationships:
            value = getattr(item, rel.key)
            values = value if rel.uselist else [value]
            for target in values or []:
                if not object_in_scope(session, scope, target):
                    label = getattr(self, "label_columns", {}).get(rel.key, rel.key)
                    raise OutOfScope(f"“{label}”所选的记录不在您的管辖范围内，请重新选择。")

    def pre_add(self, item: Any) -> None:
        self.scope_check_item(item)

    def pre_update(self, item: Any) -> None:
        self.scope_check_item(item)


#: Rows a list counts exactly; beyond it the total is shown as an estimate (PostgreSQL) or "1,000+".
LIST_COUNT_CAP = 1000


class ListTotal(int):
    """A list's row count for FAB's widgets: exact up to the cap, else the cap + 1 (pagination stops there)
    shown as "约 98 万条" (PostgreSQL's planner estimate) or "1,000+"."""

    estimate: int | None = None

    def __new__(cls, value: int, capped: bool = False, estimate: int | None = None):
        total = super().__new__(cls, value)
        total.capped, total.estimate = capped, estimate
        return total

    def __str__(self) -> str:
        if not self.capped:
            return f"{int(self):,}"
        cap = f"{int(self) - 1:,}"
        if self.estimate and self.estimate > int(self):
            about = f"约 {self.estimate / 10000:.0f} 万" if self.estimate >= 100000 else f"约 {self.estimate:,}"
            return f"{about}（估计值；可翻阅前 {cap} 条，请用搜索缩小范围）"
        return f"{cap}+（可翻阅前 {cap} 条，请用搜索缩小范围）"

    def __html__(self) -> str:
        return str(escape(str(self)))


def eager_options(model: type, columns: list[str]) -> list[Any]:
    """Loader options so the related columns a list shows come with its page query: many-to-one joined into the
    same statement, collections in one more statement each — a constant number whatever the page size."""
    options = []
    for column in columns:
        cls, loader = model, None
        for part in column.split("."):
            rel = sa_inspect(cls).relationships.get(part) if sa_inspect(cls, raiseerr=False) is not None else None
            if rel is None:
                break
            attr = getattr(cls, part)
            many = rel.uselist
            loader = (loader.selectinload(attr) if many else loader.joinedload(attr)) if loader is not None else \
                (selectinload(attr) if many else joinedload(attr))
            cls = rel.mapper.class_
        if loader is not None:
            options.append(loader)
    return options


#: Seconds a list's planner estimate ("约 98 万") is reused by a worker for the same filters.
ESTIMATE_SECONDS = 60.0


def _estimates() -> TTLCache:
    cache = get_state(current_app).cache
    return cache.get("list_estimates") or cache.setdefault("list_estimates", TTLCache(ESTIMATE_SECONDS, 1024))


def prime_names_cached(codes: Iterable[str | None]) -> None:
    """:func:`~govkit.labels.prime_division_names` through a per-worker cache of division names (dropped with
    the auth caches when a division changes, :mod:`govkit.auth.cache`; ``AUTH_CACHE_SECONDS`` at most): a list
    page usually needs no name query at all."""
    cache = auth_cache(get_state(current_app), "division_names")
    codes = {c for c in codes if c and isinstance(c, str)}
    names = g.setdefault("govkit_division_names", {})
    for code in codes - set(names):
        name = cache.get(code)
        if name is not None:
            names[code] = name
    missing = codes - set(names)
    if missing:
        gen = generation()
        prime_division_names(missing)
        for code in missing:
            cache.put(code, names[code], gen=gen)


def _filtered(datamodel: Any, pairs: list[tuple[Any, Any]]) -> Any:
    """The model's query with FAB filters applied directly (FAB's own path rebuilds its filter table for every
    column of the model, three times a page); None when a filter names a related column (FAB joins those)."""
    if any("." in flt.column_name for flt, _ in pairs):
        return None
    query = datamodel.session.query(datamodel.obj)
    for flt, values in pairs:
        if isinstance(values, list) and flt.arg_name not in {"in", "not_in"}:
            for value in values:
                query = flt.apply(query, value)
        else:
            query = flt.apply(query, values)
    return query


def seek_column(datamodel: Any, order_column: str) -> Any:
    """The column a list can seek on past the bounded count: a NOT NULL column of the model's own table (with the
    primary key as tie-breaker, the order is total and index-backed), else None (deep pages are not served)."""
    pk = datamodel.get_pk()
    if pk is None or "." in order_column:
        return None
    column = sa_inspect(datamodel.obj).columns.get(order_column) if order_column else pk
    if column is None or column.nullable and column is not pk:
        return None
    return getattr(datamodel.obj, column.key)


def _estimate_key(statement: Any, dialect: Any) -> Any:
    """The estimate cache's key for ``statement``: SQLAlchemy's cache key (the statement's shape) and its bound
    values — what compiling it with the values inline gave, without compiling it on every page."""
    key = statement._generate_cache_key()
    if key is None:  # a statement SQLAlchemy does not cache (e.g. a plugin filter's custom construct)
        return str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    return key.key, tuple(repr(param.effective_value) for param in key.bindparams)


def count_branches(filters: list[tuple[Any, Any]]) -> tuple[list[Any], list[tuple[Any, Any]], bool]:
    """``(branches, the other filters, in key order)``: the conditions of the first filter that offers them.

    A filter that is an OR of conditions each backed by an index of its own (the case scope: the accepting,
    current or implementing division in scope) may say so with ``count_branches(value)`` → those conditions,
    the first the one most rows meet. Their OR stands in for the filter (so it is built once a page); the
    bounded count reads them one at a time (:func:`branch_count`). When the filter's
    ``branches_in_key_order(value)`` is true, each condition's rows also come from an index in primary-key
    order (``code = X`` over an index on ``(code, id)``), and a page sorted by the primary key is read branch by
    branch too (:func:`list_page`). ``([], filters, False)`` when no filter offers two or more."""
    for n, (flt, value) in enumerate(filters):
        split = getattr(flt, "count_branches", None)
        parts = split(value) if split is not None else None
        if parts and len(parts) > 1:
            in_order = getattr(flt, "branches_in_key_order", None)
            return list(parts), filters[:n] + filters[n + 1:], bool(in_order is not None and in_order(value))
    return [], filters, False


def branch_count(statement: Any, pk: Any, branches: list[Any], cap: int) -> Any:
    """The statement counting the rows of ``statement`` (a select of the model) that meet the OR of
    ``branches`` up to ``cap`` + 1: its value is the count, or ``cap`` + 1 or more when there are more.

    The OR makes PostgreSQL read the table behind a BitmapOr — one heap page per counted row, 2.8 ms for a
    village's first 1,001 cases at a million — while one branch alone is an index-only scan (0.2 ms). So with
    two or more branches the count is ``CASE WHEN`` the first branch alone passes the cap ``THEN`` the cap + 1
    ``ELSE`` the distinct primary keys (``pk``) of every branch, each branch stopped at the cap + 1 (exact: a
    branch that stops has passed the cap by itself, and the union of branches that did not stop is complete).
    The ``ELSE`` runs only when it is needed (a scalar subquery is evaluated on first use)."""
    if len(branches) < 2:
        bounded = statement.where(*branches).with_only_columns(literal_column("1")).limit(cap + 1).subquery()
        return select(func.count()).select_from(bounded)
    first = statement.where(branches[0]).with_only_columns(literal_column("1")).limit(cap + 1).subquery()
    first_count = select(func.count()).select_from(first).scalar_subquery()
    each = [select(literal_column("k")).select_from(
        statement.where(branch).with_only_columns(pk.label("k")).limit(cap + 1).subquery())
        for branch in branches]
    union_count = select(func.count()).select_from(union(*each).subquery()).scalar_subquery()
    return select(case((first_count > cap, cap + 1), else_=union_count))


#: FAB's filters whose SQL is a function of their column and value alone (a page's statement can be kept for them).
_PLAIN_FILTERS = frozenset(
    getattr(sqla_filters, name) for name in (
        "FilterStartsWith", "FilterNotStartsWith", "FilterEndsWith", "FilterNotEndsWith", "FilterContains",
        "FilterNotContains", "FilterEqual", "FilterNotEqual", "FilterGreater", "FilterSmaller", "FilterGreaterEqual",
        "FilterSmallerEqual", "FilterEmpty", "FilterIn", "FilterNotIn")
    if hasattr(sqla_filters, name))

#: Page statements a worker keeps (views × users' scopes × searches × pages).
PAGE_STATEMENTS = 512


def _page_key(datamodel: Any, filters: list[tuple[Any, Any]], order_column: str, order_direction: str,
              page: int | None, page_size: int, columns: list[str], cap: int) -> tuple | None:
    """What a list page's statements are built from, or None when a filter's SQL may depend on more than its
    value. A filter says what its SQL depends on with ``statement_key(value)`` (e.g. the case scope: the user's
    division); FAB's plain column filters depend on their value; any other filter (one that calls a function,
    looks a related object up, reads the clock …) is built on every page."""
    keys = []
    for flt, value in filters:
        own = getattr(flt, "statement_key", None)
        if own is not None:
            key = own(value)
        elif type(flt) in _PLAIN_FILTERS:
            key = repr(value)
        else:
            return None
        if key is None:
            return None
        keys.append((type(flt), flt.column_name, key))
    return (datamodel.obj, tuple(keys), order_column, order_direction, page, page_size, tuple(columns), cap)


def _page_statements() -> TTLCache:
    cache = get_state(current_app).cache
    return cache.get("list_page_statements") or cache.setdefault(
        "list_page_statements", TTLCache(24 * 3600.0, PAGE_STATEMENTS))


def list_page(datamodel: Any, filters: list[tuple[Any, Any]], order_column: str, order_direction: str,
              page: int | None, page_size: int, columns: list[str], cap: int = LIST_COUNT_CAP,
              after: int | None = None) -> tuple[ListTotal, list[Any]]:
    """``(total, rows)`` of one list page in a constant number of statements: the page with its related columns
    eager-loaded and, in the same statement, a count bounded to ``cap`` + 1 rows (never an exact COUNT over a
    million; :func:`branch_count`), and — only when the cap is reached on PostgreSQL, once a minute per worker
    and filter — the planner's row estimate.

    ``filters`` are ``(FAB filter, value)`` pairs (the view's base filters and the search). With ``after`` (the
    primary key of the last row of the previous page) the page seeks instead of skipping rows: ``WHERE (sort
    column, pk) < (that row's values)`` on the sort column and pk's index, as deep as the list goes, at the
    cost of the first page; ``page_size`` + 1 rows are read so the caller knows whether another page follows.

    The statements of a numbered page are kept by the worker (:func:`_page_key`: the view's model, its filters'
    values — the case scope's division among them —, order, page, size, columns and cap): SQLAlchemy builds a
    statement object and its cache key on every use, about as long as PostgreSQL takes to run a village's page
    (bench/README.md). A statement holds no rows and no session, so one user's page statement is the next
    one's with the same key."""
    session = datamodel.session
    key = _page_key(datamodel, filters, order_column, order_direction, page, page_size, columns, cap) \
        if after is None else None
    built = _page_statements().get(key) if key is not None else None
    if built is None:
        built = _build_page(datamodel, filters, order_column, order_direction, page, page_size, columns, cap, after)
        if key is not None:
            _page_statements().put(key, built)
    statement, counting, estimating = built
    found = session.execute(statement).all()
    rows = [row[0] for row in found]
    if found:
        count = found[0][1]
    elif not page and after is None:
        count = 0
    else:
        count = session.execute(counting).scalar()
    count = min(count or 0, cap + 1)
    estimate = None
    capped = count > cap
    dialect = session.get_bind().dialect
    if capped and dialect.name == "postgresql":
        estimate_key = _estimate_key(estimating, dialect)
        estimate = _estimates().get(estimate_key)
        if estimate is None:
            compiled = str(estimating.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
            plan = session.execute(text(f"EXPLAIN (FORMAT JSON) {compiled}")).scalar()
            plan = json.loads(plan) if isinstance(plan, str) else plan
            estimate = int(plan[0]["Plan"]["Plan Rows"])
            _estimates().put(estimate_key, estimate)
    return ListTotal(count, capped, estimate), rows


def _build_page(datamodel: Any, filters: list[tuple[Any, Any]], order_column: str, order_direction: str,
                page: int | None, page_size: int, columns: list[str], cap: int, after: int | None) -> tuple:
    """``(page statement with its count column, the count alone, the statement the planner estimates)``."""
    session = datamodel.session
    pk = getattr(datamodel.obj, datamodel.get_pk().key)
    branches, rest, in_key_order = count_branches(filters)
    narrowed = _filtered(datamodel, rest)  # every filter but the branched one
    if narrowed is not None:
        base = narrowed.filter(or_(*branches)) if branches else narrowed
        counting = branch_count(narrowed.statement, pk, branches, cap)
    else:  # a related-column filter: FAB's query builder joins it
        joined = Filters(datamodel.filter_converter_class, datamodel)
        joined.add_filter_list([(flt.column_name, flt.__class__, value) for flt, value in filters])
        base = datamodel._apply_inner_all(session.query(datamodel.obj), joined, aliases_mapping={})
        counting = branch_count(base.statement, pk, [], cap)
    column = seek_column(datamodel, order_column)
    if column is not None:
        descending = order_direction != "asc" if order_column else False  # FAB: a named column sorts desc
        order = [column.desc(), pk.desc()] if descending else [column.asc(), pk.asc()]
        seek = None
        if after is not None:
            # The row sought past is read through the same filters: an id outside the scope (or the search) gives
            # no position (an empty page), so nobody learns where another division's row sorts (by the id alone,
            # the id is the position).
            mark = base.with_entities(column).filter(pk == after).scalar_subquery()
            position = tuple_(column, pk) if column is not pk else pk
            value = tuple_(mark, literal(after)) if column is not pk else literal(after)
            seek = position < value if descending else position > value
        reach = page_size + 1 if after is not None else ((page or 0) + 1) * page_size
        if column is pk and in_key_order and narrowed is not None:
            # Each branch's rows come from an index in id order: the page is among the first ``reach`` rows of
            # each branch (read from its index, a few dozen entries), where the OR made PostgreSQL walk the
            # primary key past every other division's rows (a village: 1 row in 200) or fetch and sort all the
            # division's rows. The ids found already meet every filter, so the page reads them by key alone.
            tops = []
            for branch in branches:
                top = narrowed.filter(branch) if seek is None else narrowed.filter(branch, seek)
                top = top.with_entities(pk.label("k")).order_by(order[0]).limit(reach).subquery()
                tops.append(select(top.c.k))
            query = session.query(datamodel.obj).filter(pk.in_(union_all(*tops)))
        else:
            query = base if seek is None else base.filter(seek)
        query = query.order_by(*order[:1 if column is pk else 2])
        if after is not None:
            query = query.limit(page_size + 1)
        else:
            query = query.offset((page or 0) * page_size).limit(page_size)
    else:
        query = datamodel.apply_order_by(base, order_column, order_direction, add_pk=True)
        query = datamodel.apply_pagination(query, page, page_size)
    # The bounded count rides along as one more column (an uncorrelated scalar subquery: evaluated once) — one
    # statement for the page and its count; counted on its own only when the page is empty past the first.
    statement = query.options(*eager_options(datamodel.obj, columns)).add_columns(
        counting.scalar_subquery().label("gk_list_total")).statement
    return statement, counting, base.with_entities(literal_column("1")).statement


class FastListMixin:
    """FAB list pages without FAB's exact COUNT and per-row lazy loads (put it before ModelView in the bases).

    ``list_count_cap`` rows are counted exactly and reached by page number; past the cap the list goes on page
    by page with a seek link (``after_<View>=<pk of the page's last row>``, :func:`list_page`) when it is sorted
    by the primary key or a NOT NULL column (:func:`seek_column`) — otherwise deep pages are not served (the
    page is clamped): narrow the list with a search instead. Related list columns are eager-loaded
    (:func:`eager_options`); name extra paths a formatter reads in ``list_eager_columns``. The table renders
    through :class:`govkit.web.fastlist.FastListWidget` unless the view names another ``list_widget``.
    """

    list_count_cap = LIST_COUNT_CAP
    list_eager_columns: list[str] = []

    def _get_search_widget(self, form=None, exclude_cols=None, widgets=None):
        widgets = super()._get_search_widget(form=form, exclude_cols=exclude_cols, widgets=widgets)
        if not any(self.datamodel.is_relation(column) for column in self.search_columns):
            # No related-model dropdown: the form reads the same for everybody (CachedSearchWidget).
            widgets["search"] = CachedSearchWidget(widgets["search"], f"{type(self).__module__}.{type(self).__name__}")
        return widgets

    def _get_list_widget(self, filters, actions=None, order_column="", order_direction="", page=None,
                         page_size=None, widgets=None, **kwargs):
        widgets = widgets or {}
        actions = actions or self.actions
        page_size = page_size or self.page_size
        name = self.__class__.__name__
        if not order_column and self.base_order:
            order_column, order_direction = self.base_order
        seekable = seek_column(self.datamodel, order_column) is not None
        after = request.args.get("after_" + name, "")
        after = int(after) if seekable and after.isdigit() else None
        last_page = max(-(-self.list_count_cap // page_size) - 1, 0)
        if page is not None and page > last_page:
            page = last_page  # no OFFSET deeper than the cap
        pairs = list(zip(self._base_filters.filters, self._base_filters.values)) + \
            list(zip(filters.filters, filters.values))
        count, rows = list_page(self.datamodel, pairs, order_column, order_direction, None if after else page,
                                page_size, list(self.list_columns) + list(self.list_eager_columns),
                                self.list_count_cap, after)
        more = after is not None and len(rows) > page_size
        rows = rows[:page_size]
        pks = [self._serialize_pk_if_composite(pk) for pk in self.datamodel.get_keys(rows)]
        seek = None
        if seekable and rows and (more or after is None and count.capped and (page or 0) >= last_page):
            seek = link_with(**{"after_" + name: self.datamodel.get_keys(rows)[-1], "page_" + name: None})
        coded = [c for c in self.list_columns if "." not in c and is_division_column(c)]
        if coded:  # the names shown for division codes: from the worker's cache, or one query for the page
            prime_names_cached(getattr(row, c, None) for row in rows for c in coded)
        widget = FastListWidget if self.list_widget is ListWidget else self.list_widget
        widgets["list"] = widget(
            view=self, label_columns=self.label_columns, include_columns=self.list_columns,
            value_columns=self.datamodel.get_values(rows, self.list_columns), order_columns=self.order_columns,
            formatters_columns=self.formatters_columns, page=page, page_size=page_size, count=count, pks=pks,
            actions=actions, filters=filters, modelview_name=name, seek=seek, deep=after is not None, **kwargs)
        return widgets


class ScopedModelView(FastListMixin, _ScopedBase, ModelView):
    """FAB ModelView whose every query, dropdown, write and export is limited to the user's scope.

    Set ``scope_column`` (a code column) or ``scope_division_fk`` (an FK to gk_division.id).
    Override ``pre_add``/``pre_update`` only together with ``super()``.
    ``export_columns`` (default ``list_columns``) are the CSV columns of ``/export/``.
    """

    template_folder = TEMPLATE_FOLDER
    list_template = "govkit/web/scoped_list.html"
    export_columns: list[str] | None = None
    page_size = 25
    #: The CSV export reads from DATABASE_REPLICA_URL when one is configured (govkit.web.replica).
    replica_reads: tuple[str, ...] = ("export_csv",)

    def _init_properties(self) -> None:
        self._init_scope()
        self.add_form_query_rel_fields = self._scope_rel_fields(self.add_form_query_rel_fields)
        self.edit_form_query_rel_fields = self._scope_rel_fields(self.edit_form_query_rel_fields)
        self.search_form_query_rel_fields = self._scope_rel_fields(self.search_form_query_rel_fields)
        super()._init_properties()

    def render_template(self, template, **kwargs):
        kwargs.setdefault("scoped_view", self)
        return super().render_template(template, **kwargs)

    def pre_update(self, item: Any) -> None:
        try:
            super().pre_update(item)
        except GovkitError:
            # populate_obj already changed the persistent row: drop those changes.
            self.datamodel.session.rollback()
            raise

    # FAB's actions fetch rows by pk WITHOUT base_filters, and its /download/ serves any file
    # in UPLOAD_FOLDER: both are closed here so an @action on a scoped view stays scoped.
    @expose("/action/<string:name>/<pk>", methods=["GET", "POST"])
    def action(self, name, pk):
        if name not in self.actions or self.datamodel.get(pk, self._base_filters) is None:
            abort(404)
        return super().action(name, pk)

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        if request.form.get("action") not in self.actions:
            abort(404)
        for pk in request.form.getlist("rowid"):
            if self.datamodel.get(self._deserialize_pk_if_composite(pk), self._base_filters) is None:
                abort(404)
        return super().action_post()

    @expose("/download/<string:filename>")
    def download(self, filename):
        abort(404)

    @expose("/export/")
    @has_access
    def export_csv(self):
        """Download the current (searched, scoped) list as UTF-8 CSV with BOM (opens in Excel)."""
        get_filter_args(self._filters)
        filters = self._filters.get_joined_filters(self._base_filters)
        order_column, order_direction = get_order_args().get(self.__class__.__name__, ("", ""))
        columns = self.export_columns or self.list_columns
        labels = [str(self.label_columns.get(c, c)) for c in columns]
        datamodel = self.datamodel

        def rows() -> Iterator[str]:
            yield "\ufeff" + csv_row(labels)
            page = 0
            while True:
                _, items = datamodel.query(filters, order_column, order_direction, page=page, page_size=1000)
                for item in items:
                    yield csv_row(_export_value(item, c) for c in columns)
                if len(items) < 1000:
                    break
                page += 1

        filename = f"{self.__class__.__name__}.csv"
        return Response(stream_with_context(rows()), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f"attachment; filename={filename}"})


class ScopedModelRestApi(_ScopedBase, ModelRestApi):
    """FAB ModelRestApi limited to the user's scope (get, list, put, delete, post, _info).

    Accepts the browser session (``allow_browser_login``) so govkit pages can call it.
    Domain errors (e.g. an out-of-scope division in the payload) answer with their status
    code and message as JSON, and nothing is written.
    """

    allow_browser_login = True

    def _init_properties(self) -> None:
        self._init_scope()
        self.add_query_rel_fields = self._scope_rel_fields(self.add_query_rel_fields)
        self.edit_query_rel_fields = self._scope_rel_fields(self.edit_query_rel_fields)
        super()._init_properties()

    def _guarded(self, call, *args):
        try:
            return call(*args)
        except GovkitError as error:
            self.datamodel.session.rollback()
            return self.response(error.status_code, message=str(error))

    def _malformed(self):
        """400 naming the field when the body is not an object or a related field names no existing row."""
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return self.response_400(message="请求体应为 JSON 对象。")
        references = {rel.key: (rel.mapper.class_, rel.uselist) for rel in sa_inspect(self.datamodel.obj).relationships}
        field = unknown_reference(body, references)
        return self.response_400(message={field: ["应为已存在记录的编号。"]}) if field else None

    def post_headless(self):
        return self._malformed() or self._guarded(super().post_headless)

    def put_headless(self, pk):
        return self._malformed() or self._guarded(super().put_headless, pk)

    def delete_headless(self, pk):
        return self._guarded(super().delete_headless, pk)


def _export_value(item: Any, column: str) -> Any:
    value: Any = item
    for part in column.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    if callable(value):
        value = value()
    if isinstance(value, bool):
        return "是" if value else "否"
    return value

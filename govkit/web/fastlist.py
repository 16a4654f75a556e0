"""The list table of govkit's generated lists, rendered in Python (FAB's ``ListWidget`` markup, a fraction of its cost).

FAB's list widget renders through three nested templates, ten macros and a template filter per link: a
permission check that scans every registered view by name for each of ``can_add/show/edit/delete`` and each
action, ``url_for`` three times per row, ``gettext`` per button — about a third of a list page's server time
(issue 23, profiled with ``bench/list_bench.py``). :class:`FastListWidget` writes the same HTML — the same
pagination, page-size menu, add/back buttons, actions menu and form, record count, sortable headers, row
check boxes, show/edit/delete buttons and formatted cells (:mod:`govkit.labels`) — with the permissions looked
up once per page, the row links built from one ``url_for`` each, and the button texts translated once per
locale. Pages past the bounded count are reached by a seek link (:mod:`govkit.web.scoped`, ``after_<View>``).
"""
from __future__ import annotations

import math
from typing import Any
from urllib.parse import quote, urlencode

from flask import current_app, request, url_for
from flask_appbuilder.const import PERMISSION_PREFIX
from flask_babel import get_locale, gettext
from markupsafe import Markup, escape

from govkit.web.headers import csp_nonce

#: FAB's button and header texts, translated once per locale (the catalog does not change while serving).
_TEXTS = ("Page size", "Back", "Record Count", "Add a new record", "Add", "Show record", "Show", "Edit record",
          "Edit", "Delete record", "Delete", "Are you sure you want to delete this item?", "Actions",
          "No records found")


def _texts() -> dict[str, str]:
    translated = current_app.extensions.setdefault("govkit_list_texts", {})
    locale = str(get_locale())
    texts = translated.get(locale)
    if texts is None:
        texts = translated[locale] = {text: gettext(text) for text in _TEXTS}
    return texts


def _visible(view: Any, permission: str) -> bool:
    """FAB's ``is_item_visible`` for one view: ``can_<method>`` or an action's name."""
    sm = current_app.appbuilder.sm
    if PERMISSION_PREFIX in permission:
        name = PERMISSION_PREFIX + view.get_method_permission(permission.split(PERMISSION_PREFIX)[1])
    elif getattr(view, "actions", {}).get(permission):
        name = view.get_action_permission_name(permission)
    else:
        name = PERMISSION_PREFIX + view.get_method_permission(permission)
    return name in view.base_permissions and sm.has_access(name, view.class_permission_name)


def link_with(**changes: Any) -> str:
    """This page's URL with some query arguments changed (FAB's ``link_page``/``link_order``; None drops one)."""
    args = request.args.to_dict()
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return request.path + ("?" + urlencode(args) if args else "")


def _related_filters(filters: Any) -> str:
    """FAB's ``set_link_filters``: the related-view filters carried to the show/edit/add links."""
    parts = [f"_flt_0_{flt.column_name}={value}" for flt, value in filters.get_filters_values()
             if flt.is_related_view] if filters is not None else []
    return "".join(("&" if n else "?") + part for n, part in enumerate(parts))


def _pagination(page: int, page_size: int, count: int, name: str, seek: str | None, deep: bool) -> list[str]:
    """FAB's page links over the counted rows (a capped count: the first ``cap`` rows); ``seek`` is the link
    past the last row shown when the list goes on beyond them, ``deep`` a page reached by seeking."""
    counted = int(count) - 1 if getattr(count, "capped", False) else int(count)
    pages = math.ceil(counted / page_size) if page_size else 0
    if pages <= 1 and not seek and not deep:
        return []
    key, after = "page_" + name, "after_" + name

    def item(href: str | None, text: str, css: str = "") -> str:
        if href is None:
            return f'<li class="{css or "disabled"}"><a href="#">{text}</a></li>'
        return f'<li><a href="{escape(href)}">{text}</a></li>'

    def to(number: int) -> str:
        return link_with(**{key: number, after: None})

    out = ['<ul class="pagination pagination-sm" style="display:inherit;">']
    if deep:  # past the counted rows: back to the start, or on
        out += [item(to(0), "&laquo;"), item(None, "…", "active"), item(seek, "&gt;"), "</ul>"]
        return out
    low, high = page - 3, page + 3 + 1
    if low < 0:
        high -= low
    if high >= pages:
        low = low - high + pages
    low, high = max(low, 0), min(high, pages)
    out += [item(to(0) if low > 0 else None, "&laquo;"), item(to(page - 1) if page > 0 else None, "&lt;")]
    out += [item(None, str(p + 1), "active") if p == page else item(to(p), str(p + 1)) for p in range(low, high)]
    out.append(item(seek if seek and page + 1 >= pages else to(page + 1) if page + 1 < pages else None, "&gt;"))
    out.append(item(to(pages - 1) if high < pages else None, "&raquo;"))
    out.append("</ul>")
    return out


def _page_size_menu(page: int, page_size: int, count: int, name: str, texts: dict[str, str]) -> list[str]:
    if math.ceil(count / page_size) <= 1:
        return []
    out = ['<div class="btn-group"><button type="button" class="btn btn-default btn-sm dropdown-toggle" '
           f'data-toggle="dropdown">{escape(texts["Page size"])}<span class="caret"></span></button>'
           '<ul class="dropdown-menu" role="menu">']
    for size in range(25, 125, 25):
        if page * size <= count:
            active = ' class="active"' if size == page_size else ""
            out.append(f'<li{active}><a href="{escape(link_with(**{"psize_" + name: size}))}">{size}</a></li>')
    out.append("</ul></div>")
    return out


def _actions_menu(actions: dict, nonce: str, texts: dict[str, str]) -> list[str]:
    if not actions:
        return []
    out = ['<div class="btn-group"><button type="button" class="btn btn-default btn-sm dropdown-toggle" '
           f'data-toggle="dropdown">{escape(texts["Actions"])}<span class="caret"></span></button>'
           '<ul class="dropdown-menu" role="menu">']
    script = []
    for action in actions.values():
        out.append(f'<li><a href="#" class="{escape(action.name)}_menu_item"><i class="fa {escape(action.icon)}"></i> '
                   f'{escape(gettext(action.text))}</a></li>')
        confirm = f"'{escape(action.confirmation)}'" if action.confirmation else "false"
        script.append(f"$('.{escape(action.name)}_menu_item').on('click', function(){{ "
                      f"return modelActions.execute_multiple('{escape(action.name)}', {confirm}); }});")
    out.append(f'</ul><script nonce="{nonce}">$(document).ready(function() {{ {" ".join(script)} }});</script></div>')
    return out


def _button(href: str, title: str, text: str, icon: str, css: str = "btn-default") -> str:
    return (f'<a href="{escape(href)}" class="btn btn-sm {css}" data-toggle="tooltip" rel="tooltip" '
            f'title="{escape(title)}"><span class="sr-only">{escape(text)}</span><i class="fa {icon}"></i></a>')


class CachedSearchWidget:
    """FAB's search widget (the filter form and its script), rendered once per view, language and active filters.

    FAB renders every search field and its filter names on every list page; when no search field is a
    related-model dropdown (whose choices depend on the user's scope and on the rows of another table) the
    result depends only on the view, the language and the active filters, so a worker keeps it (the request's
    script nonce is put in on each use)."""

    MAX_ENTRIES = 256
    _HOLE = "\x00nonce\x00"

    def __init__(self, widget: Any, view_key: str) -> None:
        self.widget, self.view_key = widget, view_key

    def __call__(self, **kwargs: Any) -> Markup:
        filters = self.widget.filters
        key = (self.view_key, str(get_locale()), request.script_root,
               repr(filters.get_filters_values_tojson() if filters is not None else ()), repr(sorted(kwargs.items())))
        nonce = csp_nonce()
        cache = current_app.extensions.setdefault("govkit_search_widgets", {})
        html = cache.get(key)
        if html is None:
            html = str(self.widget(**kwargs))
            if len(cache) >= self.MAX_ENTRIES:
                cache.clear()
            cache[key] = html.replace(nonce, self._HOLE)
            return Markup(html)
        return Markup(html.replace(self._HOLE, nonce))


class FastListWidget:
    """Drop-in for FAB's ``ListWidget`` (same arguments; ``view`` is the model view, ``seek`` the URL of the
    next page when it is reached by seeking, ``deep`` true on such a page)."""

    def __init__(self, **kwargs: Any) -> None:
        self.template_args = kwargs

    def __call__(self, **kwargs: Any) -> Markup:
        return Markup(render_list(**{**self.template_args, **kwargs}))


def render_list(view: Any, label_columns: dict, include_columns: list[str], value_columns: list[dict],
                order_columns: list[str], formatters_columns: dict, page: int | None, page_size: int, count: int,
                pks: list[Any], actions: dict, filters: Any, modelview_name: str, seek: str | None = None,
                deep: bool = False, **_: Any) -> str:
    texts, nonce, name = _texts(), csp_nonce(), modelview_name
    page = page or 0
    can_add, can_show, can_edit, can_delete = (_visible(view, "can_" + m) for m in ("add", "show", "edit", "delete"))
    actions = {key: action for key, action in (actions or {}).items()
               if action.multiple and _visible(view, action.name)}
    carried = _related_filters(filters)
    out = ['<div class="well well-sm">']
    out += _pagination(page, page_size, count, name, seek, deep)
    out += _page_size_menu(page, page_size, count, name, texts)
    if can_add:
        out.append(_button(url_for(name + ".add") + carried, texts["Add a new record"], texts["Add"], "fa-plus",
                           "btn-primary"))
    out += _actions_menu(actions, nonce, texts)
    out.append(_button(url_for("UtilView.back"), texts["Back"], texts["Back"], "fa-arrow-left"))
    out.append(f'<div class="pull-right"><strong>{escape(texts["Record Count"])}:</strong> {escape(count)}</div>')
    out.append("</div>")
    if not count:
        out.append(f"<b>{escape(texts['No records found'])}</b>")
        return "".join(out)
    out.append('<div class="table-responsive"><table class="table table-bordered table-hover"><thead><tr>')
    if actions:
        out.append('<th class="action_checkboxes"><input id="check_all" class="action_check_all" name="check_all" '
                   'type="checkbox"></th>')
    crud = can_show or can_edit or can_delete
    if crud:
        out.append('<th class="col-md-1 col-lg-1 col-sm-1" ></th>')
    ordered, direction = request.args.get("_oc_" + name), request.args.get("_od_" + name)
    for column in include_columns:
        label = escape(label_columns.get(column, column))
        if column in order_columns:
            icon = "fa-arrows-v" if ordered != column else "fa-chevron-up" if direction == "asc" else "fa-chevron-down"
            flip = "desc" if ordered is not None and direction == "asc" else "asc"
            href = link_with(**{"_oc_" + name: column, "_od_" + name: flip, "page_" + name: None,
                                "after_" + name: None})
            out.append(f'<th><a href="{escape(href)}">{label} <i class="fa {icon} pull-right"></i></a></th>')
        else:
            out.append(f"<th>{label}</th>")
    out.append("</tr></thead>")
    # One url_for per kind of link; each row's link is the pattern with its key.
    marker = "0gkpk0"
    show = url_for(name + ".show", pk=marker) if can_show else None
    edit = url_for(name + ".edit", pk=marker) if can_edit else None
    delete = url_for(name + ".delete", pk=marker) if can_delete else None
    formatters = [formatters_columns.get(column) for column in include_columns]
    for pk, item in zip(pks, value_columns):
        out.append("<tr>")
        key = escape(pk)
        if actions:
            out.append(f'<td><input id="{key}" class="action_check" name="rowid" value="{key}" type="checkbox"></td>')
        if crud:
            path = quote(str(pk), safe="")
            out.append('<td><center><div class="btn-group btn-group-xs" style="display: flex;">')
            if show:
                out.append(_button(show.replace(marker, path) + carried, texts["Show record"], texts["Show"],
                                   "fa-search"))
            if edit:
                out.append(_button(edit.replace(marker, path) + carried, texts["Edit record"], texts["Edit"],
                                   "fa-edit"))
            if delete:
                href = escape(delete.replace(marker, path))
                out.append(f'<a id="btn-delete-{href}" href="#" class="btn btn-sm btn-default confirm" rel="tooltip" '
                           f'title="{escape(texts["Delete record"])}"><span class="sr-only">'
                           f'{escape(texts["Delete"])}</span><i class="fa fa-trash"></i></a>'
                           f'<script nonce="{nonce}">document.getElementById("btn-delete-{href}")'
                           '.addEventListener("click", function () { const adminAction = new AdminActions(); '
                           f"return adminAction.execute_single_delete('{href}','"
                           f"{escape(texts['Are you sure you want to delete this item?'])}'); }})</script>")
            out.append("</div></center></td>")
        for column, formatter in zip(include_columns, formatters):
            value = item[column]
            out.append(f"<td>{escape(formatter(value) if formatter else value)}</td>")
        out.append("</tr>")
    out.append("</table></div>")
    csrf = current_app.jinja_env.globals.get("csrf_token")
    token = f'<input type="hidden" name="csrf_token" value="{escape(csrf())}"/>' if csrf else ""
    if actions:
        out.append(f'<form id="action_form" action="{escape(url_for(name + ".action_post"))}" method="POST" '
                   f'style="display: none">{token}<input type="hidden" id="action" name="action" /></form>')
    else:
        out.append(f'<form id="delete_form" action="" method="POST" style="display: none">{token}'
                   '<input type="hidden" id="delete" name="delete" /></form>')
    out.append(f'<script nonce="{nonce}">$(document).ready(function() {{ window.modelActions = new AdminActions(); }});'
               "</script>")
    return "".join(out)

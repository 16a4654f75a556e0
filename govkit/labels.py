"""How values are shown on screens (显示格式): labels, not raw values.

One place decides how a stored value reads on a page: empty → —, booleans → 是/否, instants in
China time to the minute, dates as ``YYYY-MM-DD``, division codes as the division's name, lists
joined with 、. :func:`apply_to_views` gives every Flask-AppBuilder view these formatters for the
columns it does not format itself (so FAB's own user and role screens get them too), and
:func:`register` adds the same as Jinja filters (``shown``, ``local_time``, ``division_name``) for
govkit's own templates.
"""
from __future__ import annotations

import enum
from datetime import date, datetime, timezone
from typing import Any, Callable, Iterable

from sqlalchemy import select

from govkit.clock import LOCAL_TZ

EMPTY = "—"
MINUTE = "%Y-%m-%d %H:%M"


def local_time(value: datetime | None, fmt: str = MINUTE) -> str:
    """An instant in China time (stored as UTC; naive values, as SQLite returns them, are UTC)."""
    if value is None:
        return EMPTY
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(LOCAL_TZ).strftime(fmt)


def shown(value: Any) -> Any:
    """A value as a person reads it; anything already readable comes back unchanged."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return EMPTY
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return local_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return shown(value.value)
    if isinstance(value, (list, tuple, set)) and not isinstance(value, str):
        return "、".join(str(shown(v)) for v in value) or EMPTY
    return value


def division_name(code: str | None) -> str:
    """The name of the division with ``code`` (the code itself when unknown), cached per request."""
    # Imported here on purpose: services import this module for local_date() and must stay Flask-free.
    from flask import g  # deferred: services import this module and must stay Flask-free

    from govkit.db import db  # deferred: as above (db loads Flask)
    from govkit.hierarchy.models import Division  # deferred: labels sits below the domains

    if not code:
        return EMPTY
    names = g.setdefault("govkit_division_names", {})
    if code not in names:
        names[code] = db.session.scalar(select(Division.name).where(Division.code == code)) or code
    return names[code]


def prime_division_names(codes: Any) -> None:
    """Look up the names of many division codes in one query for this request (a list page primes its
    division-code columns, so showing names costs one statement whatever the page size)."""
    from flask import g  # deferred: services import this module and must stay Flask-free

    from govkit.db import db  # deferred: as above (db loads Flask)
    from govkit.hierarchy.models import Division  # deferred: labels sits below the domains

    names = g.setdefault("govkit_division_names", {})
    wanted = sorted({c for c in codes if c and isinstance(c, str)} - set(names))
    if wanted:
        found = dict(db.session.execute(select(Division.code, Division.name).where(Division.code.in_(wanted))).all())
        names.update({code: found.get(code) or code for code in wanted})


def is_division_column(name: str) -> bool:
    """Whether a list column holds division codes (shown by name)."""
    return name.endswith("division_code") or name in ("division_codes", "scope_code")


def _division_names(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return "、".join(division_name(v) for v in value) or EMPTY
    if isinstance(value, str) and "," in value:
        return "、".join(division_name(v.strip()) for v in value.split(",") if v.strip())
    return division_name(value)


def formatter_for(column: str) -> Callable[[Any], Any]:
    """The formatter a column gets unless its view names one."""
    return _division_names if is_division_column(column) else shown


def _then_shown(formatter: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def formatted(value: Any) -> Any:
        return shown(formatter(value))
    return formatted


def apply_to_views(views: Iterable[Any]) -> None:
    """Give each model view's list and show columns the shared formatters, and blank choices a —.

    A view's own formatter stays; its empty result is still shown as —. Select fields for an optional
    relation offer the blank choice as — (FAB leaves its label empty, and WTForms then prints the
    value ``__None``).
    """
    for view in views:
        columns = [*getattr(view, "list_columns", ()), *getattr(view, "show_columns", ())]
        if not columns or not hasattr(view, "formatters_columns"):
            continue
        own = dict(view.formatters_columns or {})
        view.formatters_columns = {
            column: _then_shown(own[column]) if column in own else formatter_for(column) for column in columns
        } | {column: formatter for column, formatter in own.items() if column not in columns}
        for form in (getattr(view, "add_form", None), getattr(view, "edit_form", None),
                     getattr(view, "search_form", None)):
            _blank_choices(form)


def _blank_choices(form: Any) -> None:
    if form is None:
        return
    for unbound in vars(form).values():
        kwargs = getattr(unbound, "kwargs", None)
        if isinstance(kwargs, dict) and kwargs.get("allow_blank") and not kwargs.get("blank_text"):
            kwargs["blank_text"] = EMPTY


def register(app: Any) -> None:
    """Add the Jinja filters every template may use."""
    app.jinja_env.filters["shown"] = shown
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["division_name"] = division_name

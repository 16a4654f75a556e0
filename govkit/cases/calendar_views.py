"""Admin screens of the working-day calendar: single days, entered years, "enter a year".

A change on 日历调整 (add, edit, delete) goes through
:func:`govkit.cases.calendar_changes.commit_day_changes`: the day, the recomputed open
cases with their events and the SQL working-day table are committed together, or not at all.
"""
from __future__ import annotations

import os

from flask import current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView, ModelView, expose, has_access
from flask_appbuilder.fieldwidgets import DatePickerWidget, Select2Widget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import inspect, select
from wtforms import DateField, SelectField
from wtforms.validators import InputRequired, StopValidation

from govkit.cases.calendar import format_chinese_date
from govkit.cases.calendar_changes import DeadlineMove, commit_day_changes, describe_day, enter_year_schedule
from govkit.cases.calendar_store import parse_day, parse_schedule_text, years_to_enter
from govkit.cases.models import CalendarDay, CalendarYear
from govkit.cases.runtime import calendar_for, workflow_for
from govkit.db import db
from govkit.errors import CalendarYearNotCovered, GovkitError
from govkit.web.actor import request_actor

TEMPLATES = os.path.join(os.path.dirname(__file__), "templates")


def _admin_actor():
    return request_actor()


def flash_moves(moves: list[DeadlineMove], done: str) -> None:
    """``done``, how many deadlines moved, and a warning naming those that moved earlier."""
    flash(f"{done}重新计算了 {len(moves)} 件办件的期限。", "success")
    earlier = [m for m in moves if m.earlier]
    if earlier:
        flash(f"其中 {len(earlier)} 件的办结期限提前（日历更正按实际工作日计算）："
              + "；".join(f"{m.case_number} {m.label()}" for m in earlier[:20])
              + ("……" if len(earlier) > 20 else ""), "warning")


class CalendarDayInterface(SQLAInterface):
    """FAB datamodel of 日历调整 whose writes also recompute the deadlines the day moves."""

    def add(self, item, commit=True):
        self.session.add(item)
        self._finish([item.day], describe_day(item.day, item.is_working, item.name))

    def edit(self, item, commit=True):
        # The form may have moved the row to another date: both dates change.
        moved_from = list(inspect(item).attrs.day.history.deleted)
        try:
            self._finish([item.day, *moved_from], describe_day(item.day, item.is_working, item.name))
        except GovkitError as exc:
            flash(str(exc), "danger")  # FAB's edit shows only its generic database message
            raise

    def delete(self, item, commit=True):
        self.session.delete(item)
        self._finish([item.day], describe_day(item.day, None, item.name))

    def _finish(self, days, what: str) -> None:
        moves = commit_day_changes(self.session, days, _admin_actor(), f"日历调整：{what}", workflow=workflow_for())
        flash_moves(moves, "日历调整已保存，")


class CalendarDayCheck:
    """Form check of the date: a year the calendar supports, one adjustment per date."""

    def __call__(self, form, field) -> None:
        day = field.data
        if day is None:
            return  # empty or not a date: the field already carries the message
        try:
            calendar_for(db.session).check_year(day.year)
        except CalendarYearNotCovered as exc:
            raise StopValidation(str(exc)) from None
        row = db.session.scalar(select(CalendarDay).where(CalendarDay.day == day))
        if row is not None and getattr(form, "_id", None) != row.id:
            raise StopValidation(f"{format_chinese_date(day)}已有一条日历调整（{row.name}），请在列表中编辑那一条。")


class DayField(DateField):
    """A date typed as ``2026-12-31``; anything else is refused with the text named (Chinese)."""

    def process_formdata(self, valuelist) -> None:
        text = " ".join(valuelist).strip() if valuelist else ""
        self.data = None
        if text:
            try:
                self.data = parse_day(text)
            except GovkitError as exc:
                raise ValueError(str(exc)) from None


def _as_bool(value) -> bool:
    return value is True or str(value) in ("True", "1", "y", "on")


# FAB would make both fields "required" (the columns are NOT NULL), which an unticked
# checkbox never satisfies; a select says 放假/上班 plainly.
_DAY_FIELDS = {
    "day": DayField("日期", validators=[InputRequired("请填写日期，如 2026-12-31。"), CalendarDayCheck()],
                    widget=DatePickerWidget(), description="格式 2026-12-31。"),
    "is_working": SelectField("调整为", choices=[(False, "放假（这天不计工作日）"), (True, "上班（这天计工作日）")],
                              coerce=_as_bool, default=False, widget=Select2Widget(),
                              description="放假：如防汛、县城封闭停止办公；上班：如额外的集中办理日。"),
}


class CalendarDayView(ModelView):
    """日历调整：单日放假或上班（如本县防汛停工）。"""

    datamodel = CalendarDayInterface(CalendarDay)
    route_base = "/calendar/days"
    list_title = show_title = add_title = edit_title = "日历调整"
    list_columns = ["day", "is_working", "name"]
    add_columns = edit_columns = show_columns = ["day", "is_working", "name"]
    label_columns = {"day": "日期", "is_working": "调整为", "name": "说明"}
    description_columns = {"name": "调整原因，会写入受影响办件的办理过程记录。"}
    add_form_extra_fields = edit_form_extra_fields = _DAY_FIELDS
    base_order = ("day", "desc")
    formatters_columns = {"is_working": lambda v: "上班" if v else "放假"}
    database_error_message = "日历调整未保存，没有修改任何数据。"


class CalendarYearView(ModelView):
    """已录入年度。"""

    datamodel = SQLAInterface(CalendarYear)
    route_base = "/calendar/years"
    base_permissions = ["can_list", "can_show"]
    list_title = show_title = "已录入年度"
    list_columns = ["year", "entered_at", "entered_by"]
    label_columns = {"year": "年份", "entered_at": "录入时间", "entered_by": "录入人"}


class EnterYearView(BaseView):
    """录入年度节假日安排 form."""

    route_base = "/calendar/enter-year"
    default_view = "enter"
    template_folder = TEMPLATES

    @expose("/", methods=["GET", "POST"])
    @has_access
    def enter(self):
        calendar = calendar_for(db.session)
        pending = years_to_enter(db.session, calendar)
        form = {"year": request.form.get("year") or (pending[0] if pending else calendar.published_years()[-1] + 1),
                "holidays": request.form.get("holidays", ""), "makeup": request.form.get("makeup", "")}
        if request.method == "POST":
            try:
                year = int(form["year"])
                schedule = parse_schedule_text(year, form["holidays"], form["makeup"])
                moves = enter_year_schedule(db.session, schedule, _admin_actor(), workflow=workflow_for())
            except ValueError:
                flash("年份应为四位数字。", "danger")
            except GovkitError as exc:
                db.session.rollback()
                flash(str(exc), "danger")
            else:
                flash_moves(moves, f"已录入 {year} 年节假日安排，")
                # The admin banner ("… 年未录入", cached for a minute) must not outlive the entry.
                current_app.extensions["govkit"].cache.pop("calendar_banner", None)
                return redirect(url_for("EnterYearView.enter"))
        return self.render_template("cases/enter_year.html", pending_years=pending,
                                    published=calendar.published_years()[-3:], **form)

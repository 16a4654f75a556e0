"""Admin screens of the working-day calendar: single days, entered years, "enter a year"."""
from __future__ import annotations

import os

from flask import flash, redirect, request, url_for
from flask_appbuilder import BaseView, ModelView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface

from govkit.cases.calendar_store import (enter_year_schedule, fill_working_days, parse_schedule_text,
                                         years_to_enter)
from govkit.cases.models import CalendarDay, CalendarYear
from govkit.cases.runtime import calendar_for, workflow_for
from govkit.db import db
from govkit.errors import GovkitError

TEMPLATES = os.path.join(os.path.dirname(__file__), "templates")


def _calendar_changed() -> None:
    workflow = workflow_for()
    workflow.invalidate_calendar()
    fill_working_days(db.session, workflow.calendar(db.session))
    db.session.commit()


class CalendarDayView(ModelView):
    """日历调整：单日放假或上班（如本县防汛停工）。"""

    datamodel = SQLAInterface(CalendarDay)
    route_base = "/calendar/days"
    list_title = show_title = add_title = edit_title = "日历调整"
    list_columns = ["day", "is_working", "name"]
    add_columns = edit_columns = show_columns = ["day", "is_working", "name"]
    label_columns = {"day": "日期", "is_working": "上班", "name": "说明"}
    base_order = ("day", "desc")
    formatters_columns = {"is_working": lambda v: "上班" if v else "放假"}

    def post_add(self, item):
        _calendar_changed()

    def post_update(self, item):
        _calendar_changed()

    def post_delete(self, item):
        _calendar_changed()


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
        from govkit.cases.api import request_actor

        calendar = calendar_for(db.session)
        pending = years_to_enter(db.session, calendar)
        form = {"year": request.form.get("year") or (pending[0] if pending else calendar.published_years()[-1] + 1),
                "holidays": request.form.get("holidays", ""), "makeup": request.form.get("makeup", "")}
        if request.method == "POST":
            try:
                year = int(form["year"])
                schedule = parse_schedule_text(year, form["holidays"], form["makeup"])
                changed = enter_year_schedule(db.session, schedule, request_actor(), workflow=workflow_for())
            except ValueError:
                flash("年份应为四位数字。", "danger")
            except GovkitError as exc:
                db.session.rollback()
                flash(str(exc), "danger")
            else:
                flash(f"已录入 {year} 年节假日安排，重新计算了 {len(changed)} 件办件的期限。", "success")
                return redirect(url_for("EnterYearView.enter"))
        return self.render_template("cases/enter_year.html", pending_years=pending,
                                    published=calendar.published_years()[-3:], **form)

"""Built-in plugin: the Chinese working-day calendar (chinesecalendar package + admin entries).

The statutory holidays and 调休 days come from the package inside ``WorkingCalendar``;
this plugin adds the admin screens, the ``govkit calendar`` commands, the "enter next
year" banner and fills the SQL working-day table at start-up.
"""
import logging
import time

from govkit.plugins import hookimpl

log = logging.getLogger(__name__)
BANNER_TTL = 60.0


@hookimpl
def register_calendar_overrides(settings):
    # The statutory calendar is already in WorkingCalendar; a county adds local days
    # through this hook or the admin screen.
    return []


@hookimpl
def register_commands(cli):
    # deferred: built-ins load with the settings; domain code loads when the hook runs
    from govkit.cases.cli import calendar_group

    cli.add_command(calendar_group)


def calendar_banner(app):
    """Message asking admins to enter a year, or None (cached for a minute)."""
    # deferred: built-ins load with the settings; domain code loads when the hook runs
    from govkit.state import get_state
    from govkit.cases.calendar_store import years_to_enter
    from govkit.cases.runtime import calendar_for
    from govkit.db import db

    cache = get_state(app).cache
    hit = cache.get("calendar_banner")
    if hit and time.monotonic() - hit[0] < BANNER_TTL:
        return hit[1]
    years = years_to_enter(db.session, calendar_for(db.session, app))
    message = None
    if years:
        message = (f"{'、'.join(map(str, years))} 年的节假日安排尚未录入，相关办件的办结期限均为暂定。"
                   "请在“系统管理 → 录入年度节假日安排”中录入（或升级 chinesecalendar 包）。")
    cache["calendar_banner"] = (time.monotonic(), message)
    return message


@hookimpl
def register_views(appbuilder, app):
    # deferred: built-ins load with the settings; domain code loads when the hook runs
    from flask import flash, request, session
    from flask_login import current_user

    from govkit.cases.calendar_views import CalendarDayView, CalendarYearView, EnterYearView

    appbuilder.add_view(CalendarDayView, "日历调整", category="系统管理", category_label="系统管理",
                        icon="fa-calendar")
    appbuilder.add_view(CalendarYearView, "已录入年度", category="系统管理", icon="fa-calendar-check-o")
    appbuilder.add_view(EnterYearView, "录入年度节假日安排", category="系统管理", icon="fa-calendar-plus-o")

    def is_admin():
        return current_user.is_authenticated and any(r.name == "Admin" for r in current_user.roles)

    @app.before_request
    def _calendar_banner():
        if request.method != "GET" or request.path.startswith(("/api/", "/static/")) or not is_admin():
            return
        message = calendar_banner(app)
        if message and not any(m == message for _, m in session.get("_flashes", [])):
            flash(message, "warning")

    @app.context_processor
    def _calendar_notice():
        return {"govkit_calendar_notice": calendar_banner(app) if is_admin() else None}


@hookimpl
def startup(app, settings):
    import sqlalchemy as sa  # deferred: built-ins load with the settings; domain code loads when the hook runs

    from govkit.cases.calendar_store import fill_working_days
    from govkit.cases.runtime import calendar_for
    from govkit.db import db

    with app.app_context():
        if not sa.inspect(db.engine).has_table("gk_working_day"):
            return  # schema not created yet (govkit db upgrade fills it on the next start)
        try:
            if fill_working_days(db.session, calendar_for(db.session, app)):
                db.session.commit()
        except sa.exc.IntegrityError:  # another worker filled it at the same moment
            db.session.rollback()
        finally:
            db.session.remove()

"""运行参数: the settings an administrator may change while govkit runs, on a screen, every change audited.

A setting declared with ``runtime=(lowest, highest)`` (govkit.settings: the card thresholds, the 补正 and
整改 periods, the transfer report, the idle timeout) can be overridden on **安全 → 运行参数**
(``/admin/runtime-settings/``, administrators only, CSRF-protected POSTs). The value is stored in
``gk_runtime_setting`` — an audited table, so the audit trail records the old and new value, who and when —
and applied to the app's resolved settings (``get_state(app).settings``), which every reader uses at request
time: at once in the worker that saved it, within :data:`REFRESH_SECONDS` in every other worker. Removing the
override (恢复配置文件的值) brings back the config file's value.
"""
from __future__ import annotations

import json
import logging
import time
from typing import Any

import sqlalchemy as sa
from flask import current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from sqlalchemy.orm import Session

from govkit.auth.models import RuntimeSetting
from govkit.db import db
from govkit.errors import GovkitError
from govkit.orm import utcnow
from govkit.state import get_state

log = logging.getLogger(__name__)

#: How long a worker keeps the overrides it read before reading them again.
REFRESH_SECONDS = 30.0
_EXTENSION = "govkit_runtime_settings"
SOURCE = "运行参数（管理员修改）"


def runtime_declared(settings: Any) -> list[Any]:
    """The declared settings an administrator may change at run time, in declaration order."""
    return [s for s in settings.declared.values() if getattr(s, "runtime", None)]


def _memory(app: Any) -> dict[str, Any]:
    return app.extensions.setdefault(_EXTENSION, {"base": {}, "loaded_at": None})


def apply_overrides(app: Any, session: Session | sa.Connection, *, force: bool = False) -> None:
    """Put the stored overrides into the app's settings (and take back removed ones); at most every
    :data:`REFRESH_SECONDS` unless ``force``."""
    memory, now = _memory(app), time.monotonic()
    if not force and memory["loaded_at"] is not None and now - memory["loaded_at"] < REFRESH_SECONDS:
        return
    settings = get_state(app).settings
    rows = dict(session.execute(sa.select(RuntimeSetting.name, RuntimeSetting.value)).all())
    for setting in runtime_declared(settings):
        base = memory["base"].setdefault(setting.name, (settings.values.get(setting.name),
                                                        settings.sources.get(setting.name)))
        value, source = base
        if setting.name in rows:
            try:
                value, source = check_value(setting, json.loads(rows[setting.name])), SOURCE
            except (GovkitError, ValueError) as error:  # a row written by hand: keep the file's value
                log.error("运行参数 %s 的存储值无效，仍用配置文件的值：%s", setting.name, error)
        settings.values[setting.name], settings.sources[setting.name] = value, source
    memory["loaded_at"] = now


def check_value(setting: Any, raw: Any) -> Any:
    """``raw`` (text from the form, or the stored JSON) converted to the setting's type and within its bounds;
    a :class:`GovkitError` in Chinese otherwise."""
    if isinstance(raw, str) and not raw.strip():
        raise GovkitError(f"请填写 {setting.name} 的值。")
    value = setting.convert(raw.strip() if isinstance(raw, str) else raw, "运行参数")
    lowest, highest = setting.runtime
    if not lowest <= value <= highest:
        raise GovkitError(f"运行参数 {setting.name} 的值 {value} 超出允许范围 {lowest:g}～{highest:g}。")
    return value


def init_runtime_settings(app: Any) -> None:
    """Read the overrides once at start-up (when the table exists) and again every REFRESH_SECONDS."""
    try:
        with db.engine.connect() as connection:
            apply_overrides(app, connection, force=True)
    except sa.exc.DBAPIError:  # tables not created yet (a fresh instance before `govkit db upgrade`)
        pass
    app.before_request(lambda: apply_overrides(current_app, db.session))


class RuntimeSettingsView(BaseView):
    """运行参数: see and change the runtime settings (administrators)."""

    route_base = "/admin/runtime-settings"
    default_view = "list"

    @expose("/")
    @has_access
    def list(self):
        settings = get_state(current_app).settings
        apply_overrides(current_app, db.session, force=True)
        base = _memory(current_app)["base"]
        rows = [{"name": s.name, "description": s.description, "value": settings.values.get(s.name),
                 "overridden": settings.sources.get(s.name) == SOURCE, "file_value": base.get(s.name, (None,))[0],
                 "bounds": f"{s.runtime[0]:g}～{s.runtime[1]:g}"} for s in runtime_declared(settings)]
        return self.render_template("govkit/runtime_settings.html", rows=rows, title="运行参数")

    @expose("/save", methods=["POST"])
    @has_access
    def save(self):
        settings = get_state(current_app).settings
        declared = {s.name: s for s in runtime_declared(settings)}
        name = request.form.get("name", "")
        setting = declared.get(name)
        if setting is None:
            flash("没有这个运行参数。", "danger")
            return redirect(url_for("RuntimeSettingsView.list"))
        row = db.session.get(RuntimeSetting, name)
        if request.form.get("reset"):
            if row is not None:
                db.session.delete(row)
            message = f"{name} 已恢复为配置文件的值。"
        else:
            try:
                value = check_value(setting, request.form.get("value", ""))
            except GovkitError as error:
                flash(str(error), "danger")
                return redirect(url_for("RuntimeSettingsView.list"))
            if row is None:
                row = RuntimeSetting(name=name)
                db.session.add(row)
            row.value, row.changed_at = json.dumps(value), utcnow()
            row.changed_by = str(getattr(self.appbuilder.sm.current_user, "username", ""))[:100]
            message = f"{name} 已改为 {value}。"
        db.session.commit()  # the audit trail records the change in the same transaction
        apply_overrides(current_app, db.session, force=True)
        flash(message, "info")
        return redirect(url_for("RuntimeSettingsView.list"))

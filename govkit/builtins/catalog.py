"""Built-in plugin: catalog — 事项管理 screens and REST APIs, ``govkit catalog …`` commands, and the
start-up sync of plugin items (when SYNC_ITEMS_ON_START is true)."""
from __future__ import annotations

import logging

from govkit.plugins import hookimpl

log = logging.getLogger(__name__)


@hookimpl
def register_views(appbuilder, app):
    # deferred: built-ins load with the settings; domain code loads when the hook runs
    from govkit.catalog import implementation_views

    implementation_views.register(appbuilder)


@hookimpl
def register_commands(cli):
    # deferred: built-ins load with the settings; domain code loads when the hook runs
    from govkit.catalog import cli as catalog_cli

    catalog_cli.register(cli)


@hookimpl
def startup(app, settings):
    if not settings["SYNC_ITEMS_ON_START"]:
        return
    # deferred: built-ins load with the settings; domain code loads when the hook runs
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from govkit.state import get_state
    from govkit.catalog.sync import sync_plugin_items
    from govkit.db import db

    with app.app_context():
        try:
            report = sync_plugin_items(db.session, get_state(app).pm, settings)
            db.session.commit()
        except (OperationalError, ProgrammingError) as exc:
            # A fresh deployment before `govkit db upgrade`: nothing to sync into yet.
            db.session.rollback()
            log.warning("启动时同步插件事项失败（数据库尚未初始化？请先运行 govkit db upgrade）：%s", exc)
            return
        finally:
            db.session.remove()
    get_state(app).cache["catalog_sync"] = report
    log.info("插件事项同步：新增 %d，更新 %d，冲突 %d，错误 %d", len(report.created), len(report.updated),
             len(report.conflicts), len(report.errors))
    for conflict in report.conflicts:
        log.warning("插件事项冲突：%s", conflict)
    for error in report.errors:
        log.error("插件事项错误：%s", error)

"""The audit log screen (审计日志): supervisors (监察) and admins search it; nobody edits it."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask_appbuilder import ModelView
from flask_appbuilder.models.sqla.interface import SQLAInterface

from govkit.audit.models import AuditEntry

ROLE = "监察"
_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_BEIJING = ZoneInfo("Asia/Shanghai")


def _local(value):
    if isinstance(value, str) and _INSTANT.match(value):
        try:
            at = datetime.fromisoformat(value)
        except ValueError:
            return value
        return (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).astimezone(_BEIJING).strftime("%Y-%m-%d %H:%M")
    return value


def snapshot(text: str | None) -> str:
    """修改前/修改后 as stored (JSON), its instants shown in Beijing time to the minute like every screen."""
    if not text:
        return "—"
    try:
        data = json.loads(text)
    except ValueError:
        return text
    if isinstance(data, dict):
        data = {key: _local(value) for key, value in data.items()}
    return json.dumps(data, ensure_ascii=False)


class AuditEntryView(ModelView):
    """审计日志（只读，可搜索）."""

    datamodel = SQLAInterface(AuditEntry)
    route_base = "/audit"
    class_permission_name = "AuditEntryView"
    base_permissions = ["can_list", "can_show"]
    base_order = ("seq", "desc")
    list_title = show_title = "审计日志"
    list_columns = ["seq", "at", "actor", "action", "table_name", "row_key", "summary"]
    show_columns = ["seq", "at", "actor", "action", "table_name", "row_key", "summary", "before", "after",
                    "prev_hash", "hash"]
    search_columns = ["at", "actor", "action", "table_name", "row_key", "summary"]
    label_columns = {"seq": "序号", "at": "时间", "actor": "操作人", "action": "操作", "table_name": "数据表",
                     "row_key": "记录", "summary": "对象", "before": "修改前", "after": "修改后",
                     "prev_hash": "前一条哈希", "hash": "本条哈希"}
    formatters_columns = {"before": snapshot, "after": snapshot}
    govkit_role_permissions = {ROLE: ["can_list", "can_show"]}


def register(appbuilder) -> None:
    appbuilder.add_view(AuditEntryView, "审计日志", icon="fa-history", category="系统管理", category_label="系统管理")

"""The base of every desk screen: a light page (own small template), scope and actor at hand."""
from __future__ import annotations

from flask_appbuilder import BaseView
from flask_login import current_user

from govkit.desk import web
from govkit.desk.queues import QUEUES, queues_for

READERS = ("受理员", "代办员", "办理员", "指挥中心", "机关负责人", "监察")
WORKERS = ("受理员", "代办员", "办理员", "指挥中心", "机关负责人")


def grants(**by_permission: tuple[str, ...]) -> dict[str, list[str]]:
    """``grants(can_read=READERS, can_act=WORKERS)`` → ``{role: [permissions]}``."""
    result: dict[str, list[str]] = {}
    for permission, roles in by_permission.items():
        for role in roles:
            result.setdefault(role, []).append(permission)
    return result


class DeskView(BaseView):
    """A desk screen. Templates extend ``desk/base.html`` (≈10 KB of CSS/JS in all)."""

    def render(self, template: str, **context):
        nav_queues, show_intake = [], False
        if current_user and current_user.is_authenticated:
            counts = web.menu_counts()
            nav_queues = [(q.name, q.label, counts.get(q.name, 0)) for q in queues_for(web.actor())]
            show_intake = web.actor().has_role("受理员", "代办员")
        return self.render_template(template, nav_queues=nav_queues, queues=QUEUES, show_intake=show_intake,
                                    asset_version=web.ASSET_VERSION, **context)

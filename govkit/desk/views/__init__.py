"""Desk screens (受理台, 待办, 办件详情, 纸质交接, 预约上门) and how they join the app."""
from __future__ import annotations


from flask import redirect
from flask_appbuilder import expose, has_access
from flask_login import current_user
from flask_wtf.csrf import generate_csrf


from govkit.cases.runtime import on_workflow, workflow_for
from govkit.desk import issuing
from govkit.desk.queues import QUEUES, queues_for
from govkit.desk.storage import FileStore
from govkit.desk.views.base import DeskView, grants
from govkit.desk.views.cases import DeskCaseView, DeskFileView, form_labels
from govkit.desk.views.intake import IntakeView
from govkit.desk.views.queues import DeskQueueView
from govkit.desk.views.transfers import TransferView
from govkit.desk.views.visits import HomeVisitView
from govkit.desk.web import QueueLabel, actor, assets
from govkit.state import get_state

__all__ = ["IntakeView", "DeskQueueView", "DeskCaseView", "DeskFileView", "TransferView", "HomeVisitView", "register"]

MENU_CATEGORY = "办件"


def queue_menu_view(queue):
    """A view class standing for one queue's menu entry (redirects to the queue page)."""
    def index(self):
        return redirect(f"/desk/queue/{queue.name}")

    index = has_access(expose("/")(index))
    return type(f"DeskQueueMenu_{queue.name}", (DeskView,), {
        "route_base": f"/desk/q/{queue.name}", "default_view": "index", "index": index,
        "class_permission_name": f"DeskQueue_{queue.name}", "method_permission_name": {"index": "read"},
        "govkit_role_permissions": grants(can_read=queue.roles),
    })


def _shown(queue):
    def cond() -> bool:
        return bool(current_user and current_user.is_authenticated) and queue in queues_for(actor())
    return cond


def document_issuer(app, workflow=None) -> issuing.Issuer:
    """The issue path of ``app`` (its templates, kinds, file store and settings) for ``workflow``
    (default: the app's own; the demo seeding passes its workflow with a clock set in the past)."""
    state = get_state(app)
    store = FileStore(app.config["GOVKIT_STORAGE_DIR"], int(state.settings["UPLOAD_MAX_BYTES"]))
    return issuing.issuer_for(state, workflow=workflow or workflow_for(app), store=store, form_labels=form_labels)


def follow_with_documents(app, workflow=None) -> None:
    """Let ``workflow`` (default: the app's own) issue the documents a step brings (the 特别程序告知书,
    行政许可法第四十五条; the 延期通知书, 第四十二条) through the one issue path, whoever performs it."""
    workflow = workflow or workflow_for(app)
    workflow.add_follower(issuing.action_follower(issuing.kinds_for(get_state(app)),
                                                  lambda: document_issuer(app, workflow)))


def register(appbuilder, app) -> None:
    """Add the desk views, the menu entries (queues with live counts) and the static assets."""
    app.register_blueprint(assets)
    # Desk templates (and FAB's, which test for it) put the token in every form.
    app.jinja_env.globals.setdefault("csrf_token", generate_csrf)
    category = dict(category=MENU_CATEGORY, category_label=MENU_CATEGORY, category_icon="fa-folder-open")
    appbuilder.add_view(IntakeView, "受理台", icon="fa-pencil-square-o", **category)
    appbuilder.add_view_no_menu(DeskQueueView)
    for queue in QUEUES.values():
        # One tiny view per queue carries the queue's roles, so sync_roles grants the menu entry
        # (menu_access) only to them; FAB's navbar checks menu_access, not ``cond``.
        anchor = appbuilder.add_view_no_menu(queue_menu_view(queue))
        appbuilder.add_link(f"待办-{queue.name}", href=f"/desk/queue/{queue.name}", icon="fa-inbox",
                            label=QueueLabel(queue.name, queue.label), cond=_shown(queue), baseview=anchor,
                            **category)
    appbuilder.add_view_no_menu(DeskCaseView)
    appbuilder.add_view_no_menu(DeskFileView)
    on_workflow(app, follow_with_documents)  # when the app's workflow is built (on first use)
    appbuilder.add_view(TransferView, "纸质资料交接", icon="fa-exchange", **category)
    appbuilder.add_view(HomeVisitView, "预约上门", icon="fa-home", **category)

"""Work queues (待办): one page per queue, sorted by due date, actions as buttons."""
from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_appbuilder import expose, has_access

from govkit.cases.idnumber import mask_id_number
from govkit.cases.runtime import workflow_for
from govkit.db import db
from govkit.desk import web
from govkit.desk.queues import QUEUES, SORTS, queue_page, queues_for
from govkit.desk.views.base import READERS, DeskView, grants

PAGE_SIZE = 50
PAGE_SIZES = (10, 25, 50, 100)


class DeskQueueView(DeskView):
    """待办."""

    route_base = "/desk/queue"
    default_view = "index"
    class_permission_name = "DeskQueue"
    method_permission_name = {"index": "read", "queue": "read"}
    govkit_role_permissions = grants(can_read=READERS)

    @expose("/")
    @has_access
    def index(self):
        mine = queues_for(web.actor())
        if not mine:
            return self.render("desk/queue.html", queue=None, rows=[], sort="due", page=1, more=False)
        counts = web.menu_counts()
        first = next((q for q in mine if counts.get(q.name)), mine[0])
        return redirect(url_for("DeskQueueView.queue", name=first.name))

    @expose("/<name>")
    @has_access
    def queue(self, name: str):
        actor, workflow = web.actor(), workflow_for()
        queue = QUEUES.get(name)
        if queue is None or queue not in queues_for(actor):
            abort(404)
        sort = request.args.get("sort", "due")
        sort = sort if sort in SORTS else "due"
        page = max(int(request.args.get("page", "1")) if request.args.get("page", "1").isdigit() else 1, 1)
        size = request.args.get("size", PAGE_SIZE, type=int)
        size = size if size in PAGE_SIZES else PAGE_SIZE
        rows = queue_page(db.session, actor, name, workflow.today(), web.settings(), sort=sort,
                          limit=size + 1, offset=(page - 1) * size)
        more = len(rows) > size
        rows = rows[:size]
        entries = []
        for case, remaining, card in rows:
            actions = workflow.allowed_actions(db.session, case, actor)
            entries.append({"case": case, "remaining": remaining, "card": card,
                            "id_masked": mask_id_number(case.applicant_id_number), "actions": actions})
        return self.render("desk/queue.html", queue=queue, rows=entries, sort=sort, page=page, more=more, size=size,
                           state_label=workflow.state_label, self_url=request.full_path.rstrip("?"))

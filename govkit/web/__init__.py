"""The web layer every domain's screens share (Flask and Flask-AppBuilder glue).

* :mod:`govkit.web.scope` — the current user's scope and the FAB filters applying it;
* :mod:`govkit.web.scoped` — :class:`ScopedModelView` / :class:`ScopedModelRestApi`, the
  bases of every scoped CRUD screen and REST API, and the CSV export helper;
* :mod:`govkit.web.actor` — the one request → :class:`~govkit.cases.workflow.Actor` function;
* :mod:`govkit.web.protect` — API protection (``protect_cached``) and the auth caches it reads.

Domains' ``services``, ``workflow`` and ``calendar`` modules never import this package:
they run from a CLI, a job worker or a test without an app.
"""

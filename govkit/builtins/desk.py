"""Built-in plugin: the desk — intake desk, work queues, case page, uploads, transfers, home visits."""
from govkit.plugins import hookimpl


@hookimpl
def register_views(appbuilder, app):
    from govkit.desk.views import register

    register(appbuilder, app)

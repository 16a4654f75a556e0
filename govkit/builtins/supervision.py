"""Built-in plugin: supervision (电子监察) — yellow/red cards, completion rates, 好差评 and complaints."""
from govkit.plugins import hookimpl


@hookimpl
def register_views(appbuilder, app):
    # deferred: built-ins load with the settings; domain code loads when the hook runs
    from govkit.supervision import views

    views.register(appbuilder, app)

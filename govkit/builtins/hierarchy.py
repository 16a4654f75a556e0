"""Built-in plugin: hierarchy — division/centre/department/staff screens, REST APIs and the
``govkit import divisions`` / ``govkit export divisions`` commands."""
from govkit.plugins import hookimpl


@hookimpl
def register_views(appbuilder, app):
    # deferred: built-ins load with the settings; domain code loads when the hook runs
    from govkit.hierarchy import views

    views.register(appbuilder)


@hookimpl
def register_commands(cli):
    # deferred: built-ins load with the settings; domain code loads when the hook runs
    from govkit.hierarchy import cli as hierarchy_cli

    hierarchy_cli.register(cli)

"""Built-in plugin: the desk — intake desk, work queues, case page, uploads, transfers, home visits."""
from govkit.plugins import hookimpl


@hookimpl
def register_views(appbuilder, app):
    # deferred: built-ins load with the settings; domain code loads when the hook runs
    from govkit.desk.views import register

    register(appbuilder, app)


@hookimpl
def register_commands(cli):
    # deferred: built-ins load with the settings; domain code loads when the hook runs
    from govkit.desk.cli import storage_group

    cli.add_command(storage_group)
